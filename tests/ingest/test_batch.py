"""A file import (stored in batches) ends exactly where receiving its records one at a time ends.

The batch path stores new records in bulk and hands everything else to `receive()`; these tests
feed one export with re-sends, conflicts, edits and broken records both ways and compare every
outcome and every stored row, across a batch boundary too.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select

from pantau.ingest.batch import SIZE
from pantau.ingest.kobo.files import read_kobo_export
from pantau.ingest.stream import Unreadable
from pantau.store.models import Form, Observation, Operation, Submission, SubmissionVersion
from pantau.workspace import Workspace
from tests.ingest.sample_form import FIELDS, FORM, OP, V1, V2, add_form

OTHER = "idn-reference"


def _record(n: int, hh: int, **meta: str) -> dict[str, Any]:
    rec: dict[str, Any] = {"location/site_id": f"ST-{n:05d}", "location/adm2": "ID7201",
                           "date": "2024-01-02", "idp_hh": str(hh), "needs": "food water",
                           "meta/instanceID": f"uuid:00000000-0000-4000-8000-{n:012d}",
                           "_submission_time": "2024-01-03T01:02:03"}
    rec.update(meta)
    return rec


def _iid(n: int) -> str:
    return f"uuid:00000000-0000-4000-8000-{n:012d}"


def _export(path: Path, total: int) -> Path:
    """New records with, in file order: re-sends and conflicts of records in the same batch and
    in an earlier one, edits (and an edit of an edit), a record of an unknown version, one
    without an id, one that is not an object, and an edit that arrives before its original."""
    records: list[Any] = [_record(n, n % 50) for n in range(total)]
    tail: list[Any] = [
        _record(3, 3),  # identical re-send, earlier batch
        _record(4, 999),  # conflict, earlier batch
        _record(total - 2, (total - 2) % 50),  # identical re-send, same batch
        _record(total - 3, 777),  # conflict, same batch
        _record(90001, 5, **{"meta/deprecatedID": _iid(5)}),  # edit of 5
        _record(90002, 6, **{"meta/deprecatedID": _iid(90001)}),  # edit of the edit
        _record(90003, 7, **{"meta/deprecatedID": _iid(5)}),  # edits a superseded version
        _record(90004, 8, _version_="1999"),  # unknown form version
        {k: v for k, v in _record(90005, 9).items() if k != "meta/instanceID"},  # no id
        "not a record",
        _record(90006, 10, **{"meta/deprecatedID": _iid(90007)}),  # edit before its original
        _record(90007, 11),
        _record(90008, 12, **{"meta/rootUuid": _iid(total - 1)}),  # edit by root (Kobo)
    ]
    records[SIZE - 3:SIZE - 3] = tail[:5]  # straddle the first batch boundary
    records.extend(tail)
    path.write_text(json.dumps({"count": len(records), "next": None, "results": records}))
    return path


def _state(ws: Workspace, operation: str) -> dict[str, Any]:
    with ws.session() as s:
        op = s.scalars(select(Operation).where(Operation.slug == operation)).one()
        form = s.scalars(select(Form).where(Form.operation_id == op.id)).one()
        subs = s.execute(select(Submission.id, Submission.instance_id, Submission.versions_count,
                                Submission.review_state, Submission.round_id,
                                Submission.submitted_at)
                         .where(Submission.form_id == form.id)).all()
        root = {r[0]: r[1] for r in subs}
        versions = s.execute(select(SubmissionVersion.id, SubmissionVersion.submission_id,
                                    SubmissionVersion.instance_id,
                                    SubmissionVersion.deprecated_id,
                                    SubmissionVersion.data_sha256, SubmissionVersion.raw_sha256,
                                    SubmissionVersion.data, SubmissionVersion.current)
                             .where(SubmissionVersion.submission_id.in_(root))).all()
        of_version = {v[0]: v[2] for v in versions}
        obs = s.execute(select(Observation.version_id, Observation.indicator,
                               Observation.value, Observation.date, Observation.admin2_pcode,
                               Observation.site_code, Observation.sector,
                               Observation.estimated)
                        .where(Observation.operation_id == op.id)).all()
    return {
        "submissions": sorted(tuple(r[1:]) for r in subs),
        "versions": sorted((root[v[1]],) + tuple(v[2:]) for v in versions),
        "observations": Counter((of_version[o[0]],) + tuple(o[1:]) for o in obs),
    }


def test_file_import_matches_receiving_one_by_one(ws: Workspace, tmp_path: Path) -> None:
    add_form(ws, versions=(V1, V2))
    add_form(ws, versions=(V1, V2), operation=OTHER)
    path = _export(tmp_path / "export.json", SIZE + 40)

    result = ws.ingest.import_file(OP, FORM, path)

    expected: Counter[str] = Counter()
    for rec in read_kobo_export(path, FIELDS):
        if isinstance(rec, Unreadable):
            expected["quarantined"] += 1
        else:
            expected[ws.ingest.receive(OTHER, FORM, rec).status] += 1
    assert result.counts == expected
    # 2040 new + the edit that came before its original; re-sends of 3 and 2038 (twice each),
    # of the 777 conflict and of the first edit; conflicts of 4 (twice), of 2037 (whose 777
    # version came first) and the edit of a superseded version; the two edits, the late
    # original and the edit by root; three unreadable records.
    assert expected == {"created": 2041, "duplicate": 6, "conflict": 4, "updated": 4,
                        "quarantined": 3}
    assert _state(ws, OP) == _state(ws, OTHER)
    assert len(ws.ingest.quarantined(OP)) == 3


def test_a_failing_import_leaves_nothing_of_its_batches(ws: Workspace, tmp_path: Path) -> None:
    add_form(ws)
    path = tmp_path / "export.json"
    records = [json.dumps(_record(n, 1)) for n in range(SIZE + 10)]
    path.write_text('{"count": 1, "results": [' + ",".join(records) + ', {"truncated": ')
    before = _state(ws, OP)
    try:
        ws.ingest.import_file(OP, FORM, path)
    except Exception as exc:  # noqa: BLE001 — the error's own test is in test_kobo_files
        assert "export.json" in str(exc)
    else:
        raise AssertionError("a truncated file must fail")
    assert _state(ws, OP) == before
    assert ws.ingest.quarantined(OP) == []


def test_importing_a_file_again_quarantines_nothing_twice(ws: Workspace, tmp_path: Path,
                                                         cli) -> None:  # type: ignore[no-untyped-def]
    add_form(ws)
    path = tmp_path / "export.json"
    broken = {k: v for k, v in _record(2, 1).items() if k != "meta/instanceID"}
    path.write_text(json.dumps({"results": [_record(1, 1), broken, "not a record"]}))
    first = ws.ingest.import_file(OP, FORM, path)
    again = ws.ingest.import_file(OP, FORM, path)
    assert first.counts == {"created": 1, "quarantined": 2}
    assert again.counts == {"duplicate": 1, "quarantined": 2}
    assert any("already in the quarantine" in m for m in again.messages)
    assert len(ws.ingest.quarantined(OP)) == 2
    out = cli("submissions", "import", OP, FORM, path).output
    assert "quarantine" in out
    assert len(ws.ingest.quarantined(OP)) == 2
