"""The round report through HTTP and the CLI, on both stores: the page's figures are the
dashboard API's, the map is server-drawn SVG with one shape per area with a boundary, the
methodology note tells coverage, approvals, gazetteer and small-cell rule, and the PDF is a
real A4 PDF printed by Debian's Chromium (503 with a clear message without one).

The PDF is checked on its bytes (pypdf is not a dependency): the header, the A4 media box
and the document title, which Chromium writes (UTF-16) from the page's <title> holding the
operation name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pantau.demo.scenario import SLUG
from pantau.web import create_app
from pantau.workspace import Workspace
from tests.conftest import Cli, unavailable
from tests.web.test_dashboard import demo  # noqa: F401  (the demo on both stores)

CHROMIUM = Path("/usr/bin/chromium")
REPORT = f"/operations/{SLUG}/rounds/SA/{{n}}/report"


@pytest.fixture(scope="module")
def client(demo: Workspace) -> TestClient:  # noqa: F811
    return TestClient(create_app(demo, secure_cookies=False))


def _text(html: str, element_id: str) -> str:
    """The text of the element with `id` (tags removed, spaces collapsed); a table (`t-…`)
    up to its end, other elements up to the first closing dd or span."""
    end = "table" if element_id.startswith("t-") else "dd|span"
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</({end})>', html, re.S)
    assert found, f"no element #{element_id}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def _pdf_title(pdf: bytes) -> str:
    found = re.search(rb"/Title\s*<FEFF([0-9A-Fa-f]+)>", pdf)
    if found:
        return bytes.fromhex(found.group(1).decode()).decode("utf-16-be")
    plain = re.search(rb"/Title\s*\((.*?)\)", pdf)
    assert plain, "the PDF has no title"
    return plain.group(1).decode("latin-1")


def _chromium() -> None:
    if not CHROMIUM.exists():
        unavailable(f"Chromium is not installed at {CHROMIUM}")


def test_report_page_shows_the_round_as_the_dashboard_does(client: TestClient) -> None:
    overview = client.get(f"/api/operations/{SLUG}/overview", params={"round": 3}).json()
    map_data = client.get(f"/api/operations/{SLUG}/map", params={"round": 3}).json()
    page = client.get(REPORT.format(n=3))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert overview["status"]["operation_name"] in html
    assert "<script" not in html  # prints the same without JavaScript
    assert _text(html, "fig-ind") == f"{overview['idps']['ind']:,}"
    assert _text(html, "fig-hh") == f"{overview['idps']['hh']:,}"
    assert _text(html, "fig-change") == f"−{-overview['change']['ind_change']:,}"
    # one SVG shape per area with a boundary; the table lists every area with figures
    features = map_data["areas"]["features"]
    shaped = [f for f in features if f["geometry"]]
    assert html.count("<path ") == len(shaped) > 0
    assert html.count("<circle ") == sum(1 for f in features if not f["geometry"]
                                         and f["properties"]["centroid"])
    admin2 = re.search(r'id="t-admin2">(.*?)</table>', html, re.S)
    assert admin2 and admin2.group(1).count("<tr>") == len(features) + 1  # + header
    first = max(features, key=lambda f: f["properties"]["ind"])["properties"]
    assert first["name"] in admin2.group(1) and f"{first['ind']:,}" in admin2.group(1)
    unmapped = sum(1 for f in features if not f["geometry"] and not f["properties"]["centroid"])
    if unmapped:  # the demo gazetteer lacks some regencies: the page says so
        assert _text(html, "unmapped").startswith(f"{unmapped} area(s)")
    # the methodology note
    counts = map_data["counts"]
    assert _text(html, "coverage") == (f"{counts['sites_assessed']} of {counts['sites']} sites "
                                       "on the master list assessed in this round")
    assert _text(html, "approval").startswith("1 admin 1 and 11 admin 2 area approval(s)")
    assert "below 5 are suppressed" in _text(html, "small-cells")
    assert "demo-2018" in html and "3 Dec 2018 – 14 Dec 2018" in html
    for reason in overview["tables"]["reasons"]["rows"]:
        if reason["population_group"] == "idps":
            assert f"{reason['ind']:,}" in _text(html, "t-reasons")
    assert 'id="t-needs"' in html
    css = client.get("/static/report.css")
    assert css.status_code == 200 and "@media print" in css.text and "A4" in css.text


def test_report_in_bahasa_indonesia_and_an_unapproved_round(client: TestClient) -> None:
    overview = client.get(f"/api/operations/{SLUG}/overview", params={"round": 3}).json()
    html = client.get(REPORT.format(n=3), params={"lang": "id"}).text
    assert '<html lang="id">' in html and "Metodologi" in html and "Putaran 3" in html
    assert _text(html, "fig-ind") == f"{overview['idps']['ind']:,}".replace(",", ".")
    assert "21 Des 2018" in html
    # round 4 has no area approval yet: its figures are said to be provisional
    latest = client.get(REPORT.format(n=4)).text
    assert _text(latest, "approval").startswith("No area of this round is approved yet")


def test_report_refuses_what_does_not_exist(client: TestClient) -> None:
    missing = client.get(REPORT.format(n=9))
    assert missing.status_code == 422 and "round" in missing.json()["message"]
    other = client.get(f"/operations/{SLUG}/rounds/XX/3/report")
    assert other.status_code == 422 and "'XX'" in other.json()["message"]
    # an operation that is not public (here: none of that name) asks an anonymous visitor
    # to log in, like every aggregates page
    nothing = client.get("/operations/no-such-op/rounds/SA/3/report")
    assert nothing.status_code == 401


def test_report_pdf_printed_by_chromium(client: TestClient) -> None:
    _chromium()
    overview = client.get(f"/api/operations/{SLUG}/overview", params={"round": 3}).json()
    page = client.get(REPORT.format(n=3))
    assert 'id="pdf-link"' in page.text
    pdf = client.get(REPORT.format(n=3) + ".pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    body = pdf.content
    assert body.startswith(b"%PDF-")
    assert overview["status"]["operation_name"] in _pdf_title(body)
    boxes = set(re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", body))
    assert boxes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1
                         for w, h in boxes)  # A4 in points


def test_report_pdf_without_chromium_is_a_clear_503(client: TestClient,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTAU_CHROMIUM", "/nonexistent/chromium")  # the setting, not code
    refused = client.get(REPORT.format(n=3) + ".pdf")
    assert refused.status_code == 503
    assert "Chromium" in refused.json()["message"]
    page = client.get(REPORT.format(n=3)).text
    assert 'id="pdf-link"' not in page and "needs headless Chromium" in _text(page, "no-pdf")


def test_cli_writes_the_report(demo: Workspace, tmp_path: Path) -> None:  # noqa: F811
    cli = Cli(demo.settings)
    page = tmp_path / "r3.html"
    done = cli("report", "round", SLUG, "--type", "SA", "--round", "3", "--lang", "id",
               "--out", page)
    assert "SA round 3" in done.output
    html = page.read_text(encoding="utf-8")
    assert "<style>" in html and "@media print" in html and "/static/" not in html
    assert "Metodologi" in html
    wrong = cli("report", "round", SLUG, "--type", "SA", "--round", "3", "--out",
                tmp_path / "r.txt", ok=False)
    assert wrong.exit_code != 0 and ".pdf or .html" in wrong.output
    absent = cli("report", "round", SLUG, "--type", "SA", "--round", "9", "--out",
                 tmp_path / "r9.html", ok=False)
    assert absent.exit_code == 1 and "round 9 does not exist" in absent.output
    assert not (tmp_path / "r9.html").exists()
    _chromium()
    out = tmp_path / "r.pdf"
    cli("report", "round", SLUG, "--type", "SA", "--round", "4", "--out", out)
    body = out.read_bytes()
    assert body.startswith(b"%PDF-") and "Round 4" in _pdf_title(body)


def test_report_hides_the_cells_the_published_files_hide(demo: Workspace,  # noqa: F811
                                                         client: TestClient) -> None:
    """With a threshold above the smallest regencies' figures, the report prints neither
    them nor the complements that would give them back, and its note says so."""
    full = client.get(f"/api/operations/{SLUG}/map", params={"round": 3}).json()
    small = sorted(f["properties"]["ind"] for f in full["areas"]["features"])[:2]
    threshold = small[-1] + 1  # the two smallest areas fall under it
    policy = demo.settings.workspace / "disclosure" / f"{SLUG}.yaml"
    assert not policy.exists()
    policy.parent.mkdir(parents=True, exist_ok=True)
    policy.write_text(f"min_cell: {threshold}\n", encoding="utf-8")
    try:
        hidden = client.get(f"/api/operations/{SLUG}/map", params={"round": 3}).json()
        html = client.get(REPORT.format(n=3)).text
    finally:
        policy.unlink()
    rows = {r["admin2_pcode"]: r for r in hidden["tables"]["areas"]["rows"]}
    gone = [p for p, r in rows.items() if r["ind"] is None]
    assert len(gone) >= 2  # the small ones and at least one complement
    table = _text(html, "t-admin2")
    for feature in full["areas"]["features"]:
        if feature["id"] in gone:
            assert f"{feature['id']} {feature['properties']['name'] or '—'} —" in table
    assert f"below {threshold} are suppressed" in _text(html, "small-cells")
    assert "Some cells of this report are suppressed." in _text(html, "small-cells")
