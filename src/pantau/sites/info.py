"""Plain records that `ws.sites` hands back: what a site is, what changed, what an import did."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pantau.errors import Problem
from pantau.store.models import Site, SiteChange

ADMIN_LEVELS = (1, 2, 3, 4)


@dataclass(frozen=True)
class SiteInfo:
    code: str
    name: str
    alt_names: list[str]
    site_type: str
    latitude: float | None
    longitude: float | None
    admin_pcodes: dict[int, str]  # level -> P-code, only the levels that are set
    pcode_source: str
    opened_on: dt.date | None
    closed_on: dt.date | None
    attributes: dict[str, Any]
    version: int

    @classmethod
    def of(cls, site: Site) -> SiteInfo:
        return cls(site.code, site.name, list(site.alt_names or []), site.site_type,
                   site.latitude, site.longitude, admin_pcodes(site), site.pcode_source,
                   site.opened_on, site.closed_on, dict(site.attributes or {}), site.version)

    def is_open_on(self, day: dt.date) -> bool:
        """Open on a day: opened on or before it (or undated) and not closed by then."""
        return ((self.opened_on is None or self.opened_on <= day)
                and (self.closed_on is None or self.closed_on > day))


@dataclass(frozen=True)
class ChangeInfo:
    version: int
    action: str  # created | updated | closed | reopened
    changes: dict[str, list[Any]]  # field -> [old, new]
    source: str
    changed_by: str
    changed_at: dt.datetime

    @classmethod
    def of(cls, c: SiteChange) -> ChangeInfo:
        return cls(c.version, c.action, dict(c.changes or {}), c.source, c.changed_by,
                   c.changed_at)


@dataclass
class SiteImportResult:
    """Counts per outcome; `warnings` are problems that did not stop the import."""

    source: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0
    reopened: int = 0
    warnings: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the file was read

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.closed + self.reopened


def admin_pcodes(site: Site) -> dict[int, str]:
    out = {}
    for level in ADMIN_LEVELS:
        code = getattr(site, f"admin{level}_pcode")
        if code:
            out[level] = code
    return out
