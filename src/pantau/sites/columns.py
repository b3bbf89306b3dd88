"""Which column of a master-list file holds which field: headers and HXL tags, with aliases.

Master lists come from many hands (Excel sheets, KoboToolbox exports, HDX downloads), so a
field is recognised by any of its usual headers, compared without case, spaces, underscores or
hyphens, or by its HXL hashtag in any attribute order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pantau.errors import Problems
from pantau.tabular import Table

ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("site id", "site code", "site pcode", "site p code", "location id",
             "location code", "code", "id", "#loc+code", "#loc+id", "#site+code", "#site+id"),
    "name": ("site name", "name", "location name", "#loc+name", "#site+name"),
    "alt_names": ("alternative names", "alternative name", "alt names", "alt name",
                  "other names", "aliases", "also known as", "#loc+alt+name",
                  "#loc+name+alt", "#site+name+alt"),
    "site_type": ("type", "site type", "location type", "#loc+type", "#site+type"),
    "latitude": ("latitude", "lat", "y", "gps latitude", "site latitude", "#geo+lat"),
    "longitude": ("longitude", "lon", "long", "lng", "x", "gps longitude", "site longitude",
                  "#geo+lon", "#geo+long"),
    "opened_on": ("opened", "opened on", "open date", "opening date", "date opened",
                  "start date", "#date+start", "#date+opened"),
    "closed_on": ("closed", "closed on", "close date", "closure date", "closing date",
                  "date closed", "end date", "#date+end", "#date+closed"),
}
for _n in (1, 2, 3, 4):
    ALIASES[f"admin{_n}"] = (
        f"admin{_n}", f"adm{_n}", f"admin{_n} pcode", f"adm{_n} pcode", f"admin {_n} pcode",
        f"admin{_n}pcode", f"adm{_n}pcode", f"admin{_n} p code", f"adm{_n} p code",
        f"admin{_n} code", f"adm{_n} code", f"#adm{_n}+code")

# Derived from other fields (admin names from the gazetteer, pcode_source from the import):
# an export writes them for people to read, and an import skips them instead of storing them.
IGNORED = tuple(
    alias for n in (1, 2, 3, 4) for alias in (
        f"admin{n} name", f"adm{n} name", f"admin{n} name en", f"adm{n} en", f"adm{n} name en",
        f"admin {n} name", f"#adm{n}+name")
) + ("pcode source",)


def normalise(header: str) -> str:
    """'Site_ID' → 'site id'; '#adm1 +code' → '#adm1+code'; '#loc+name+alt' sorted by attribute."""
    text = header.strip().lower()
    if text.startswith("#"):
        parts = [p for p in re.split(r"\s*\+\s*", text.replace(" ", "")) if p]
        return "+".join([parts[0], *sorted(parts[1:])])
    return re.sub(r"[\s_\-.:/]+", " ", text).strip()


_LOOKUP: dict[str, str] = {normalise(a): f for f, aliases in ALIASES.items() for a in aliases}
_SKIP = {normalise(a) for a in IGNORED}


@dataclass
class ColumnMap:
    """Field name → column header of this file; the other columns become attributes."""

    fields: dict[str, str] = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return name in self.fields

    def admin_levels(self) -> list[int]:
        return [n for n in (1, 2, 3, 4) if f"admin{n}" in self.fields]

    @property
    def has_location(self) -> bool:
        return self.has("latitude") or bool(self.admin_levels())


def map_columns(table: Table, problems: Problems) -> ColumnMap:
    """Assign each column to a field by header, then by HXL tag; report clashes and gaps."""
    cmap = ColumnMap()
    for column in table.columns:
        keys = [normalise(column)]
        if column in table.hxl:
            keys.append(normalise(table.hxl[column]))
        fld = next((_LOOKUP[k] for k in keys if k in _LOOKUP), None)
        if fld is None:
            if any(k in _SKIP for k in keys):
                cmap.ignored.append(column)
            else:
                cmap.extra.append(column)
            continue
        if fld in cmap.fields:
            problems.add(f"columns '{cmap.fields[fld]}' and '{column}' both look like the "
                         f"{_LABEL.get(fld, fld)}; rename one of them", None, column)
            continue
        cmap.fields[fld] = column
    for required in ("code", "name"):
        if required not in cmap.fields:
            problems.add(f"no column for the {_LABEL[required]} (expected a header such as "
                         f"'{ALIASES[required][0]}' or the HXL tag '{_hxl(required)}')")
    if cmap.has("latitude") != cmap.has("longitude"):
        present, absent = (("latitude", "longitude") if cmap.has("latitude")
                           else ("longitude", "latitude"))
        problems.add(f"the file has a {present} column but no {absent} column",
                     None, cmap.fields[present])
    return cmap


def _hxl(fld: str) -> str:
    return next(a for a in ALIASES[fld] if a.startswith("#"))


_LABEL = {
    "code": "site id", "name": "site name", "alt_names": "alternative names",
    "site_type": "site type", "latitude": "latitude", "longitude": "longitude",
    "opened_on": "opening date", "closed_on": "closing date",
    **{f"admin{n}": f"admin-{n} P-code" for n in (1, 2, 3, 4)},
}
