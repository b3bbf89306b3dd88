"""Field data in: files, KoboToolbox, ODK Central and OpenRosa, through one set of rules.

`ws.ingest` is the façade; `receive.py` holds the storage rules every source goes through.
Once an import, a pull, a reprocess or a single `receive` has committed, the quality checks
of one record run on what it stored, one pass for the lot (`pantau.quality.incoming`; off
with `on_ingest: false` in the operation's quality settings).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pantau.forms.store import current_version, get_form
from pantau.ingest.incoming import Incoming, IncomingAttachment
from pantau.ingest.receive import Outcome, receive
from pantau.ingest.stream import IngestResult, Unreadable, ingest

if TYPE_CHECKING:
    from pantau.ingest.attachments import Pulled
    from pantau.ingest.quarantine import QuarantineInfo, ReprocessResult
    from pantau.ingest.submissions import SubmissionDetail, SubmissionInfo
    from pantau.workspace import Workspace

__all__ = ["Incoming", "IncomingAttachment", "Ingest", "IngestResult", "Outcome",
           "Unreadable"]


class Ingest:
    """`ws.ingest`: bring submissions in and see what came."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def import_file(self, operation: str, form: str, path: str | Path,
                    progress: Callable[[int], None] | None = None,
                    check_progress: Callable[[int, int], None] | None = None) -> IngestResult:
        """Import a KoboToolbox or ODK Central export of `form`, all in one transaction:
        unreadable records go to the quarantine, an error leaves the store as it was. Then
        the per-record quality checks run on what it stored (`check_progress(done, total)`
        follows them)."""
        from pantau.ingest.files import read_export
        from pantau.quality.incoming import check_since, version_mark

        mark = version_mark(self.ws)
        with self.ws.session() as s:
            f = get_form(s, operation, form)
            fields = current_version(s, f).fields
            result = ingest(s, f, read_export(Path(path), fields), progress)
        check_since(self.ws, operation, mark, form, check_progress)
        return result

    def receive(self, operation: str, form: str, incoming: Incoming) -> Outcome:
        """Store one submission (what the OpenRosa endpoint and the pullers call)."""
        from pantau.quality.incoming import CHECKED_OUTCOMES, check_versions

        with self.ws.session() as s:
            out = receive(s, get_form(s, operation, form), incoming)
        if out.status in CHECKED_OUTCOMES and out.version_id is not None:
            check_versions(self.ws, operation, [out.version_id])
        return out

    def submissions(self, operation: str, form: str | None = None, state: str | None = None,
                    limit: int | None = None) -> list[SubmissionInfo]:
        """The operation's submissions (of one form, in one review state), oldest first."""
        from pantau.ingest.submissions import list_submissions

        with self.ws.session() as s:
            return list_submissions(s, operation, form, state, limit)

    def submission(self, operation: str, form: str, instance_id: str) -> SubmissionDetail:
        """One submission with every version (by root instance id or any version's id)."""
        from pantau.ingest.submissions import get_submission

        with self.ws.session() as s:
            return get_submission(s, operation, form, instance_id)

    def quarantined(self, operation: str, unresolved: bool = True) -> list[QuarantineInfo]:
        """What the quarantine holds for the operation (only what is unresolved by default)."""
        from pantau.ingest.quarantine import list_quarantined

        with self.ws.session() as s:
            return list_quarantined(s, operation, unresolved)

    def reprocess(self, operation: str, ids: list[int] | None = None) -> ReprocessResult:
        """Run quarantined records through the readers and storage rules again, after the
        form or mapping was fixed; what still fails stays, with the new reason."""
        from pantau.ingest.quarantine import reprocess
        from pantau.quality.incoming import check_since, version_mark

        mark = version_mark(self.ws)
        with self.ws.session() as s:
            result = reprocess(s, operation, ids)
        check_since(self.ws, operation, mark)
        return result

    def pull_central(self, operation: str, form: str, base_url: str, project_id: int,
                     xml_form_id: str | None = None, **options: object) -> Pulled:
        """Pull what changed on an ODK Central server since the last pull, page by page
        (each page its own transaction; an interrupted pull resumes). `options`: email,
        password or token, page_size, progress, retries, backoff, timeout, attachments
        (download them; default True), attachments_only (only fetch missing files) — see
        `pantau.ingest.central.odata.pull`."""
        from pantau.ingest.central.odata import pull
        from pantau.quality.incoming import check_since, version_mark

        mark = version_mark(self.ws)
        try:
            return pull(self.ws, operation, form, base_url, project_id, xml_form_id,
                        **options)  # type: ignore[arg-type]
        finally:  # the pages stored before an interruption are checked too
            check_since(self.ws, operation, mark, form)

    def pull_kobo(self, operation: str, form: str, base_url: str, asset_uid: str,
                  **options: object) -> Pulled:
        """Pull what was submitted to a KoboToolbox project since the last pull, page by page
        (each page its own transaction; an interrupted pull resumes). `options`: token (else
        PANTAU_KOBO_TOKEN), page_size (≤ 1000), progress, full, retries, backoff, timeout,
        attachments, attachments_only — see `pantau.ingest.kobo.api.pull`."""
        from pantau.ingest.kobo.api import pull
        from pantau.quality.incoming import check_since, version_mark

        mark = version_mark(self.ws)
        try:
            return pull(self.ws, operation, form, base_url, asset_uid,
                        **options)  # type: ignore[arg-type]
        finally:  # the pages stored before an interruption are checked too
            check_since(self.ws, operation, mark, form)
