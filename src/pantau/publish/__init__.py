"""Publishing: the analytics tables as files others can use directly.

`ws.publish.export(operation, table, out, format=None, **filters)` writes one table of one
operation as HXL-tagged CSV, XLSX (with a metadata sheet), GeoJSON (boundaries from the
gazetteer version of each row's round) or Parquet. Everything published comes from the
analytics tables, so only figures that count (approved, current, not deleted) are ever
published, and nothing personal: the tables hold aggregates per admin area.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pantau import __version__
from pantau.analytics.duck import scalar
from pantau.errors import PantauError
from pantau.publish.dataset import Dataset, build, group_column
from pantau.publish.package import HdxPackage
from pantau.publish.writers import write_csv, write_geojson, write_xlsx

if TYPE_CHECKING:
    from collections.abc import Callable

    from pantau.publish.dtm_import import DtmImportResult
    from pantau.workspace import Workspace

__all__ = ["FORMATS", "ExportResult", "HdxPackage", "Publish"]

# Suppression patterns by (analytics file, operation, table, threshold, refreshed at).
_PATTERNS: dict[tuple[Any, ...], Any] = {}
FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".geojson": "geojson", ".json": "geojson",
           ".parquet": "parquet"}


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    rows: int
    columns: list[str]
    with_geometry: int | None = None  # GeoJSON: features that have a boundary
    suppressed: int = 0  # cells suppressed: primary (small) + complementary
    primary: int = 0  # cells below the threshold
    threshold: int = 0  # the threshold applied (0: no suppression)


class Publish:
    """`ws.publish`: write analytics tables as files."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def export(self, operation: str, table: str, out: str | Path, format: str | None = None,
               suppress_below: int | None = None, **filters: Any) -> ExportResult:
        """Write `table` of `operation` to `out`. `format`: csv, xlsx, geojson or parquet
        (default: from the file's suffix). `filters`: assessment_type, round_number,
        admin_level (None: all). Cells of fewer than `suppress_below` people (default: the
        operation's `min_cell`, 5) are suppressed with their complements
        (`pantau.publish.disclosure`); 0 turns suppression off (internal use only)."""
        from pantau.publish.disclosure import (
            MARK_COLUMN,
            MARK_TAG,
            SUPPRESSED,
            Suppressed,
            apply,
        )

        threshold = self.policy(operation).min_cell if suppress_below is None \
            else suppress_below
        if threshold < 0:
            raise PantauError("invalid", message="--suppress-below must be 0 (off) or more")
        path = Path(out)
        fmt = format or FORMATS.get(path.suffix.lower())
        if fmt not in set(FORMATS.values()):
            raise PantauError("invalid", message=f"unknown export format "
                              f"'{format or path.suffix}' (use csv, xlsx, geojson or parquet)")
        analytics = self.ws.analytics
        columns = analytics.columns(table)
        if fmt == "geojson" and "admin_level" not in columns:
            raise PantauError("invalid", message=f"table {table} has no admin areas to map; "
                              "GeoJSON is written for current, area_totals, totals, displacement, "
                              "round_change and needs")
        where, params = analytics.where(table, operation, filters)
        on = threshold > 0 and table in SUPPRESSED
        pattern = self.suppression(operation, table, threshold) if on else None
        with analytics.reader(operation) as con:
            ds = build(table, operation, columns, where, params, con)
            if fmt == "parquet" and not on:
                path.parent.mkdir(parents=True, exist_ok=True)
                con.sql(ds.sql, params=ds.params).write_parquet(str(path))
                count = scalar(con, f"SELECT count(*) FROM ({ds.sql})", ds.params)
                return ExportResult(path, fmt, int(count), ds.columns)
            types = [str(t) for t in con.sql(ds.sql, params=ds.params).types] \
                if fmt == "parquet" else []
            rows = con.execute(ds.sql, ds.params).fetchall()
        columns_out, tags = list(ds.columns), list(ds.tags)
        done = apply(pattern, ds.columns, rows) if pattern is not None else \
            Suppressed([list(r) for r in rows], [""] * len(rows), threshold=0)
        rows = done.rows
        if on:
            columns_out.append(MARK_COLUMN)
            tags.append(MARK_TAG)
            rows = [[*r, m or None] for r, m in zip(rows, done.marks, strict=True)]
        counts = {"suppressed": done.cells, "primary": done.primary,
                  "threshold": threshold if on else 0}
        meta = self._metadata(ds, len(rows))
        if on:
            meta.update(_suppression_note(done))
        if fmt == "parquet":
            _write_parquet(path, types, columns_out, rows)
        elif fmt == "csv":
            write_csv(path, columns_out, tags, rows)
        elif fmt == "xlsx":
            write_xlsx(path, columns_out, tags, rows, meta)
        else:
            mapped = write_geojson(path, columns_out, tags, rows, meta,
                                   self._geometry_lookup(operation))
            return ExportResult(path, fmt, len(rows), columns_out, mapped, **counts)
        return ExportResult(path, fmt, len(rows), columns_out, **counts)

    def suppression(self, operation: str, table: str, threshold: int) -> Any:
        """The suppression pattern of the whole `table` of `operation`
        (`pantau.publish.disclosure.Pattern`), computed once per refresh of the tables."""
        from pantau.publish.disclosure import pattern_of

        analytics = self.ws.analytics
        key = (str(analytics.path), operation, table, threshold,
               analytics.refreshed_at(operation))
        if key in _PATTERNS:
            return _PATTERNS[key]
        where, params = analytics.where(table, operation, {})
        with analytics.reader(operation) as con:
            ds = build(table, operation, analytics.columns(table), where, params, con)
            rows = con.execute(ds.sql, ds.params).fetchall()
        pattern = pattern_of(table, ds.columns, rows, threshold)
        if len(_PATTERNS) >= 64:
            _PATTERNS.pop(next(iter(_PATTERNS)))
        _PATTERNS[key] = pattern
        return pattern

    def policy(self, operation: str) -> Any:
        """The operation's disclosure thresholds (`pantau.publish.disclosure.Policy`)."""
        from pantau.publish.disclosure import load_policy

        self.ws.operations.get(operation)  # an unknown operation is an error here
        return load_policy(self.ws.settings.workspace, operation)

    def hdx(self, operation: str, out: str | Path, *, org: str, maintainer: str,
            dry_run: bool = False, key: str | None = None, url: str | None = None,
            **metadata: Any) -> HdxPackage:
        """Build the HDX package of `operation` in folder `out` (the public tables as HXL
        CSV and XLSX, and dataset.json), checked offline; with `key` and not `dry_run`,
        upload it to HDX (or the CKAN site at `url`). `metadata`: name, licence,
        frequency, tags, caveats, suppress_below (see `pantau.publish.hdx.build`); small
        cells are suppressed in every file and counted in the result."""
        from pantau.publish import hdx

        folder = Path(out)
        upload = key is not None and not dry_run
        suppressed: dict[str, int] = {}
        threshold = metadata.get("suppress_below")
        threshold = self.policy(operation).min_cell if threshold is None else threshold
        metadata["suppress_below"] = threshold
        dataset, files = hdx.build(self.ws, operation, folder, org=org, maintainer=maintainer,
                                   key=key if upload else None, url=url or hdx.HDX_URL,
                                   suppressed=suppressed, **metadata)
        meta = hdx.write(dataset, folder)
        if not upload:
            return HdxPackage(dataset["name"], folder, meta, files, suppressed=suppressed,
                              threshold=threshold)
        statuses = hdx.upload(dataset)
        return HdxPackage(dataset["name"], folder, meta, files, True,
                          dataset.configuration.get_dataset_url(dataset["name"]), statuses,
                          suppressed, threshold)

    def import_dtm_api(self, operation: str, path: str | Path,
                       gazetteer_version: str | None = None,
                       progress: Callable[[int, int], None] | None = None) -> DtmImportResult:
        """Load a file of IOM DTM API v3 records as approved observations of `operation`
        (see `pantau.publish.dtm_import`): all records or none."""
        from pantau.publish.dtm_import import import_records

        return import_records(self.ws, operation, Path(path), gazetteer_version, progress)

    def hide_small_cells(self, operation: str, table: str, rows: list[dict[str, Any]],
                         suppress_below: int | None = None) -> list[dict[str, Any]]:
        """Empty, in `rows` read from an analytics table (dicts, as pages and APIs read
        them), the cells the published `table` suppresses, so that a page never shows what
        the files hide. Each row must hold the table's identifying columns (operation,
        assessment_type, round_number, admin_level, the admin P-codes, population_group …);
        one that does not is an error, never a silently unsuppressed row."""
        from pantau.publish.dataset import WIDE
        from pantau.publish.disclosure import SUPPRESSED

        threshold = self.policy(operation).min_cell if suppress_below is None \
            else suppress_below
        if threshold <= 0 or table not in SUPPRESSED:
            return rows
        pattern = self.suppression(operation, table, threshold)
        need = [*pattern.identity, *(["population_group"] if table in WIDE else [])]
        out = []
        for row in rows:
            missing = [c for c in need if c not in row]
            if missing:
                raise PantauError("invalid", message=f"rows of {table} need "
                                  f"{', '.join(missing)} to be checked for small cells")
            hidden = pattern.of(row)
            new = dict(row)
            if hidden:
                prefix = group_column(row["population_group"]) + "_" if table in WIDE else ""
                for column in row:
                    if prefix + column in hidden:
                        new[column] = None
            out.append(new)
        return out

    def records(self, operation: str, out: str | Path, form: str | None = None, *,
                include_personal: bool = False, keys: list[str] | None = None,
                k: int | None = None, max_risk: float | None = None,
                states: tuple[str, ...] = ("approved",)) -> Any:
        """Write the current records of one form of `operation` (CSV or XLSX with an HXL
        row): personal fields left out unless `include_personal`; checked for k-anonymity
        and re-identification risk on the quasi-identifiers (`keys`, default: the form's),
        and blocked above `max_risk` (default: the operation's, 3%). See
        `pantau.publish.records`."""
        from pantau.publish.records import export_records

        policy = self.policy(operation)
        return export_records(self.ws, operation, Path(out), form,
                              include_personal=include_personal, keys=keys,
                              k=policy.k if k is None else k,
                              max_risk=policy.max_risk if max_risk is None else max_risk,
                              states=states)

    def _metadata(self, ds: Dataset, rows: int) -> dict[str, Any]:
        from pantau.analytics import COUNTING_RULE, PUBLIC_TABLES

        op = self.ws.operations.get(ds.operation)
        return {
            "title": f"{op.name} — {ds.table.replace('_', ' ')}",
            "operation": op.slug, "operation_name": op.name, "country": op.country_iso3,
            "table": ds.table, "description": PUBLIC_TABLES[ds.table],
            "filters": ds.filters, "rows": rows,
            "refreshed_at": self.ws.analytics.refreshed_at(ds.operation),
            "counting_rule": COUNTING_RULE,
            "empty_cells": "not reported (never zero)",
            "different_assessment_types": "never summed together: each row is of one type",
            "hxl": "the second row holds HXL hashtags (https://hxlstandard.org)",
            "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0),
            "generated_by": f"pantau {__version__}",
        }

    def _geometry_lookup(self, operation: str):  # type: ignore[no-untyped-def]
        """(row properties) → WKB of the row's area in its round's gazetteer version."""
        iso3 = self.ws.operations.get(operation).country_iso3
        cache: dict[tuple[str | None, int], dict[str, bytes]] = {}

        def lookup(props: dict[str, Any]) -> bytes | None:
            level = props.get("admin_level")
            if level is None:
                return None
            pcode = props.get(f"admin{level}_pcode")
            version = props.get("gazetteer_version")
            key = (version, int(level))
            if key not in cache:
                cache[key] = dict(self.ws.gazetteer.geometries(iso3, int(level), version)) \
                    if version else {}
            return cache[key].get(pcode) if pcode else None

        return lookup


def _suppression_note(done: Any) -> dict[str, Any]:
    from pantau.publish.disclosure import MARK_COLUMN

    return {
        "empty_cells": f"not reported (never zero), or suppressed where '{MARK_COLUMN}' "
                       "names the column",
        "disclosure_control": (
            f"cells of fewer than {done.threshold} people are suppressed (left empty), and so "
            "are complementary cells, so that totals and sub-totals do not give them back; "
            f"the column '{MARK_COLUMN}' names the suppressed cells of each row"),
        "cells_suppressed": f"{done.cells} ({done.primary} below {done.threshold}, "
                            f"{done.secondary} complementary)",
    }


def _write_parquet(path: Path, types: list[str], columns: list[str], rows: list[Any]) -> None:
    """Parquet with the query's own column types, suppressed cells null and the `suppressed`
    column as text. DuckDB writes it: pyarrow is not a run-time dependency."""
    import duckdb

    def quoted(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    kinds = [*types, "VARCHAR"][:len(columns)]  # the suppressed column, when there is one
    with duckdb.connect() as out:
        out.execute("CREATE TABLE export (" + ", ".join(
            f"{quoted(c)} {k}" for c, k in zip(columns, kinds, strict=True)) + ")")
        if rows:
            out.executemany(f"INSERT INTO export VALUES ({', '.join('?' * len(columns))})",
                            [list(r) for r in rows])
        path.parent.mkdir(parents=True, exist_ok=True)
        target = str(path).replace("'", "''")
        out.execute(f"COPY export TO '{target}' (FORMAT parquet)")
