"""Approval per round × admin area: bottom-up, locking, reopening with a reason, the progress
overview, and approved data reaching analytics."""

from __future__ import annotations

import csv
import json

import pytest
from sqlalchemy import select

from pantau.errors import ImportFailed, PantauError
from pantau.ingest import Incoming
from pantau.store.models import Approval, Submission
from tests.quality.conftest import FORM, OP


def states(ws):  # type: ignore[no-untyped-def]
    with ws.session() as s:
        return dict(s.execute(select(Submission.instance_id, Submission.review_state)).all())


def log(path, *rows):  # type: ignore[no-untyped-def]
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["uuid", "field", "old_value", "new_value", "reason"])
        w.writerows(rows)
    return path


@pytest.fixture
def round1(sa):  # type: ignore[no-untyped-def]
    """Round 1: PAL-001 in ID7271 (admin 1 ID72), SIG-001 in ID7210, DON-001 in ID7205."""
    return sa.send(sa.record("PAL-001", "2018-10-05"), sa.record("SIG-001", "2018-10-05"),
                   sa.record("DON-001", "2018-10-06"))


def test_approving_an_area_approves_and_locks_its_submissions(sa, ws, round1, tmp_path):
    pal, sig, don = round1
    done = ws.review.approve(OP, 1, area="ID7271", by="ana")
    assert (done.areas, done.submissions) == ([(2, "ID7271")], 1)
    assert states(ws) == {pal: "approved", sig: "received", don: "received"}
    edit = log(tmp_path / "edit.csv", [pal, "population/idp_hh", "50", "51", "recount"])
    with pytest.raises(ImportFailed) as exc:
        ws.quality.clean_apply(OP, edit)
    assert ("edit.csv, row 2, field 'population/idp_hh': submission " f"{pal} is locked: SA "
            "round 1, area ID7271 was approved by ana on") in exc.value.details()
    # an edit arriving from a server is refused as well, and nothing is stored
    current = ws.ingest.submission(OP, FORM, pal).versions[-1]
    data = dict(current.data, **{"population/idp_hh": "51"})
    out = ws.ingest.receive(OP, FORM, Incoming(
        "uuid:edit-1", data, json.dumps(data).encode(), "json", "kobo",
        deprecated_id=current.instance_id, root_id=pal))
    assert out.status == "conflict" and "is locked: SA round 1, area ID7271" in out.message
    assert ws.ingest.submission(OP, FORM, pal).info.versions_count == 1
    with pytest.raises(PantauError, match="was approved already, by ana"):
        ws.review.approve(OP, 1, area="ID7271")
    with pytest.raises(PantauError, match="needs a reason"):
        ws.review.reopen(OP, 1, area="ID7271", reason=" ")
    back = ws.review.reopen(OP, 1, area="ID7271", reason="households recounted", by="budi")
    assert back.submissions == 1 and states(ws)[pal] == "received"
    assert ws.quality.clean_apply(OP, edit).changed == 1
    with ws.session() as s:
        a = s.scalars(select(Approval)).one()
        assert (a.level, a.pcode, a.approved_by, a.reopened_by, a.reopen_reason) == (
            2, "ID7271", "ana", "budi", "households recounted")


def test_admin1_is_approved_bottom_up(sa, ws, round1):
    with pytest.raises(PantauError) as exc:
        ws.review.approve(OP, 1, area="ID72")
    assert str(exc.value) == ("admin 1 area ID72 of SA round 1 still has open admin 2 areas: "
                              "ID7205, ID7210, ID7271. Approve them first (bottom-up)")
    for area in ("ID7205", "ID7210", "ID7271"):
        ws.review.approve(OP, 1, area=area)
    assert ws.review.approve(OP, 1, area="ID72").areas == [(1, "ID72")]
    with pytest.raises(PantauError, match="admin 1 area ID72 of SA round 1 is approved: "
                                          "reopen it before ID7210"):
        ws.review.reopen(OP, 1, area="ID7210", reason="x")
    ws.review.reopen(OP, 1, area="ID72", reason="one site to check")
    ws.review.reopen(OP, 1, area="ID7210", reason="one site to check")
    assert set(states(ws).values()) == {"approved", "received"}


def test_bad_approvals_are_clear_errors(sa, ws, round1):
    with pytest.raises(PantauError, match="no submissions in an admin 1 or admin 2 area "
                                          "'ID9999'"):
        ws.review.approve(OP, 1, area="ID9999")
    with pytest.raises(PantauError, match="No SA round of idn-sulteng '9'"):
        ws.review.approve(OP, 9, type="SA")
    with pytest.raises(PantauError, match="area ID7271 of SA round 1 of idn-sulteng is not "
                                          "approved: nothing to reopen"):
        ws.review.reopen(OP, 1, area="ID7271", reason="x")
    with pytest.raises(PantauError, match="nothing to approve"):
        ws.review.approve(OP, 2)


def test_approving_a_round_reaches_analytics(sa, ws, round1):
    sa.send(sa.record("PAL-001", "2018-11-05"))  # round 2 stays open
    ws.analytics.refresh(OP)
    assert ws.analytics.refresh(OP).observations == 0  # nothing approved, nothing counted
    done = ws.review.approve(OP, 1, by="ana")
    assert done.areas == [(2, "ID7205"), (2, "ID7210"), (2, "ID7271"), (1, "ID72")]
    assert done.submissions == 3
    refreshed = ws.analytics.refresh(OP)
    assert refreshed.observations > 0
    columns, rows = ws.analytics.read("latest_round", OP)
    assert rows, "approved round 1 is in the analytics"
    round_col = columns.index("round_number")
    assert {r[round_col] for r in rows} == {1}


def test_status_counts_expected_received_approved_flagged(sa, ws, round1):
    sa.send(sa.record("PAL-001", "2018-10-07", hh=80, ind=60))  # flagged, second at PAL-001
    ws.quality.check(OP)
    ws.review.approve(OP, 1, area="ID7210")
    [r] = ws.review.status(OP, 1)
    rows = {p.key: (p.level, p.expected, p.received, p.approved, p.flagged, p.state)
            for p in r.areas}
    # SIG-002 (ID7210) closed on 2018-11-15: still expected in round 1
    assert rows == {"ID72": (1, 4, 4, 1, 2, "open"),
                    "ID7205": (2, 1, 1, 0, 0, "open"),
                    "ID7210": (2, 2, 1, 1, 0, "approved"),
                    "ID7271": (2, 1, 2, 0, 2, "open")}
    assert [(p.key, p.received, p.approved, p.flagged) for p in r.enumerators] == [
        ("enum07", 4, 1, 2)]
    [r3] = ws.review.status(OP, 3)  # SIG-002 closed before round 3
    assert {p.key: p.expected for p in r3.areas} == {"ID72": 3, "ID7205": 1, "ID7210": 1,
                                                      "ID7271": 1}


def test_review_cli(sa, cli, round1):
    out = cli("review", "approve", OP, "--round", "1", "--area", "ID7271", "--by", "ana").output
    assert "SA round 1: approved ID7271 (admin 2); 1 submission(s) now approved." in out
    status = cli("review", "status", OP, "--round", "1").output
    assert "SA round 1" in status and "enum07" in status
    line = next(x for x in status.splitlines() if "ID7271" in x)
    assert [c.strip() for c in line.strip("│ ").split("│")] == [
        "ID7271", "1", "1", "1", "0", "approved"]
    bad = cli("review", "approve", OP, "--round", "1", "--area", "ID72", ok=False)
    assert bad.exit_code == 1 and "still has open admin 2 areas: ID7205, ID7210" in bad.output
    out = cli("review", "reopen", OP, "--round", "1", "--area", "ID7271", "--reason",
              "recount").output
    assert "reopened ID7271; 1 submission(s) back to received" in out


def test_a_round_number_of_several_types_needs_the_type(sa, ws, round1):
    import datetime as dt

    ws.operations.add_round(OP, "BA", 1, dt.date(2018, 10, 1), dt.date(2018, 10, 31))
    with pytest.raises(PantauError, match=r"idn-sulteng has round 1 of several assessment "
                                          r"types \(BA, SA\): say which with --type"):
        ws.review.approve(OP, 1)
    assert ws.review.approve(OP, 1, type="sa").submissions == 3
