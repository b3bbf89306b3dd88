"""The quality and review JSON API, through HTTP: flags with filters and pages, one record,
the cleaning log (list, export, apply with all-or-nothing rules), review progress, approve
and reopen — each behind its permission, with who acted taken from the signed-in user."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from pantau.errors import PantauError
from pantau.web.app import create_app
from pantau.web.quality_api import actor
from tests.quality.conftest import FORM, OP, sa  # noqa: F401  (a fixture `data` uses)
from tests.sites.conftest import boundaries  # noqa: F401  (a fixture sa uses)

API = f"/api/operations/{OP}"
PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def data(request):  # type: ignore[no-untyped-def]
    """Round 1: PAL-001 (ID7271) twice — one with more households than people —, SIG-001
    (ID7210) by another enumerator, DON-001 (ID7205) clean."""
    op = request.getfixturevalue("sa")  # the quality tests' SA operation
    bad = op.record("PAL-001", "2018-10-05", hh=80, ind=60)
    other = op.record("SIG-001", "2018-10-05", hh=70, ind=50)
    other["_submitted_by"] = "enum09"
    ids = op.send(bad, op.record("PAL-001", "2018-10-06"), other,
                  op.record("DON-001", "2018-10-06"))
    op.ws.quality.check(OP)
    return ids


def _token(ws, user: str, role: str, scopes: list[str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    ws.access.add_user(user, PASSWORD)
    ws.access.grant(user, OP, role)
    plain, _ = ws.access.create_token(user, "api", scopes=scopes)
    return {"Authorization": f"Bearer {plain}"}


@pytest.fixture
def client(ws, data) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(ws, secure_cookies=False)) as c:
        c.headers.update(_token(ws, "ana", "manager", ["records:read", "export", "review"]))
        yield c


def test_flags_filter_and_page(client, data):
    bad, _, other, _ = data
    every = client.get(f"{API}/flags").json()
    assert every["total"] == len(every["items"]) > 3
    assert {f["uuid"] for f in every["items"]} >= {bad, other}
    first = every["items"][0]
    assert set(first) >= {"uuid", "form", "round", "site", "enumerator", "check", "severity",
                          "field", "message", "review_state"}
    page = client.get(f"{API}/flags", params={"limit": 2, "offset": 1}).json()
    assert (page["total"], page["limit"], page["offset"]) == (every["total"], 2, 1)
    assert page["items"] == every["items"][1:3]
    area = client.get(f"{API}/flags", params={"area": "ID7271"}).json()["items"]
    assert {f["uuid"] for f in area} == {bad, data[1]}  # both PAL-001 records (one per round)
    assert {f["site"] for f in area} == {"PAL-001"}
    admin1 = client.get(f"{API}/flags", params={"area": "ID72", "round": 1}).json()
    assert admin1["total"] == every["total"]
    by_enum = client.get(f"{API}/flags", params={"enumerator": "enum09"}).json()["items"]
    assert {f["uuid"] for f in by_enum} == {other}
    errors = client.get(f"{API}/flags", params={"severity": "error",
                                               "check": "households_individuals"}).json()
    assert {f["uuid"] for f in errors["items"]} == {bad, other}
    assert client.get(f"{API}/flags", params={"round": 5}).json()["total"] == 0


def test_flags_bad_input(client):
    assert client.get(f"{API}/flags", params={"severity": "fatal"}).status_code == 422
    assert client.get(f"{API}/flags", params={"limit": 0}).status_code == 422
    assert client.get(f"{API}/flags", params={"limit": 5000}).status_code == 422
    r = client.get("/api/operations/nope/flags")
    assert r.status_code in (403, 404)  # no role in an unknown operation: not even its name
    r = client.get(f"{API}/flags", params={"form": "dtm_xx"})
    assert r.status_code == 404 and "dtm_xx" in r.json()["message"]


def test_a_record_with_versions_and_flags_without_personal_answers(client, data):
    bad = data[0]
    r = client.get(f"{API}/records/{bad}")
    assert r.status_code == 200
    rec = r.json()
    assert (rec["uuid"], rec["form"], rec["round"], rec["enumerator"]) == (bad, FORM, 1,
                                                                           "enum07")
    [v] = rec["versions"]
    assert v["current"] and v["data"]["population/idp_hh"] == "80"
    assert ("households_individuals", "population/idp_ind") in {
        (f["check"], f["field"]) for f in v["flags"]}
    assert v["data"]["comments"] == "‹personal›"
    assert "0812-3456-7890" not in r.text  # the phone number in the free-text comment
    same = client.get(f"{API}/records/{bad.removeprefix('uuid:')}").json()
    assert same["uuid"] == bad
    missing = client.get(f"{API}/records/uuid:not-there")
    assert missing.status_code == 404 and "uuid:not-there" in missing.json()["message"]


def _rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def _upload(client, rows, name="log.csv", **form):  # type: ignore[no-untyped-def]
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=["uuid", "field", "old_value", "new_value", "reason"])
    w.writeheader()
    w.writerows(rows)
    return client.post(f"{API}/cleaning-log", data=form,
                       files={"file": (name, out.getvalue().encode(), "text/csv")})


def test_cleaning_log_export_edit_upload_and_list(client, ws, data):
    bad = data[0]
    r = client.get(f"{API}/cleaning-log/export", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = [x for x in _rows(r.content) if x["uuid"] == bad]  # its flagged answers
    assert {x["field"]: x["old_value"] for x in rows} == {"population/idp_ind": "60"}
    assert "households_individuals" in rows[0]["flags"]
    xlsx = client.get(f"{API}/cleaning-log/export", params={"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    done = _upload(client, [{"uuid": bad, "field": "population/idp_ind", "old_value": "60",
                             "new_value": "600", "reason": "recounted"}], by="someone-else")
    assert done.status_code == 200, done.text
    assert (done.json()["changed"], len(done.json()["versions"])) == (1, 1)
    log = client.get(f"{API}/cleaning-log").json()
    assert log["total"] == 1
    [row] = log["items"]
    # the signed-in user acted: `by` cannot put the change under another name
    assert (row["uuid"], row["field"], row["old_value"], row["new_value"], row["reason"],
            row["who"]) == (bad, "population/idp_ind", "60", "600", "recounted", "ana")
    rec = client.get(f"{API}/records/{bad}").json()
    assert [v["current"] for v in rec["versions"]] == [False, True]
    assert rec["cleaning_log"][0]["to_version"] == rec["versions"][1]["id"]
    assert "households_individuals" not in {f["check"] for f in rec["versions"][1]["flags"]}


def test_a_bad_cleaning_log_is_refused_whole_with_every_problem(client, ws, data):
    bad, second, other, _ = data
    r = _upload(client, [
        {"uuid": other, "field": "population/idp_hh", "old_value": "70", "new_value": "12",
         "reason": "ok row"},  # fine alone, but the file has problems: not applied
        {"uuid": "uuid:not-there", "field": "population/idp_hh", "old_value": "1",
         "new_value": "2", "reason": "x"},
        {"uuid": bad, "field": "population/idp_hh", "old_value": "79", "new_value": "15",
         "reason": "stale"},
        {"uuid": second, "field": "population/idp_ind", "old_value": "200", "new_value": "190",
         "reason": ""},
    ])
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "import_failed" and "nothing was imported" in body["message"]
    found = {(p["row"], p["message"].split(":")[0]) for p in body["problems"]}
    assert (3, "unknown uuid 'uuid") in found
    assert (4, "stale old value") in found
    assert (5, "a change needs a reason") in found
    assert all(p["source"] == "log.csv" for p in body["problems"])
    assert client.get(f"{API}/cleaning-log").json()["total"] == 0
    assert len(client.get(f"{API}/records/{other}").json()["versions"]) == 1


@pytest.mark.parametrize(("name", "content", "status", "message"), [
    ("log.pdf", b"%PDF-1.4", 422, "upload the cleaning log as a .csv or .xlsx file"),
    ("log.xlsx", b"this is not a workbook", 422, "log.xlsx"),
    ("log.csv", b"", 422, "log.csv"),
    ("log.csv", b"uuid;note\nx;y\n", 422, "missing column(s)"),
])
def test_malformed_uploads_are_refused(client, name, content, status, message):
    r = client.post(f"{API}/cleaning-log", files={"file": (name, content, "text/plain")})
    assert r.status_code == status, r.text
    assert message in r.text
    assert client.get(f"{API}/cleaning-log").json()["total"] == 0


def test_an_upload_without_a_file_is_refused(client):
    assert client.post(f"{API}/cleaning-log", data={"by": "ana"}).status_code == 422


def test_approve_bottom_up_reopen_with_reason_and_progress(client, data):
    r = client.post(f"{API}/review/approve", json={"round": 1, "area": "ID72"})
    assert r.status_code == 422
    assert "still has open admin 2 areas: ID7205, ID7210, ID7271" in r.json()["message"]
    r = client.post(f"{API}/review/approve", json={"round": 1, "area": "ID7271"})
    assert r.status_code == 200 and r.json() == {
        "round": 1, "assessment_type": "SA", "areas": [[2, "ID7271"]], "submissions": 2}
    again = client.post(f"{API}/review/approve", json={"round": 1, "area": "ID7271"})
    assert again.status_code == 422 and "approved already, by ana" in again.json()["message"]
    progress = client.get(f"{API}/review", params={"round": 1}).json()
    [rnd] = progress
    areas = {a["key"]: a for a in rnd["areas"]}
    assert (areas["ID7271"]["state"], areas["ID7271"]["received"],
            areas["ID7271"]["approved"]) == ("approved", 2, 2)
    assert areas["ID72"]["expected"] == 4 and areas["ID72"]["flagged"] >= 2
    assert {e["key"] for e in rnd["enumerators"]} == {"enum07", "enum09"}
    # a locked record refuses a cleaning-log row
    locked = _upload(client, [{"uuid": data[0], "field": "population/idp_hh",
                               "old_value": "80", "new_value": "15", "reason": "recount"}])
    assert locked.status_code == 422 and "is locked: SA round 1, area ID7271" in locked.text
    no_reason = client.post(f"{API}/review/reopen", json={"round": 1, "area": "ID7271"})
    assert no_reason.status_code == 422
    blank = client.post(f"{API}/review/reopen", json={"round": 1, "area": "ID7271",
                                                      "reason": "  "})
    assert blank.status_code == 422 and "needs a reason" in blank.json()["message"]
    back = client.post(f"{API}/review/reopen", json={"round": 1, "area": "ID7271",
                                                     "reason": "households recounted"})
    assert back.status_code == 200 and back.json()["submissions"] == 2
    assert client.post(f"{API}/review/approve", json={"round": 9}).status_code == 404


def test_each_route_needs_its_permission(ws, data):
    with TestClient(create_app(ws, secure_cookies=False)) as c:
        assert c.get(f"{API}/flags").status_code == 401  # anonymous
        analyst = _token(ws, "budi", "analyst", ["records:read", "export", "review"])
        assert c.get(f"{API}/flags", headers=analyst).status_code == 200
        assert c.get(f"{API}/cleaning-log/export", headers=analyst).status_code == 200
        r = c.post(f"{API}/review/approve", json={"round": 1, "area": "ID7271"},
                   headers=analyst)
        assert r.status_code == 403  # an analyst does not review
        narrow = _token(ws, "citra", "manager", ["records:read"])
        assert c.post(f"{API}/review/approve", json={"round": 1}, headers=narrow
                      ).status_code == 403  # the token's scopes limit its user's roles
    assert ws.review.status(OP, 1)[0].areas[0].approved == 0


def test_the_api_is_described_in_openapi(client):
    spec = client.get("/openapi.json").json()
    for path in ("/flags", "/records/{uuid}", "/cleaning-log", "/cleaning-log/export",
                 "/review", "/review/approve", "/review/reopen"):
        assert f"{API.replace(OP, '{operation}')}{path}" in spec["paths"]
    assert {"FlagPage", "RecordView", "LogPage", "ApproveIn", "ReopenIn", "Problems"} <= set(
        spec["components"]["schemas"])


def _request(**state: object) -> Request:
    req = Request({"type": "http", "method": "POST", "path": "/", "headers": []})
    for k, v in state.items():
        setattr(req.state, k, v)
    return req


def test_who_acts_is_the_user_else_by():
    class User:
        username = "dewi"

    assert actor(_request(user=User()), by="other") == "dewi"
    assert actor(_request(), by=" ana ") == "ana"
    with pytest.raises(PantauError, match="sign in, or give `by`"):
        actor(_request(), by=None)


# the data-management page ------------------------------------------------------------------------
def _login(c: TestClient, user: str) -> None:
    import re

    page = c.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "the login form carries a CSRF token"
    r = c.post("/login", data={"username": user, "password": PASSWORD,
                               "csrf_token": token.group(1)}, follow_redirects=False)
    assert r.status_code == 303, r.text


def _csrf(html: str) -> str:
    import re

    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page's forms carry the session's CSRF token"
    return found.group(1)


def test_the_data_page_shows_progress_flags_and_log_and_approves(ws, data):
    bad = data[0]
    ws.access.add_user("ana", PASSWORD)
    ws.access.grant("ana", OP, "manager")
    with TestClient(create_app(ws, secure_cookies=False)) as c:
        _login(c, "ana")
        page = c.get(f"/operations/{OP}/data", params={"round": 1})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        html = page.text
        for part in ('id="table-areas-SA"', 'data-area="ID7271"', 'id="table-flags"',
                     "households_individuals", bad, "enum09", "0 row(s) applied",
                     "Approve the whole round"):
            assert part in html, part
        assert "0812-3456-7890" not in html  # flags and counts only, never answers
        filtered = c.get(f"/operations/{OP}/data", params={"round": 1, "area": "ID7210"}).text
        assert data[2] in filtered and bad not in filtered
        csrf = _csrf(html)
        # no CSRF token: refused, nothing approved
        r = c.post(f"/operations/{OP}/data/approve", data={"round": 1, "area": "ID7271"},
                   follow_redirects=False)
        assert r.status_code == 403
        bottom_up = c.post(f"/operations/{OP}/data/approve",
                           data={"round": 1, "area": "ID72", "csrf_token": csrf})
        assert bottom_up.status_code == 422
        assert "still has open admin 2 areas: ID7205, ID7210, ID7271" in bottom_up.text
        r = c.post(f"/operations/{OP}/data/approve",
                   data={"round": 1, "area": "ID7271", "csrf_token": csrf},
                   follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith(
            f"/operations/{OP}/data?done=approved+ID7271")
        after = c.get(r.headers["location"]).text
        assert "approved ID7271: 2 submission(s) approved" in after and "Reopen" in after
        no_reason = c.post(f"/operations/{OP}/data/reopen",
                           data={"round": 1, "area": "ID7271", "reason": " ",
                                 "csrf_token": csrf})
        assert no_reason.status_code == 422 and "needs a reason" in no_reason.text
        bad_file = c.post(f"/operations/{OP}/data/clean", data={"csrf_token": csrf},
                          files={"file": ("log.csv", b"uuid,field,old_value,new_value,reason\n"
                                          b"uuid:nope,population/idp_hh,1,2,x\n", "text/csv")})
        assert bad_file.status_code == 422 and "unknown uuid" in bad_file.text
    assert ws.review.status(OP, 1)[0].areas[-1].state == "approved"  # ID7271


def test_the_data_page_hides_review_forms_from_analysts_and_refuses_their_posts(ws, data):
    ws.access.add_user("budi", PASSWORD)
    ws.access.grant("budi", OP, "analyst")
    with TestClient(create_app(ws, secure_cookies=False)) as c:
        assert c.get(f"/operations/{OP}/data", follow_redirects=False).status_code in (
            303, 401)  # anonymous: log in first
        _login(c, "budi")
        html = c.get(f"/operations/{OP}/data").text
        assert "Flagged records" in html
        assert "/data/approve" not in html and "/data/clean" not in html
        r = c.post(f"/operations/{OP}/data/approve", data={"round": 1, "csrf_token": "x"})
        assert r.status_code == 403


@pytest.mark.browser
def test_the_data_page_in_a_real_browser(ws, data):
    """Log in, approve an area and reopen it with a reason, in Chromium, without console
    errors; the screenshot goes to tests/screenshots/ for a person to look at."""
    from pathlib import Path

    from tests.conftest import unavailable
    from tests.serving import serve
    from tests.web.conftest import ARGS, CHROMIUM
    from tests.web.test_browser import SCREENSHOTS

    if not CHROMIUM.exists():
        unavailable(f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    ws.access.add_user("ana", PASSWORD)
    ws.access.grant("ana", OP, "manager")
    with serve(create_app(ws, secure_cookies=False)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{url}/operations/{OP}/data?round=1")
        page.fill("input[name=username]", "ana")
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(f"**/operations/{OP}/data")  # back where the login started
        page.select_option("#f-round", "1")
        page.click("button:has-text('Show')")
        page.wait_for_url(f"**/operations/{OP}/data?round=1")
        assert page.locator("#table-flags tbody tr").count() >= 4
        page.click("button[aria-label='Approve ID7271']")
        page.wait_for_selector("#done")
        assert "approved ID7271: 2 submission(s) approved" in page.inner_text("#done")
        assert page.inner_text("tr[data-area=ID7271] td.status").lower() == "approved"
        record = page.request.get(f"{url}{API}/records/{data[0]}")  # the signed-in session
        assert record.ok and record.json()["locked"]  # the approval locks the data
        Path(SCREENSHOTS).mkdir(exist_ok=True)
        store = "sqlite" if ws.settings.is_sqlite else "postgres"
        page.screenshot(path=str(SCREENSHOTS / f"data-page-{store}.png"), full_page=True)
        page.fill("#reason-ID7271", "households recounted")
        page.click("tr[data-area=ID7271] button:has-text('Reopen')")
        page.wait_for_selector("#done")
        assert "reopened ID7271: 2 submission(s) back to received" in page.inner_text("#done")
        assert page.request.get(f"{url}{API}/records/{data[0]}").json()["locked"] is None
        browser.close()
    assert errors == []
    assert ws.review.status(OP, 1)[0].areas[-1].state == "open"
