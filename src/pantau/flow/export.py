"""FMR flows as an HXL-tagged table: one row per period × FMP × nationality × departure
country × final destination, with individuals by direction in columns.

Written with `pantau.publish.writers` (formula-safe CSV/XLSX, whole numbers as whole numbers),
so flow files look like every other file pantau publishes. Only aggregates leave: no FMR
group's free text (previous place, areas) is published.
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


def write(path: Path, operation: str, period: str, rows: list[tuple[Any, ...]]) -> int:
    """Write the rows of `export_sql` (CSV or XLSX by suffix); returns the number of rows."""
    from pantau.publish.writers import write_csv, write_xlsx

    table = [(operation, period, *r) for r in rows]
    if path.suffix.lower() == ".xlsx":
        write_xlsx(path, COLUMNS, TAGS, table, {"table": "flows", "operation": operation,
                                                "period": period})
    else:
        write_csv(path, COLUMNS, TAGS, table)
    return len(table)
