"""The OpenRosa receiver as ODK Collect and Enketo use it: HTTP in, storage rules behind."""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from xml.etree import ElementTree as ET

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from pantau.ingest.receive import MAX_ATTACHMENT
from pantau.web.app import create_app
from pantau.web.openrosa import MAX_BODY
from pantau.workspace import Workspace
from tests.ingest.sample_form import (
    FORM,
    OP,
    V1,
    V2,
    add_form,
    data,
    new_id,
    submission_xml,
    xform,
)

XFORMS = "{http://openrosa.org/xforms/xformsList}"
RESPONSE = "{http://openrosa.org/http/response}"
URL = f"/openrosa/{OP}/submission"


def multipart(xml: bytes, files: list[tuple[str, bytes]] = (),  # type: ignore[assignment]
              xml_name: str = "submission.xml") -> tuple[bytes, dict[str, str]]:
    """The body ODK Collect sends, built by hand so odd file names reach the server as is."""
    boundary = uuid.uuid4().hex
    parts = [(b"xml_submission_file", xml_name.encode(), "text/xml", xml)]
    parts += [(name.encode("utf-8", "surrogateescape"), name.encode("utf-8", "surrogateescape"),
               "image/jpeg", content) for name, content in files]
    body = b"".join(
        b"--" + boundary.encode() + b"\r\nContent-Disposition: form-data; name=\"" + field
        + b"\"; filename=\"" + fname + b"\"\r\nContent-Type: " + ctype.encode() + b"\r\n\r\n"
        + content + b"\r\n" for field, fname, ctype, content in parts)
    body += b"--" + boundary.encode() + b"--\r\n"
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}",
                  "X-OpenRosa-Version": "1.0"}


def post(client: TestClient | httpx.Client, xml: bytes,
         files: list[tuple[str, bytes]] = (), url: str = URL) -> httpx.Response:  # type: ignore[assignment]
    body, headers = multipart(xml, files)
    return client.post(url, content=body, headers=headers)


def message(r: httpx.Response) -> tuple[str, str]:
    el = ET.fromstring(r.content).find(f"{RESPONSE}message")
    assert el is not None
    return el.get("nature") or "", el.text or ""


DEVICE = ("odk-device", "device password 1")


def device_auth(ws: Workspace) -> httpx.BasicAuth:
    """OpenRosa needs an account, sent with HTTP Basic auth as ODK Collect sends it. An admin,
    so that an unknown operation is still a 404 (a collector of another operation gets 403:
    see tests/access/test_openrosa_auth.py)."""
    ws.access.add_user(*DEVICE, admin=True, by="tests")
    return httpx.BasicAuth(*DEVICE)


@pytest.fixture
def client(ws: Workspace) -> Iterator[TestClient]:
    add_form(ws, versions=(V1, V2))
    with TestClient(create_app(ws)) as c:
        c.auth = device_auth(ws)
        yield c


def _stored(ws: Workspace) -> tuple[int, int]:
    return len(ws.ingest.submissions(OP)), len(ws.ingest.quarantined(OP))


def test_form_list_lists_current_versions_with_md5_and_download(client: TestClient) -> None:
    r = client.get(f"/openrosa/{OP}/formList", headers={"X-OpenRosa-Version": "1.0"})
    assert r.status_code == 200 and r.headers["x-openrosa-version"] == "1.0"
    assert r.headers["content-type"].startswith("text/xml")
    [item] = ET.fromstring(r.content).findall(f"{XFORMS}xform")
    got = {c.tag.removeprefix(XFORMS): c.text for c in item}
    expected_md5 = hashlib.md5(xform(V2).encode()).hexdigest()
    assert got["formID"] == FORM and got["name"] == "Site assessment"
    assert got["version"] == V2 and got["hash"] == f"md5:{expected_md5}"
    download = client.get(got["downloadUrl"])
    assert download.status_code == 200 and download.text == xform(V2)
    assert ET.fromstring(client.get(f"/openrosa/{OP}/formList?formID=nope").content) \
        .findall(f"{XFORMS}xform") == []


def test_unknown_operation_and_form_are_404(client: TestClient) -> None:
    assert client.get("/openrosa/nope/formList").status_code == 404
    assert client.get(f"/openrosa/{OP}/forms/nope/form.xml").status_code == 404
    r = post(client, submission_xml(new_id()), url="/openrosa/nope/submission")
    assert r.status_code == 404 and message(r)[0] == "error"


def test_head_answers_204_with_the_size_limit(client: TestClient) -> None:
    r = client.head(URL)
    assert r.status_code == 204
    assert r.headers["x-openrosa-accept-content-length"] == str(MAX_BODY)
    assert r.headers["x-openrosa-version"] == "1.0"


def test_new_resend_and_conflict(ws: Workspace, client: TestClient) -> None:
    iid = new_id()
    first = post(client, submission_xml(iid, "12"))
    assert first.status_code == 201 and message(first)[0] == "submit_success"
    assert first.headers["x-openrosa-version"] == "1.0"
    assert post(client, submission_xml(iid, "12")).status_code == 202
    conflict = post(client, submission_xml(iid, "40"))
    assert conflict.status_code == 409 and "different XML" in message(conflict)[1]
    detail = ws.ingest.submission(OP, FORM, iid)
    [v] = detail.versions
    # The same data the Kobo and Central readers produce for this submission.
    assert v.data == data("12") and v.raw_format == "xml" and detail.info.source == "openrosa"
    assert v.form_version == V1


def test_edit_from_collect_becomes_a_new_version(ws: Workspace, client: TestClient) -> None:
    a, b = new_id(), new_id()
    assert post(client, submission_xml(a, "12")).status_code == 201
    assert post(client, submission_xml(b, "14", deprecated_id=a)).status_code == 201
    detail = ws.ingest.submission(OP, FORM, a)
    assert [(v.instance_id, v.current) for v in detail.versions] == [(a, False), (b, True)]


def test_attachments_are_stored_and_may_come_in_several_posts(ws: Workspace,
                                                               client: TestClient) -> None:
    iid = new_id()
    xml = submission_xml(iid)
    photo, audio = b"\xff\xd8\xff" + b"p" * 5000, b"RIFF" + b"a" * 3000
    assert post(client, xml, [("1712.jpg", photo)]).status_code == 201
    second = post(client, xml, [("1712.jpg", photo), ("voice.wav", audio)])
    assert second.status_code == 201 and "ttachments added" in message(second)[1]
    assert post(client, xml, [("voice.wav", audio)]).status_code == 202
    [v] = ws.ingest.submission(OP, FORM, iid).versions
    assert [(a.name, a.size, a.sha256) for a in v.attachments] == [
        ("1712.jpg", len(photo), hashlib.sha256(photo).hexdigest()),
        ("voice.wav", len(audio), hashlib.sha256(audio).hexdigest())]


@pytest.mark.parametrize("name", ["../x.jpg", "/etc/passwd", "..\\x.jpg", "C:x.jpg",
                                  "x\x00.jpg", ".."])
def test_attachment_names_with_paths_are_refused(ws: Workspace, client: TestClient,
                                                 name: str) -> None:
    r = post(client, submission_xml(new_id()), [("ok.jpg", b"1"), (name, b"2")])
    assert r.status_code == 400
    assert _stored(ws) == (0, 0)


HOSTILE = {
    "billion laughs": b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<site_assessment id="site_assessment"><idp_hh>&lol3;</idp_hh>
<meta><instanceID>uuid:1</instanceID></meta></site_assessment>""",
    "external entity": b"""<?xml version="1.0"?><!DOCTYPE s [
<!ENTITY xxe SYSTEM "file:///etc/passwd">]><site_assessment id="site_assessment">
<idp_hh>&xxe;</idp_hh><meta><instanceID>uuid:2</instanceID></meta></site_assessment>""",
    "bare DTD": b"""<?xml version="1.0"?><!DOCTYPE site_assessment SYSTEM "http://x/a.dtd">
<site_assessment id="site_assessment"><meta><instanceID>uuid:3</instanceID></meta>
</site_assessment>""",
    "not XML": b"PK\x03\x04 this is a zip, not a submission",
    "truncated": submission_xml("uuid:4")[:-30],
    "no form id": b"<data><meta><instanceID>uuid:5</instanceID></meta></data>",
    "nested too deep": b"<a id='site_assessment'>" + b"<g>" * 200 + b"</g>" * 200 + b"</a>",
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_or_broken_xml_is_rejected_and_not_kept(ws: Workspace, client: TestClient,
                                                        kind: str) -> None:
    r = post(client, HOSTILE[kind])
    assert r.status_code == 400 and message(r)[0] == "error"
    assert "root:" not in r.text  # nothing of /etc/passwd
    assert _stored(ws) == (0, 0)


def test_well_formed_but_unplaceable_submissions_are_kept_in_quarantine(
        ws: Workspace, client: TestClient) -> None:
    no_id = post(client, submission_xml(""))
    unknown_version = post(client, submission_xml(new_id(), version="1999"))
    unknown_form = post(client, submission_xml(new_id(), form_id="household_survey"))
    assert (no_id.status_code, unknown_version.status_code, unknown_form.status_code) == \
        (400, 404, 404)
    assert "quarantine" in message(unknown_form)[1]
    reasons = [q.reason for q in ws.ingest.quarantined(OP)]
    assert len(reasons) == 3 and "1999" in reasons[1] and "household_survey" in reasons[2]
    assert ws.ingest.submissions(OP) == []


def test_not_multipart_and_missing_xml_part_are_400(ws: Workspace, client: TestClient) -> None:
    assert client.post(URL, content=submission_xml(new_id()),
                       headers={"Content-Type": "text/xml"}).status_code == 400
    body, headers = multipart(b"")
    body = body.replace(b"xml_submission_file", b"other_file")
    assert client.post(URL, content=body, headers=headers).status_code == 400
    assert _stored(ws) == (0, 0)


def test_too_large_requests_are_413_and_leave_nothing_half_stored(
        ws: Workspace, client: TestClient) -> None:
    body, headers = multipart(submission_xml(new_id()))
    declared = client.post(URL, content=body,
                           headers={**headers, "Content-Length": str(MAX_BODY + 1)})
    assert declared.status_code == 413

    def endless() -> Iterator[bytes]:  # chunked, no Content-Length: the stream is capped
        yield body[: body.index(b"\r\n\r\n") + 4]
        for _ in range(MAX_BODY // 2**20 + 2):
            yield b"x" * 2**20

    assert client.post(URL, content=endless(), headers=headers).status_code == 413
    huge_xml = submission_xml(new_id()).replace(b"<photo>", b"<photo>" + b"y" * (11 * 2**20))
    assert post(client, huge_xml).status_code == 413
    assert _stored(ws) == (0, 0)
    big = post(client, submission_xml(new_id()),
               [("small.jpg", b"1"), ("video.mp4", b"v" * (MAX_ATTACHMENT + 1))])
    assert big.status_code == 413
    assert ws.ingest.submissions(OP) == []
    [kept] = ws.ingest.quarantined(OP)  # the XML, with the reason; no half submission
    assert "video.mp4" in kept.reason


@contextmanager
def live_server(ws: Workspace) -> Iterator[str]:
    """The app under a real uvicorn on loopback (as `pantau serve` runs it); its base URL."""
    server = uvicorn.Server(uvicorn.Config(create_app(ws), host="127.0.0.1", port=0,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        started = threading.Event()
        for _ in range(1000):
            if server.started:
                started.set()
                break
            started.wait(0.01)
        assert started.is_set(), "the server did not start"
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)


def test_concurrent_clients_on_a_real_server_lose_and_double_nothing(ws: Workspace) -> None:
    """50 devices at once: each of the 300 submissions stored once, as first sent, with its
    photo; re-sends after the answer 202, conflicting re-sends 409, the same submission sent by
    two devices at once one 201 and one 202, and requests that fail (unknown operation, two
    attachments of one name) change nothing for the submissions around them."""
    add_form(ws)
    auth = device_auth(ws)
    ids = [new_id() for _ in range(300)]
    photo = {i: b"\xff\xd8\xff" + i.encode() * 50 for i in ids[::4]}

    def send(c: httpx.Client, iid: str, hh: str = "12", url: str = URL,
             files: list[tuple[str, bytes]] | None = None) -> int:
        if files is None:
            files = [("1712.jpg", photo[iid])] if iid in photo else []
        return post(c, submission_xml(iid, hh), files, url=url).status_code

    def device(k: int) -> Counter[str]:
        """Device k sends ids k, k+50, …; re-sends one, conflicts with one, races device
        k+1 on one, and sends one bad request of each kind."""
        mine = ids[k::50]
        got: Counter[str] = Counter()
        with httpx.Client(base_url=base, timeout=60, auth=auth) as c:
            for iid in mine:
                got[f"new {send(c, iid)}"] += 1
            got[f"resend {send(c, mine[0])}"] += 1
            got[f"conflict {send(c, mine[1], '40')}"] += 1
            got[f"race {send(c, ids[((k + 1) % 50) + 100])}"] += 1
            got[f"unknown operation {send(c, new_id(), url='/openrosa/nope/submission')}"] += 1
            got[f"same name {send(c, new_id(), files=[('a.jpg', b'1'), ('a.jpg', b'2')])}"] += 1
        return got

    with live_server(ws) as base, ThreadPoolExecutor(50) as pool:
        codes = sum(pool.map(device, range(50)), Counter())
    # A race is the second sending of ids[100:150]: the first may come before or after it.
    assert codes["new 201"] + codes["race 201"] == 300
    assert codes["new 202"] + codes["race 202"] == 50
    assert (codes["resend 202"], codes["conflict 409"]) == (50, 50)
    assert (codes["unknown operation 404"], codes["same name 400"]) == (50, 50)
    subs = ws.ingest.submissions(OP)
    assert sorted(s.instance_id for s in subs) == sorted(ids)  # none lost, none twice
    assert all(s.versions_count == 1 for s in subs) and ws.ingest.quarantined(OP) == []
    for iid in ids[::7]:
        [v] = ws.ingest.submission(OP, FORM, iid).versions
        assert v.data == data("12")  # the first answers, not the conflicting ones
        assert [(a.name, a.sha256) for a in v.attachments] == (
            [("1712.jpg", hashlib.sha256(photo[iid]).hexdigest())] if iid in photo else [])


def test_shipped_form_is_listed_downloaded_and_filled_in(ws: Workspace) -> None:
    """The packaged DTM site assessment, as ODK Collect gets it and sends it back."""
    from pantau.forms.library import __file__ as library

    ws.operations.create("idn-palu", "IDN", "Palu floods")
    info = ws.forms.import_xlsform("idn-palu", Path(library).parent / "dtm_sa.xlsx")
    with TestClient(create_app(ws)) as c:
        c.auth = device_auth(ws)
        listed = ET.fromstring(c.get("/openrosa/idn-palu/formList").content)
        [item] = listed.findall(f"{XFORMS}xform")
        assert item.findtext(f"{XFORMS}formID") == info.form_id
        assert item.findtext(f"{XFORMS}version") == info.version
        xml = c.get(item.findtext(f"{XFORMS}downloadUrl") or "").text
        assert xml == ws.forms.xform("idn-palu", info.form_id)
        # What Collect sends: the primary instance, templates dropped, meta filled in.
        ns = {"x": "http://www.w3.org/2002/xforms", "jr": "http://openrosa.org/javarosa"}
        root = ET.fromstring(xml).find(".//x:model/x:instance", ns)[0]  # type: ignore[index]
        for parent in root.iter():
            for child in list(parent):
                if child.get(f"{{{ns['jr']}}}template") is not None:
                    parent.remove(child)
        iid = new_id()
        next(e for e in root.iter() if e.tag.endswith("instanceID")).text = iid
        r = post(c, ET.tostring(root), url="/openrosa/idn-palu/submission")
        assert r.status_code == 201, r.text
    [v] = ws.ingest.submission("idn-palu", info.form_id, iid).versions
    assert v.form_version == info.version and v.current
