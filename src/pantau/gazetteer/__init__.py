"""Admin units, P-codes and boundaries: import, validate, convert, match names.

`ws.gazetteer` is a thin façade: each method opens one transaction and calls the module that
does the work (`importer`, `versions`, `history`, `pcodes`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from pantau.errors import PantauError
from pantau.gazetteer import history, importer, pcodes, versions
from pantau.gazetteer.countries import country as _country
from pantau.gazetteer.crosswalk import CrosswalkRow
from pantau.gazetteer.importer import CountryResult, ImportResult, Progress
from pantau.gazetteer.pcodes import CodeFormat
from pantau.gazetteer.versions import UnitInfo, VersionInfo

if TYPE_CHECKING:
    from pantau.workspace import Workspace

__all__ = ["CodeFormat", "CountryResult", "CrosswalkRow", "Gazetteer", "ImportResult",
           "UnitInfo", "VersionInfo"]


class Gazetteer:
    """`ws.gazetteer`: import gazetteers, look units up, check and convert P-codes."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    # import -------------------------------------------------------------------------------
    def import_file(self, path: str | Path, country: str | None = None, label: str | None = None,
                    valid_from: dt.date | None = None,
                    progress: Progress | None = None) -> ImportResult:
        """Import an HDX P-code list or length table, a COD-AB table or boundaries (any of
        GeoJSON, GeoPackage, Shapefile/zip); all or nothing. See docs/gazetteer.md."""
        return importer.import_file(self.ws, path, country, label, valid_from, progress)

    # versions and units -------------------------------------------------------------------
    def versions(self, country: str | None = None) -> list[VersionInfo]:
        with self.ws.session() as s:
            return versions.list_versions(s, _iso3(country) if country else None)

    def version_on(self, country: str, date: dt.date) -> VersionInfo | None:
        """The version valid on `date` (latest valid-from on or before it), None before any."""
        iso3 = _iso3(country)
        with self.ws.session() as s:
            found = versions.find_version(s, iso3, on=date)
            if found is None:
                return None
        return next(v for v in self.versions(iso3) if v.id == found.id)

    def units(self, country: str, version: str | None = None, level: int | None = None,
              parent: str | None = None) -> list[UnitInfo]:
        """Units of a version (default: the current one), optionally of a level or parent."""
        with self.ws.session() as s:
            return versions.list_units(s, _iso3(country), version, level,
                                       pcodes.normalise(parent) if parent else None)

    def unit(self, pcode: str, country: str | None = None,
             version: str | None = None) -> UnitInfo:
        with self.ws.session() as s:
            return versions.get_unit(s, pcodes.normalise(pcode),
                                     _iso3(country) if country else None, version)

    def geometries(self, country: str, level: int,
                   version: str | None = None) -> list[tuple[str, bytes]]:
        """(P-code, WKB) of a level's boundaries, for point-in-polygon work."""
        with self.ws.session() as s:
            return versions.unit_geometries(s, _iso3(country), level, version)

    # crosswalks ---------------------------------------------------------------------------
    def crosswalk(self, country: str, from_label: str, to_label: str,
                  overrides: str | Path | None = None) -> list[CrosswalkRow]:
        """Build, store and return how `from_label`'s P-codes map to `to_label`'s."""
        with self.ws.session() as s:
            return history.build(s, _iso3(country), from_label, to_label, overrides)

    def translate(self, pcode: str, country: str, to_label: str | None = None) -> list[str]:
        """The P-code(s) an older code became in `to_label` (default: the current version)."""
        with self.ws.session() as s:
            return history.translate(s, pcodes.normalise(pcode), _iso3(country), to_label)

    # P-code tools -------------------------------------------------------------------------
    def format(self, country: str) -> CodeFormat | None:
        """The country's P-code format: from the imported length table, else read off the
        current gazetteer version's own codes, else None."""
        iso3 = _iso3(country)
        with self.ws.session() as s:
            fmt = importer.formats_for(s, [iso3]).get(iso3)
            if fmt is None:
                fmt = pcodes.infer_format(iso3, versions.unit_codes(s, iso3))
            return fmt

    def validate(self, code: str, country: str | None = None,
                 level: int | None = None) -> list[str]:
        """Problems with a P-code (empty when valid), using the stored length table."""
        iso3 = _iso3(country) if country else _guess(code)
        fmt = self.format(iso3) if iso3 else None
        return pcodes.validate(code, iso3, level, fmt)

    def convert(self, code: str, to: str | None = None, country: str | None = None) -> str:
        """Normalise a P-code: case, spaces, ISO2 ↔ ISO3 prefix, leading zeros Excel dropped."""
        iso3 = _iso3(country) if country else _guess(code)
        fmt = self.format(iso3) if iso3 else None
        return pcodes.convert(code, to, fmt, iso3)

    def level_of(self, code: str, country: str | None = None) -> int | None:
        iso3 = _iso3(country) if country else _guess(code)
        fmt = self.format(iso3) if iso3 else None
        if fmt is None:
            raise PantauError("invalid", message="the P-code length table is not loaded for "
                              f"{iso3 or code}: import global-pcode-lengths.csv first")
        return pcodes.level_of(code, fmt)

    # name matching ------------------------------------------------------------------------
    def matcher(self, country: str, version: str | None = None):  # type: ignore[no-untyped-def]
        """A `pantau.gazetteer.match.Matcher` over a version's units: build once, then
        `matcher.match(name, level=2, parent="ID72")` for as many names as you have."""
        from pantau.gazetteer.match import Matcher

        units = self.units(country, version=version)
        if not units:
            raise PantauError("invalid", message=f"no admin units for {_iso3(country)}: import "
                              "a gazetteer first (pantau gazetteer import)")
        return Matcher(units)


def _iso3(code: str) -> str:
    return _country(code).iso3


def _guess(code: str) -> str | None:
    found = pcodes.country_of(code)
    return found.iso3 if found else None
