"""Recognise a gazetteer file and read it into unit records (or length-table rows).

The format is told from the suffix (boundaries) or from the columns (tables): HXL hashtags of
the HDX global list or length table, else COD-AB `ADMn_PCODE` columns.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pantau.errors import PantauError, Problem, Problems
from pantau.gazetteer import boundaries, codab, hdx
from pantau.gazetteer.countries import Country
from pantau.gazetteer.geometry import GeometryProblem, looks_projected, prepare, projected_message
from pantau.gazetteer.records import UnitRecord
from pantau.tabular import read_table

EXPECT = ["location", "#country+code", "p-code", "country length"] + [
    f"{p}{n}{s}" for n in range(6) for p, s in (("adm", "_pcode"), ("admin", "pcode"))]


@dataclass
class Parsed:
    kind: str  # hdx-global | pcode-lengths | cod-ab | boundaries
    records: list[UnitRecord] = field(default_factory=list)
    lengths: list[hdx.LengthRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_file(path: Path, problems: Problems, where: Country | None) -> Parsed:
    if path.suffix.lower() in boundaries.SUFFIXES:
        if not path.exists():
            raise PantauError("unreadable_file", source=path.name, message="no such file")
        features = boundaries.read_features(path, problems)
        return Parsed("boundaries", _from_features(features, problems, where))
    table = read_table(path, problems, expect=EXPECT, sheet=_deepest_sheet(path))
    if hdx.is_length_table(table):
        return Parsed("pcode-lengths", lengths=hdx.read_lengths(table, problems),
                      notes=table.notes)
    if hdx.is_global_list(table):
        only = where.iso3 if where else None
        records = hdx.read_global(table, problems, only)
        if only and not records and not problems.errors:
            problems.add(f"the file has no rows for {only}")
        return Parsed("hdx-global", records, notes=table.notes)
    cols = codab.columns_of(table.columns)
    if not cols.pcode:
        raise PantauError("unreadable_file", source=table.source, message=(
            "not a gazetteer table: expected the HDX global P-code list (#adm+code), the P-code "
            "length table (#country+len) or COD-AB columns (ADM1_PCODE, ADM1_EN …)"))
    if not _names_present(cols, table.source, problems):
        return Parsed("cod-ab", notes=table.notes)
    records = [r for row in table.rows
               for r in codab.records_from(row.values, row.number, table.source, cols, where,
                                           problems)]
    return Parsed("cod-ab", records, notes=table.notes)


def _deepest_sheet(path: Path) -> str | None:
    """COD-AB workbooks hold one sheet per level (ADM0 first): take the most detailed one."""
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.exists():
        return None
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None  # read_table reports it
    try:
        best, depth = None, -1
        for ws in wb.worksheets:
            for cells in ws.iter_rows(max_row=20, values_only=True):
                cols = codab.columns_of([str(c) for c in cells if c is not None])
                if cols.deepest is not None and cols.deepest > depth:
                    best, depth = ws.title, cols.deepest
        return best
    finally:
        wb.close()


def _names_present(cols: codab.Columns, source: str, problems: Problems) -> bool:
    missing = [lv for lv in cols.pcode if lv > 0 and cols.name_column(lv) is None]
    for level in missing:
        problems.add(f"there is no name column for admin-{level} (e.g. ADM{level}_EN)", None,
                     cols.pcode[level])
    return not missing


def _from_features(features: list[boundaries.Feature], problems: Problems,
                   where: Country | None) -> list[UnitRecord]:
    layers: dict[str, list[boundaries.Feature]] = defaultdict(list)
    for f in features:
        layers[f.source].append(f)
    out: list[UnitRecord] = []
    for source, items in layers.items():
        keys = list(dict.fromkeys(k for f in items for k in f.properties))
        cols = codab.columns_of(keys)
        if not cols.pcode:
            problems.items.append(Problem(source, "no P-code property (ADM1_PCODE, ADM2_PCODE …)"
                                          " in the features"))
            continue
        if not _names_present(cols, source, problems):
            continue
        geoms = [f.geometry for f in items if f.geometry is not None and not f.geometry.is_empty]
        if geoms:
            bounds = _total_bounds(geoms)
            if looks_projected(bounds):
                problems.items.append(Problem(source, projected_message(bounds)))
                continue
        for f in items:
            recs = codab.records_from(f.properties, f.number, source, cols, where, problems)
            if recs:
                _attach(recs[-1], f, problems)
                out += recs
    return out


def _total_bounds(geoms: list) -> tuple[float, float, float, float]:
    import shapely

    b = shapely.total_bounds(geoms)
    return float(b[0]), float(b[1]), float(b[2]), float(b[3])


def _attach(rec: UnitRecord, feature: boundaries.Feature, problems: Problems) -> None:
    if feature.geometry is None or feature.geometry.is_empty:
        problems.items.append(Problem(feature.source, f"{rec.pcode} has no geometry; it is "
                                      "imported without a boundary", feature.number, "geometry",
                                      "warning"))
        return
    try:
        rec.geometry, warning = prepare(feature.geometry)
    except GeometryProblem as exc:
        problems.items.append(Problem(feature.source, f"{rec.pcode}: {exc}", feature.number,
                                      "geometry"))
        return
    if warning:
        problems.items.append(Problem(feature.source, f"{rec.pcode}: {warning}", feature.number,
                                      "geometry", "warning"))
