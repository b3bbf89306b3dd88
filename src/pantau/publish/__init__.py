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
from pantau.publish.dataset import Dataset, build
from pantau.publish.package import HdxPackage
from pantau.publish.writers import write_csv, write_geojson, write_xlsx

if TYPE_CHECKING:
    from collections.abc import Callable

    from pantau.publish.dtm_import import DtmImportResult
    from pantau.workspace import Workspace

__all__ = ["FORMATS", "ExportResult", "HdxPackage", "Publish"]

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".geojson": "geojson", ".json": "geojson",
           ".parquet": "parquet"}


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    rows: int
    columns: list[str]
    with_geometry: int | None = None  # GeoJSON: features that have a boundary


class Publish:
    """`ws.publish`: write analytics tables as files."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def export(self, operation: str, table: str, out: str | Path, format: str | None = None,
               **filters: Any) -> ExportResult:
        """Write `table` of `operation` to `out`. `format`: csv, xlsx, geojson or parquet
        (default: from the file's suffix). `filters`: assessment_type, round_number,
        admin_level (None: all)."""
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
        with analytics.reader(operation) as con:
            ds = build(table, operation, columns, where, params, con)
            if fmt == "parquet":
                path.parent.mkdir(parents=True, exist_ok=True)
                con.sql(ds.sql, params=ds.params).write_parquet(str(path))
                count = scalar(con, f"SELECT count(*) FROM ({ds.sql})", ds.params)
                return ExportResult(path, fmt, int(count), ds.columns)
            rows = con.execute(ds.sql, ds.params).fetchall()
        meta = self._metadata(ds, len(rows))
        if fmt == "csv":
            write_csv(path, ds.columns, ds.tags, rows)
        elif fmt == "xlsx":
            write_xlsx(path, ds.columns, ds.tags, rows, meta)
        else:
            mapped = write_geojson(path, ds.columns, ds.tags, rows, meta,
                                   self._geometry_lookup(operation))
            return ExportResult(path, fmt, len(rows), ds.columns, mapped)
        return ExportResult(path, fmt, len(rows), ds.columns)

    def hdx(self, operation: str, out: str | Path, *, org: str, maintainer: str,
            dry_run: bool = False, key: str | None = None, url: str | None = None,
            **metadata: Any) -> HdxPackage:
        """Build the HDX package of `operation` in folder `out` (the public tables as HXL
        CSV and XLSX, and dataset.json), checked offline; with `key` and not `dry_run`,
        upload it to HDX (or the CKAN site at `url`). `metadata`: name, licence,
        frequency, tags, caveats (see `pantau.publish.hdx.build`)."""
        from pantau.publish import hdx

        folder = Path(out)
        upload = key is not None and not dry_run
        dataset, files = hdx.build(self.ws, operation, folder, org=org, maintainer=maintainer,
                                   key=key if upload else None, url=url or hdx.HDX_URL,
                                   **metadata)
        meta = hdx.write(dataset, folder)
        if not upload:
            return HdxPackage(dataset["name"], folder, meta, files)
        statuses = hdx.upload(dataset)
        return HdxPackage(dataset["name"], folder, meta, files, True,
                          dataset.configuration.get_dataset_url(dataset["name"]), statuses)

    def import_dtm_api(self, operation: str, path: str | Path,
                       gazetteer_version: str | None = None,
                       progress: Callable[[int, int], None] | None = None) -> DtmImportResult:
        """Load a file of IOM DTM API v3 records as approved observations of `operation`
        (see `pantau.publish.dtm_import`): all records or none."""
        from pantau.publish.dtm_import import import_records

        return import_records(self.ws, operation, Path(path), gazetteer_version, progress)

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
