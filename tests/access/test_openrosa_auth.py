"""Collectors over OpenRosa with HTTP Basic auth, as ODK Collect and Enketo send it, through
a real uvicorn server: the 401 challenge, who may submit where, the submitter recorded, and
brute force refused."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pantau.web import create_app
from pantau.workspace import Workspace
from tests.access.conftest import OTHER, People
from tests.ingest.sample_form import FORM, OP, new_id, submission_xml
from tests.ingest.test_openrosa import multipart
from tests.serving import serve


@pytest.fixture
def base(ws: Workspace, people: People) -> Iterator[str]:
    _ = people
    with serve(create_app(ws)) as url:
        yield url


def _submit(base: str, auth: httpx.Auth | None, operation: str = OP,
            iid: str | None = None) -> httpx.Response:
    body, headers = multipart(submission_xml(iid or new_id()))
    return httpx.post(f"{base}/openrosa/{operation}/submission", content=body,
                      headers=headers, auth=auth, timeout=30)


def test_collect_is_challenged_then_submits_as_its_user(ws: Workspace, base: str,
                                                        people: People) -> None:
    head = httpx.head(f"{base}/openrosa/{OP}/submission")
    assert head.status_code == 401
    assert head.headers["www-authenticate"] == 'Basic realm="pantau", charset="UTF-8"'
    assert head.headers["x-openrosa-version"] == "1.0"
    assert _submit(base, None).status_code == 401
    auth = people.basic("collector")
    assert httpx.head(f"{base}/openrosa/{OP}/submission", auth=auth).status_code == 204
    listed = httpx.get(f"{base}/openrosa/{OP}/formList", auth=auth)
    assert listed.status_code == 200 and FORM in listed.text
    iid = new_id()
    assert _submit(base, auth, iid=iid).status_code == 201
    assert ws.ingest.submissions(OP) and _submitter(ws, iid) == "u-collector"
    posts = ws.access.audit_log(action="http.post")
    assert [(e.actor, e.target, e.operation, e.outcome) for e in posts] == [
        ("u-collector", "/openrosa/{operation}/submission", OP, "ok"),
        ("anonymous", "/openrosa/{operation}/submission", OP, "denied")]


def _submitter(ws: Workspace, iid: str) -> str | None:
    from sqlalchemy import select

    from pantau.store.models import Submission

    with ws.session() as s:
        return s.scalar(select(Submission.submitter).where(Submission.instance_id == iid))


def test_who_may_submit_where(ws: Workspace, base: str, people: People) -> None:
    expected = {"collector": 201, "manager": 201, "admin": 201, "viewer": 403,
                "analyst": 403, "outsider": 403}
    got = {role: _submit(base, people.basic(role)).status_code for role in expected}
    assert got == expected
    assert _submit(base, people.basic("collector"), operation=OTHER).status_code == 403
    assert _submit(base, httpx.BasicAuth("u-collector", "wrong")).status_code == 401
    assert len(ws.ingest.submissions(OP)) == 3


def test_basic_auth_brute_force_is_refused(base: str, people: People) -> None:
    wrong = httpx.BasicAuth("u-collector", "guess")
    codes = [httpx.get(f"{base}/openrosa/{OP}/formList", auth=wrong).status_code
             for _ in range(6)]
    assert codes == [401] * 5 + [429]
    # the right password from the same address, for the same user, waits as well
    assert httpx.get(f"{base}/openrosa/{OP}/formList",
                     auth=people.basic("collector")).status_code == 429
    assert httpx.get(f"{base}/openrosa/{OP}/formList",
                     auth=people.basic("manager")).status_code == 200


def test_basic_auth_is_only_for_openrosa(base: str, people: People) -> None:
    """A browser remembers Basic credentials and sends them anywhere on the site: accepted
    only where devices need them, so they cannot stand in for a session elsewhere."""
    r = httpx.get(f"{base}/api/me", auth=people.basic("admin"))
    assert r.status_code == 401
