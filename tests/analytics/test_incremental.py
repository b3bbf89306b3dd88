"""An incremental refresh gives exactly what a full refresh gives, whatever changed in the
store between two refreshes: new approvals (the delta merge), reopened (un-approved)
records, edits, deletions — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy import select, update

from pantau.analytics import PUBLIC_TABLES, sql
from pantau.store.models import Submission
from pantau.workspace import Workspace
from tests.analytics import scenario as sc

D1, D2 = dt.date(2018, 10, 5), dt.date(2018, 11, 5)


def _tables(ws: Workspace) -> dict[str, list[str]]:
    """Every public table and the per-record figures of the operation, in a fixed order."""
    out = {}
    with ws.analytics.reader(sc.OP) as con:
        for table in [*PUBLIC_TABLES, "record_figures"]:
            rows = con.execute(f"SELECT * EXCLUDE (operation) FROM {table} WHERE "
                               "operation = $op", {"op": sc.OP}).fetchall()
            out[table] = sorted(map(repr, rows))
    return out


def _incremental_equals_full(ws: Workspace, mode: str = "incremental",
                             added: int | None = None, removed: int | None = None) -> Any:
    """Refresh incrementally, then fully, and compare every table; returns the result of
    the incremental refresh."""
    result = ws.analytics.refresh(sc.OP)
    assert result.mode == mode
    if added is not None:
        assert (result.added, result.removed) == (added, removed)
    incremental = _tables(ws)
    ws.analytics.refresh(sc.OP, full=True)
    assert _tables(ws) == incremental
    return result


def _set_state(ws: Workspace, instance_id: str, **values: Any) -> None:
    with ws.session() as s:
        s.execute(update(Submission).where(Submission.instance_id == instance_id)
                  .values(**values))


@pytest.fixture
def op(ws: Workspace, tmp_path: Path) -> Workspace:
    sc.build(ws, tmp_path)
    return ws


def test_new_approvals_are_merged_as_a_delta(op: Workspace) -> None:
    ws = op
    sc.site(ws, D1, "S1", "ID7271", hh=100, ind=450, f=(10, 20, 100, 5), m=(10, 25, 90, 5),
            origin="ID7205", needs="shelter food")
    sc.site(ws, D1, "S2", "ID7205", hh=50, ind=200, needs="wash")
    sc.village(ws, D1, "ID7210", [("ID7271", "earthquake", 10, 40),
                                  ("ID7205", "conflict", 3, 9)], returnees=(3, 12))
    assert ws.analytics.refresh(sc.OP).mode == "full"
    # new records: in areas with rows already (sums and record counts grow), in a new
    # area, without needs in an area that has needs (its share of sites changes), with
    # an estimate only (no sex split), and the first of round 2 (a new current round)
    sc.site(ws, D1, "S3", "ID7271", hh=10, ind=40, needs="shelter")
    sc.site(ws, D1, "S4", "ID7271", hh=7, origin="ID7205")
    sc.site(ws, D1, "S5", "ID7210", ind=13, reason="conflict")
    sc.village(ws, D1, "ID7205", [(None, "earthquake", 1, 4)])
    result = _incremental_equals_full(ws, added=4, removed=0)
    assert result.observations == ws.analytics.refresh(sc.OP).observations
    shelter = [r for r in ws.analytics.read("needs", sc.OP, admin_level=2)[1]
               if "ID7271" in r and "shelter" in r]
    assert shelter  # two of the three records in Palu named shelter
    sc.site(ws, D2, "S1", "ID7271", hh=80, ind=300, origin="ID7205")
    _incremental_equals_full(ws, added=1, removed=0)
    columns, rows = ws.analytics.read("current", sc.OP, admin_level=0, assessment_type="SA")
    assert dict(zip(columns, rows[0], strict=True))["round_number"] == 2


def test_a_received_record_approved_later_is_added(op: Workspace) -> None:
    ws = op
    sc.site(ws, D1, "S1", "ID7271", hh=100, ind=450)
    late = sc.site(ws, D1, "S2", "ID7271", hh=5, ind=20, state="received")
    ws.analytics.refresh(sc.OP)
    _set_state(ws, late, review_state="approved")
    _incremental_equals_full(ws, added=1, removed=0)
    assert ws.analytics.read("current", sc.OP, admin_level=0)[1][0][-1] == 2  # records


@pytest.mark.parametrize("change", ["reopen", "edit", "delete"])
def test_records_that_stop_counting_are_taken_out(op: Workspace, change: str) -> None:
    ws = op
    keep = sc.site(ws, D1, "S1", "ID7271", hh=100, ind=450, needs="shelter")
    other = sc.site(ws, D1, "S2", "ID7271", hh=50, ind=200, needs="shelter food")
    sc.site(ws, D2, "S1", "ID7271", hh=80, ind=300)
    ws.analytics.refresh(sc.OP)
    if change == "reopen":  # approval withdrawn: back to received
        _set_state(ws, other, review_state="received")
        expected = (0, 1)
    elif change == "edit":  # a new version replaces the figures
        sc.send(ws, sc.FORM, {"assessment_date": D1.isoformat(), "location/site_id": "S2",
                              "location/adm2_pcode": "ID7205", "population/idp_hh": "51",
                              "population/idp_ind": "204"}, "approved", edits=other)
        expected = (1, 1)
    else:
        _set_state(ws, other, deleted_at=dt.datetime.now(dt.UTC))
        expected = (0, 1)
    result = _incremental_equals_full(ws, added=expected[0], removed=expected[1])
    assert result.mode == "incremental"
    with ws.session() as s:
        assert s.scalar(select(Submission.review_state).where(
            Submission.instance_id == keep)) == "approved"


def test_a_mix_of_changes_then_nothing(op: Workspace) -> None:
    ws = op
    a = sc.site(ws, D1, "S1", "ID7271", hh=10, ind=40, needs="food")
    b = sc.site(ws, D1, "S2", "ID7205", hh=20, ind=80)
    ws.analytics.refresh(sc.OP)
    sc.site(ws, D1, "S3", "ID7205", hh=3, ind=9, needs="food wash")
    _set_state(ws, b, review_state="has_issues")
    sc.send(ws, sc.FORM, {"assessment_date": D1.isoformat(), "location/site_id": "S1",
                          "location/adm2_pcode": "ID7271", "population/idp_hh": "11",
                          "population/idp_ind": "44"}, "approved", edits=a)
    _incremental_equals_full(ws, added=2, removed=2)
    nothing = _incremental_equals_full(ws, added=0, removed=0)
    assert nothing.observations == 6  # S1 as edited (2) and S3 (2 + 2 needs)


# The two ways of counting records (sql._rollup) ---------------------------------------------

def _facts(rows: list[tuple[int, str | None, str | None, str, float]]
           ) -> duckdb.DuckDBPyConnection:
    """A `facts` table of (version, admin 1, admin 2, unit, value) rows, round 1 of op."""
    con = duckdb.connect()
    con.execute(sql.create_sql("facts"))
    for version, a1, a2, unit, value in rows:
        con.execute("INSERT INTO facts (operation, assessment_type, round_number, round_id, "
                    "version_id, admin0_pcode, admin1_pcode, admin2_pcode, population_group, "
                    "measure, unit, value, estimated) VALUES ('op', 'SA', 1, 1, ?, 'IDN', ?, "
                    "?, 'idps', 'affected', ?, ?, false)", [version, a1, a2, unit, value])
    return con


def _totals(con: duckdb.DuckDBPyConnection, one_place: bool) -> list[tuple[Any, ...]]:
    query = sql.select_of(sql.totals_sql(one_place=one_place))
    return sorted(con.execute(f"SELECT admin_level, admin1_pcode, admin2_pcode, unit, value, "
                              f"records FROM ({query})", {"op": "op"}).fetchall(),
                  key=repr)


def test_records_counted_without_distinct_only_when_each_record_has_one_place() -> None:
    single = _facts([(1, "ID72", "ID7271", "individuals", 10), (1, "ID72", "ID7271",
                                                                  "households", 2),
                     (1, "ID72", "ID7271", "individuals", 5),  # same cell twice
                     (2, "ID72", "ID7205", "individuals", 7), (3, None, None, "households", 1)])
    assert single.execute(sql.ONE_PLACE_SQL.format(scope="TRUE"), {"op": "op"}).fetchall() \
        == [(True,)]
    assert _totals(single, True) == _totals(single, False)
    assert (1, "ID72", None, "individuals", 22.0, 2) in _totals(single, True)
    # one record in two regencies: counted once in the province, once in each regency
    double = _facts([(1, "ID72", "ID7271", "individuals", 10),
                     (1, "ID72", "ID7205", "individuals", 5)])
    assert double.execute(sql.ONE_PLACE_SQL.format(scope="TRUE"), {"op": "op"}).fetchall() \
        == [(False,)]
    exact = _totals(double, False)
    assert (1, "ID72", None, "individuals", 15.0, 1) in exact
    assert (2, "ID72", "ID7271", "individuals", 10.0, 1) in exact
    assert (1, "ID72", None, "individuals", 15.0, 2) in _totals(double, True)  # why not

