"""`ws.analytics.refresh` and `read`, on SQLite and PostgreSQL, with known figures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from pantau.analytics import PUBLIC_TABLES
from pantau.errors import PantauError
from pantau.store.models import Submission
from pantau.workspace import Workspace
from tests.analytics import scenario as sc

D1, D2 = dt.date(2018, 10, 5), dt.date(2018, 11, 5)


def _rows(ws: Workspace, table: str, **filters: Any) -> list[dict[str, Any]]:
    columns, rows = ws.analytics.read(table, sc.OP, **filters)
    return [dict(zip(columns, r, strict=True)) for r in rows]


def _one(ws: Workspace, table: str, **filters: Any) -> dict[str, Any]:
    rows = _rows(ws, table, **filters)
    assert len(rows) == 1, rows
    return rows[0]


@pytest.fixture
def op(ws: Workspace, tmp_path: Path) -> Workspace:
    sc.build(ws, tmp_path)
    return ws


def test_only_approved_current_not_deleted_observations_count(op: Workspace) -> None:
    ws = op
    sc.site(ws, D1, "S1", "ID7271", hh=100, ind=450)
    sc.site(ws, D1, "S2", "ID7271", hh=1000, ind=5000, state="received")
    sc.site(ws, D1, "S3", "ID7271", hh=1000, ind=5000, state="rejected")
    sc.site(ws, D1, "S4", "ID7271", hh=1000, ind=5000, state="has_issues")
    gone = sc.site(ws, D1, "S5", "ID7205", hh=1000, ind=5000)
    with ws.session() as s:  # deleted on the server (what a Kobo pull records)
        s.execute(update(Submission).where(Submission.instance_id == gone)
                  .values(deleted_at=dt.datetime.now(dt.UTC)))
    first = sc.site(ws, D1, "S6", "ID7205", hh=10, ind=40)
    sc.send(ws, sc.FORM, {"assessment_date": D1.isoformat(), "location/site_id": "S6",
                          "location/adm2_pcode": "ID7205", "population/idp_hh": "12",
                          "population/idp_ind": "50"}, "approved", edits=first)
    result = ws.analytics.refresh(sc.OP)
    assert result.observations == 4 and result.unplaced == 0 and not result.warnings
    assert "approved" in result.rule
    total = _one(ws, "current", admin_level=0)
    assert (total["ind"], total["hh"], total["records"]) == (500, 112, 2)
    by_adm2 = {r["admin2_pcode"]: (r["ind"], r["hh"]) for r in
               _rows(ws, "current", admin_level=2)}
    assert by_adm2 == {"ID7271": (450, 100), "ID7205": (50, 12)}


def test_rollup_follows_the_gazetteer_of_the_round(op: Workspace) -> None:
    ws = op
    sc.site(ws, D1, "S1", "ID7271", ind=10, adm1="ID76")  # wrong province: corrected
    sc.site(ws, D1, "S2", "ID7299", ind=20, adm1="ID72")  # regency not in the gazetteer
    sc.site(ws, D1, "S3", "ZZ9999", ind=40, adm1="ZZ99")  # nothing known
    result = ws.analytics.refresh(sc.OP)
    assert result.unplaced == 1 and result.unknown_codes == [("ZZ9999", 1)]
    assert any("does not hold" in w for w in result.warnings)
    adm1 = {r["admin1_pcode"]: (r["admin1_name"], r["ind"]) for r in
            _rows(ws, "current", admin_level=1)}
    assert adm1 == {"ID72": ("Sulawesi Tengah", 30), "ZZ99": (None, 40)}
    adm2 = {r["admin2_pcode"]: (r["admin1_pcode"], r["admin2_name"], r["ind"])
            for r in _rows(ws, "current", admin_level=2)}
    assert adm2 == {"ID7271": ("ID72", "Kota Palu", 10), "ID7299": ("ID72", None, 20),
                    "ZZ9999": ("ZZ99", None, 40)}
    level0 = _one(ws, "current", admin_level=0)
    assert (level0["admin0_pcode"], level0["admin0_name"], level0["ind"]) == \
        ("IDN", "Indonesia", 70)
    # every level adds up to the same total
    for level in (1, 2, 3):
        assert sum(r["ind"] for r in _rows(ws, "current", admin_level=level)) == 70


def test_headline_sexes_from_age_groups_and_totals(op: Workspace) -> None:
    ws = op
    sc.site(ws, D1, "S1", "ID7271", hh=20, ind=90, f=(5, 10, 30, 2), m=(6, 9, 25, 3))
    sc.site(ws, D1, "S2", "ID7205", f=(1, 2, 3, 4), m=(1, 1, 1, 1))  # no total: f + m
    ws.analytics.refresh(sc.OP)
    palu = _one(ws, "current", admin_level=2, admin2_pcode="ID7271")
    assert (palu["ind"], palu["hh"], palu["f"], palu["m"]) == (90, 20, 47, 43)
    donggala = _one(ws, "current", admin_level=2, admin2_pcode="ID7205")
    assert (donggala["ind"], donggala["hh"], donggala["f"], donggala["m"]) == (14, None, 10, 4)
    cells = {(r["sex"], r["age_group"]): r["value"] for r in
             _rows(ws, "totals", admin_level=0, unit="individuals")}
    assert cells[("f", "children")] == 12 and cells[(None, None)] == 90


def test_current_is_the_latest_round_and_change_is_area_by_area(op: Workspace) -> None:
    ws = op
    sc.site(ws, D1, "S1", "ID7271", hh=100, ind=450)
    sc.site(ws, D1, "S2", "ID7205", hh=50, ind=200)
    sc.site(ws, D2, "S1", "ID7271", hh=80, ind=300)
    ws.analytics.refresh(sc.OP)
    latest = _one(ws, "latest_round", assessment_type="SA")
    assert (latest["round_number"], latest["reporting_date"]) == (2, sc.R2[1])
    assert {r["round_number"] for r in _rows(ws, "current")} == {2}
    assert _one(ws, "current", admin_level=0)["ind"] == 300
    change = {(r["admin_level"], r["admin2_pcode"]): r for r in _rows(ws, "round_change")}
    palu = change[(2, "ID7271")]
    assert (palu["status"], palu["ind"], palu["ind_previous"], palu["ind_change"],
            palu["previous_round"]) == ("both", 300, 450, -150, 1)
    donggala = change[(2, "ID7205")]
    assert (donggala["status"], donggala["ind"], donggala["ind_previous"],
            donggala["ind_change"]) == ("gone", None, 200, None)
    assert change[(0, None)]["ind_change"] == -350


def test_assessment_types_are_never_summed(op: Workspace) -> None:
    ws = op
    sc.site(ws, D1, "S1", "ID7271", hh=100, ind=450, origin="ID7205", needs="food wash")
    sc.site(ws, D1, "S2", "ID7205", hh=10, ind=40, needs="food")
    sc.village(ws, D1, "ID7210", [("ID7271", "earthquake", 10, 40),
                                  (None, "liquefaction", 5, 20)], returnees=(3, 12))
    ws.analytics.refresh(sc.OP)
    national = {(r["assessment_type"], r["population_group"]): r["ind"]
                for r in _rows(ws, "current", admin_level=0)}
    assert national == {("SA", "idps"): 490, ("BA", "idps"): 60, ("BA", "returnees"): 12}
    flows = {(r["assessment_type"], r["population_group"], r["origin_admin2_pcode"],
              r["admin2_pcode"]): r["ind"] for r in _rows(ws, "origin_matrix")}
    assert flows == {("SA", "idps", "ID7205", "ID7271"): 450, ("SA", "idps", None, "ID7205"): 40,
                     ("BA", "idps", "ID7271", "ID7210"): 40, ("BA", "idps", None, "ID7210"): 20,
                     ("BA", "returnees", None, "ID7210"): 12}
    origin = _one(ws, "origin_matrix", assessment_type="SA", origin_admin2_pcode="ID7205")
    assert (origin["origin_admin1_pcode"], origin["origin_admin2_name"]) == ("ID72", "Donggala")
    needs = {r["sector"]: (r["value"], r["assessed"], r["share"])
             for r in _rows(ws, "needs", admin_level=0, assessment_type="SA")}
    assert needs == {"food": (2, 2, 1.0), "wash": (1, 2, 0.5)}


def test_refresh_is_per_operation_and_repeatable(op: Workspace) -> None:
    ws = op
    ws.operations.create("idn-flood", "IDN", "Floods 2019")
    sc.site(ws, D1, "S1", "ID7271", hh=100, ind=450)
    ws.analytics.refresh(sc.OP)
    first = sorted(map(repr, _rows(ws, "totals")))
    again = ws.analytics.refresh(sc.OP)
    assert sorted(map(repr, _rows(ws, "totals"))) == first and again.rows["current"] == 4
    empty = ws.analytics.refresh("idn-flood")
    assert empty.observations == 0 and all(n == 0 for t, n in empty.rows.items()
                                           if t != "rounds")
    assert sorted(map(repr, _rows(ws, "totals"))) == first  # the other operation's untouched
    assert ws.analytics.path == ws.path / "analytics.duckdb"


def test_bad_requests_say_what_is_wrong(op: Workspace) -> None:
    ws = op
    with pytest.raises(PantauError, match="not built yet"):
        ws.analytics.read("current", sc.OP)
    with pytest.raises(PantauError, match="No operation 'nope'"):
        ws.analytics.refresh("nope")
    ws.analytics.refresh(sc.OP)
    with pytest.raises(PantauError, match="No analytics table 'facts'"):
        ws.analytics.read("facts", sc.OP)
    with pytest.raises(PantauError, match="no column 'colour'"):
        ws.analytics.read("current", sc.OP, colour="red")


def test_text_with_commas_quotes_and_accents_survives_the_copy(op: Workspace) -> None:
    ws = op
    odd = 'zz,"9 é'
    sc.site(ws, D1, "S1", "ID7271", ind=7, origin=odd)
    ws.analytics.refresh(sc.OP)
    row = _one(ws, "origin_matrix")
    assert (row["origin_admin1_pcode"], row["origin_admin1_name"], row["ind"]) == \
        (odd.upper(), None, 7)


def test_refresh_reads_only_the_versions_that_changed(op: Workspace) -> None:
    ws = op
    a = sc.site(ws, D1, "S1", "ID7271", hh=10, ind=40)
    b = sc.site(ws, D1, "S2", "ID7205", hh=20, ind=80, state="received")
    first = ws.analytics.refresh(sc.OP)
    assert (first.mode, first.added, first.removed, first.observations) == ("full", 1, 0, 2)
    same = ws.analytics.refresh(sc.OP)
    assert (same.mode, same.added, same.removed, same.observations) == ("incremental", 0, 0, 2)
    sc.send(ws, sc.FORM, {"assessment_date": D1.isoformat(), "location/site_id": "S1",
                          "location/adm2_pcode": "ID7271", "population/idp_hh": "11",
                          "population/idp_ind": "44"}, "approved", edits=a)
    sc.send(ws, sc.FORM, {"assessment_date": D1.isoformat(), "location/site_id": "S2",
                          "location/adm2_pcode": "ID7205", "population/idp_hh": "20",
                          "population/idp_ind": "80"}, "approved", edits=b)  # approved now
    gone = sc.site(ws, D1, "S3", "ID7205", hh=1, ind=4)
    mid = ws.analytics.refresh(sc.OP)  # the edit replaces a; b approved; a new one
    assert (mid.mode, mid.added, mid.removed, mid.observations) == ("incremental", 3, 1, 6)
    with ws.session() as s:
        s.execute(update(Submission).where(Submission.instance_id == gone)
                  .values(deleted_at=dt.datetime.now(dt.UTC)))
    step = ws.analytics.refresh(sc.OP)
    assert (step.mode, step.added, step.removed, step.observations) == ("incremental", 0, 1, 4)
    assert _one(ws, "current", admin_level=0)["ind"] == 124
    sc.site(ws, D2, "S1", "ID7271", hh=5, ind=20)  # the first figures of round 2
    later = ws.analytics.refresh(sc.OP)
    assert (later.mode, later.added) == ("incremental", 1)
    current = _one(ws, "current", admin_level=0)
    assert (current["round_number"], current["ind"]) == (2, 20)
    assert _one(ws, "round_change", admin_level=0)["ind_change"] == -104
    tables = {t: sorted(map(repr, _rows(ws, t))) for t in PUBLIC_TABLES}
    full = ws.analytics.refresh(sc.OP, full=True)
    assert (full.mode, full.added, full.observations) == ("full", 3, 6)
    assert {t: sorted(map(repr, _rows(ws, t))) for t in PUBLIC_TABLES} == tables


def test_a_new_round_or_gazetteer_change_reads_everything_again(
        op: Workspace, tmp_path: Path) -> None:
    from shapely.geometry import box

    from tests.gazetteer.files import adm2_props, geojson

    ws = op
    sc.site(ws, D1, "S1", "ID7299", ind=5)  # not in the gazetteer yet
    assert ws.analytics.refresh(sc.OP).unplaced == 0  # its province is known
    assert _one(ws, "current", admin_level=2)["admin2_name"] is None
    props = {**adm2_props("ID7271"), "ADM2_PCODE": "ID7299", "ADM2_EN": "Kabupaten Baru"}
    ws.gazetteer.import_file(geojson(tmp_path / "new.geojson",
                                     [(props, box(120.5, -1.0, 120.6, -0.9))]), label="cod-ab")
    again = ws.analytics.refresh(sc.OP)
    assert again.mode == "full"
    assert _one(ws, "current", admin_level=2)["admin2_name"] == "Kabupaten Baru"
    assert ws.analytics.refresh(sc.OP).mode == "incremental"
    ws.operations.add_round(sc.OP, "SA", 3, dt.date(2018, 12, 1), dt.date(2018, 12, 15),
                            gazetteer_version="cod-ab")
    assert ws.analytics.refresh(sc.OP).mode == "full"


def test_a_bulk_import_right_before_the_refresh(op: Workspace) -> None:
    """On PostgreSQL the store's statistics are stale right after a bulk import; the refresh
    refreshes them first (else its plan is quadratic)."""
    ws = op
    for i in range(120):
        sc.site(ws, D1, f"S{i}", ("ID7271", "ID7205", "ID7210")[i % 3], hh=i, ind=4 * i)
    result = ws.analytics.refresh(sc.OP)
    assert result.observations == 240
    assert _one(ws, "current", admin_level=0)["hh"] == sum(range(120))
    by_adm2 = {r["admin2_pcode"]: r["records"] for r in _rows(ws, "current", admin_level=2)}
    assert by_adm2 == {"ID7271": 40, "ID7205": 40, "ID7210": 40}
