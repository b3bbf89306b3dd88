"""One published dataset = one query on the analytics tables, whatever the file format.

CSV, XLSX, GeoJSON and Parquet are written from the same query, so the four files of a table
always hold the same rows and columns. Tables of people per area (`current`, `area_totals`)
are published wide, one column per population group and figure (`idps_ind`, `idps_hh`,
`idps_f`, `idps_m` …), the shape DTM and HDX datasets have; the other tables as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pantau.analytics import order_sql
from pantau.publish.hxl import HEADLINE, UNSPECIFIED, group_tag, tag

WIDE = ("current", "area_totals")
# Not published: codes internal to pantau, and the ISO3 code that admin0_pcode repeats.
HIDDEN = ("country_iso3", "round_id", "gazetteer_version_id", "records")
GROUP_ORDER = ("idps", "returnees", "migrants", "refugees", "host")


def group_column(group: str | None, i: int = 0) -> str:
    """The column prefix of a population group in the wide tables (`idps` → `idps_ind` …);
    a count of no stated group is `unspecified`."""
    g = group or UNSPECIFIED
    return re.sub(r"[^a-z0-9]+", "_", g.lower()).strip("_") or f"group{i}"


@dataclass(frozen=True)
class Dataset:
    table: str
    operation: str
    columns: list[str]
    tags: list[str]
    sql: str
    params: dict[str, Any]
    filters: dict[str, Any] = field(default_factory=dict)


def build(table: str, operation: str, columns: list[str], where: str,
          params: dict[str, Any], con: Any) -> Dataset:
    """The query publishing `table` of `operation`: `where` and `params` select the rows
    (`ws.analytics.where`), `con` reads the population groups present."""
    given = {k: v for k, v in params.items() if k != "operation"}
    if table not in WIDE:
        shown = [c for c in columns if c not in HIDDEN]
        return Dataset(table, operation, shown, [tag(c) for c in shown],
                       f"SELECT {', '.join(shown)} FROM {table} WHERE {where}"
                       f"{order_sql(shown)}", params, given)
    groups = [g for (g,) in con.execute(
        f"SELECT DISTINCT coalesce(population_group, '{UNSPECIFIED}') FROM {table} "
        f"WHERE {where}", params).fetchall()]
    groups.sort(key=lambda g: (GROUP_ORDER.index(g) if g in GROUP_ORDER else len(GROUP_ORDER),
                               g))
    keys = [c for c in columns if c not in (*HIDDEN, "population_group", *HEADLINE)]
    pivot, out, tags = [], list(keys), [tag(c) for c in keys]
    for i, g in enumerate(groups):
        params[f"g{i}"] = g
        name = group_column(g, i)
        for h in HEADLINE:
            pivot.append(f"sum({h}) FILTER (WHERE coalesce(population_group, "
                         f"'{UNSPECIFIED}') = $g{i}) AS {name}_{h}")
            out.append(f"{name}_{h}")
            tags.append(group_tag(name, h))
    key_list = ", ".join(keys)
    return Dataset(table, operation, out, tags,
                   f"SELECT {', '.join([key_list, *pivot])} FROM {table} WHERE {where} "
                   f"GROUP BY {key_list}{order_sql(keys)}", params, given)
