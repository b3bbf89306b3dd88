"""Review and approval per round × admin area, like DHIS2 data approval.

    ws.review.approve("idn-sulteng", round=3, area="ID7271", by="ana")   # → Approved
    ws.review.reopen("idn-sulteng", round=3, area="ID7271", reason="…", by="ana")
    ws.review.status("idn-sulteng", round=3)                             # → [RoundStatus]
    ws.review.flags("idn-sulteng", FlagFilter(round=3, area="ID7271"))   # → FlagPage
    ws.review.record("idn-sulteng", "uuid:…")                            # → RecordView
    ws.review.cleaning_log("idn-sulteng")                                # → LogPage

Approved submissions are what analytics count (`analytics/counted.py`); while an approval
stands they are locked: an edit arriving from a server and a cleaning-log row are refused.
"""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING

from pantau.review.approve import Approved, approve, reopen
from pantau.review.flagged import FlagFilter, FlagPage, flag_page
from pantau.review.locks import lock_of
from pantau.review.status import Progress, RoundStatus, status

if TYPE_CHECKING:
    from pantau.review.records import LogPage, RecordView
    from pantau.workspace import Workspace

__all__ = ["Approved", "FlagFilter", "FlagPage", "Progress", "Review", "RoundStatus",
           "default_user", "lock_of"]


def default_user() -> str:
    """Who acts, until accounts exist (issue 7): the OS user."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class Review:
    """`ws.review`: approve and reopen round × admin area, see the progress."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def approve(self, operation: str, round: int, area: str | None = None,  # noqa: A002
                type: str | None = None, by: str | None = None) -> Approved:  # noqa: A002
        """Approve one admin 1 or 2 area of a round (without `area`: all, bottom-up)."""
        with self.ws.session() as s:
            return approve(s, operation, round, area, type, by or default_user())

    def reopen(self, operation: str, round: int, area: str, reason: str,  # noqa: A002
               type: str | None = None, by: str | None = None) -> Approved:  # noqa: A002
        """Withdraw an approval (a reason is required); its submissions are unlocked."""
        with self.ws.session() as s:
            return reopen(s, operation, round, area, type, by or default_user(), reason)

    def status(self, operation: str, round: int | None = None,  # noqa: A002
               type: str | None = None) -> list[RoundStatus]:  # noqa: A002
        """Expected vs received, approved and flagged, per admin area and enumerator."""
        with self.ws.session() as s:
            return status(s, operation, round, type)

    def flags(self, operation: str, where: FlagFilter | None = None, limit: int = 100,
              offset: int = 0) -> FlagPage:
        """One page of flags of current versions, filtered by round, area, check, severity,
        enumerator or form (see `FlagFilter`)."""
        with self.ws.session() as s:
            return flag_page(s, operation, where or FlagFilter(), limit, offset)

    def record(self, operation: str, uuid: str, personal: bool = False) -> RecordView:
        """One submission with every version, its flags, cleaning-log rows and lock; the
        answers of personal fields hidden unless `personal`."""
        from pantau.review.records import record

        with self.ws.session() as s:
            return record(s, operation, uuid, personal)

    def cleaning_log(self, operation: str, form: str | None = None,
                     round: int | None = None, limit: int = 100,  # noqa: A002
                     offset: int = 0, personal: bool = False) -> LogPage:
        """The applied cleaning-log rows, newest first (personal values hidden unless
        `personal`)."""
        from pantau.review.records import cleaning_log

        with self.ws.session() as s:
            return cleaning_log(s, operation, form, round, limit, offset, personal)
