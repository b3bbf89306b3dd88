"""The dashboard views and their JSON twins through the HTTP client, on both stores.

The figures are checked against the analytics tables read through `ws.analytics.read` (a
different path from the views' own SQL), the downloads are parsed with libhxl, and bad
filters get a clear 422 naming the parameter.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import hxl
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from pantau.config import Settings
from pantau.demo import build
from pantau.demo.scenario import SLUG
from pantau.web import create_app
from pantau.workspace import Workspace
from tests.web.conftest import module_store

PAGES = ("overview", "map", "movements", "needs")


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
         pg_template: str | None) -> Iterator[Workspace]:
    """The demo built once per store (SQLite, PostgreSQL) for this module, its operation
    made public (the pages are "aggregates:read": public operations only, anonymously)."""
    folder = tmp_path_factory.mktemp(f"demo-{request.param}") / "pantau-demo"
    with module_store(request.param, folder, "dash", pg_template, migrated=False) as url:
        settings = Settings.load(workspace=folder, database_url=url)
        build(settings)
        ws = Workspace.open(settings)
        ws.access.set_public(SLUG, True)
        yield ws
        ws.close()


@pytest.fixture(scope="module")
def client(demo: Workspace) -> TestClient:
    return TestClient(create_app(demo, secure_cookies=False))


def _area_totals(ws: Workspace, round_number: int, level: int = 0) -> dict[str, float]:
    columns, rows = ws.analytics.read("area_totals", SLUG, assessment_type="SA",
                                      round_number=round_number, admin_level=level,
                                      population_group="idps")
    return {r[columns.index("admin2_pcode")] if level == 2 else "all":
            r[columns.index("ind")] for r in rows}


def test_overview_figures_match_the_analytics_tables(demo: Workspace,
                                                     client: TestClient) -> None:
    latest = client.get(f"/api/operations/{SLUG}/overview").json()
    source = latest["source"]
    assert source["operation"] == SLUG and source["assessment_type"] == "SA"
    assert source["round_number"] == 4 and source["reporting_date"] == "2019-02-22"
    third = client.get(f"/api/operations/{SLUG}/overview", params={"round": 3}).json()
    assert third["source"]["round_number"] == 3
    assert third["idps"]["ind"] == _area_totals(demo, 3)["all"]
    assert latest["idps"]["ind"] == _area_totals(demo, 4)["all"]
    change = third["change"]
    assert change["previous_round"] == 2
    assert change["ind_change"] == third["idps"]["ind"] - _area_totals(demo, 2)["all"]
    trend = {r["round_number"]: r["ind"] for r in third["tables"]["trend"]["rows"]}
    assert trend == {n: _area_totals(demo, n)["all"] for n in (1, 2, 3, 4)}
    # every record gave a reason; not every record split its people by sex and age
    pyramid = sum(r["value"] for r in third["tables"]["pyramid"]["rows"])
    reasons = sum(r["ind"] for r in third["tables"]["reasons"]["rows"])
    assert reasons == third["idps"]["ind"]
    assert 0.9 * reasons < pyramid <= reasons
    province = client.get(f"/api/operations/{SLUG}/overview",
                          params={"round": 3, "admin1": "ID72"}).json()
    assert province["source"]["level"] == 1
    assert province["source"]["admin1_name"] == "Sulawesi Tengah"
    assert province["idps"]["ind"] == _area_totals(demo, 3, level=1)["all"]
    areas = third["tables"]["areas"]["rows"]
    by_area = _area_totals(demo, 3, level=2)
    assert areas[0]["admin2_name"] == "Kota Palu"
    assert all(a["ind"] == by_area[a["admin2_pcode"]] for a in areas)
    assert [a["ind"] for a in areas] == sorted((a["ind"] for a in areas), reverse=True)


def test_map_areas_sites_and_profile(demo: Workspace, client: TestClient) -> None:
    data = client.get(f"/api/operations/{SLUG}/map", params={"round": 3}).json()
    features = data["areas"]["features"]
    by_area = _area_totals(demo, 3, level=2)
    assert {f["id"]: f["properties"]["ind"] for f in features} == \
        {k: v for k, v in by_area.items() if k is not None}
    shaped = [f for f in features if f["geometry"]]
    assert shaped and all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in shaped)
    # the regencies the demo gazetteer lacks have neither boundary nor centroid
    assert all(f["properties"]["centroid"] is None for f in shaped)
    assert data["counts"]["sites"] == len(data["sites"]) >= 280
    counted = [s for s in data["sites"] if s["ind"] is not None]
    assert counted and all(set(s) >= {"code", "name", "lat", "lon"} for s in counted)
    code = max(counted, key=lambda s: s["ind"])["code"]
    profile = client.get(f"/api/operations/{SLUG}/sites/{code}").json()
    assert profile["site"]["code"] == code
    by_round = {r["round_number"]: r["ind"] for r in profile["rounds"]}
    assert by_round[3] == max(s["ind"] for s in counted)
    assert profile["last_assessment"]["assessed_on"]
    fragment = client.get(f"/operations/{SLUG}/site", params={"code": code})
    assert fragment.status_code == 200 and code in fragment.text
    assert client.get(f"/api/operations/{SLUG}/sites/NOPE-1").status_code == 404


def test_movements_and_needs_come_from_their_tables(demo: Workspace,
                                                    client: TestClient) -> None:
    moves = client.get(f"/api/operations/{SLUG}/movements", params={"round": 3}).json()
    columns, rows = demo.analytics.read("origin_matrix", SLUG, round_number=3)
    assert moves["available"] is True
    assert sum(r["ind"] for r in moves["tables"]["movements"]["rows"]) == \
        sum(r[columns.index("ind")] for r in rows)
    needs = client.get(f"/api/operations/{SLUG}/needs", params={"round": 3}).json()
    columns, rows = demo.analytics.read("needs", SLUG, round_number=3, admin_level=0)
    assert {r["sector"]: r["value"] for r in needs["tables"]["sectors"]["rows"]} == \
        {r[columns.index("sector")]: r[columns.index("value")] for r in rows}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_its_source(client: TestClient, page: str) -> None:
    path = f"/operations/{SLUG}" + ("" if page == "overview" else f"/{page}")
    html = client.get(path, params={"round": 2}).text
    assert "site assessment (SA) round 2" in html and "reported 23 Nov 2018" in html
    assert "https://" not in html.replace("https://hxlstandard.org", "")
    indonesian = client.get(path, params={"round": 2, "lang": "id"}).text
    assert '<html lang="id">' in indonesian and "putaran 2" in indonesian
    assert "dilaporkan 23 Nov 2018" in indonesian


def _hxl(content: bytes, folder: Path, name: str = "download.csv") -> hxl.Dataset:
    path = folder / name
    path.write_bytes(content)
    return hxl.data(str(path), hxl.InputOptions(allow_local=True)).cache()


def test_downloads_are_valid_hxl_and_match_the_page(client: TestClient,
                                                    tmp_path: Path) -> None:
    page = client.get(f"/api/operations/{SLUG}/overview", params={"round": 3}).json()
    csv = client.get(f"/operations/{SLUG}/download/overview/areas.csv", params={"round": 3})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "idn-sulteng-2018_overview_areas_SA_r3.csv" in csv.headers["content-disposition"]
    data = _hxl(csv.content, tmp_path)
    assert "#adm2+code" in data.display_tags and "#affected+ind" in data.display_tags
    rows = list(data)
    assert len(rows) == len(page["tables"]["areas"]["rows"])
    assert {r.get("#round+code") for r in rows} == {"3"}
    assert {r.get("#date+reported") for r in rows} == {"2018-12-21"}
    assert [int(r.get("#affected+ind")) for r in rows] == \
        [a["ind"] for a in page["tables"]["areas"]["rows"]]
    xlsx = client.get(f"/operations/{SLUG}/download/movements/movements.xlsx",
                      params={"round": 3})
    book = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert book.sheetnames == ["data", "metadata"]
    sheet = list(book["data"].values)
    assert sheet[1][:4] == ("#operation+code", "#operation+name", "#assessment+type",
                            "#round+code")
    meta = dict(list(book["metadata"].values)[1:])
    assert meta["table"] == "movements/movements" and meta["reporting_date"] == "2018-12-21"
    for page_name, table in (("overview", "trend"), ("overview", "reasons"),
                             ("overview", "pyramid"), ("map", "areas"),
                             ("needs", "sectors"), ("needs", "areas")):
        got = client.get(f"/operations/{SLUG}/download/{page_name}/{table}.csv")
        assert got.status_code == 200, (page_name, table, got.text)
        assert len(_hxl(got.content, tmp_path, f"{table}.csv").display_tags) > 6


@pytest.mark.parametrize(("params", "named"), [
    ({"round": 99}, "parameter 'round'"), ({"type": "ETT"}, "parameter 'type'"),
    ({"admin1": "ID99"}, "parameter 'admin1'"),
])
def test_bad_filters_are_refused_by_name(client: TestClient, params: dict[str, object],
                                         named: str) -> None:
    for path in (f"/api/operations/{SLUG}/overview", f"/operations/{SLUG}/map"):
        got = client.get(path, params=params)
        assert got.status_code == 422 and named in got.json()["message"]
    bad = client.get(f"/operations/{SLUG}/download/overview/areas.pdf")
    assert bad.status_code == 422 and "csv or xlsx" in bad.json()["message"]
    assert client.get(f"/operations/{SLUG}/download/overview/nope.csv").status_code == 404
    assert client.get("/api/operations/no-such-op/overview").status_code in (401, 404)


def test_an_operation_without_figures_says_why(ws: Workspace) -> None:
    ws.operations.create("idn-banjir", "IDN", "Banjir Jakarta")
    ws.access.set_public("idn-banjir", True)
    client = TestClient(create_app(ws, secure_cookies=False))
    api = client.get("/api/operations/idn-banjir/overview").json()
    assert api["status"]["refreshed"] is False and api["source"] is None
    for page in ("", "/map", "/movements", "/needs"):
        html = client.get(f"/operations/idn-banjir{page}").text
        assert "The figures are not built yet" in html
        assert "pantau refresh idn-banjir" in html
    got = client.get("/operations/idn-banjir/download/overview/areas.csv")
    assert got.status_code == 422 and "pantau refresh idn-banjir" in got.json()["message"]
    ws.analytics.refresh("idn-banjir")  # built, but nothing approved: says that instead
    api = client.get("/api/operations/idn-banjir/needs").json()
    assert api["status"]["refreshed"] is True and api["status"]["figures"] is False
    html = client.get("/operations/idn-banjir/map").text
    assert "No approved figures yet" in html and "The figures are not built" not in html


def test_language_cookie_is_set_and_only_local_redirects(client: TestClient) -> None:
    got = client.get("/lang/id", params={"next": f"/operations/{SLUG}"},
                     follow_redirects=False)
    assert got.status_code == 303 and got.headers["location"] == f"/operations/{SLUG}"
    assert "lang=id" in got.headers["set-cookie"]
    html = client.get(f"/operations/{SLUG}", params={"round": 3}).text  # the cookie now
    assert '<html lang="id">' in html and "Ringkasan" in html
    assert "45.127" in html or "." in html.split('id="fig-ind">')[1][:8]
    away = client.get("/lang/en", params={"next": "//evil.example/"}, follow_redirects=False)
    assert away.headers["location"] == "/"


def test_the_json_api_is_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for page in ("overview", "map", "movements", "needs", "sites/{code}"):
        documented = paths[f"/api/operations/{{slug}}/{page}"]["get"]
        assert documented["tags"] == ["dashboard"] and documented["description"]
    overview = paths["/api/operations/{slug}/overview"]["get"]
    assert {p["name"] for p in overview["parameters"]} == {"slug", "type", "round", "admin1"}
