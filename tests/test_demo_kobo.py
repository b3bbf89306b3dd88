"""`pantau demo`'s site assessments: four rounds of KoboToolbox exports with real-data slips,
ingested through `ws.ingest.import_file` like any user's export."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from pantau.config import Settings
from pantau.demo import SLUG, build
from pantau.demo.kobo_exports import write_exports
from pantau.demo.kobo_records import EXTRA_QUESTION, PILOT_VERSION
from pantau.demo.masterlist import build_sites
from pantau.demo.population import assessments, totals
from pantau.demo.scenario import ROUNDS, SA_FORM_ID
from pantau.store.models import Observation, Submission, SubmissionVersion
from pantau.workspace import Workspace

VERSION = "2025010101"


# the exports, without a store ------------------------------------------------------------
def test_exports_are_deterministic_and_shaped_as_kobo_writes_them(tmp_path: Path) -> None:
    sites = build_sites()
    first = write_exports(sites, _mkdir(tmp_path / "a"), VERSION)
    again = write_exports(sites, _mkdir(tmp_path / "b"), VERSION)
    assert [e.path.name for e in first] == ["sa-round1-kobo.csv", "sa-round2-kobo.csv",
                                            "sa-round3-kobo.xlsx", "sa-round4-kobo-api.json"]
    for a, b in zip(first, again, strict=True):
        if a.path.suffix != ".xlsx":  # an XLSX zip holds its write time
            assert a.path.read_bytes() == b.path.read_bytes(), a.path.name
        assert a.records.records == b.records.records

    one = first[0].path.read_text(encoding="utf-8").splitlines()[0].split(";")
    assert {"location/site_id", "population/idp_ind", "needs/priority_needs",
            "needs/priority_needs/wash", "_gps_latitude", "meta/instanceID", "_uuid", "_id",
            "_submission_time", "_validation_status", "__version__"} <= set(one)
    two = first[1].path.read_bytes().decode("cp1252").splitlines()[0].split(";")
    assert "location.site_id" in two and "_version_" in two and "meta/instanceID" not in two
    sheet = load_workbook(first[2].path, read_only=True).worksheets[0]
    header = next(sheet.iter_rows(values_only=True))
    assert "Lokasi/ID lokasi (dari daftar induk)" in header and "_uuid" in header
    page = json.loads(first[3].path.read_text(encoding="utf-8"))
    assert set(page) == {"count", "next", "previous", "results"}
    assert page["count"] == len(page["results"]) == first[3].rows
    assert {"meta/instanceID", "_uuid", "_geolocation"} <= set(page["results"][0])


def test_exports_follow_the_story_and_slip_at_realistic_rates(tmp_path: Path) -> None:
    sites = build_sites()
    exports = write_exports(sites, tmp_path, VERSION)
    model = totals(assessments(sites))
    assert model[1] > model[2] > model[3] > model[4] > 0.4 * model[1]
    for export in exports:
        rows = export.records.records
        number = export.round
        open_sites = {s.code for s in sites
                      if number in s.states and s.states[number].closed is None}
        period = ROUNDS[number - 1]
        assessed = {r.site for r in rows  # round 2's export holds a few of round 1's again
                    if period.period_start <= _day(r.answers["assessment_date"])
                    <= period.period_end}
        assert assessed == open_sites, f"round {number}: every open site, no closed one"
        slips = export.records.slips
        for slip, codes in slips.items():
            assert 0 < len(codes) <= 0.05 * len(rows), (number, slip)
        by_uuid: dict[str, list] = {}
        for r in rows:
            if r.uuid:
                by_uuid.setdefault(r.uuid, []).append(r)
        resent = [same for same in by_uuid.values() if len(same) > 1]
        assert len(resent) == export.records.resent - len(slips.get("earlier_round", []))
        for same in resent:  # a re-send: one uuid, the same answers, another _id
            assert len({json.dumps(r.answers, sort_keys=True) for r in same}) == 1
            assert len({r.id for r in same}) == len(same)
        for code in slips["second_visit"]:  # one site, two uuids, other figures
            visits = [r for r in rows if r.site == code and r.uuid]
            assert len({r.uuid for r in visits}) >= 2
        counted = {r.uuid: _count(r.answers["population/idp_ind"]) for r in rows
                   if r.uuid and r.version is None and not r.extra
                   and period.period_start <= _day(r.answers["assessment_date"])}
        assert abs(sum(counted.values()) - model[number]) < 0.03 * model[number]


# the demo, on each store -----------------------------------------------------------------
def test_demo_ingests_each_round_counting_resends_once(settings: Settings) -> None:
    result = build(settings)
    by_file = {i.file: i for i in result.imported}
    ws = Workspace.open(settings)
    try:
        rounds = {r.id: r.number for r in ws.operations.rounds(SLUG)}
        subs = ws.ingest.submissions(SLUG, SA_FORM_ID)
        per_round = Counter(rounds.get(s.round_id or 0) for s in subs)
        individuals = []
        for export in result.exports:
            item = by_file[export.path.name]
            slips = export.records.slips
            assert item.counts["created"] == export.submissions
            assert item.counts["duplicate"] == export.records.resent > 0
            assert item.counts["quarantined"] == export.records.unreadable > 0
            assert item.counts["conflict"] == 0 and item.counts["updated"] == 0
            assert per_round[export.round] == export.submissions, "each in its round"
            assert item.counts["observations"] > 10 * export.submissions
            individuals.append(item.counts["IDP individuals"])
            assert len(item.warnings) == export.records.unreadable
            assert all("quarantined" in w.message for w in item.warnings)
            if export.round == 2:
                assert len(slips["earlier_round"]) == 4
        assert individuals == sorted(individuals, reverse=True), "fewer IDPs every round"

        reasons = Counter(q.reason.split(" (")[0].split(":")[0]
                          for q in ws.ingest.quarantined(SLUG))
        assert reasons == {"no instance id": 2,
                           f"form '{SA_FORM_ID}' has no version '{PILOT_VERSION}'": 2,
                           "keys that match no field of the form": 2}
        assert all(EXTRA_QUESTION in q.reason for q in ws.ingest.quarantined(SLUG)
                   if q.reason.startswith("keys"))
        assert len(subs) == sum(e.submissions for e in result.exports)
    finally:
        ws.close()


def test_demo_stores_slips_as_submitted(settings: Settings) -> None:
    result = build(settings)
    ws = Workspace.open(settings)
    try:
        one, _, three, _ = result.exports
        wrong = next(r for r in one.records.records
                     if r.site in one.records.slips["wrong_pcode"] and r.uuid)
        typed = wrong.answers["location/adm2_pcode"]
        data = _data(ws, wrong.uuid)
        assert data["location/adm2_pcode"] == typed != _regency(wrong.site)
        with ws.session() as s:
            codes = set(s.scalars(
                select(Observation.admin2_pcode)
                .join(SubmissionVersion, SubmissionVersion.id == Observation.version_id)
                .where(SubmissionVersion.instance_id == f"uuid:{wrong.uuid}")))
        assert codes == {typed}, "observations carry the P-code as submitted"

        html = next(r for r in one.records.records if r.site in one.records.slips["html"])
        assert _data(ws, html.uuid)["location/site_name"].startswith("<b>")
        grouped = [r for r in one.records.records
                   if r.site in one.records.slips["thousands"] and r.uuid]
        for r in grouped:
            assert "." in _data(ws, r.uuid)["population/idp_ind"]  # kept as typed
        serial = next(r for r in three.records.records
                      if r.site in three.records.slips["excel_serial_date"] and r.uuid)
        day = dt.date.fromisoformat(_data(ws, serial.uuid)["assessment_date"])
        assert ROUNDS[2].period_start <= day <= ROUNDS[2].period_end
        labelled = next(r for r in three.records.records if r.uuid)
        assert _data(ws, labelled.uuid)["location/site_type"] == \
            labelled.answers["location/site_type"], "labels mapped back to choice names"
        with ws.session() as s:
            values = {v for (v,) in s.execute(
                select(Observation.value)
                .join(SubmissionVersion, SubmissionVersion.id == Observation.version_id)
                .join(Submission, Submission.id == SubmissionVersion.submission_id)
                .where(Submission.instance_id.in_([f"uuid:{r.uuid}" for r in grouped]),
                       SubmissionVersion.current.is_(True),
                       Observation.indicator == "#affected+idps+ind"))}
        assert values and all(v >= 1000 for v in values), "1.250 counts 1250 people"
    finally:
        ws.close()


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
def test_cli_demo_says_what_was_ingested_and_reimport_is_duplicate(  # type: ignore[no-untyped-def]
        cli, settings: Settings) -> None:
    out = cli("demo", "--workspace", settings.workspace, "--no-serve").output
    for name in ("sa-round1-kobo.csv", "sa-round2-kobo.csv", "sa-round3-kobo.xlsx",
                 "sa-round4-kobo-api.json", "dtm_sa.xlsx"):
        assert name in out
    assert "duplicate" in out and "quarantined" in out and "no instance id" in out
    export = settings.workspace / "inputs" / "sa-round4-kobo-api.json"
    records = len(json.loads(export.read_text(encoding="utf-8"))["results"])
    again = cli("--workspace", settings.workspace, "submissions", "import", SLUG, SA_FORM_ID,
                export).output
    assert "0 new" in again and f"{records - 2} already" in " ".join(again.split())


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def _day(text: str) -> dt.date:
    if text.isdigit():  # an Excel serial
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(text))
    return dt.date.fromisoformat(text)


def _count(text: str) -> int:
    return int(text.replace(".", "").replace(",", ""))


def _data(ws: Workspace, uuid: str) -> dict:
    detail = ws.ingest.submission(SLUG, SA_FORM_ID, f"uuid:{uuid}")
    # the version as submitted (the demo's cleaning log adds corrected versions after it)
    return next(v.data for v in detail.versions if v.instance_id == f"uuid:{uuid}")


def _regency(code: str) -> str:
    return next(s.regency for s in build_sites() if s.code == code)

