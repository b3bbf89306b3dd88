"""The storage rules, through `ws.ingest.receive`, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from pantau.ingest import IncomingAttachment
from pantau.ingest.receive import MAX_ATTACHMENT
from pantau.store.models import Attachment, Observation, Quarantine, SubmissionVersion
from pantau.workspace import Workspace
from tests.ingest.sample_form import FORM, OP, V1, V2, add_form, incoming, new_id


def _count(ws: Workspace, model: type) -> int:
    with ws.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _observations(ws: Workspace, version_id: int) -> list[tuple[str, float]]:
    with ws.session() as s:
        rows = s.execute(select(Observation.indicator, Observation.value)
                         .where(Observation.version_id == version_id)).all()
        return sorted((r[0], r[1]) for r in rows)


def test_new_submission_is_created_with_its_observations(ws: Workspace) -> None:
    add_form(ws)
    iid = new_id()
    out = ws.ingest.receive(OP, FORM, incoming(iid))
    assert out.status == "created"
    [sub] = ws.ingest.submissions(OP)
    assert (sub.instance_id, sub.review_state, sub.versions_count, sub.source) == \
        (iid, "received", 1, "file")
    assert ("#affected+idps+hh", 12.0) in _observations(ws, out.version_id)


def test_identical_resend_changes_nothing(ws: Workspace) -> None:
    add_form(ws)
    iid = new_id()
    first = ws.ingest.receive(OP, FORM, incoming(iid))
    # Same answers, other raw bytes (e.g. the CSV export of the same record): still a re-send.
    again = ws.ingest.receive(OP, FORM, incoming(iid, raw=b"other export format"))
    assert again.status == "duplicate"
    assert (again.submission_id, again.version_id) == (first.submission_id, first.version_id)
    assert _count(ws, SubmissionVersion) == 1
    assert len(_observations(ws, first.version_id)) == 1


def test_same_instance_with_other_data_is_a_conflict_and_changes_nothing(ws: Workspace) -> None:
    add_form(ws)
    iid = new_id()
    ws.ingest.receive(OP, FORM, incoming(iid, "12"))
    out = ws.ingest.receive(OP, FORM, incoming(iid, "99"))
    assert out.status == "conflict"
    assert iid in out.message and "99" not in out.message.replace(iid, "")  # no answers
    detail = ws.ingest.submission(OP, FORM, iid)
    assert [v.data["idp_hh"] for v in detail.versions] == ["12"]


def test_edit_with_deprecated_id_makes_a_new_current_version(ws: Workspace) -> None:
    add_form(ws)
    first_id, edit_id = new_id(), new_id()
    first = ws.ingest.receive(OP, FORM, incoming(first_id, "12"))
    edit = ws.ingest.receive(OP, FORM, incoming(edit_id, "15", deprecated_id=first_id))
    assert edit.status == "updated" and edit.submission_id == first.submission_id
    detail = ws.ingest.submission(OP, FORM, edit_id)  # found by a version's id too
    assert detail.info.instance_id == first_id and detail.info.versions_count == 2
    assert [(v.instance_id, v.current, v.data["idp_hh"]) for v in detail.versions] == \
        [(first_id, False, "12"), (edit_id, True, "15")]
    assert _observations(ws, first.version_id) == []
    assert _observations(ws, edit.version_id) == [("#affected+idps+hh", 15.0)]


def test_edit_of_a_version_that_is_no_longer_current_is_a_conflict(ws: Workspace) -> None:
    add_form(ws)
    a, b, c = new_id(), new_id(), new_id()
    ws.ingest.receive(OP, FORM, incoming(a, "12"))
    ws.ingest.receive(OP, FORM, incoming(b, "15", deprecated_id=a))
    out = ws.ingest.receive(OP, FORM, incoming(c, "20", deprecated_id=a))
    assert out.status == "conflict" and "no longer" in out.message
    detail = ws.ingest.submission(OP, FORM, a)
    assert [v.instance_id for v in detail.versions if v.current] == [b]
    assert detail.info.versions_count == 2


def test_kobo_edit_found_by_root_uuid(ws: Workspace) -> None:
    add_form(ws)
    root, edit = new_id(), new_id()
    ws.ingest.receive(OP, FORM, incoming(root, "12", root_id=root, source="kobo"))
    out = ws.ingest.receive(OP, FORM, incoming(edit, "13", root_id=root, source="kobo"))
    assert out.status == "updated"
    [sub] = ws.ingest.submissions(OP)
    assert sub.instance_id == root and sub.versions_count == 2


def test_unknown_form_version_is_quarantined_with_its_raw(ws: Workspace) -> None:
    add_form(ws)
    raw = b'{"__version__": "vNope", "idp_hh": "12"}'
    out = ws.ingest.receive(OP, FORM, incoming(new_id(), form_version="vNope", raw=raw))
    assert out.status == "quarantined" and "vNope" in out.message
    assert ws.ingest.submissions(OP) == []
    [q] = ws.ingest.quarantined(OP)
    assert (q.form, q.source, q.origin, q.size) == (FORM, "file", "export.json, record 1",
                                                    len(raw))
    with ws.session() as s:
        assert s.scalar(select(Quarantine.raw)) == raw


def test_known_older_form_version_is_accepted(ws: Workspace) -> None:
    add_form(ws, versions=(V1, V2))
    assert ws.ingest.receive(OP, FORM, incoming(new_id(), form_version=V1)).status == "created"


def test_attachment_over_the_limit_is_quarantined(ws: Workspace) -> None:
    add_form(ws)
    big = IncomingAttachment("video.mp4", b"\0" * (MAX_ATTACHMENT + 1), "video/mp4")
    out = ws.ingest.receive(OP, FORM, incoming(new_id(), attachments=[big]))
    assert out.status == "quarantined" and "video.mp4" in out.message
    assert ws.ingest.submissions(OP) == [] and _count(ws, Attachment) == 0
    assert len(ws.ingest.quarantined(OP)) == 1


def test_attachments_within_the_limit_are_stored(ws: Workspace) -> None:
    add_form(ws)
    photo = IncomingAttachment("1712.jpg", b"\xff\xd8\xff" + b"x" * 1000, "image/jpeg")
    iid = new_id()
    ws.ingest.receive(OP, FORM, incoming(iid, attachments=[photo]))
    [v] = ws.ingest.submission(OP, FORM, iid).versions
    assert [(a.name, a.size, a.content_type) for a in v.attachments] == \
        [("1712.jpg", 1003, "image/jpeg")]


def test_review_state_is_kept(ws: Workspace) -> None:
    add_form(ws)
    a, b = new_id(), new_id()
    ws.ingest.receive(OP, FORM, incoming(a, review_state="approved"))
    ws.ingest.receive(OP, FORM, incoming(b, review_state="has_issues"))
    assert {s.instance_id: s.review_state for s in ws.ingest.submissions(OP)} == \
        {a: "approved", b: "has_issues"}
    assert [s.instance_id for s in ws.ingest.submissions(OP, state="approved")] == [a]


def test_raw_bytes_are_stored_exactly(ws: Workspace) -> None:
    add_form(ws)
    raw = "\ufeff{\"site\": \"Pengungsian Balaroa – Palu\"}\r\n".encode() + b"\xff\x00"
    iid = new_id()
    ws.ingest.receive(OP, FORM, incoming(iid, raw=raw))
    with ws.session() as s:
        assert s.scalar(select(SubmissionVersion.raw)) == raw
    [v] = ws.ingest.submission(OP, FORM, iid).versions
    assert v.raw_format == "json" and len(v.raw_sha256) == 64


def test_no_instance_id_is_quarantined(ws: Workspace) -> None:
    add_form(ws)
    out = ws.ingest.receive(OP, FORM, incoming(""))
    assert out.status == "quarantined" and "instanceID" in out.message
    assert ws.ingest.submissions(OP) == []
