"""Pulling from ODK Central over OData, against a real local HTTP server."""

from __future__ import annotations

import pytest

from pantau.errors import PantauError
from tests.ingest.central_fixtures import add_central_form, current, filled, serving
from tests.ingest.central_server import EMAIL, FORM, OP, PASSWORD, answers


@pytest.fixture
def form(ws, tmp_path):
    return add_central_form(ws, tmp_path)


@pytest.fixture
def central():
    with serving(filled(7)) as fake:
        yield fake


def pull(ws, fake, **kw):
    options = {"email": EMAIL, "password": PASSWORD, "page_size": 3, "backoff": 0.001}
    return ws.ingest.pull_central(OP, FORM, fake.url, fake.project, **{**options, **kw})


def test_full_pull_pages_through_and_keeps_every_answer(ws, form, central):
    seen = []
    result = pull(ws, central, progress=lambda done, total: seen.append((done, total)))
    assert result.counts == {"created": 7}
    assert result.pages == 3 and result.total == 7
    assert seen == [(3, 7), (6, 7), (7, 7)]
    assert any("skiptoken" in r for r in central.requests)
    for sub in central.subs:
        detail, version = current(ws, sub.root)
        assert version.data == sub.data
        assert version.raw_format == "json"
        assert detail.info.source == "central"
    assert pull(ws, central).counts == {}  # nothing changed since


def test_incremental_pull_brings_edits_new_submissions_and_review_states(ws, form, central):
    pull(ws, central)
    edited, reviewed = central.subs[0], central.subs[1]
    central.edit(edited, {"idp_hh": "99"})
    central.review(reviewed, "approved")
    central.review(central.subs[2], "hasIssues")
    central.review(central.subs[3], "rejected")
    new = central.add(answers(8))
    result = pull(ws, central)
    assert result.counts == {"updated": 1, "duplicate": 3, "created": 1}
    detail, version = current(ws, edited.root)
    assert detail.info.versions_count == 2
    assert version.instance_id == edited.current != edited.root
    assert version.data["idp_hh"] == "99"
    states = [ws.ingest.submission(OP, FORM, s.root).info.review_state
              for s in central.subs[1:4]]
    assert states == ["approved", "has_issues", "rejected"]
    assert current(ws, new.root)[1].data == new.data
    filters = [r for r in central.requests if "filter" in r]
    assert "updatedAt" in filters[-1] and "%20gt%20" in filters[-1]


def test_interrupted_pull_resumes_with_no_gap_and_nothing_twice(ws, form, central):
    central.fault(401, after=1, match="skiptoken")  # the third page refuses the session
    central.fault(401, match="sessions", after=1)  # … and so does the login that follows
    with pytest.raises(PantauError, match="401") as err:
        pull(ws, central)
    assert PASSWORD not in str(err.value) and EMAIL not in str(err.value)
    assert len(ws.ingest.submissions(OP)) == 6  # two pages stored, each in its transaction
    central.add(answers(9))  # arrives while the pull is broken: the next window's
    resumed = pull(ws, central)
    assert resumed.counts == {"created": 1}
    assert pull(ws, central).counts == {"created": 1}
    roots = sorted(s.instance_id for s in ws.ingest.submissions(OP))
    assert roots == sorted(s.root for s in central.subs)


def test_server_errors_and_truncated_pages_are_retried(ws, form, central):
    central.fault(429)
    central.fault(500, after=1, times=2)
    central.fault("truncate", after=2)
    assert pull(ws, central).counts == {"created": 7}
    central.fault(503, times=3)
    central.add(answers(10))
    with pytest.raises(PantauError, match="HTTP 503 3 times in a row"):
        pull(ws, central, retries=2)
    assert pull(ws, central).counts == {"created": 1}


def test_wrong_password_is_a_clear_error_without_the_password(ws, form, central):
    with pytest.raises(PantauError, match="refused the credentials") as err:
        pull(ws, central, password="wrong-horse-battery")
    assert "wrong-horse-battery" not in str(err.value)
    with pytest.raises(PantauError, match="email and password"):
        pull(ws, central, email=None, password=None)
    assert ws.ingest.submissions(OP) == []


def test_repeats_behind_navigation_links_are_fetched(ws, form, central):
    central.expand = False
    assert pull(ws, central).counts == {"created": 7}
    sub = central.subs[0]
    assert current(ws, sub.root)[1].data["households"] == sub.data["households"]


def test_the_zip_export_and_the_pull_agree(ws, form, central, tmp_path):
    pull(ws, central)
    result = ws.ingest.import_file(OP, FORM, central.export_zip(tmp_path / "export.zip"))
    assert result.counts == {"duplicate": 7}


def test_cli_pull_shows_the_summary(cli, ws, form, central, monkeypatch):
    monkeypatch.setenv("PANTAU_CENTRAL_PASSWORD", PASSWORD)
    out = cli("pull", "central", OP, FORM, "--server", central.url, "--project", "1",
              "--email", EMAIL, "--page-size", "4").output
    assert "Pulled 7 record(s) in 2 page(s): 7 new" in out
    assert PASSWORD not in out
    monkeypatch.setenv("PANTAU_CENTRAL_PASSWORD", "nope")
    bad = cli("pull", "central", OP, FORM, "--server", central.url, "--project", "1",
              "--email", EMAIL, ok=False)
    assert bad.exit_code == 1 and "refused the credentials" in bad.output


def test_credentials_come_from_the_settings_and_never_show(cli, ws, form, central,
                                                           monkeypatch):
    monkeypatch.setenv("PANTAU_CENTRAL_EMAIL", EMAIL)
    monkeypatch.setenv("PANTAU_CENTRAL_PASSWORD", PASSWORD)
    monkeypatch.setenv("PANTAU_CENTRAL_TOKEN", "a-stale-session-token")
    result = ws.ingest.pull_central(OP, FORM, central.url, central.project, backoff=0.001)
    assert result.counts == {"created": 7}  # email and password win over the token
    shown = cli("pull", "central", "--help").output
    for secret in (PASSWORD, "a-stale-session-token", EMAIL):
        assert secret not in shown
    assert "PANTAU_CENTRAL_EMAIL" in shown and "PANTAU_CENTRAL_PASSWORD" in shown


def test_an_unknown_form_is_named_with_its_address(ws, form, central):
    with pytest.raises(PantauError) as err:
        pull(ws, central, xml_form_id="no_such_form")
    assert str(err.value).startswith(
        f"ODK Central has no such project or form (HTTP 404) at {central.url}/v1/projects/1/"
        "forms/no_such_form.svc/Submissions: check --project")
    assert PASSWORD not in str(err.value) and "?" not in str(err.value)


def test_geotraces_and_geoshapes_are_kept_as_odk_text(ws, tmp_path):
    """Central's OData gives a geotrace as a GeoJSON LineString and a geoshape as a Polygon,
    without accuracy; they come back as ODK's text "lat lon alt;…", not dropped."""
    add_central_form(ws, tmp_path, shapes=True)
    route = "-0.8917 119.8707 12.5 5;-0.8921 119.871 13 5;-0.893 119.8722 12 4"
    area = "-0.89 119.87 10 3;-0.89 119.88 10 3;-0.9 119.88 10 3;-0.89 119.87 10 3"
    with serving(filled(0)) as central:
        sub = central.add({**answers(1), "route": route, "camp_area": area})
        assert pull(ws, central).counts == {"created": 1}
    data = current(ws, sub.root)[1].data
    assert data["route"] == "-0.8917 119.8707 12.5;-0.8921 119.871 13;-0.893 119.8722 12"
    assert data["camp_area"] == "-0.89 119.87 10;-0.89 119.88 10;-0.9 119.88 10;-0.89 119.87 10"
    assert data["gps"] == sub.data["gps"]
