"""Pulls bring the submissions' attachments too: downloaded with the same retries and
credentials, refused over the size limit or with an unsafe name, reported (never losing the
submission) when they cannot be downloaded, and fetched later by `--attachments-only`."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from pantau.ingest.receive import MAX_ATTACHMENT
from pantau.store.models import PullState
from tests.ingest.central_fixtures import add_central_form, filled, serving
from tests.ingest.central_server import EMAIL, PASSWORD, FakeCentral
from tests.ingest.central_server import FORM as FORM_C
from tests.ingest.kobo_server import ASSET, FORM, OP, TOKEN, FakeKobo, add_form

FAST = {"backoff": 0.01, "retries": 2}
PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40  # a JPEG's first bytes, then some
AUDIO = b"ID3\x03" + b"\x00\x11" * 3000


@pytest.fixture
def kobo() -> Iterator[FakeKobo]:
    fake = FakeKobo()
    for n in range(1, 5):
        fake.add(n)
    fake.serve()
    yield fake
    fake.stop()


def _pull(ws, kobo: FakeKobo, **kw):  # type: ignore[no-untyped-def]
    return ws.ingest.pull_kobo(OP, FORM, kobo.url, ASSET, token=TOKEN, **{**FAST, **kw})


def _files(ws, op: str, form: str,  # type: ignore[no-untyped-def]
           instance_id: str) -> dict[str, tuple[str, int, str]]:
    """The current version's attachments: name → (type, size, sha256)."""
    detail = ws.ingest.submission(op, form, instance_id)
    [version] = [v for v in detail.versions if v.current]
    return {a.name: (a.content_type, a.size, a.sha256) for a in version.attachments}


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def test_kobo_attachments_come_with_the_pull(ws, tmp_path: Path, kobo: FakeKobo) -> None:
    add_form(ws, tmp_path)
    one, two = kobo.subs[0], kobo.subs[1]
    kobo.attach(one, "1712000000001.jpg", PHOTO, fails=(500,))  # a 500, then the file
    kobo.attach(one, "1712000000002.mp3", AUDIO, mimetype="audio/mpeg", length=False)
    kobo.attach(two, "sig.png", b"\x89PNG" + b"\x00" * 99, mimetype="image/png",
                old_host=True)  # the token is not sent there: the API v2 address serves it
    result = _pull(ws, kobo, page_size=3)
    assert result.counts == {"created": 4}
    assert result.attachments == {"stored": 3} and result.notes == []
    assert _files(ws, OP, FORM, one.instance_id) == {
        "1712000000001.jpg": ("image/jpeg", len(PHOTO), _sha(PHOTO)),
        "1712000000002.mp3": ("audio/mpeg", len(AUDIO), _sha(AUDIO))}
    assert set(_files(ws, OP, FORM, two.instance_id)) == {"sig.png"}
    assert kobo.file_requests().count(500) == 1
    # a full sweep sees every record again, but downloads nothing it already has
    before = len(kobo.file_requests())
    again = _pull(ws, kobo, full=True)
    assert again.counts == {"duplicate": 4} and again.attachments == {}
    assert len(kobo.file_requests()) == before


def test_kobo_failures_are_reported_and_the_submissions_kept(ws, tmp_path: Path,
                                                             kobo: FakeKobo) -> None:
    add_form(ws, tmp_path)
    gone = kobo.attach(kobo.subs[0], "gone.jpg", PHOTO, fails=(404,))
    kobo.attach(kobo.subs[1], "x.jpg", PHOTO, path="../../../etc/passwd")
    kobo.attach(kobo.subs[1], "ok.jpg", PHOTO, path="a/b\x1b[31m/ok.jpg")
    kobo.attach(kobo.subs[2], "big.jpg", b"\x00" * (MAX_ATTACHMENT + 1), length=False)
    kobo.attach(kobo.subs[3], "big2.jpg", b"\x00" * (MAX_ATTACHMENT + 1))
    kobo.attach(kobo.subs[3], "small.jpg", PHOTO)
    result = _pull(ws, kobo)
    assert result.counts == {"created": 4}  # nothing lost for a file
    assert result.attachments == {"stored": 1, "failed": 1, "refused": 4}
    notes = "\n".join(result.notes)
    assert "'gone.jpg' not downloaded: KoboToolbox has no such file (HTTP 404)" in notes
    assert "'../../../etc/passwd' is not a plain file name" in notes
    assert "'a/b\\x1b[31m/ok.jpg' is not a plain file name" in notes  # shown escaped
    assert "'big.jpg' refused: over the limit of 25 MB" in notes
    assert f"'big2.jpg' refused: {MAX_ATTACHMENT + 1:,} bytes, over the limit" in notes
    assert TOKEN not in notes
    assert _files(ws, OP, FORM, kobo.subs[0].instance_id) == {}
    assert set(_files(ws, OP, FORM, kobo.subs[3].instance_id)) == {"small.jpg"}

    gone["fails"] = []  # the server has the file again
    swept = _pull(ws, kobo, attachments_only=True)
    assert swept.counts == {} and swept.checked == 4
    assert swept.attachments == {"stored": 1, "refused": 4}  # still refused, said again
    assert _files(ws, OP, FORM, kobo.subs[0].instance_id) == {
        "gone.jpg": ("image/jpeg", len(PHOTO), _sha(PHOTO))}


def test_no_attachments_then_attachments_only(ws, cli, tmp_path: Path,
                                              kobo: FakeKobo) -> None:
    add_form(ws, tmp_path)
    kobo.attach(kobo.subs[0], "a.jpg", PHOTO)
    late = kobo.attach(kobo.subs[2], "b.jpg", PHOTO, fails=(404,))
    base = ("pull", "kobo", OP, FORM, "--server", kobo.url, "--asset", ASSET,
            "--token", TOKEN)
    out = cli(*base, "--no-attachments").output
    assert "Pulled 4 record(s) in 1 page(s): 4 new" in out and "Attachments" not in out
    assert kobo.file_requests() == []
    out = cli(*base, "--attachments-only").output  # b.jpg is not there (404)
    assert "Checked 4 submission(s) for missing attachments." in out
    assert "Attachments: 1 stored, 1 failed." in out
    assert "'b.jpg' not downloaded: KoboToolbox has no such file (HTTP 404)" in out
    assert "--attachments-only` fetches the missing files later" in out
    assert "Pulled" not in out and TOKEN not in out
    late["fails"] = []
    out = cli(*base, "--attachments-only").output  # the server has it now
    assert "Attachments: 1 stored." in out
    assert set(_files(ws, OP, FORM, kobo.subs[2].instance_id)) == {"b.jpg"}
    assert "Attachments" not in cli(*base, "--attachments-only").output  # nothing missing


def test_an_edit_brings_its_own_attachments(ws, tmp_path: Path, kobo: FakeKobo) -> None:
    add_form(ws, tmp_path)
    sub = kobo.subs[1]
    kobo.attach(sub, "before.jpg", PHOTO)
    _pull(ws, kobo)
    kobo.edit(sub, idp_hh="77")
    sub.files = []
    kobo.attach(sub, "after.jpg", AUDIO)
    result = _pull(ws, kobo, full=True)
    assert result.counts == {"updated": 1, "duplicate": 3}
    assert result.attachments == {"stored": 1}
    assert set(_files(ws, OP, FORM, sub.instance_id)) == {"after.jpg"}


@pytest.fixture
def central() -> Iterator[FakeCentral]:
    with serving(filled(3)) as fake:
        yield fake


def _pull_c(ws, fake: FakeCentral, **kw):  # type: ignore[no-untyped-def]
    options = {"email": EMAIL, "password": PASSWORD, "backoff": 0.001, "retries": 2}
    return ws.ingest.pull_central(OP, FORM_C, fake.url, fake.project, **{**options, **kw})


def test_central_attachments_come_with_the_pull(ws, tmp_path: Path,
                                                central: FakeCentral) -> None:
    add_central_form(ws, tmp_path)
    one, two = central.subs[0], central.subs[1]
    one.files = {"1712000000001.jpg": PHOTO, "voice note.m4a": AUDIO}
    two.files = {"sig.png": PHOTO[:50]}
    two.missing = ["later.jpg"]  # Collect has not uploaded it yet
    central.fault(500, match="/attachments/sig.png")  # once, then the file
    result = _pull_c(ws, central)
    assert result.counts == {"created": 3}
    assert result.attachments == {"stored": 3, "not_on_server": 1}
    assert result.notes == [f"{central.url}/v1/projects/1/forms/{FORM_C} {two.root}: "
                            "attachment 'later.jpg' is not on the server yet"]
    assert _files(ws, OP, FORM_C, one.root) == {
        "1712000000001.jpg": ("image/jpeg", len(PHOTO), _sha(PHOTO)),
        "voice note.m4a": ("image/jpeg", len(AUDIO), _sha(AUDIO))}
    # the third submission expects no file: its attachments are not even listed
    listed = [r for r in central.requests if r.endswith("/attachments")]
    assert len(listed) == 2 and central.subs[2].root.replace(":", "%3A") not in str(listed)

    two.files["later.jpg"] = PHOTO
    two.missing = []
    swept = _pull_c(ws, central, attachments_only=True)
    assert swept.attachments == {"stored": 1} and swept.checked == 3
    assert set(_files(ws, OP, FORM_C, two.root)) == {"sig.png", "later.jpg"}
    assert _pull_c(ws, central, attachments_only=True).attachments == {}


def test_central_unsafe_names_and_lost_files(ws, tmp_path: Path,
                                             central: FakeCentral) -> None:
    add_central_form(ws, tmp_path)
    central.subs[0].files = {"..": PHOTO, "ok.jpg": PHOTO}
    central.fault(404, match="/attachments/ok.jpg", times=5)
    central.subs[1].files = {"big.jpg": b"\x00" * (MAX_ATTACHMENT + 1)}
    result = _pull_c(ws, central, attachments=True)
    assert result.counts == {"created": 3}
    assert result.attachments == {"refused": 2, "failed": 1}
    assert any("'..' is not a plain file name" in n for n in result.notes)
    lost = ("'ok.jpg' not downloaded: ODK Central has no such file (HTTP 404) at "
            f"{central.url}/v1/projects/1/forms/{FORM_C}/submissions/")
    assert any(lost in n for n in result.notes)
    assert PASSWORD not in str(result.notes)


def test_no_pull_state_when_the_first_request_fails(ws, cli, tmp_path: Path,
                                                    kobo: FakeKobo) -> None:
    add_form(ws, tmp_path)
    bad = cli("pull", "kobo", OP, FORM, "--server", kobo.url, "--asset", "aNoSuchAsset",
              "--token", TOKEN, ok=False)
    assert bad.exit_code == 1 and "HTTP 404" in bad.output
    with ws.session() as s:
        assert s.scalars(select(PullState)).all() == []
    assert "Warning" not in bad.output  # 127.0.0.1 never leaves the machine
    cli("pull", "kobo", OP, FORM, "--server", kobo.url, "--asset", ASSET, "--token", TOKEN)
    with ws.session() as s:
        [state] = s.scalars(select(PullState)).all()
    assert state.pulled == 4 and state.server == f"{kobo.url}/api/v2/assets/{ASSET}"


def test_plain_http_to_another_host_is_warned_about(cli, ws, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    add_form(ws, tmp_path)
    monkeypatch.setenv("PANTAU_CENTRAL_PASSWORD", PASSWORD)
    out = cli("pull", "kobo", OP, "no_such_form", "--server", "http://kobo.example.org",
              "--asset", ASSET, "--token", TOKEN, ok=False).output
    assert ("Warning: http://kobo.example.org is plain http://: the KoboToolbox credentials "
            "and the submissions (personal data) cross the network unencrypted") in out
    assert "no_such_form" in out and TOKEN not in out  # the warning is not the error
    out = cli("pull", "central", OP, "no_such_form", "--server", "http://10.0.0.5:8080",
              "--project", "1", "--email", EMAIL, ok=False).output
    assert "Warning: http://10.0.0.5:8080 is plain http://: the ODK Central" in out
    for quiet in ("https://kobo.example.org", "http://localhost:8000"):
        out = cli("pull", "kobo", OP, "no_such_form", "--server", quiet, "--asset", ASSET,
                  "--token", TOKEN, ok=False).output
        assert "Warning" not in out


def test_files_of_a_quarantined_submission_come_after_it_goes_in(
        ws, cli, tmp_path: Path, central: FakeCentral, monkeypatch: pytest.MonkeyPatch) -> None:
    add_central_form(ws, tmp_path)
    sub = central.subs[0]
    sub.version = "2024060101"  # a form version pantau does not have yet
    sub.files = {"photo.jpg": PHOTO}
    monkeypatch.setenv("PANTAU_CENTRAL_PASSWORD", PASSWORD)
    base = ("pull", "central", OP, FORM_C, "--server", central.url, "--project", "1",
            "--email", EMAIL)
    out = cli(*base).output
    assert "2 new, 0 edited, 0 already here, 0 conflict(s), 1 quarantined" in out
    assert "Attachments: 0 stored, 1 not stored." in out
    assert "1 attachment(s) not stored: the submission itself was not" in out
    add_central_form(ws, tmp_path, "2024060101")
    assert ws.ingest.reprocess(OP).counts == {"resolved": 1}
    assert _files(ws, OP, FORM_C, sub.root) == {}
    out = cli(*base, "--attachments-only").output
    assert "Checked 3 submission(s)" in out and "Attachments: 1 stored." in out
    assert set(_files(ws, OP, FORM_C, sub.root)) == {"photo.jpg"}
    central.add(dict(sub.data), files={"x.jpg": PHOTO})
    out = cli(*base, "--no-attachments").output
    assert "1 new" in out and "Attachments" not in out
    assert not [r for r in central.requests if "x.jpg" in r]
