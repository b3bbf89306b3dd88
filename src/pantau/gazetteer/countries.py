"""Countries by ISO3 and ISO2 (OCHA's countries and territories list, shipped in the package)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pantau.errors import PantauError


@dataclass(frozen=True)
class Country:
    iso3: str
    iso2: str
    name: str
    latitude: float | None
    longitude: float | None


@cache
def _countries() -> tuple[dict[str, Country], dict[str, Country]]:
    by3: dict[str, Country] = {}
    by2: dict[str, Country] = {}
    with (Path(__file__).parent / "countries.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            c = Country(r["iso3"], r["iso2"], r["name"],
                        float(r["latitude"]) if r["latitude"] else None,
                        float(r["longitude"]) if r["longitude"] else None)
            by3[c.iso3] = c
            if c.iso2:
                by2[c.iso2] = c
    return by3, by2


def country(code: str) -> Country:
    """The country for an ISO3 or ISO2 code; a clear error for anything else."""
    by3, by2 = _countries()
    key = (code or "").strip().upper()
    found = by3.get(key) or by2.get(key)
    if found is None:
        raise PantauError("invalid", message=f"'{code}' is not an ISO 3166 country code "
                          "(use ISO3 such as IDN, or ISO2 such as ID)")
    return found


def is_country(code: str) -> bool:
    by3, by2 = _countries()
    key = (code or "").strip().upper()
    return key in by3 or key in by2
