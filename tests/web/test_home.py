"""The home page and /api/home through the HTTP client: one view, two faces."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from pantau.web import create_app
from pantau.web.summary import workspace_summary
from pantau.workspace import Workspace


def test_empty_workspace_says_what_to_do(ws: Workspace) -> None:
    client = TestClient(create_app(ws))
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="en">' in page.text
    assert "No operation yet" in page.text and "pantau demo" in page.text
    assert "No gazetteer loaded yet" in page.text
    assert client.get("/api/home").json() == {"notice": None, "operations": [],
                                               "gazetteers": []}


def test_html_in_user_text_is_shown_as_text(ws: Workspace, tmp_path: Path) -> None:
    ws.operations.create("xss-test", "IDN", "Banjir <b>Jakarta</b>",
                         description='<img src=x onerror="alert(1)">')
    master = tmp_path / "sites.csv"
    master.write_text("Site ID,Site Name,Type,Latitude,Longitude\n"
                      'JKT-001,"<script>alert(""pwned"")</script> Posko",camp,-6.2,106.8\n',
                      encoding="utf-8")
    ws.sites.import_file("xss-test", master)
    ws.access.set_public("xss-test", True, by="tests")
    client = TestClient(create_app(ws))
    html = client.get("/").text
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt; Posko" in html
    assert "<script" not in html  # the page itself has no script at all
    assert "Banjir &lt;b&gt;Jakarta&lt;/b&gt;" in html
    assert "<img" not in html
    data = client.get("/api/home").json()
    (change,) = data["operations"][0]["recent_changes"]
    assert change["name"] == '<script>alert("pwned")</script> Posko'  # the data is untouched


def test_demo_home_page_shows_the_operation(demo_ws: Workspace) -> None:
    client = TestClient(create_app(demo_ws))
    html = client.get("/").text
    assert "<h2 id=\"op-idn-sulteng-2018\">Indonesia — Central Sulawesi Earthquake 2018</h2>" \
        in html
    assert "approximate demo shapes, not official boundaries" in html
    for text in ("Kota Palu", "ID7271", "Sigi", "ID7210", "Donggala", "Parigi Moutong",
                 "Sulawesi Tengah", "8 Oct 2018 – 19 Oct 2018", "22 Feb 2019", "demo-2018"):
        assert text in html, text
    assert "cdn" not in html.lower() and "http://" not in html and "https://" not in html
    rows = re.findall(r'<th scope="row">([^<]+)</th>', html)
    assert rows[:4] == ["Kota Palu", "Sigi", "Donggala", "Parigi Moutong"]


def test_api_home_is_the_page_data(demo_ws: Workspace) -> None:
    client = TestClient(create_app(demo_ws))
    data = client.get("/api/home").json()
    assert data == workspace_summary(demo_ws)
    op = next(o for o in data["operations"] if o["slug"] == "idn-sulteng-2018")
    assert op["country"] == "IDN"
    assert {o["slug"] for o in data["operations"]} == {"idn-sulteng-2018", "ita-flow"}
    assert [r["number"] for r in op["rounds"]] == [1, 2, 3, 4]
    assert op["sites"]["total"] == op["sites"]["open"] + op["sites"]["closed"]
    assert sum(a["total"] for a in op["sites_by_admin2"]) == op["sites"]["total"]
    palu = next(a for a in op["sites_by_admin2"] if a["pcode"] == "ID7271")
    assert palu["name"] == "Kota Palu" and palu["admin1_name"] == "Sulawesi Tengah"
    gaz = next(g for g in data["gazetteers"] if g["country"] == "IDN")
    assert gaz["units_by_level"] == {"1": 1, "2": 13} and gaz["with_boundaries"] == 13


def test_home_lists_only_the_operations_the_visitor_may_see(ws: Workspace) -> None:
    ws.operations.create("open-op", "IDN", "Public operation")
    ws.operations.create("closed-op", "IDN", "Confidential operation")
    ws.access.set_public("open-op", True, by="tests")
    client = TestClient(create_app(ws))
    assert [o["slug"] for o in client.get("/api/home").json()["operations"]] == ["open-op"]
    assert "Confidential operation" not in client.get("/").text
    ws.access.add_user("rina", "rina's password", by="tests")
    ws.access.grant("rina", "closed-op", "viewer", by="tests")
    token, _ = ws.access.create_token("rina", "tests")
    seen = client.get("/api/home", headers={"Authorization": f"Bearer {token}"}).json()
    assert [o["slug"] for o in seen["operations"]] == ["closed-op", "open-op"]


def test_openapi_docs_still_work(demo_ws: Workspace) -> None:
    client = TestClient(create_app(demo_ws))
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/api/home" in spec["paths"] and "/" not in spec["paths"]
    assert client.get("/static/pantau.css").status_code == 200
    assert client.get("/static/favicon.svg").status_code == 200
