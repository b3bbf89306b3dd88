"""The analytics tables as data (columns) and the SQL that builds them, as pure functions.

Every builder returns SQL text for one operation (`$op`), never with a value pasted in; the
façade runs it in one place. The rules the tables enforce, whatever a user asks:

- the assessment type is in every key, so figures of different types are never summed;
- every row is of one round, and its admin levels follow that round's gazetteer version
  (resolved when the facts are loaded, see places.py);
- `current` holds the latest round per operation and assessment type, and nothing else;
- a number nobody reported stays empty (NULL), never 0: "not assessed" is not "nobody".
"""

from __future__ import annotations

from collections.abc import Callable

SCHEMA_VERSION = "3"

V, D, INT, B, F, T, BOOL = "VARCHAR", "DATE", "INTEGER", "BIGINT", "DOUBLE", "TIMESTAMP", "BOOLEAN"

ROUND_KEYS = [("operation", V), ("operation_name", V), ("country_iso3", V),
              ("assessment_type", V), ("round_number", INT), ("reporting_date", D),
              ("gazetteer_version", V)]
ADMIN = [(f"admin{lv}_{part}", V) for lv in range(4) for part in ("pcode", "name")]
LEVEL = [("admin_level", INT)]
HEADLINE = [("ind", F), ("hh", F), ("f", F), ("m", F), ("ind_estimated", F)]

TABLES: dict[str, list[tuple[str, str]]] = {
    "meta": [("key", V), ("value", V)],
    "refreshes": [("operation", V), ("refreshed_at", T), ("mode", V), ("observations", B),
                  ("unplaced", B), ("rule", V), ("fingerprint", V)],
    "rounds": [*ROUND_KEYS, ("round_id", B), ("period_start", D), ("period_end", D),
               ("gazetteer_version_id", B)],
    "facts": [*ROUND_KEYS, ("round_id", B), ("version_id", B), ("site_code", V), *ADMIN,
              ("admin4_pcode", V), ("placed", BOOL), ("obs_date", D), ("population_group", V),
              ("measure", V), ("unit", V), ("sex", V), ("age_group", V), ("reason", V),
              ("origin_pcode", V), ("origin_admin1_pcode", V), ("origin_admin1_name", V),
              ("origin_admin2_pcode", V), ("origin_admin2_name", V), ("shelter", V),
              ("sector", V), ("indicator", V), ("value", F), ("estimated", BOOL)],
    "record_figures": [*ROUND_KEYS, ("version_id", B), *ADMIN, ("population_group", V),
                       ("reason", V), ("origin_admin1_pcode", V), ("origin_admin1_name", V),
                       ("origin_admin2_pcode", V), ("origin_admin2_name", V), *HEADLINE],
    "totals": [*ROUND_KEYS, *LEVEL, *ADMIN, ("population_group", V), ("measure", V),
               ("unit", V), ("sex", V), ("age_group", V), ("reason", V),
               ("origin_admin1_pcode", V), ("origin_admin1_name", V), ("value", F),
               ("estimated_value", F), ("records", B)],
    "area_totals": [*ROUND_KEYS, *LEVEL, *ADMIN, ("population_group", V), *HEADLINE,
                    ("records", B)],
    "displacement": [*ROUND_KEYS, *LEVEL, *ADMIN, ("population_group", V), ("reason", V),
                     ("origin_admin1_pcode", V), ("origin_admin1_name", V), *HEADLINE,
                     ("records", B)],
    "latest_round": ROUND_KEYS,
    "current": [*ROUND_KEYS, *LEVEL, *ADMIN, ("population_group", V), *HEADLINE,
                ("records", B)],
    "round_change": [*ROUND_KEYS, ("previous_round", INT), *LEVEL, *ADMIN,
                     ("population_group", V), ("status", V), ("ind", F),
                     ("ind_previous", F), ("ind_change", F), ("hh", F), ("hh_previous", F),
                     ("hh_change", F)],
    # the current place first: an HXL reader asking for #adm2+code takes the first match
    "origin_matrix": [*ROUND_KEYS, ("population_group", V), ("admin1_pcode", V),
                      ("admin1_name", V), ("admin2_pcode", V), ("admin2_name", V),
                      ("origin_admin1_pcode", V), ("origin_admin1_name", V),
                      ("origin_admin2_pcode", V), ("origin_admin2_name", V), ("ind", F),
                      ("hh", F), ("records", B)],
    "needs": [*ROUND_KEYS, *LEVEL, *ADMIN, ("sector", V), ("measure", V), ("unit", V),
              ("value", F), ("records", B), ("assessed", B), ("share", F)],
}
# Rebuilt from `facts` per operation, in this order (each reads the ones before); those in
# ROUND_SCOPED can be rebuilt for some rounds only (the rounds in the temp table `touched`).
DERIVED = ("record_figures", "totals", "area_totals", "displacement", "latest_round", "current",
           "round_change", "origin_matrix", "needs")

ROUND_SCOPED = ("record_figures", "totals", "area_totals", "displacement", "origin_matrix",
                "needs")
# Built with `_rollup`: they take `one_place` (see ONE_PLACE_SQL).
ONE_PLACE_BUILT = ("totals", "area_totals", "displacement", "needs")
SCOPE = "(assessment_type, round_number) IN (SELECT assessment_type, round_number FROM touched)"
_RK = ", ".join(c for c, _ in ROUND_KEYS)
# How every read of a table is ordered (the columns it has, in this order).
ORDER = ("assessment_type", "round_number", "admin_level", "admin1_pcode", "admin2_pcode",
         "admin3_pcode", "origin_admin1_pcode", "origin_admin2_pcode", "population_group",
         "sector")


def where_sql(table: str, operation: str, filters: dict[str, object]
              ) -> tuple[str, dict[str, object]]:
    """`operation = $operation AND column = $column …` for the non-None filters, with its
    parameters; a filter naming no column of the table is a ValueError."""
    columns = [c for c, _ in TABLES[table]]
    given = {k: v for k, v in filters.items() if v is not None}
    unknown = [k for k in given if k not in columns]
    if unknown:
        raise ValueError(f"table {table} has no column {', '.join(map(repr, unknown))}")
    where = " AND ".join(["operation = $operation", *(f"{k} = ${k}" for k in given)])
    return where, {"operation": operation, **given}


def order_sql(columns: list[str]) -> str:
    order = [c for c in ORDER if c in columns]
    return f" ORDER BY {', '.join(order)} NULLS FIRST" if order else ""


def create_sql(name: str) -> str:
    cols = ", ".join(f"{c} {t}" for c, t in TABLES[name])
    return f"CREATE TABLE IF NOT EXISTS {name} ({cols})"


def delete_sql(name: str, scope: str = "TRUE") -> str:
    return f"DELETE FROM {name} WHERE operation = $op AND {scope}"


def _admin(level: int) -> str:
    return ", ".join(f"admin{lv}_pcode, admin{lv}_name" if lv <= level else
                     f"CAST(NULL AS VARCHAR) AS admin{lv}_pcode, "
                     f"CAST(NULL AS VARCHAR) AS admin{lv}_name" for lv in range(4))


def _by_level(keys: str, aggregates: str, source: str, where: str = "TRUE") -> str:
    """One SELECT per admin level 0–3, grouped by that level's areas and `keys`; a record
    placed only above a level shows at that level with an empty code, so every level adds
    up to the same total. `aggregates` ends with `count(DISTINCT version_id) AS records`."""
    parts = []
    for level in range(4):
        groups = ", ".join(f"admin{lv}_pcode, admin{lv}_name" for lv in range(level + 1))
        parts.append(f"SELECT {keys}, {level} AS admin_level, {_admin(level)}, {aggregates}\n"
                     f"FROM {source} WHERE operation = $op AND {where}\n"
                     f"GROUP BY {keys}, {groups}")
    return "\nUNION ALL\n".join(parts)


ADMIN_COLUMNS = ", ".join(c for c, _ in ADMIN)


def _rollup(keys: str, sums: dict[str, str], source: str, where: str = "TRUE",
            one_place: bool = False) -> str:
    """`keys`, admin level and area, the `sums` (name → expression) and `records` (distinct
    record versions) at admin levels 0–3, as `_by_level` gives them.

    `count(DISTINCT version_id)` per group costs most of a refresh (a hash set per group).
    When every record version lies in one place per round (`one_place`, see
    `ONE_PLACE_SQL`; the usual case: a record is one site or one area), the same figures
    come from two plain aggregations instead: first one row per group of the deepest level
    and version, then those rows summed and counted through the levels in one GROUPING
    SETS pass — a version is then one row in each group it is in, so `count(*)` is the
    number of distinct versions."""
    if not one_place:
        aggregates = ", ".join([*(f"{e} AS {n}" for n, e in sums.items()),
                                "count(DISTINCT version_id) AS records"])
        return _by_level(keys, aggregates, source, where)
    inner = "".join(f", {e} AS {n}" for n, e in sums.items())
    outer = "".join(f"sum({n}) AS {n}, " for n in sums)
    sets = ", ".join("(" + ", ".join([keys, *(f"admin{lv}_pcode, admin{lv}_name"
                                             for lv in range(level + 1))]) + ")"
                     for level in range(4))
    level = "3 - grouping(admin1_pcode) - grouping(admin2_pcode) - grouping(admin3_pcode)"
    return (f"SELECT {keys}, {level} AS admin_level, {ADMIN_COLUMNS}, {outer}"
            f"count(*) AS records FROM (\n"
            f"  SELECT {keys}, {ADMIN_COLUMNS}, version_id{inner}\n"
            f"  FROM {source} WHERE operation = $op AND {where}\n"
            f"  GROUP BY {keys}, {ADMIN_COLUMNS}, version_id)\n"
            f"GROUP BY GROUPING SETS ({sets})")


# Versions (per round) placed in more than one area: when there are none, `_rollup` can
# count records without DISTINCT.
ONE_PLACE_SQL = """SELECT count(*) = 0 FROM (SELECT version_id, round_id FROM facts
WHERE operation = $op AND {scope} GROUP BY version_id, round_id
HAVING count(DISTINCT (admin1_pcode, admin1_name, admin2_pcode, admin2_name, admin3_pcode,
                       admin3_name)) > 1)"""


def record_figures_sql(scope: str = "TRUE") -> str:
    """One row per record (submission version) and place, group, reason and origin, with
    the headline numbers read the same way for every record:

    - individuals: the total answered (sex and age empty); if the record gave none, the sum
      of its females and males;
    - females / males: the total answered for the sex; else the sum over its age groups;
    - households: the total answered.
    Only `#affected` counts (people present) make headlines; `#inneed`, `#reached` … stay in
    `totals`."""
    total = "unit = 'individuals' AND sex IS NULL AND age_group IS NULL"

    def sex(s: str) -> str:
        return (f"coalesce(sum(value) FILTER (WHERE unit = 'individuals' AND sex = '{s}' AND "
                f"age_group IS NULL), sum(value) FILTER (WHERE unit = 'individuals' AND "
                f"sex = '{s}' AND age_group IS NOT NULL))")

    keys = (f"{_RK}, version_id, {', '.join(c for c, _ in ADMIN)}, population_group, reason, "
            "origin_admin1_pcode, origin_admin1_name, origin_admin2_pcode, origin_admin2_name")
    return (f"INSERT INTO record_figures BY NAME\n"
            f"SELECT * EXCLUDE (ind_total), coalesce(ind_total, CASE WHEN f IS NOT NULL OR "
            f"m IS NOT NULL THEN coalesce(f, 0) + coalesce(m, 0) END) AS ind FROM (\n"
            f"SELECT {keys},\n"
            f"  sum(value) FILTER (WHERE {total}) AS ind_total,\n"
            f"  sum(value) FILTER (WHERE {total} AND estimated) AS ind_estimated,\n"
            f"  sum(value) FILTER (WHERE unit = 'households' AND sex IS NULL AND "
            f"age_group IS NULL) AS hh,\n"
            f"  {sex('f')} AS f,\n  {sex('m')} AS m\n"
            f"FROM facts WHERE operation = $op AND measure = 'affected' AND sector IS NULL\n"
            f"  AND {scope}\n"
            f"GROUP BY {keys})")


def totals_sql(scope: str = "TRUE", one_place: bool = False) -> str:
    keys = (f"{_RK}, population_group, measure, unit, sex, age_group, reason, "
            "origin_admin1_pcode, origin_admin1_name")
    sums = {"value": "sum(value)", "estimated_value": "sum(value) FILTER (WHERE estimated)"}
    return "INSERT INTO totals BY NAME\n" + _rollup(keys, sums, "facts",
                                                     f"sector IS NULL AND {scope}", one_place)


_HEADLINE_SUMS = {"ind": "sum(ind)", "hh": "sum(hh)", "f": "sum(f)", "m": "sum(m)",
                  "ind_estimated": "sum(ind_estimated)"}


def area_totals_sql(scope: str = "TRUE", one_place: bool = False) -> str:
    return "INSERT INTO area_totals BY NAME\n" + _rollup(
        f"{_RK}, population_group", _HEADLINE_SUMS, "record_figures", scope, one_place)


def displacement_sql(scope: str = "TRUE", one_place: bool = False) -> str:
    """Area totals split by reason and origin (admin 1): the shape of IOM's DTM API."""
    keys = f"{_RK}, population_group, reason, origin_admin1_pcode, origin_admin1_name"
    return "INSERT INTO displacement BY NAME\n" + _rollup(keys, _HEADLINE_SUMS,
                                                           "record_figures", scope, one_place)


def latest_round_sql() -> str:
    """The current round of each assessment type: the highest round number with counted
    figures (a round defined but without approved data does not replace the last one)."""
    return (f"INSERT INTO latest_round BY NAME\n"
            f"SELECT DISTINCT {_RK} FROM facts WHERE operation = $op\n"
            f"QUALIFY row_number() OVER (PARTITION BY operation, assessment_type "
            f"ORDER BY round_number DESC) = 1")


def current_sql() -> str:
    return ("INSERT INTO current BY NAME\n"
            "SELECT a.* FROM area_totals a JOIN latest_round l USING (operation, "
            "assessment_type, round_number) WHERE a.operation = $op")


def round_change_sql() -> str:
    """Each round against the one before it of the same type, area by area. An area
    assessed in only one of the two is `new` or `gone`, with the other side empty: the
    change of an area nobody assessed is unknown, not minus everything."""
    same = " AND ".join([f"c.{k} IS NOT DISTINCT FROM p.{k}" for k in
                         ["admin_level", *(c for c, _ in ADMIN if c.endswith("pcode")),
                          "population_group"]])
    pick = ", ".join(f"coalesce(c.{k}, p.{k}) AS {k}" for k in
                     ["operation", "operation_name", "country_iso3", "assessment_type",
                      "admin_level", "population_group", *(c for c, _ in ADMIN)])
    return f"""INSERT INTO round_change BY NAME
WITH numbered AS (
  SELECT DISTINCT operation, assessment_type, round_number, reporting_date, gazetteer_version
  FROM area_totals WHERE operation = $op),
pairs AS (
  SELECT *, lag(round_number) OVER (PARTITION BY operation, assessment_type
                                    ORDER BY round_number) AS previous_round FROM numbered),
c AS (SELECT a.*, p.previous_round FROM area_totals a JOIN pairs p USING (operation,
      assessment_type, round_number) WHERE p.previous_round IS NOT NULL),
p AS (SELECT a.*, q.round_number AS next_round, q.reporting_date AS next_date,
             q.gazetteer_version AS next_gazetteer
      FROM area_totals a JOIN pairs q ON a.operation = q.operation
      AND a.assessment_type = q.assessment_type AND a.round_number = q.previous_round)
SELECT {pick},
  coalesce(c.round_number, p.next_round) AS round_number,
  coalesce(c.reporting_date, p.next_date) AS reporting_date,
  coalesce(c.gazetteer_version, p.next_gazetteer) AS gazetteer_version,
  coalesce(c.previous_round, p.round_number) AS previous_round,
  CASE WHEN c.operation IS NULL THEN 'gone' WHEN p.operation IS NULL THEN 'new'
       ELSE 'both' END AS status,
  c.ind AS ind, p.ind AS ind_previous, c.ind - p.ind AS ind_change,
  c.hh AS hh, p.hh AS hh_previous, c.hh - p.hh AS hh_change
FROM c FULL OUTER JOIN p ON c.operation = p.operation
  AND c.assessment_type = p.assessment_type AND c.round_number = p.next_round AND {same}"""


def origin_matrix_sql(scope: str = "TRUE") -> str:
    keys = (f"{_RK}, population_group, origin_admin1_pcode, origin_admin1_name, "
            "origin_admin2_pcode, origin_admin2_name, admin1_pcode, admin1_name, "
            "admin2_pcode, admin2_name")
    return (f"INSERT INTO origin_matrix BY NAME\n"
            f"SELECT {keys}, sum(ind) AS ind, sum(hh) AS hh, "
            f"count(DISTINCT version_id) AS records\n"
            f"FROM record_figures WHERE operation = $op AND {scope} GROUP BY {keys}")


def needs_sql(scope: str = "TRUE", one_place: bool = False) -> str:
    """Needs by sector per area. For answers counted per site (priority needs, yes/no
    questions) `share` is the part of the records assessed in the area that gave it."""
    admin = ", ".join(c for c, _ in ADMIN)
    return f"""INSERT INTO needs BY NAME
WITH n AS ({_rollup(f"{_RK}, sector, measure, unit", {"value": "sum(value)"}, "facts",
                    f"sector IS NOT NULL AND {scope}", one_place)}),
a AS ({_rollup(_RK, {}, "facts", scope, one_place)})
SELECT n.*, a.records AS assessed, CASE WHEN n.unit = 'sites' AND a.records > 0
  THEN n.value / a.records END AS share
FROM n LEFT JOIN a ON n.operation = a.operation AND n.assessment_type = a.assessment_type
  AND n.round_number = a.round_number AND n.admin_level = a.admin_level
  AND {" AND ".join(f"n.{c} IS NOT DISTINCT FROM a.{c}" for c in admin.split(", ")
                    if c.endswith("pcode"))}"""


BUILDERS: dict[str, Callable[..., str]] = {
    "record_figures": record_figures_sql, "totals": totals_sql, "area_totals": area_totals_sql,
    "displacement": displacement_sql, "latest_round": latest_round_sql, "current": current_sql,
    "round_change": round_change_sql, "origin_matrix": origin_matrix_sql, "needs": needs_sql}


# Incremental refresh by delta ----------------------------------------------------------------
# When a refresh only adds record versions (new approvals; none stopped counting), the
# round-scoped tables take the aggregates of the new versions alone, merged into the rows
# they have: sums add (an empty sum stays empty: NULL + x = x), and `records` adds because
# the new versions are not among the versions already counted (distinct counts of disjoint
# sets add up). `needs.assessed` counts every record of the area, with or without a need,
# so it is counted again for the touched rounds (`assessed_sql`).
MERGED = ("totals", "area_totals", "displacement", "origin_matrix", "needs")
_COUNTS = ("records", "assessed")
MEASURES: dict[str, tuple[str, ...]] = {
    "totals": ("value", "estimated_value", "records"),
    "area_totals": ("ind", "hh", "f", "m", "ind_estimated", "records"),
    "displacement": ("ind", "hh", "f", "m", "ind_estimated", "records"),
    "origin_matrix": ("ind", "hh", "records"),
    "needs": ("value", "records", "assessed", "share"),
}
ADDED = "version_id IN (SELECT version_id FROM added_versions)"


def select_of(insert: str) -> str:
    """The SELECT of a builder's `INSERT INTO … BY NAME` statement."""
    head, body = insert.split("\n", 1)
    if not head.startswith("INSERT INTO "):
        raise ValueError(f"not a builder statement: {head}")
    return body


def _match(name: str, left: str, right: str) -> str:
    keys = [c for c, _ in TABLES[name] if c not in MEASURES[name]]
    return " AND ".join(f"{left}.{k} IS NOT DISTINCT FROM {right}.{k}" for k in keys)


def merge_sql(name: str) -> list[str]:
    """Statements merging the rows of the temp table `delta` (the builder's rows for the
    added versions) into table `name` for operation `$op`."""
    def combined(m: str) -> str:
        if m in _COUNTS:
            return f"coalesce(t.{m}, 0) + d.{m} AS {m}"
        if m == "share":
            return "CAST(NULL AS DOUBLE) AS share"  # set with `assessed` (assessed_sql)
        return f"coalesce(t.{m} + d.{m}, t.{m}, d.{m}) AS {m}"
    replace = ", ".join(combined(m) for m in MEASURES[name])
    return [
        f"CREATE TEMP TABLE merged AS SELECT d.* REPLACE ({replace}) FROM delta d "
        f"LEFT JOIN (SELECT * FROM {name} WHERE operation = $op) t ON {_match(name, 't', 'd')}",
        f"DELETE FROM {name} USING delta d WHERE {name}.operation = $op AND "
        f"{_match(name, name, 'd')}",
        f"INSERT INTO {name} BY NAME SELECT * FROM merged",
        "DROP TABLE merged",
    ]


def assessed_sql(one_place: bool) -> list[str]:
    """`needs.assessed` and `share` again for the touched rounds (temp table `touched`)."""
    areas = " AND ".join(f"needs.{c} IS NOT DISTINCT FROM a.{c}" for c in
                         ["assessment_type", "round_number", "admin_level",
                          *(c for c, _ in ADMIN if c.endswith("pcode"))])
    return [f"CREATE TEMP TABLE assessed AS {_rollup(_RK, {}, 'facts', SCOPE, one_place)}",
            f"UPDATE needs SET assessed = a.records, share = CASE WHEN needs.unit = 'sites' "
            f"AND a.records > 0 THEN needs.value / a.records END FROM assessed a "
            f"WHERE needs.operation = $op AND {areas}",
            "DROP TABLE assessed"]
