"""The demo's home page in a real browser: Chromium through Playwright, served by uvicorn.

Screenshots go to tests/screenshots/ (not in git) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pantau.web import create_app
from pantau.workspace import Workspace
from tests.serving import serve

SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(demo_ws: Workspace) -> Iterator[str]:
    """uvicorn serving the demo on a free localhost port, in a background thread."""
    with serve(create_app(demo_ws)) as url:
        yield url


def _open(browser, url: str, width: int, height: int, path: str = "/"):  # type: ignore[no-untyped-def]
    """A page plus everything it complained about and everything it asked for."""
    page = browser.new_page(viewport={"width": width, "height": height})
    seen: dict[str, list[str]] = {"errors": [], "requests": [], "failed": []}
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("requestfailed", lambda r: seen["failed"].append(r.url))
    page.on("dialog", lambda d: seen["errors"].append(f"dialog: {d.message}"))
    response = page.goto(url + path)
    assert response is not None and response.status == 200
    page.wait_for_load_state("load")
    return page, seen


def test_home_page_in_chromium(browser, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page, seen = _open(browser, base_url, 1280, 900)
    assert page.title() == "pantau"  # two operations in the demo: the page is about both
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Operations"
    assert page.locator("h2#op-idn-sulteng-2018").inner_text() == \
        "Indonesia — Central Sulawesi Earthquake 2018"
    assert "approximate demo shapes" in page.locator(".notice").inner_text()
    sulteng = page.locator('section[aria-labelledby="op-idn-sulteng-2018"]')
    figures = dict(zip(sulteng.locator(".figures dt").all_inner_texts(),
                       sulteng.locator(".figures dd").all_inner_texts(), strict=True))
    assert 280 <= int(figures["Sites in the master list"]) <= 320
    assert figures["Rounds"] == "4"
    first_area = sulteng.locator("table").nth(1).locator("tbody th").first
    assert first_area.inner_text() == "Kota Palu"
    assert sulteng.get_by_role("table", name="Rounds").locator("tbody tr").count() == 4
    # the stylesheet applied (a bare page would have a white background)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(245, 247, 249)"

    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "home.png"), full_page=True)
    assert seen["errors"] == [] and seen["failed"] == []
    assert seen["requests"] and all(u.startswith(base_url) for u in seen["requests"]), \
        "the page must not fetch anything from the internet"
    page.close()


def test_home_page_by_keyboard_and_on_a_phone(browser, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page, seen = _open(browser, base_url, 390, 844)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    # nothing wider than the phone: wide tables scroll inside their own box
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(SCREENSHOTS / "home-phone.png"), full_page=True)
    assert seen["errors"] == []
    page.close()


def test_api_explorer_works_offline(browser, base_url: str) -> None:  # type: ignore[no-untyped-def]
    """/docs runs the vendored Swagger UI and lists the JSON API, with no CDN."""
    page, seen = _open(browser, base_url, 1280, 900, "/docs")
    page.wait_for_selector("#operations-workspace-api_home_api_home_get", timeout=15000)
    assert "pantau" in page.locator(".info .title").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "api-docs.png"))
    assert seen["errors"] == [] and seen["failed"] == []
    assert all(u.startswith(base_url) for u in seen["requests"]), seen["requests"]
    page.close()
