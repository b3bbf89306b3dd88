"""FMR flows as an HXL-tagged table: one row per period × FMP × nationality × departure
country × final destination, with individuals by direction in columns.

Written with `pantau.publish.writers` (formula-safe CSV/XLSX, whole numbers as whole numbers),
so flow files look like every other file pantau publishes. Only aggregates leave: no FMR
group's free text (previous place, areas) is published. With a threshold (the public
download of the web API), small cells of people are emptied and named in a last column
`suppressed` (`#meta+suppressed`), as in `pantau export`, with complements within each
FMP × period × direction over nationality, departure country and final destination.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pantau.flow.analytics import check
from pantau.store.flows import DIRECTIONS

COLUMNS = ["operation", "period", "period_start", "fmp_code", "fmp_name", "admin1_pcode",
           "admin2_pcode", "nationality", "origin_country", "dest_country",
           *(f"{d}_ind" for d in DIRECTIONS)]
TAGS = ["#operation+code", "#meta+period", "#date+start", "#loc+code", "#loc+name",
        "#adm1+code", "#adm2+code", "#country+code+nationality", "#country+code+origin",
        "#country+code+dest", *(f"#affected+ind+{d}" for d in DIRECTIONS)]


def export_sql(period: str, where: str = "TRUE") -> str:
    check(period)
    by_direction = ", ".join(f"SUM(total) FILTER (WHERE direction = '{d}') AS {d}_ind"
                             for d in DIRECTIONS)
    return (f"SELECT CAST(date_trunc('{period}', date) AS DATE) AS period_start, point, "
            "point_name, admin1, admin2, nationality, previous_country, final_country, "
            f"{by_direction} FROM fmr WHERE {where} GROUP BY ALL "
            "ORDER BY period_start, point, nationality, previous_country NULLS LAST, "
            "final_country NULLS LAST")


BREAKDOWN = ("nationality", "origin_country", "dest_country")  # summed over elsewhere


def protect(rows: list[tuple[Any, ...]], threshold: int) -> list[list[Any]]:
    """The rows of `export_sql` with small counts of people (and their complements)
    emptied, each with the names of its suppressed columns (space-separated, or None)."""
    from pantau.analytics.views import hide_in_groups
    from pantau.publish.disclosure import MARK_COLUMN

    figures = [f"{d}_ind" for d in DIRECTIONS]
    names = COLUMNS[2:]
    dicts = [{**dict(zip(names, r, strict=True)), MARK_COLUMN: []} for r in rows]
    # Rows that differ in one breakdown add up to a figure served elsewhere (by nationality,
    # by departure country …), and all of an FMP's rows in a period to its total.
    margins = [lambda r, d=d: (r["period_start"], r["fmp_code"],
                               *(r[k] for k in BREAKDOWN if k != d)) for d in BREAKDOWN]
    margins.append(lambda r: (r["period_start"], r["fmp_code"]))
    hide_in_groups(dicts, figures, margins, threshold)
    return [[*(d[c] for c in names), " ".join(d[MARK_COLUMN]) or None] for d in dicts]


def write(path: Path, operation: str, period: str, rows: list[tuple[Any, ...]],
          threshold: int = 0) -> int:
    """Write the rows of `export_sql` (CSV or XLSX by suffix); returns the number of rows.
    `threshold` > 0: suppress small cells (`protect`) and add the `suppressed` column."""
    from pantau.publish.disclosure import MARK_COLUMN, MARK_TAG
    from pantau.publish.writers import write_csv, write_xlsx

    columns, tags = COLUMNS, TAGS
    body: list[Any] = list(rows)
    meta: dict[str, Any] = {"table": "flows", "operation": operation, "period": period}
    if threshold > 0:
        body = protect(rows, threshold)
        columns, tags = [*COLUMNS, MARK_COLUMN], [*TAGS, MARK_TAG]
        meta["suppression"] = (f"cells of fewer than {threshold} people are empty, with the "
                               "cells a total would give them back from; see `suppressed`")
    table = [(operation, period, *r) for r in body]
    if path.suffix.lower() == ".xlsx":
        write_xlsx(path, columns, tags, table, meta)
    else:
        write_csv(path, columns, tags, table)
    return len(table)
