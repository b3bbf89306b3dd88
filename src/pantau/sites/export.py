"""The master list as a CSV/XLSX table with an HXL row, shaped so that it re-imports unchanged.

Admin names and `pcode_source` are written for people to read; the import recognises and skips
them, since both follow from the P-codes and the coordinates.
"""

from __future__ import annotations

from typing import Any

from pantau.sites.info import ADMIN_LEVELS
from pantau.sites.places import GazetteerView
from pantau.store.models import Site

_FIXED = [
    ("site_id", "#loc+code"), ("name", "#loc+name"), ("alt_names", "#loc+name+alt"),
    ("type", "#loc+type"), ("latitude", "#geo+lat"), ("longitude", "#geo+lon"),
]
_DATES = [("pcode_source", "#meta+pcode_source"), ("opened_on", "#date+start"),
          ("closed_on", "#date+end")]


def table(sites: list[Site], view: GazetteerView | None
          ) -> tuple[list[str], list[str], list[list[Any]]]:
    """Columns, HXL tags and rows; admin levels 3–4 and attributes only when some site has them."""
    levels = [n for n in ADMIN_LEVELS
              if n <= 2 or any(getattr(s, f"admin{n}_pcode") for s in sites)]
    extra = sorted({k for s in sites for k in (s.attributes or {})})
    columns = [c for c, _ in _FIXED]
    hxl = [t for _, t in _FIXED]
    for n in levels:
        columns += [f"admin{n}_pcode", f"admin{n}_name"]
        hxl += [f"#adm{n}+code", f"#adm{n}+name"]
    columns += [c for c, _ in _DATES] + extra
    hxl += [t for _, t in _DATES] + [""] * len(extra)
    rows = []
    for s in sorted(sites, key=lambda s: s.code):
        row: list[Any] = [s.code, s.name, "; ".join(s.alt_names or []), s.site_type,
                          s.latitude, s.longitude]
        for n in levels:
            code = getattr(s, f"admin{n}_pcode")
            unit = view.units.get(code) if view and code else None
            row += [code, unit.name if unit else None]
        row += [s.pcode_source, s.opened_on.isoformat() if s.opened_on else None,
                s.closed_on.isoformat() if s.closed_on else None]
        row += [(s.attributes or {}).get(k) for k in extra]
        rows.append(row)
    return columns, hxl, rows
