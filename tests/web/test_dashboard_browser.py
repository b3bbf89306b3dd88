"""The dashboards in a real browser: Chromium through Playwright, served by uvicorn.

Screenshots go to the pytest tmp folder and to /tmp/pantau-shots/ for a person to look at.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import hxl
import pytest

from pantau.demo.scenario import SLUG
from pantau.web import create_app
from pantau.workspace import Workspace
from tests.serving import serve

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/pantau-shots")
PAGES = {"overview": f"/operations/{SLUG}", "map": f"/operations/{SLUG}/map",
         "movements": f"/operations/{SLUG}/movements", "needs": f"/operations/{SLUG}/needs"}


@pytest.fixture(scope="module")
def base_url(demo_ws: Workspace) -> Iterator[str]:
    demo_ws.access.set_public(SLUG, True)  # anonymous visitors see public operations
    with serve(create_app(demo_ws, secure_cookies=False)) as url:
        yield url


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    SHOTS.mkdir(exist_ok=True)
    return tmp_path_factory.mktemp("shots")


def _open(browser, url: str, path: str, width: int = 1280, height: int = 900):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True)
    seen: dict[str, list[str]] = {"errors": [], "requests": [], "failed": []}
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("requestfailed", lambda r: seen["failed"].append(r.url))
    response = page.goto(url + path)
    assert response is not None and response.status == 200, path
    page.wait_for_load_state("load")
    return page, seen


def _shot(page, shots: Path, name: str, full: bool = True) -> None:  # type: ignore[no-untyped-def]
    for folder in (shots, SHOTS):
        page.screenshot(path=str(folder / f"{name}.png"), full_page=full)


def _clean(seen: dict[str, list[str]], url: str) -> None:
    assert seen["errors"] == [] and seen["failed"] == []
    assert all(u.startswith(url) for u in seen["requests"]), "nothing from the internet"


def _api(page, url: str, path: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return json.loads(page.request.get(url + path).text())


@pytest.mark.parametrize("name", list(PAGES))
def test_pages_load_and_draw(browser, base_url: str, shots: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    page, seen = _open(browser, base_url, PAGES[name] + "?round=3")
    assert "site assessment (SA) round 3" in page.locator("[data-source]").inner_text()
    assert "reported 21 Dec 2018" in page.locator("[data-source]").inner_text()
    if name == "map":
        page.wait_for_selector("#map[data-ready=true]")
        assert page.locator("#map .leaflet-overlay-pane canvas").count() == 1
        assert page.locator("#map .cluster-icon").count() > 0
    else:
        chart = {"overview": "#chart-trend", "movements": "#chart-sankey",
                 "needs": "#chart-needs"}[name]
        page.wait_for_selector(f"{chart} svg path", state="attached")
        assert page.locator(f"{chart} svg path").count() > 3
    _shot(page, shots, f"dash-{name}")
    _clean(seen, base_url)
    page.close()


def test_round_filter_changes_map_and_figures_together(browser, base_url: str,  # type: ignore[no-untyped-def]
                                                       shots: Path) -> None:
    page, seen = _open(browser, base_url, PAGES["map"])
    page.wait_for_selector("#map[data-ready=true]")
    latest = _api(page, base_url, f"/api/operations/{SLUG}/map")
    assert page.locator("#fig-ind").inner_text() == f"{latest['idps']['ind']:,}"
    legend_before = page.locator(".legend").inner_text()
    # by keyboard: the arrows choose, nothing moves until "Apply"
    page.locator("#f-round").focus()
    page.keyboard.press("ArrowUp")  # the rounds are listed oldest first: 4 → 3
    assert page.locator("#f-round").input_value() == "3"
    assert "round=3" not in page.url
    with page.expect_navigation():
        page.get_by_role("button", name="Apply").click()
    page.wait_for_selector("#map[data-ready=true]")
    assert "round=3" in page.url
    third = _api(page, base_url, f"/api/operations/{SLUG}/map?round=3")
    assert third["idps"]["ind"] != latest["idps"]["ind"]
    assert page.locator("#fig-ind").inner_text() == f"{third['idps']['ind']:,}"
    drawn = json.loads(page.locator("#map-data").text_content() or "{}")
    assert drawn["areas"] == third["areas"]
    assert drawn["sites"] == [[s["code"], s["name"], s["lat"], s["lon"], s["ind"]]
                              for s in third["sites"] if s["lat"] is not None]
    assert page.locator(".legend").inner_text() != legend_before  # the map's classes moved
    top = third["tables"]["areas"]["rows"][0]
    assert page.locator("#table-areas tbody tr").first.locator("td").nth(2).inner_text() == \
        f"{top['ind']:,}"
    # the other pages keep the filter: the overview shows the same round's figure
    with page.expect_navigation():
        page.get_by_role("link", name="Overview").click()
    assert "round=3" in page.url
    assert page.locator("#fig-ind").inner_text() == f"{third['idps']['ind']:,}"
    _clean(seen, base_url)
    page.close()


def test_a_click_on_a_site_opens_its_profile(browser, base_url: str, shots: Path) -> None:  # type: ignore[no-untyped-def]
    page, seen = _open(browser, base_url, PAGES["map"] + "?round=3")
    page.wait_for_selector("#map[data-ready=true]")
    drawn = json.loads(page.locator("#map-data").text_content() or "{}")
    points = [dict(zip(("code", "name", "lat", "lon", "ind"), s, strict=True))
              for s in drawn["sites"]]
    site = max((s for s in points if s["ind"] is not None), key=lambda s: s["ind"])
    where = f"[{site['lat']}, {site['lon']}]"
    page.evaluate(f"void pantauMap.setView({where}, 17, {{animate: false}})")
    point = page.evaluate(f"(() => {{ const p = pantauMap.latLngToContainerPoint({where}); "
                          "return {x: p.x, y: p.y}; })()")
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    page.wait_for_selector("#profile #site-rounds")
    profile = page.locator("#profile").inner_text()
    assert site["code"] in profile and site["name"] in profile
    assert f"{site['ind']:,}" in profile
    _shot(page, shots, "dash-site-profile", full=False)
    # the same by keyboard: type a code, press Enter
    from playwright.sync_api import expect

    other = next(s for s in points if s["ind"] is not None and s is not site)
    page.locator("#site-code").fill(other["code"])
    page.locator("#site-code").press("Enter")
    expect(page.locator("#profile")).to_contain_text(other["code"])
    _clean(seen, base_url)
    page.close()


def test_the_download_is_valid_hxl(browser, base_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page, seen = _open(browser, base_url, PAGES["overview"] + "?round=3")
    with page.expect_download() as info:
        page.locator("[data-download=reasons-csv]").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name == f"{SLUG}_overview_reasons_SA_r3.csv"
    data = hxl.data(str(path), hxl.InputOptions(allow_local=True)).cache()
    assert {"#cause+type", "#affected+ind", "#round+code", "#date+reported"} <= \
        set(data.display_tags)
    shown = page.locator("#table-reasons tbody tr").all_inner_texts()
    rows = list(data)
    assert len(rows) == len(shown)
    assert f"{int(rows[0].get('#affected+ind')):,}" in shown[0]
    _clean(seen, base_url)
    page.close()


def test_language_switch_changes_labels_and_number_formats(browser, base_url: str,  # type: ignore[no-untyped-def]
                                                           shots: Path) -> None:
    page, seen = _open(browser, base_url, PAGES["overview"] + "?round=3")
    third = _api(page, base_url, f"/api/operations/{SLUG}/overview?round=3")
    ind = third["idps"]["ind"]
    assert page.locator("#fig-ind").inner_text() == f"{ind:,}"
    assert page.get_by_role("link", name="Overview").count() == 1
    with page.expect_navigation():
        page.get_by_role("link", name="Bahasa Indonesia").click()
    assert page.locator("html").get_attribute("lang") == "id"
    assert page.locator("#fig-ind").inner_text() == f"{ind:,}".replace(",", ".")
    assert "dilaporkan 21 Des 2018" in page.locator("[data-source]").inner_text()
    assert page.get_by_role("link", name="Ringkasan").count() == 1
    assert page.locator("label[for=f-round]").inner_text() == "Putaran"
    # the choice sticks: another page opens in Indonesian too
    with page.expect_navigation():
        page.get_by_role("link", name="Kebutuhan").click()
    assert page.locator("h1 .h-sub").inner_text() == "Kebutuhan"
    _shot(page, shots, "dash-needs-id")
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    assert page.locator("h1 .h-sub").inner_text() == "Needs"
    _clean(seen, base_url)
    page.close()


@pytest.mark.parametrize("name", ["overview", "map"])
def test_on_a_phone(browser, base_url: str, shots: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    page, seen = _open(browser, base_url, PAGES[name], 390, 844)
    if name == "map":
        page.wait_for_selector("#map[data-ready=true]")
    # nothing wider than the phone: wide tables scroll inside their own box
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    _shot(page, shots, f"dash-{name}-phone")
    _shot(page, shots, f"dash-{name}-phone-top", full=False)
    _clean(seen, base_url)
    page.close()
