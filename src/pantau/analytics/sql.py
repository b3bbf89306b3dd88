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
    up to the same total."""
    parts = []
    for level in range(4):
        groups = ", ".join(f"admin{lv}_pcode, admin{lv}_name" for lv in range(level + 1))
        parts.append(f"SELECT {keys}, {level} AS admin_level, {_admin(level)}, {aggregates}\n"
                     f"FROM {source} WHERE operation = $op AND {where}\n"
                     f"GROUP BY {keys}, {groups}")
    return "\nUNION ALL\n".join(parts)


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


def totals_sql(scope: str = "TRUE") -> str:
    keys = (f"{_RK}, population_group, measure, unit, sex, age_group, reason, "
            "origin_admin1_pcode, origin_admin1_name")
    aggregates = ("sum(value) AS value, sum(value) FILTER (WHERE estimated) AS "
                  "estimated_value, count(DISTINCT version_id) AS records")
    return "INSERT INTO totals BY NAME\n" + _by_level(keys, aggregates, "facts",
                                                      f"sector IS NULL AND {scope}")


def area_totals_sql(scope: str = "TRUE") -> str:
    aggregates = ("sum(ind) AS ind, sum(hh) AS hh, sum(f) AS f, sum(m) AS m, "
                  "sum(ind_estimated) AS ind_estimated, count(DISTINCT version_id) AS records")
    return "INSERT INTO area_totals BY NAME\n" + _by_level(f"{_RK}, population_group",
                                                           aggregates, "record_figures", scope)


def displacement_sql(scope: str = "TRUE") -> str:
    """Area totals split by reason and origin (admin 1): the shape of IOM's DTM API."""
    aggregates = ("sum(ind) AS ind, sum(hh) AS hh, sum(f) AS f, sum(m) AS m, "
                  "sum(ind_estimated) AS ind_estimated, count(DISTINCT version_id) AS records")
    keys = f"{_RK}, population_group, reason, origin_admin1_pcode, origin_admin1_name"
    return "INSERT INTO displacement BY NAME\n" + _by_level(keys, aggregates, "record_figures",
                                                            scope)


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


def needs_sql(scope: str = "TRUE") -> str:
    """Needs by sector per area. For answers counted per site (priority needs, yes/no
    questions) `share` is the part of the records assessed in the area that gave it."""
    admin = ", ".join(c for c, _ in ADMIN)
    return f"""INSERT INTO needs BY NAME
WITH n AS ({_by_level(f"{_RK}, sector, measure, unit",
                      "sum(value) AS value, count(DISTINCT version_id) AS records",
                      "facts", f"sector IS NOT NULL AND {scope}")}),
a AS ({_by_level(_RK, "count(DISTINCT version_id) AS assessed", "facts", scope)})
SELECT n.*, a.assessed, CASE WHEN n.unit = 'sites' AND a.assessed > 0
  THEN n.value / a.assessed END AS share
FROM n LEFT JOIN a ON n.operation = a.operation AND n.assessment_type = a.assessment_type
  AND n.round_number = a.round_number AND n.admin_level = a.admin_level
  AND {" AND ".join(f"n.{c} IS NOT DISTINCT FROM a.{c}" for c in admin.split(", ")
                    if c.endswith("pcode"))}"""


BUILDERS: dict[str, Callable[..., str]] = {
    "record_figures": record_figures_sql, "totals": totals_sql, "area_totals": area_totals_sql,
    "displacement": displacement_sql, "latest_round": latest_round_sql, "current": current_sql,
    "round_change": round_change_sql, "origin_matrix": origin_matrix_sql, "needs": needs_sql}
