"""IOM's DTM API v3 shape: admin-level IDP figures as `dtmapi` and IOM's users read them.

Parameters, record fields and the `{isSuccess, result, errorMessages}` envelope follow IOM's
API (`/v3/displacement/admin0|admin1|admin2`, `country-list`, `operation-list`). Records come
from the `displacement` analytics table: IDPs only (`numPresentIdpInd`), one record per
operation, assessment type, round, area, reason and origin (admin 1) — assessment types are
never added together. Bad parameters are answered as IOM does: `isSuccess: false` and a
message naming the parameter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pantau.errors import PantauError
from pantau.gazetteer.countries import country, is_country

if TYPE_CHECKING:
    from pantau.workspace import Workspace

PARAMETERS = ("Operation", "CountryName", "Admin0Pcode", "Admin1Name", "Admin1Pcode",
              "Admin2Name", "Admin2Pcode", "FromReportingDate", "ToReportingDate",
              "FromRoundNumber", "ToRoundNumber")


class BadParameter(ValueError):
    """A query IOM's API would refuse; the message is returned in `errorMessages`."""


@dataclass(frozen=True)
class Query:
    level: int
    operation: str | None = None
    country_name: str | None = None
    admin0: str | None = None
    admin1_name: str | None = None
    admin1: str | None = None
    admin2_name: str | None = None
    admin2: str | None = None
    from_date: dt.date | None = None
    to_date: dt.date | None = None
    from_round: int | None = None
    to_round: int | None = None


def envelope(result: Any = None, errors: list[str] | None = None) -> dict[str, Any]:
    return {"isSuccess": not errors, "result": result if not errors else None,
            "errorMessages": errors or []}


def parse(level: int, params: dict[str, str]) -> Query:
    """Check the query parameters the way IOM's API does (names are case-insensitive)."""
    given = {k.lower(): v.strip() for k, v in params.items() if v is not None and v.strip()}
    known = {p.lower(): p for p in PARAMETERS}
    unknown = [k for k in params if k.lower() not in known]
    if unknown:
        raise BadParameter(f"Unknown parameter(s): {', '.join(unknown)}. Use "
                           f"{', '.join(PARAMETERS)}.")
    if not any(given.get(k) for k in ("operation", "countryname", "admin0pcode")):
        raise BadParameter("At least one of Operation, CountryName or Admin0Pcode is required.")
    if level < 2 and (given.get("admin2name") or given.get("admin2pcode")):
        raise BadParameter(f"Admin2Name and Admin2Pcode apply to admin2 data, not admin{level}.")
    if level < 1 and (given.get("admin1name") or given.get("admin1pcode")):
        raise BadParameter("Admin1Name and Admin1Pcode apply to admin1 and admin2 data.")
    q = Query(level, given.get("operation"), given.get("countryname"),
              _admin0(given.get("admin0pcode")), given.get("admin1name"),
              _upper(given.get("admin1pcode")), given.get("admin2name"),
              _upper(given.get("admin2pcode")),
              _date(given.get("fromreportingdate"), "FromReportingDate"),
              _date(given.get("toreportingdate"), "ToReportingDate"),
              _round(given.get("fromroundnumber"), "FromRoundNumber"),
              _round(given.get("toroundnumber"), "ToRoundNumber"))
    if q.from_date and q.to_date and q.from_date > q.to_date:
        raise BadParameter(f"FromReportingDate ({q.from_date}) must be before or equal to "
                           f"ToReportingDate ({q.to_date}).")
    if q.from_round is not None and q.to_round is not None and q.from_round > q.to_round:
        raise BadParameter(f"FromRoundNumber ({q.from_round}) must be less than or equal to "
                           f"ToRoundNumber ({q.to_round}).")
    return q


def _upper(value: str | None) -> str | None:
    return value.upper() if value else None


def _admin0(value: str | None) -> str | None:
    if not value:
        return None
    if not is_country(value):
        raise BadParameter(f"Admin0Pcode '{value}' is not a country code (use ISO3, e.g. IDN).")
    return country(value).iso3


def _date(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        if len(value) != 10:
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadParameter(f"{name} must be a date as YYYY-MM-DD, got: {value}") from None


def _round(value: str | None, name: str) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise BadParameter(f"{name} must be a whole number of 0 or more, got: {value}")
    return int(value)


_SQL_FILTERS = (
    ("operation", "(lower(operation_name) = lower($operation) OR operation = $operation)"),
    ("country_name", "lower(admin0_name) = lower($country_name)"),
    ("admin0", "admin0_pcode = $admin0"),
    ("admin1_name", "lower(admin1_name) = lower($admin1_name)"),
    ("admin1", "admin1_pcode = $admin1"),
    ("admin2_name", "lower(admin2_name) = lower($admin2_name)"),
    ("admin2", "admin2_pcode = $admin2"),
    ("from_date", "reporting_date >= $from_date"),
    ("to_date", "reporting_date <= $to_date"),
    ("from_round", "round_number >= $from_round"),
    ("to_round", "round_number <= $to_round"),
)
_COLUMNS = ("operation", "operation_name", "assessment_type", "round_number",
            "reporting_date", "admin0_pcode", "admin0_name", "admin1_pcode", "admin1_name",
            "admin2_pcode", "admin2_name", "reason", "origin_admin1_pcode",
            "origin_admin1_name", "ind", "f", "m", "admin_level", "admin3_pcode",
            "population_group")


def records_sql(q: Query) -> tuple[str, dict[str, Any]]:
    """The query for `q`: IDPs at its level, areas of that level only (figures placed only
    higher up are left out, as an admin-2 record must name its admin-2 area)."""
    where = ["admin_level = $level", "population_group = 'idps'"]
    if q.level:
        where.append(f"admin{q.level}_pcode IS NOT NULL")
    params: dict[str, Any] = {"level": q.level}
    for attr, condition in _SQL_FILTERS:
        value = getattr(q, attr)
        if value is not None:
            where.append(condition)
            params[attr] = value
    order = ", ".join(["operation", *(f"admin{lv}_pcode" for lv in range(1, q.level + 1)),
                       "assessment_type", "round_number", "reason", "origin_admin1_pcode"])
    return (f"SELECT {', '.join(_COLUMNS)} FROM displacement WHERE {' AND '.join(where)} "
            f"ORDER BY {order} NULLS FIRST", params)


def records(ws: Workspace, q: Query) -> list[dict[str, Any]]:
    """The records IOM's API would return for `q` (an unknown operation or P-code is a
    BadParameter, an empty result is not)."""
    _check_known(ws, q)
    if not ws.analytics.path.exists():
        return []
    sql, params = records_sql(q)
    with ws.analytics.reader() as con:
        if not _has_displacement(con):
            return []
        rows = con.execute(sql, params).fetchall()
    reasons = {r["code"]: r["label"] for r in ws.operations.vocabularies()["displacement_reasons"]}
    return [_record(r, q.level, reasons) for r in _suppressed(ws, rows)]


def _suppressed(ws: Workspace, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """The rows with the cells the published `displacement` table suppresses left empty
    (the same pattern as the HDX files: `pantau.publish.disclosure`)."""
    out = [dict(zip(_COLUMNS, r, strict=True)) for r in rows]
    patterns: dict[str, Any] = {}
    for row in out:
        op = row["operation"]
        if op not in patterns:
            patterns[op] = ws.publish.suppression(
                op, "displacement", ws.publish.policy(op).min_cell)
        for column in patterns[op].of(row):
            if column in row:
                row[column] = None
    return out


def _has_displacement(con: Any) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE "
                            "table_name = 'displacement'").fetchall()[0][0])


def _check_known(ws: Workspace, q: Query) -> None:
    if q.operation is not None:
        names = {n for o in ws.operations.list() for n in (o.name.lower(), o.slug)}
        if q.operation.lower() not in names and q.operation not in names:
            raise BadParameter(f"Operation '{q.operation}' is not known here; see "
                               "/v3/displacement/operation-list.")
    for level, code in ((1, q.admin1), (2, q.admin2)):
        if code is None:
            continue
        try:
            unit = ws.gazetteer.unit(code)
        except PantauError:
            raise BadParameter(f"Admin{level}Pcode '{code}' is not in the gazetteer.") from None
        if unit.level != level:
            raise BadParameter(f"Admin{level}Pcode '{code}' is an admin-{unit.level} P-code.")


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _record(r: dict[str, Any], level: int, reasons: dict[str, str]) -> dict[str, Any]:
    day: dt.date | None = r["reporting_date"]
    key = "|".join(str(r[c]) for c in ("operation", "assessment_type", "round_number",
                                         "admin0_pcode", "admin1_pcode", "admin2_pcode",
                                         "reason", "origin_admin1_pcode")) + f"|{level}"
    out: dict[str, Any] = {
        # stable across refreshes, and within JavaScript's exact integers
        "id": int(hashlib.sha256(key.encode()).hexdigest()[:13], 16),
        "operation": r["operation_name"],
        "admin0Name": r["admin0_name"], "admin0Pcode": r["admin0_pcode"]}
    if level >= 1:
        out |= {"admin1Name": r["admin1_name"], "admin1Pcode": r["admin1_pcode"]}
    if level >= 2:
        out |= {"admin2Name": r["admin2_name"], "admin2Pcode": r["admin2_pcode"]}
    return out | {
        "numPresentIdpInd": _number(r["ind"]),
        "reportingDate": f"{day.isoformat()}T00:00:00" if day else None,
        "yearReportingDate": day.year if day else None,
        "monthReportingDate": day.month if day else None,
        "roundNumber": r["round_number"],
        "displacementReason": reasons.get(r["reason"], r["reason"]) if r["reason"] else None,
        "numberMales": _number(r["m"]), "numberFemales": _number(r["f"]),
        "idpOriginAdmin1Name": r["origin_admin1_name"],
        "idpOriginAdmin1Pcode": r["origin_admin1_pcode"],
        "assessmentType": r["assessment_type"],
    }


def countries(ws: Workspace) -> list[dict[str, Any]]:
    """Countries with at least one operation."""
    seen = sorted({o.country_iso3 for o in ws.operations.list()})
    return [{"admin0Name": country(c).name, "admin0Pcode": c} for c in seen]


def operations(ws: Workspace) -> list[dict[str, Any]]:
    return [{"operation": o.name, "operationStatus": o.status.capitalize(),
             "admin0Name": country(o.country_iso3).name, "admin0Pcode": o.country_iso3}
            for o in ws.operations.list()]
