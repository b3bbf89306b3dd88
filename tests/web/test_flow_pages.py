"""The flow monitoring pages through the HTTP client on both stores, and in Chromium.

The pages' figures are checked against the flow JSON API (a page must say what the API
says), the survey part must carry its "not representative" label and Wilson intervals, and
every figure names operation, period and base. The operation is the demo's `ita-flow`, built
through the same importers `pantau demo` uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import hxl
import pytest
from fastapi.testclient import TestClient

from pantau.config import Settings
from pantau.demo import italy
from pantau.web import create_app
from pantau.workspace import Workspace
from tests.serving import serve
from tests.web.conftest import module_store

OP = italy.SLUG
SHOTS = Path("/tmp/pantau-shots")


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def flow_ws(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
            pg_template: str | None) -> Iterator[Workspace]:
    """The demo's Italian flow operation (FMPs, six months of FMR, FMS), made public; built
    once per store for this module (it takes seconds)."""
    folder = tmp_path_factory.mktemp(f"flow-{request.param}")
    with module_store(request.param, folder, "flowpages", pg_template, migrated=True) as url:
        ws = Workspace.init(Settings.load(workspace=folder, database_url=url))
        italy.build(ws, folder / "in")
        ws.access.set_public(OP, True)
        yield ws
        ws.close()


@pytest.fixture(scope="module")
def client(flow_ws: Workspace) -> TestClient:
    return TestClient(create_app(flow_ws, secure_cookies=False))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_pages_show_what_the_api_says(client: TestClient) -> None:
    api = client.get(f"/api/flow/{OP}/flows", params={"period": "month",
                                                      "by": "point,direction"}).json()
    total = sum(r["individuals"] for r in api["rows"])
    page = client.get(f"/operations/{OP}/flows", params={"period": "month"})
    assert page.status_code == 200
    text = _text(page.text)
    # the base, operation and period of every figure
    assert f"{total:,} individuals counted" in text
    assert "Italy — flow monitoring of arrivals (ita-flow) · 1 Jan 2024 – 30 Jun 2024" in text
    # the generated statements, word for word as the API gives them
    for s in client.get(f"/api/flow/{OP}/statements").json()["statements"]:
        assert s["text"] in text
    # one row per month, one column per FMP × direction, and the month's total
    assert text.count("Period starting") == 1
    for month in ("1 Jan 2024", "1 Jun 2024"):
        assert month in text
    lampedusa_june = sum(r["individuals"] for r in api["rows"] if r["point"] == "ITA-LMP"
                         and r["direction"] == "incoming" and r["period"] == "2024-06-01")
    assert f"{lampedusa_june:,}" in text
    assert 'id="chart-flows"' in page.text and "<script>" not in page.text


def test_period_switch_and_filters(client: TestClient) -> None:
    weekly = _text(client.get(f"/operations/{OP}/flows").text)
    monthly = _text(client.get(f"/operations/{OP}/flows", params={"period": "month"}).text)
    assert "per week" in weekly and "per month" in monthly
    assert '<option value="month" selected>' in client.get(
        f"/operations/{OP}/flows", params={"period": "month"}).text
    june = _text(client.get(f"/operations/{OP}/flows", params={"from": "2024-06-01"}).text)
    assert "period 1 Jun 2024 – 30 Jun 2024" in june and "1 May 2024" not in june
    assert weekly.count("2024 ") > monthly.count("2024 ")
    one = client.get(f"/operations/{OP}/flows", params={"point": "ITA-KRO",
                                                        "direction": "incoming"})
    n = sum(r["individuals"] for r in client.get(
        f"/api/flow/{OP}/flows", params={"point": "ITA-KRO", "direction": "incoming",
                                         "by": "point"}).json()["rows"])
    assert f"{n:,} individuals counted" in _text(one.text)
    assert "Lampedusa" not in _text(one.text).split("Period starting")[1]
    bad = client.get(f"/operations/{OP}/flows", params={"period": "year"})
    assert bad.status_code == 422 and "'year' is not a period" in bad.text
    bad = client.get(f"/operations/{OP}/flows", params={"from": "2024-13-01"})
    assert bad.status_code == 422 and "from/to" in bad.text
    empty = client.get(f"/operations/{OP}/flows", params={"from": "2030-01-01"})
    assert empty.status_code == 200 and 'id="no-data"' in empty.text


def test_map_lists_every_point_with_its_volume(client: TestClient) -> None:
    points = client.get(f"/api/flow/{OP}/points").json()["points"]
    shares = client.get(f"/api/flow/{OP}/shares", params={"by": "point"}).json()["rows"]
    page = client.get(f"/operations/{OP}/flows/map")
    assert page.status_code == 200
    text = _text(page.text)
    for p in points:
        assert p["code"] in text
    for r in shares:
        assert f"{r['individuals']:,}" in text
    assert 'id="flow-map"' in page.text and "tile.openstreetmap" not in page.text


def test_origins_sankey_breakdowns_and_survey_labelled(client: TestClient) -> None:
    page = client.get(f"/operations/{OP}/flows/origins")
    assert page.status_code == 200
    text = _text(page.text)
    od = client.get(f"/api/flow/{OP}/od").json()["rows"]
    assert f"n = {sum(r['individuals'] for r in od):,} individuals with a known departure" in text
    assert "Libya" in text and '"kind":"sankey"' in page.text
    # survey: labelled, with n and Wilson intervals from the API
    assert "Not representative." in text and "not a random sample" in text
    survey = client.get(f"/api/flow/{OP}/survey/shares",
                        params={"by": "departure_country"}).json()
    libya = next(r for r in survey["rows"] if r["value"] == "LBY")
    assert f"n = {libya['n']:,} respondents who answered" in text
    assert f"{round(100 * libya['ci_low'])}% – {round(100 * libya['ci_high'])}%" in text
    # with a direction, the survey (interviews have none) says so instead of figures
    incoming = _text(client.get(f"/operations/{OP}/flows/origins",
                                params={"direction": "incoming"}).text)
    assert "Interviews have no direction" in incoming


def test_indonesian_labels_and_numbers(client: TestClient) -> None:
    text = _text(client.get(f"/operations/{OP}/flows/origins", params={"lang": "id"}).text)
    assert "Tidak representatif." in text and "Negara keberangkatan" in text
    base = client.get(f"/api/flow/{OP}/shares", params={"by": "point"}).json()["rows"][0]
    assert f"{base['base']:,}".replace(",", ".") + " individu dihitung" in text


def test_download_is_the_hxl_export(client: TestClient, tmp_path: Path) -> None:
    page = client.get(f"/operations/{OP}/flows", params={"period": "month"}).text
    href = re.search(r'href="([^"]+flows\.csv[^"]*)"', page)
    assert href is not None
    got = client.get(href.group(1).replace("&amp;", "&"))
    assert got.status_code == 200
    (tmp_path / "flows.csv").write_bytes(got.content)
    data = hxl.data(str(tmp_path / "flows.csv"), hxl.InputOptions(allow_local=True)).cache()
    tags = {c.display_tag for c in data.columns}
    assert {"#country+code+origin", "#country+code+dest", "#affected+ind+incoming"} <= tags


def test_private_operation_is_not_shown_anonymously(flow_ws: Workspace,
                                                    client: TestClient) -> None:
    flow_ws.access.set_public(OP, False)
    try:
        for path in ("/flows", "/flows/map", "/flows/origins"):
            assert client.get(f"/operations/{OP}{path}").status_code in (401, 403)
    finally:
        flow_ws.access.set_public(OP, True)


# ---- a real browser (the `browser` fixture is in tests/web/conftest.py) --------------------
@pytest.mark.browser
def test_pages_draw_in_chromium(flow_ws: Workspace, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Every flow page draws with no console error and loads nothing from outside; the
    screenshots are for a person to look at."""
    if "postgresql" in flow_ws.settings.database_url:
        pytest.skip("the browser check is about the page, not the store: once is enough")
    SHOTS.mkdir(exist_ok=True)
    errors: list[str] = []  # console errors and failed scripts, all pages
    outside: list[str] = []  # requests to any other origin (nothing may load from outside)
    with serve(create_app(flow_ws, secure_cookies=False)) as url:
        for name, path, ready in (("flows", "/flows", "#chart-flows[data-ready]"),
                                  ("map", "/flows/map", "#map[data-ready]"),
                                  ("origins", "/flows/origins", "#chart-od[data-ready]")):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: r.url.startswith(url) or r.url.startswith("data:")
                    or outside.append(r.url))
            page.goto(f"{url}/operations/{OP}{path}")
            page.wait_for_selector(ready, timeout=15000)
            if name == "map":
                assert page.locator(".leaflet-interactive").count() == 5
            if name == "origins":
                page.wait_for_selector("#chart-fms-departure_country[data-ready]")
                assert page.locator("#chart-od svg path").count() > 5
            page.screenshot(path=str(SHOTS / f"flow-{name}.png"), full_page=True)
            page.screenshot(path=str(tmp_path / f"flow-{name}.png"), full_page=True)
            assert errors == [], errors
            assert outside == [], outside
            page.close()
        # a phone: nothing wider than the screen (wide tables scroll in their own box)
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        phone.goto(f"{url}/operations/{OP}/flows/origins")
        phone.wait_for_selector("#chart-od[data-ready]", timeout=15000)
        phone.screenshot(path=str(SHOTS / "flow-origins-phone.png"), full_page=True)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.close()


# ---- a small number: what the API withholds, the page withholds -----------------------------
def test_a_small_count_withheld_by_the_api_is_withheld_on_the_page(ws: Workspace,
                                                                 tmp_path: Path) -> None:
    """Two people at Crotone beside ten at Lampedusa on one day: the page shows the API's
    figures for an anonymous visitor, and never a day total that would give back a cell the
    API withheld."""
    from tests.flow.conftest import fmr_row, write_fmr

    inputs = tmp_path / "in"
    inputs.mkdir()
    ws.gazetteer.import_file(italy.write_gazetteer(inputs), country="ITA", label="t")
    ws.gazetteer.import_file(italy.write_boundaries(inputs), country="ITA", label="t")
    ws.operations.create(OP, "ITA", italy.NAME)
    ws.flow.import_points(OP, italy.write_points(inputs))
    ws.flow.import_fmr(OP, write_fmr(tmp_path / "fmr.csv", [
        fmr_row(),  # 10 at Lampedusa
        fmr_row(fmp_id="ITA-KRO", total=2, men=2, women=0, boys=0, girls=0,
                unaccompanied_children=0)]))
    ws.access.set_public(OP, True)
    client = TestClient(create_app(ws, secure_cookies=False))
    rows = client.get(f"/api/flow/{OP}/flows", params={"period": "day",
                                                       "by": "point,direction"}).json()["rows"]
    crotone = next(r for r in rows if r["point"] == "ITA-KRO")
    page = client.get(f"/operations/{OP}/flows", params={"period": "day"})
    assert page.status_code == 200
    table = _text(page.text).split("Period starting")[1].split("Download")[0]
    if crotone["individuals"] is None:  # withheld: the cell and the day's total with it
        assert re.search(r"1 Jan 2024 (—|10) (—|10) —", table), table
        assert " 12 " not in table and " 2 " not in table
    else:
        assert re.search(r"1 Jan 2024 2 10 12", table), table
    assert client.get(f"/operations/{OP}/flows/map").status_code == 200
    assert client.get(f"/operations/{OP}/flows/origins").status_code == 200
