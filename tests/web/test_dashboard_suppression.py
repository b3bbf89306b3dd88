"""Small cells on the public dashboards, on both stores: one family of 3 in Sigi (ID7210).

Anonymous visitors and viewers must not find the 3 in the JSON, the page or a download, nor
get it back from a total; a manager or analyst (who may read the records) sees it. The
pattern must be the one the exported files use.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pantau.web import create_app
from pantau.workspace import Workspace
from tests.analytics import scenario as sc

D1 = sc.R1[0].replace(day=5)
SIGI, DONGGALA, PALU, PROVINCE = "ID7210", "ID7205", "ID7271", "ID72"


@pytest.fixture
def op(ws: Workspace, tmp_path: Path) -> Workspace:
    """Three regencies of one province in round 1; Sigi has one family of 3."""
    sc.build(ws, tmp_path)
    master = tmp_path / "sites.csv"
    master.write_text("Site ID,Site Name,Type,Latitude,Longitude\n"
                      "S1,Palu camp,camp,-0.85,119.87\nS2,Donggala camp,camp,-0.85,119.60\n"
                      "S3,Sigi camp,camp,-1.40,119.90\n", encoding="utf-8")
    ws.sites.import_file(sc.OP, master)
    sc.site(ws, D1, "S1", PALU, hh=100, ind=450, f=(10, 20, 100, 5), m=(10, 25, 90, 5),
            origin=DONGGALA)
    sc.site(ws, D1, "S2", DONGGALA, hh=50, ind=200, f=(5, 20, 60, 15), m=(5, 20, 60, 15),
            origin=PALU)
    sc.site(ws, D1, "S3", SIGI, hh=1, ind=3, f=(0, 1, 1, 0), m=(0, 0, 1, 0), origin=PALU,
            reason="conflict")
    ws.analytics.refresh(sc.OP)
    ws.access.set_public(sc.OP, True)
    return ws


@pytest.fixture
def clients(op: Workspace) -> dict[str, TestClient]:
    """Anonymous, a viewer, an analyst and a manager of the operation (API tokens)."""
    app = create_app(op, secure_cookies=False)
    out = {"anonymous": TestClient(app)}
    for role in ("viewer", "analyst", "manager"):
        op.access.add_user(role, "a long enough password 1")
        op.access.grant(role, sc.OP, role)
        token, _ = op.access.create_token(role, "test", ["aggregates:read", "records:read"])
        out[role] = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    return out


def _api(client: TestClient, page: str, **params: Any) -> dict[str, Any]:
    r = client.get(f"/api/operations/{sc.OP}/{page}", params={"type": "SA", "round": 1,
                                                                **params})
    assert r.status_code == 200, r.text
    return r.json()


def _areas(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["id"]: f["properties"] for f in data["areas"]["features"]}


def test_anonymous_map_hides_sigi_and_a_complement(clients: dict[str, TestClient]) -> None:
    data = _api(clients["anonymous"], "map", level=2)
    areas = _areas(data)
    assert areas[SIGI]["ind"] is None and areas[SIGI]["hh"] is None
    assert {"ind", "hh"} <= set(areas[SIGI]["suppressed"])
    # The province (653) is published, as in the exported files: a second regency is hidden
    # so that 653 minus the others does not give Sigi back.
    assert data["idps"]["ind"] == 653
    shown = [a["ind"] for a in areas.values() if a["ind"] is not None]
    assert sum(a["ind"] is None for a in areas.values()) >= 2
    assert 653 - sum(shown) != 3 or len(shown) < 2
    assert 3 not in shown
    table = {r["admin2_pcode"]: r for r in data["tables"]["areas"]["rows"]}
    assert table[SIGI]["ind"] is None and "ind" in table[SIGI]["suppressed"]
    assert data["tables"]["areas"]["columns"][-1] == "suppressed"
    assert data["disclosure"]["applied"] and data["disclosure"]["threshold"] == 5
    assert data["disclosure"]["cells"] >= 4
    # Sites: the site of a hidden area is hidden too (else it gives the area back).
    sites = {s["code"]: s for s in data["sites"]}
    assert set(sites) == {"S1", "S2", "S3"} and sites["S1"]["ind"] == 450
    for s in sites.values():
        assert s["ind"] != 3
        if s["admin2_pcode"] in (SIGI, DONGGALA):
            assert s["ind"] is None


def test_the_dashboard_hides_what_the_export_hides(op: Workspace, tmp_path: Path,
                                                   clients: dict[str, TestClient]) -> None:
    out = op.publish.export(sc.OP, "area_totals", tmp_path / "t.csv", assessment_type="SA",
                            round_number=1, admin_level=2)
    with out.path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[1:]
    exported = {r["admin2_pcode"]: r["idps_ind"] == "" for r in rows}
    areas = _areas(_api(clients["anonymous"], "map", level=2))
    assert {p: a["ind"] is None for p, a in areas.items()} == exported


def test_overview_tables_hide_sigi(clients: dict[str, TestClient]) -> None:
    data = _api(clients["anonymous"], "overview", admin1=PROVINCE)
    assert data["idps"]["ind"] == 653  # the published province total
    top = {r["admin2_pcode"]: r for r in data["tables"]["areas"]["rows"]}
    assert top[SIGI]["ind"] is None and top[SIGI]["hh"] is None
    # Sigi's place in the order must not tell its size: hidden areas come last.
    order = [r["ind"] for r in data["tables"]["areas"]["rows"]]
    assert order == sorted(order, key=lambda v: (v is None, -(v or 0)))
    # Reasons: 'conflict' is only Sigi's family; 'earthquake' = 653 - 3 would give it back.
    reasons = {r["reason"]: r for r in data["tables"]["reasons"]["rows"]
               if r["population_group"] == "idps"}
    assert reasons["conflict"]["ind"] is None
    assert all(r["ind"] is None for r in reasons.values())
    assert all(v != 3 for r in data["tables"]["reasons"]["rows"] for v in (r["ind"], r["hh"]))


def test_movements_hide_sigi(clients: dict[str, TestClient]) -> None:
    rows = _api(clients["anonymous"], "movements")["tables"]["movements"]["rows"]
    sigi = [r for r in rows if r["admin2_pcode"] == SIGI]
    assert sigi and all(r["ind"] is None and "ind" in r["suppressed"] for r in sigi)
    assert all(r["ind"] != 3 for r in rows)


def test_download_and_page_mark_the_hidden_cells(clients: dict[str, TestClient]) -> None:
    anonymous = clients["anonymous"]
    r = anonymous.get(f"/operations/{sc.OP}/download/map/areas.csv",
                      params={"type": "SA", "round": 1, "level": 2})
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.text)))
    header, tags, body = rows[0], rows[1], rows[2:]
    assert header[-1] == "suppressed" and tags[-1] == "#meta+suppressed"
    sigi = next(dict(zip(header, row, strict=True)) for row in body if SIGI in row)
    assert sigi["ind"] == "" and sigi["hh"] == "" and "ind" in sigi["suppressed"].split()
    page = anonymous.get(f"/operations/{sc.OP}/map", params={"type": "SA", "round": 1})
    assert page.status_code == 200
    row = re.search(rf"<tr>(?:(?!</tr>).)*{SIGI}(?:(?!</tr>).)*</tr>", page.text, re.S)
    assert row is not None and "data-suppressed" in row.group(0)
    assert "fewer than 5 people" in row.group(0)
    # The map's own data (drawn by the script) has null, never the 3.
    data = re.search(r'id="map-data">(.*?)</script>', page.text, re.S)
    assert data is not None
    features = json.loads(data.group(1))["areas"]["features"]
    assert next(f for f in features if f["id"] == SIGI)["properties"]["ind"] is None


def test_site_profile_hides_the_family(clients: dict[str, TestClient]) -> None:
    r = clients["anonymous"].get(f"/api/operations/{sc.OP}/sites/S3")
    assert r.status_code == 200, r.text
    rounds = [x for x in r.json()["rounds"] if x["population_group"] == "idps"]
    assert rounds and all(x["ind"] is None and "ind" in x["suppressed"] for x in rounds)
    page = clients["anonymous"].get(f"/operations/{sc.OP}/sites/S3")
    assert page.status_code == 200 and "data-suppressed" in page.text
    full = clients["manager"].get(f"/api/operations/{sc.OP}/sites/S3").json()["rounds"]
    assert [x["ind"] for x in full if x["population_group"] == "idps"] == [3]


@pytest.mark.parametrize("who", ["viewer", "analyst", "manager"])
def test_who_sees_the_small_cell(clients: dict[str, TestClient], who: str) -> None:
    data = _api(clients[who], "map", level=2)
    sigi = _areas(data)[SIGI]
    if who == "viewer":  # aggregates only: the public view
        assert sigi["ind"] is None and data["disclosure"]["applied"]
    else:  # may read the records anyway
        assert sigi["ind"] == 3 and not data["disclosure"]["applied"]
        assert "suppressed" not in data["tables"]["areas"]["columns"]
        r = clients[who].get(f"/operations/{sc.OP}/download/map/areas.csv",
                             params={"type": "SA", "round": 1, "level": 2})
        rows = list(csv.DictReader(io.StringIO(r.text)))[1:]
        assert next(x for x in rows if x["admin2_pcode"] == SIGI)["ind"] == "3"
