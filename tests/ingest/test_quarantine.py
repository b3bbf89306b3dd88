"""The quarantine: kept records are listed and re-processed once the form is fixed."""

from __future__ import annotations

from pathlib import Path

import pytest

from pantau.errors import PantauError
from pantau.ingest.openrosa import receive_submission
from pantau.workspace import Workspace
from tests.conftest import Cli
from tests.ingest.central_fixtures import add_central_form, current, filled, serving
from tests.ingest.central_server import EMAIL, PASSWORD
from tests.ingest.central_server import FORM as FORM_C
from tests.ingest.central_server import OP as OP_C
from tests.ingest.sample_form import (
    FORM,
    OP,
    V1,
    V2,
    add_form,
    add_version,
    new_id,
    submission_xml,
)


def test_record_for_a_version_not_yet_uploaded_goes_in_after_the_upload(ws: Workspace) -> None:
    add_form(ws, versions=(V1,))
    iid = new_id()
    got = receive_submission(ws, OP, submission_xml(iid, version=V2), [])
    assert got.outcome == "quarantined"
    [q] = ws.ingest.quarantined(OP)
    assert q.source == "openrosa" and V2 in q.reason and q.raw_format == "xml"

    still = ws.ingest.reprocess(OP)  # nothing fixed yet: stays, no second copy
    assert still.counts == {"still_failing": 1} and len(ws.ingest.quarantined(OP)) == 1

    add_version(ws, V2)
    done = ws.ingest.reprocess(OP, [q.id])
    assert done.counts == {"resolved": 1} and done.outcomes == {q.id: "created"}
    assert ws.ingest.quarantined(OP) == []
    [resolved] = ws.ingest.quarantined(OP, unresolved=False)
    [sub] = ws.ingest.submissions(OP)
    assert resolved.submission_id == sub.id and resolved.resolved_at is not None
    assert sub.instance_id == iid and sub.source == "openrosa"
    assert ws.ingest.submission(OP, FORM, iid).versions[0].form_version == V2
    assert ws.ingest.reprocess(OP).counts == {}  # resolved records are not run again


def test_record_for_a_form_not_yet_uploaded(ws: Workspace) -> None:
    add_form(ws, form_id="other_form")  # creates the operation, not site_assessment
    got = receive_submission(ws, OP, submission_xml(new_id()), [])
    assert (got.status, got.outcome) == (404, "quarantined")
    [q] = ws.ingest.quarantined(OP)
    assert q.form is None and FORM in q.reason
    add_form(ws)
    assert ws.ingest.reprocess(OP).counts == {"resolved": 1}
    assert [q.form for q in ws.ingest.quarantined(OP, unresolved=False)] == [FORM]


def test_a_conflicting_record_stays_with_the_new_reason(ws: Workspace) -> None:
    add_form(ws, versions=(V1,))
    iid = new_id()
    receive_submission(ws, OP, submission_xml(iid, "30", version=V2), [])
    receive_submission(ws, OP, submission_xml(iid, "12", version=V1), [])  # stored meanwhile
    add_version(ws, V2)
    result = ws.ingest.reprocess(OP)
    assert result.counts == {"still_failing": 1}
    [q] = ws.ingest.quarantined(OP)
    assert q.reason.startswith("conflict:") and len(ws.ingest.submissions(OP)) == 1


def test_unknown_ids_are_refused(ws: Workspace) -> None:
    add_form(ws)
    with pytest.raises(PantauError, match="999"):
        ws.ingest.reprocess(OP, [999])


def test_cli_lists_shows_and_reprocesses(ws: Workspace, cli: Cli) -> None:
    add_form(ws, versions=(V1,))
    kept, good = new_id(), new_id()
    receive_submission(ws, OP, submission_xml(kept, version=V2), [])
    receive_submission(ws, OP, submission_xml(good, "17", site="ST-0042"), [])
    out = cli("submissions", "quarantine", OP).output
    assert "openrosa" in out and V2 in out and "1 record(s)" in out
    listing = cli("submissions", "list", OP, "--state", "received").output
    assert good in listing and "1 submission(s)" in listing
    shown = cli("submissions", "show", OP, FORM, good).output
    assert "current" in shown and "ST-0042" not in shown  # answers only on request
    assert "ST-0042" in cli("submissions", "show", OP, FORM, good, "--data").output
    bad_state = cli("submissions", "list", OP, "--state", "done", ok=False)
    assert bad_state.exit_code == 1 and "review state" in bad_state.output
    add_version(ws, V2)
    assert "1 resolved, 0 still failing" in cli("submissions", "reprocess", OP).output
    assert "0 record(s)" in cli("submissions", "quarantine", OP).output
    assert "1 record(s)" in cli("submissions", "quarantine", OP, "--all").output
    missing = cli("submissions", "show", OP, FORM, "uuid:nope", ok=False)
    assert missing.exit_code == 1 and "uuid:nope" in missing.output


def test_a_pulled_central_record_is_reread_as_central_once_its_version_exists(
        ws: Workspace, tmp_path: Path) -> None:
    """OData JSON from Central is re-read by the Central reader (not Kobo's)."""
    add_central_form(ws, tmp_path)
    with serving(filled(2)) as central:
        central.subs[1].version = "2024060101"  # a version pantau does not have yet
        result = ws.ingest.pull_central(OP_C, FORM_C, central.url, central.project,
                                        email=EMAIL, password=PASSWORD, backoff=0.001)
    assert result.counts == {"created": 1, "quarantined": 1}
    [q] = ws.ingest.quarantined(OP_C)
    assert (q.source, q.raw_format) == ("central", "json") and "2024060101" in q.reason
    add_central_form(ws, tmp_path, "2024060101")
    assert ws.ingest.reprocess(OP_C).outcomes == {q.id: "created"}
    detail, version = current(ws, central.subs[1].root)
    assert detail.info.source == "central" and version.form_version == "2024060101"
    assert version.data == central.subs[1].data


def test_a_pulled_central_record_with_a_field_the_form_lacks_goes_in_once_it_has_it(
        ws: Workspace, tmp_path: Path) -> None:
    add_central_form(ws, tmp_path, omit=("idp_hh",))
    with serving(filled(3)) as central:
        result = ws.ingest.pull_central(OP_C, FORM_C, central.url, central.project,
                                        email=EMAIL, password=PASSWORD, backoff=0.001)
    assert result.counts == {"quarantined": 3}  # kept whole, not stored without idp_hh
    reasons = {q.reason for q in ws.ingest.quarantined(OP_C)}
    assert reasons == {"keys the form does not know: idp_hh"}
    assert ws.ingest.reprocess(OP_C).counts == {"still_failing": 3}  # not fixed yet
    add_central_form(ws, tmp_path, "2024050102")  # the form, fixed: idp_hh is back
    assert ws.ingest.reprocess(OP_C).counts == {"resolved": 3}
    for sub in central.subs:
        detail, version = current(ws, sub.root)
        assert version.data == sub.data and detail.info.source == "central"


def test_a_record_is_reread_with_the_version_it_names_not_the_current_one(
        ws: Workspace, tmp_path: Path) -> None:
    """A record of version 1 answering a field version 2 dropped is quarantined by a pull
    (read with the current version); re-processing reads it with version 1, which has the
    field, and stores it under version 1 with every answer."""
    add_central_form(ws, tmp_path, "2024050101")  # has idp_hh
    add_central_form(ws, tmp_path, "2024060101", omit=("idp_hh",))  # current: it does not
    with serving(filled(2)) as central:
        central.subs[1].version = "2024060101"
        del central.subs[1].data["idp_hh"]
        result = ws.ingest.pull_central(OP_C, FORM_C, central.url, central.project,
                                        email=EMAIL, password=PASSWORD, backoff=0.001)
    assert result.counts == {"quarantined": 1, "created": 1}
    [q] = ws.ingest.quarantined(OP_C)
    assert q.reason == "keys the form does not know: idp_hh"
    assert ws.ingest.reprocess(OP_C).outcomes == {q.id: "created"}
    old = central.subs[0]
    detail, version = current(ws, old.root)
    assert version.form_version == "2024050101" and version.data == old.data
    assert version.data["idp_hh"] == old.data["idp_hh"]
