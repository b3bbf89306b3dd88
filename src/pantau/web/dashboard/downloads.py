"""Each table of a dashboard page as a file: HXL CSV or XLSX, written by pantau's exporters.

The rows are the page's own (the view dict), so a download holds exactly what the page
shows. Every row starts with the operation, assessment type, round, reporting date and
gazetteer version the figures come from; the columns get their hashtags from the one HXL
table (`pantau.publish.hxl`), and the files are written by `pantau.publish.writers` — the
same code as `pantau export`: formula-safe cells, whole numbers as whole numbers, an empty
cell for "not reported". A suppressed cell is empty too, and named in the row's last
column `suppressed` (`#meta+suppressed`), as in the files of `pantau export`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pantau import __version__
from pantau.analytics import COUNTING_RULE
from pantau.analytics.views import SOURCE_COLUMNS
from pantau.errors import PantauError
from pantau.publish.disclosure import MARK_COLUMN, MARK_TAG
from pantau.publish.hxl import tag
from pantau.publish.writers import write_csv, write_xlsx

FORMATS = ("csv", "xlsx")
MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def pick(data: dict[str, Any], table: str) -> dict[str, Any]:
    tables = data.get("tables") or {}
    if table not in tables:
        raise PantauError("not_found", what="table on this page",
                          key=f"{table}' (one of {', '.join(tables) or 'none'})")
    return tables[table]


def file_name(data: dict[str, Any], page: str, table: str, fmt: str) -> str:
    s = data["source"]
    area = f"_{s['admin1_pcode']}" if s.get("admin1_pcode") else ""
    return f"{s['operation']}_{page}_{table}_{s['assessment_type']}_r{s['round_number']}" \
        f"{area}.{fmt}"


def write(data: dict[str, Any], page: str, table: str, fmt: str, out: Path) -> int:
    """Write one table of a page's data to `out`; returns the rows written."""
    if fmt not in FORMATS:
        raise PantauError("invalid", message=f"unknown download format '{fmt}' (use csv or "
                          "xlsx)")
    if data.get("source") is None:
        raise PantauError("invalid", message=f"the analytics tables of "
                          f"'{data['status']['operation']}' are not built yet: run "
                          f"`{data['status']['refresh_command']}` first")
    chosen = pick(data, table)
    source = data["source"]
    own = [c for c in chosen["columns"] if c not in SOURCE_COLUMNS]
    columns = [*SOURCE_COLUMNS, *own]
    rows = [[_typed(source.get(c)) if c in SOURCE_COLUMNS else _cell(r, c)
             for c in columns] for r in chosen["rows"]]
    tags = [MARK_TAG if c == MARK_COLUMN else tag(c) for c in columns]
    if fmt == "csv":
        write_csv(out, columns, tags, rows)
    else:
        write_xlsx(out, columns, tags, rows, _metadata(data, page, table, len(rows)))
    return len(rows)


def _cell(row: dict[str, Any], column: str) -> Any:
    """A row's value; the list of suppressed fields as the export writes it (space-separated,
    empty for none)."""
    value = row.get(column)
    if column == MARK_COLUMN:
        return " ".join(value) if value else None
    return _typed(value)


def _typed(value: Any) -> Any:
    """ISO dates back to dates, so XLSX gets date cells and CSV writes YYYY-MM-DD."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _metadata(data: dict[str, Any], page: str, table: str, rows: int) -> dict[str, Any]:
    s = data["source"]
    return {
        "title": f"{s['operation_name']} — {page}: {table.replace('_', ' ')}",
        "operation": s["operation"], "operation_name": s["operation_name"],
        "country": s["country"], "table": f"{page}/{table}",
        "filters": {"assessment_type": s["assessment_type"], "round_number": s["round_number"],
                    "admin1_pcode": s.get("admin1_pcode")},
        "reporting_date": s["reporting_date"], "gazetteer_version": s["gazetteer_version"],
        "rows": rows, "refreshed_at": data["status"]["refreshed_at"],
        "counting_rule": COUNTING_RULE,
        "empty_cells": "not reported (never zero)",
        "different_assessment_types": "never summed together: each row is of one type",
        "hxl": "the second row holds HXL hashtags (https://hxlstandard.org)",
        **({"suppression": data["disclosure"]["note"],
            "suppression_threshold": data["disclosure"]["threshold"],
            "suppressed_cells": sum(len(r.get(MARK_COLUMN) or ()) for r in pick(
                data, table)["rows"])}
           if (data.get("disclosure") or {}).get("applied") else {}),
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0),
        "generated_by": f"pantau {__version__}",
    }
