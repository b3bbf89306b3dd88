"""One review state, mapped to and from KoboToolbox validation statuses and ODK Central."""

from __future__ import annotations

REVIEW_STATES = ("received", "has_issues", "approved", "rejected")

_FROM_KOBO = {
    "validation_status_on_hold": "has_issues",
    "validation_status_approved": "approved",
    "validation_status_not_approved": "rejected",
}
_TO_KOBO = {v: k for k, v in _FROM_KOBO.items()}

# Central: null (received), hasIssues, edited, approved, rejected
_FROM_CENTRAL = {None: "received", "received": "received", "hasIssues": "has_issues",
                 "edited": "received", "approved": "approved", "rejected": "rejected"}
_TO_CENTRAL = {"received": None, "has_issues": "hasIssues", "approved": "approved",
               "rejected": "rejected"}


def from_kobo(status: dict | str | None) -> str:
    """Kobo sends `_validation_status` as {} or {"uid": "validation_status_…", …}."""
    uid = status.get("uid") if isinstance(status, dict) else status
    return _FROM_KOBO.get(uid or "", "received")


def to_kobo(state: str) -> str | None:
    return _TO_KOBO.get(state)


def from_central(state: str | None) -> str:
    return _FROM_CENTRAL.get(state, "received")


def to_central(state: str) -> str | None:
    return _TO_CENTRAL[state]
