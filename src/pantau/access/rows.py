"""Row-level limits, as WHERE clauses any query can add: a collector sees only the
submissions they sent; a manager limited to admin areas sees only records placed there."""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, or_, true

from pantau.access.principal import Principal
from pantau.store.models import Submission


def submissions_visible(who: Principal, operation: str) -> Any:
    """The clause on `Submission` for what `who` may see of `operation`'s submissions:
    everything (records:read), their own (submissions:own: a collector), or nothing."""
    if who.can("records:read", operation):
        return true()
    if who.can("submissions:own", operation) and not who.anonymous:
        return Submission.submitter == who.username
    return false()


def areas_visible(who: Principal, operation: str, pcode_column: Any) -> Any:
    """The clause on a P-code column for a manager limited to admin areas (a P-code lies in
    an area when it starts with the area's code: ID7271 lies in ID72)."""
    limit = who.areas(operation)
    if limit is None:
        return true()
    return or_(*(pcode_column.startswith(code, autoescape=True) for code in limit))
