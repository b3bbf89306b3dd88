"""`pantau demo`: the Central Sulawesi 2018 workspace, built through the public importers."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest
from shapely.geometry import Point, shape

from pantau.config import Settings
from pantau.demo import MARKER, SLUG, build
from pantau.demo.masterlist import build_sites, counts
from pantau.demo.places import PLACES, REGENCIES
from pantau.demo.scenario import EVENT, ROUNDS
from pantau.demo.shapes import BOUNDARIES_FILE, NOTICE
from pantau.errors import PantauError
from pantau.web.summary import workspace_summary
from pantau.workspace import Workspace

CODAB = Path(__file__).resolve().parents[1] / "src" / "pantau" / "demo" / "sulteng-adm1-2.csv"
REAL_ADMIN2 = {"ID7201", "ID7202", "ID7203", "ID7204", "ID7205", "ID7206", "ID7207", "ID7208",
               "ID7209", "ID7210", "ID7211", "ID7212", "ID7271"}


# the data, without a store -----------------------------------------------------------------
def test_shipped_codes_are_the_real_ones(pcodes_csv: Path) -> None:
    with pcodes_csv.open(encoding="utf-8-sig") as f:
        real = {(r["P-Code"], r["Name"], r["Parent P-Code"]) for r in csv.DictReader(f)
                if r["Location"] == "IDN" and r["P-Code"].startswith("ID72")}
    with CODAB.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    shipped = {(r["ADM2_PCODE"], r["ADM2_EN"], r["ADM1_PCODE"]) for r in rows}
    shipped |= {(r["ADM1_PCODE"], r["ADM1_EN"], "IDN") for r in rows}
    assert shipped == real
    assert ("ID7271", "Kota Palu", "ID72") in shipped and len(real) == 14


def test_boundaries_say_they_are_approximate_and_hold_the_places() -> None:
    data = json.loads(BOUNDARIES_FILE.read_text(encoding="utf-8"))
    assert "APPROXIMATE" in data["description"] and data["description"] == NOTICE
    shapes = {f["properties"]["ADM2_PCODE"]: shape(f["geometry"]) for f in data["features"]}
    assert set(shapes) == REAL_ADMIN2
    assert all(g.is_valid and g.geom_type in ("Polygon", "MultiPolygon") for g in shapes.values())
    for a, b in [(a, b) for a in shapes for b in shapes if a < b]:
        assert shapes[a].intersection(shapes[b]).area < 1e-6, f"{a} overlaps {b}"
    for regency in REGENCIES:  # every capital in its own regency
        assert shapes[regency.pcode].contains(Point(regency.seeds[0])), regency.name
    for place in PLACES:
        inside = [p for p, g in shapes.items() if g.contains(Point(place.lon, place.lat))]
        assert inside == [place.regency], place.name
    # Palu is roughly where it is: the city centre and the bay's liquefaction areas
    assert shapes["ID7271"].contains(Point(119.87, -0.90))
    assert shapes["ID7210"].contains(Point(119.99, -1.45))  # Kulawi, far south of Palu


def test_master_list_is_deterministic_and_plausible() -> None:
    sites = build_sites()
    again = build_sites()
    assert [(s.code, s.states) for s in sites] == [(s.code, s.states) for s in again]
    figures = counts(sites)
    assert 280 <= figures["total"] <= 320
    by = Counter(s.regency for s in sites)
    assert by["ID7271"] > by["ID7210"] > by["ID7205"] > by["ID7208"] > by["ID7204"]
    assert sum(by[p] for p in ("ID7271", "ID7210", "ID7205", "ID7208")) / len(sites) > 0.9
    assert len({s.code for s in sites}) == len(sites)
    last = ROUNDS[-1].number
    assert len({s.states[last].name for s in sites}) == len(sites), "names are unique"
    assert figures["listed"][1] < figures["listed"][2] < figures["listed"][3] <= len(sites)
    for s in sites:
        assert s.opened >= EVENT
        assert s.opened < ROUNDS[s.first_round - 1].period_start + dt.timedelta(days=1)
        st = s.states[last]
        if st.closed:
            assert st.closed >= s.opened
    huntara = [s for s in sites if s.states[s.first_round].name.startswith("Huntara")]
    assert huntara and all(s.first_round >= 3 and s.opened > dt.date(2018, 11, 1)
                           for s in huntara)
    types = Counter(s.states[s.first_round].site_type for s in sites)
    assert set(types) == {"camp", "collective_centre", "informal_settlement", "host_community"}
    assert sum(1 for s in sites if s.states[last].closed) > 50


# the workspace, on each store --------------------------------------------------------------
def test_demo_builds_on_each_store_and_rebuilds_the_same(settings: Settings) -> None:
    result = build(settings)
    assert (settings.workspace / MARKER).is_file()
    assert {i.file for i in result.imported} >= {
        "sulteng-adm1-2.csv", "sulteng-adm2-approximate.geojson", "masterlist-round1.csv",
        "masterlist-round2.csv", "masterlist-round3.xlsx", "masterlist-round4.csv"}
    warnings = [str(w) for i in result.imported for w in i.warnings]
    assert any("says ID7271 but the coordinates fall in ID7210" in w for w in warnings)
    assert any("just outside every admin-2 area" in w for w in warnings)
    assert result.counted > 0 and result.analytics["current"] > 0
    # checked, cleaned and approved as a data manager would
    assert result.flags > 0 and result.cleaned > 0 and result.approved == [1, 2, 3]
    ws = Workspace.open(settings)
    try:
        for number in (1, 2, 3):
            [status] = ws.review.status(SLUG, number)
            assert {p.state for p in status.areas} == {"approved"}
        [last] = ws.review.status(SLUG, 4)
        assert {p.state for p in last.areas} == {"open"}
        assert not ws.quality.flags(SLUG, check="type")  # the separators were cleaned
    finally:
        ws.close()
    first = _facts(settings)

    build(settings)  # again: the previous demo is wiped (folder) or cleared (PostgreSQL)
    assert _facts(settings) == first


def _facts(settings: Settings) -> dict[str, object]:
    ws = Workspace.open(settings)
    try:
        op = ws.operations.get(SLUG)
        assert op.name == "Indonesia — Central Sulawesi Earthquake 2018"
        assert op.country_iso3 == "IDN" and op.avg_household_size == pytest.approx(3.9)
        assert "28 September 2018" in op.description and "liquefaction" in op.description
        rounds = ws.operations.rounds(SLUG)
        assert [(r.assessment_type, r.number) for r in rounds] == [("SA", n) for n in (1, 2, 3, 4)]
        assert rounds[0].period_start == dt.date(2018, 10, 8)
        assert all(dt.date(2018, 10, 1) <= r.reporting_date <= dt.date(2019, 3, 31)
                   for r in rounds if r.reporting_date)

        sites = ws.sites.list(SLUG)
        assert 280 <= len(sites) <= 320
        assert {s.admin_pcodes.get(1) for s in sites} == {"ID72"}
        assert {s.admin_pcodes.get(2) for s in sites} <= REAL_ADMIN2
        assert {s.pcode_source for s in sites} == {"coordinates"}
        palu = ws.sites.list(SLUG, admin_pcode="ID7271")
        assert len(palu) > 100 and all(s.admin_pcodes[2] == "ID7271" for s in palu)
        closed = [s for s in sites if s.closed_on]
        assert 50 < len(closed) < len(sites)
        changed = [s for s in sites if s.version > 1 and not s.closed_on]
        assert changed, "some sites were corrected between rounds"
        history = ws.sites.history(SLUG, changed[0].code)
        assert history[0].action == "created" and history[-1].action == "updated"

        palu_unit = ws.gazetteer.unit("ID7271", country="IDN")
        assert palu_unit.name == "Kota Palu" and palu_unit.has_geometry
        assert len(ws.gazetteer.units("IDN", level=2)) == 13
        (version,) = ws.gazetteer.versions("IDN")
        assert version.with_geometry == 13

        # the analytics tables hold the approved SA figures, one current round
        columns, rows = ws.analytics.read("latest_round", SLUG)
        assert len(rows) == 1 and dict(zip(columns, rows[0], strict=True))["assessment_type"] \
            == "SA"

        summary = workspace_summary(ws)
        (sulteng,) = [o for o in summary["operations"] if o["slug"] == SLUG]
        (top, *_rest) = sulteng["sites_by_admin2"]
        assert (top["pcode"], top["name"]) == ("ID7271", "Kota Palu")
        assert "approximate" in summary["notice"]
        for op in summary["operations"]:
            for change in op["recent_changes"]:
                del change["changed_at"]  # the time of the build, the one thing that differs
        return {"sites": [(s.code, s.name, s.admin_pcodes, s.closed_on, s.version)
                          for s in sites], "summary": summary}
    finally:
        ws.close()


def test_demo_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "survey.xlsx").write_bytes(b"precious")
    settings = Settings.load(workspace=folder, database_url=f"sqlite:///{folder / 'pantau.db'}")
    with pytest.raises(PantauError, match="not a pantau demo workspace"):
        build(settings)
    assert (folder / "survey.xlsx").read_bytes() == b"precious"
    assert not (folder / MARKER).exists() and not (folder / "pantau.db").exists()


def test_demo_refuses_a_store_with_other_data(settings: Settings, tmp_path: Path) -> None:
    ws = Workspace.open(settings)
    ws.operations.create("som-drought", "SOM", "Somalia drought")
    ws.close()
    with pytest.raises(PantauError, match="will not run here"):
        build(settings)
    if not settings.is_sqlite:  # a fresh folder does not help: the shared store is not empty
        other = Settings.load(workspace=tmp_path / "elsewhere",
                              database_url=settings.database_url)
        with pytest.raises(PantauError, match="holds data that is not pantau's demo"):
            build(other)
    ws = Workspace.open(settings)
    assert [o.slug for o in ws.operations.list()] == ["som-drought"]
    ws.close()


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
def test_cli_demo_without_serving(cli, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    out = cli("demo", "--workspace", settings.workspace, "--no-serve").output
    assert "Kota Palu" in out and "ID7271" in out and "Gazetteer versions" in out
    assert "demo-2018" in out and "idn-sulteng-2018" in out
    assert "says ID7271 but the coordinates fall in ID7210" in out
    assert "Serving" not in out
    assert "Analytics refreshed:" in out and "approved observations count" in out
    assert "rounds approved: 1, 2, 3" in out and "Quality checks:" in out
    refused = cli("demo", "--workspace", settings.workspace / "inputs", "--no-serve", ok=False)
    assert refused.exit_code == 1 and "not a pantau demo workspace" in refused.output
