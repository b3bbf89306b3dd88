"""Checks on every incoming submission: a file import, a single `receive` and OpenRosa POSTs
through the server's group commit get the per-record checks once they are stored; the
checks that compare records with each other wait for `pantau check`; `on_ingest: false`
turns it off; a check that cannot run never costs the data."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any
from xml.etree import ElementTree as ET

from fastapi.testclient import TestClient

from pantau.ingest import Incoming
from pantau.quality.incoming import check_submissions, check_versions
from pantau.web.app import create_app
from tests.quality.conftest import FORM, OP


def settings_file(ws, text: str) -> None:  # type: ignore[no-untyped-def]
    folder = ws.path / "quality"
    folder.mkdir(exist_ok=True)
    (folder / f"{OP}.yaml").write_text(text, encoding="utf-8")


def test_an_import_is_checked_once_it_is_stored(sa, ws):
    bad, good = sa.send(sa.record("PAL-001", "2018-10-05", hh=80, ind=60),
                        sa.record("SIG-001", "2018-10-05"))
    assert sa.flags() == {bad: [("constraint", "population/idp_ind"),
                                ("households_individuals", "population/idp_ind")]}
    assert good not in sa.flags()


def test_checks_across_records_wait_for_pantau_check(sa, ws):
    """A same-day near-identical pair: `duplicate` and `one_per_round` compare records, so
    the import does not run them; `pantau check` does, and the import's flags stay true."""
    first = sa.record("PAL-001", "2018-10-05")
    [a] = sa.send(first)
    [b] = sa.send(sa.record("PAL-001", "2018-10-05", hh=51))
    assert sa.flags() == {}
    ws.quality.check(OP)
    assert sorted(c for c, _ in sa.flags()[b]) == ["duplicate", "one_per_round"]
    assert [c for c, _ in sa.flags()[a]] == ["one_per_round"]
    # a later import leaves the across-record flags of what it did not touch alone
    sa.send(sa.record("SIG-001", "2018-10-05", hh=80, ind=60))
    assert sorted(c for c, _ in sa.flags()[b]) == ["duplicate", "one_per_round"]


def test_on_ingest_false_turns_it_off(sa, ws):
    settings_file(ws, "on_ingest: false\n")
    [bad] = sa.send(sa.record("PAL-001", "2018-10-05", hh=80, ind=60))
    assert sa.flags() == {}
    ws.quality.check(OP)
    assert bad in sa.flags()


def test_the_operations_settings_and_rules_apply_on_ingest(sa, ws):
    settings_file(ws, "checks:\n  households_individuals: false\nrules:\n"
                      "  - {name: big, expression: '${idp_ind} < 500', field: idp_ind}\n")
    bad, big = sa.send(sa.record("PAL-001", "2018-10-05", hh=80, ind=60),
                       sa.record("SIG-001", "2018-10-05", hh=100, ind=800))
    # with households_individuals off, the ratio check speaks (0.75 per household)
    assert sa.flags() == {bad: [("constraint", "population/idp_ind"),
                                ("individuals_per_household", "population/idp_ind")],
                          big: [("rule:big", "population/idp_ind")]}


def test_settings_that_do_not_load_leave_the_data_stored_and_say_so(sa, ws, caplog):
    settings_file(ws, "checks: {jump: {ratio: high}}\n")
    with caplog.at_level(logging.WARNING, logger="pantau.quality"):
        [iid] = sa.send(sa.record("PAL-001", "2018-10-05", hh=80, ind=60))
    assert [s.instance_id for s in ws.ingest.submissions(OP)] == [iid]
    assert sa.flags() == {}
    [record] = [r for r in caplog.records if r.name == "pantau.quality"]
    text = record.getMessage()
    assert "checks of 1 new submission version(s) of idn-sulteng did not run" in text
    assert "checks.jump.ratio: expected a number ≥ 0" in text
    assert "pantau check idn-sulteng" in text
    assert "Ibu Sari" not in text  # never the answers


def test_an_edit_received_alone_is_checked_and_a_resend_is_not(sa, ws):
    [iid] = sa.send(sa.record("PAL-001", "2018-10-05"))
    current = ws.ingest.submission(OP, FORM, iid).versions[-1]
    data = dict(current.data, **{"population/idp_hh": "300"})  # 300 hh, 200 people
    edit = Incoming("uuid:" + str(uuid.uuid4()), data, json.dumps(data).encode(), "json",
                    "kobo", deprecated_id=current.instance_id, root_id=iid)
    assert ws.ingest.receive(OP, FORM, edit).status == "updated"
    assert ("households_individuals", "population/idp_ind") in sa.flags()[iid]
    again = ws.ingest.receive(OP, FORM, edit)
    assert again.status == "duplicate"


def test_the_entry_points_take_unknown_and_stale_ids_quietly(sa, ws):
    [iid] = sa.send(sa.record("PAL-001", "2018-10-05", hh=80, ind=60))
    assert check_versions(ws, OP, []) is None
    assert check_versions(ws, OP, [987654]).versions == 0  # no such version: nothing
    assert check_submissions(ws, [987654]) == []
    [done] = check_submissions(ws, [ws.ingest.submission(OP, FORM, iid).info.id])
    assert done.versions == 1 and done.total == 2
    assert check_versions(ws, "no-such-operation", [1]) is None  # logged, not raised


# OpenRosa -----------------------------------------------------------------------------------
def xml(record: dict[str, Any]) -> bytes:
    """The record as ODK Collect posts it: nested elements under the form's root."""
    root = ET.Element(FORM, {"id": FORM})
    for path, value in record.items():
        if path.startswith("_") or path.startswith("meta/"):
            continue
        el = root
        for step in path.split("/"):
            found = el.find(step)
            el = found if found is not None else ET.SubElement(el, step)
        el.text = str(value)
    ET.SubElement(ET.SubElement(root, "meta"), "instanceID").text = record["meta/instanceID"]
    return ET.tostring(root)


PASSWORD = "correct horse battery staple 42"


def collector(ws) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A user who may submit to the operation: ODK Collect sends HTTP Basic credentials."""
    ws.access.add_user("enum07", PASSWORD)
    ws.access.grant("enum07", OP, "collector")
    return ("enum07", PASSWORD)


def post(client: TestClient, body: bytes) -> int:
    boundary = uuid.uuid4().hex
    payload = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"xml_submission_file\"; "
               f"filename=\"submission.xml\"\r\nContent-Type: text/xml\r\n\r\n").encode() \
        + body + f"\r\n--{boundary}--\r\n".encode()
    r = client.post(f"/openrosa/{OP}/submission", content=payload, headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "X-OpenRosa-Version": "1.0"})
    return r.status_code


def test_openrosa_posts_are_checked_after_their_group_commit(sa, ws):
    bad = sa.record("PAL-001", "2018-10-05", hh=80, ind=60)
    good = sa.record("SIG-001", "2018-10-05")
    with TestClient(create_app(ws, secure_cookies=False)) as client:
        client.auth = collector(ws)
        assert [post(client, xml(bad)), post(client, xml(good)), post(client, xml(bad))] == [
            201, 201, 202]
    # leaving the client shuts the app down: the writer stores and checks what is queued
    flags = sa.flags()
    assert sorted(flags) == [bad["meta/instanceID"]]
    assert ("households_individuals", "population/idp_ind") in flags[bad["meta/instanceID"]]


def test_openrosa_with_on_ingest_false_stores_and_does_not_check(sa, ws):
    settings_file(ws, "on_ingest: false\n")
    bad = sa.record("PAL-001", "2018-10-05", hh=80, ind=60)
    with TestClient(create_app(ws, secure_cookies=False)) as client:
        client.auth = collector(ws)
        assert post(client, xml(bad)) == 201
    assert sa.flags() == {}
    assert len(ws.ingest.submissions(OP)) == 1


# pulls ----------------------------------------------------------------------------------------
def test_a_kobo_pull_is_checked_once_its_pages_are_stored(ws, tmp_path):
    """Through a real HTTP server answering as KoboToolbox's API v2 does."""
    from tests.ingest.kobo_server import ASSET, TOKEN, FakeKobo, add_form
    from tests.ingest.kobo_server import FORM as KOBO_FORM

    kobo = FakeKobo()
    try:
        for n in range(1, 6):
            kobo.add(n, shelter_type="caravan" if n == 4 else None)
        add_form(ws, tmp_path)
        pulled = ws.ingest.pull_kobo(OP, KOBO_FORM, kobo.serve(), ASSET, token=TOKEN,
                                     page_size=2, backoff=0.01, retries=2)
    finally:
        kobo.stop()
    assert pulled.counts == {"created": 5} and pulled.pages == 3
    flags = [(f.instance_id, f.check, f.field) for f in ws.quality.flags(OP)]
    assert flags == [(kobo.subs[3].instance_id, "choice", "shelter_type")]


def test_an_import_reports_the_progress_of_its_checks(sa, ws):
    """What the CLI's progress bar follows once the records are stored."""
    seen: list[tuple[int, int]] = []
    path = sa.folder / "two.json"
    records = [sa.record("PAL-001", "2018-10-05"), sa.record("SIG-001", "2018-10-05")]
    path.write_text(json.dumps({"results": [{k: str(v) if isinstance(v, int) else v
                                             for k, v in r.items()} for r in records]}),
                    encoding="utf-8")
    ws.ingest.import_file(OP, FORM, path, check_progress=lambda n, total: seen.append((n, total)))
    assert seen and seen[-1] == (2, 2)
