"""`pantau import dtm-api`: IOM DTM API v3 records in, and the same figures out of /v3."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pantau.errors import PantauError
from pantau.web.app import create_app
from pantau.workspace import Workspace
from tests.analytics import scenario as sc
from tests.conftest import Cli
from tests.publish.keys import dtm_key

NAME = "Central Sulawesi Earthquake 2018"
COMPARED = ("operation", "admin0Name", "admin0Pcode", "admin1Name", "admin1Pcode",
            "numPresentIdpInd", "reportingDate", "yearReportingDate", "monthReportingDate",
            "roundNumber", "displacementReason", "numberMales", "numberFemales",
            "idpOriginAdmin1Name", "idpOriginAdmin1Pcode", "assessmentType")


def record(id_: int, admin1: str, ind: int, *, date: str = "2018-12-15T00:00:00",
           round_: int = 3, reason: str | None = "Earthquake", males: int | None = None,
           females: int | None = None, origin: str | None = None, kind: str = "SA",
           **more: Any) -> dict[str, Any]:
    names = {"ID72": "Sulawesi Tengah", "ID76": "Sulawesi Barat"}
    day = date[:10]
    return {"id": id_, "operation": NAME, "admin0Name": "Indonesia", "admin0Pcode": "IDN",
            "admin1Name": names.get(admin1), "admin1Pcode": admin1, "numPresentIdpInd": ind,
            "reportingDate": date, "yearReportingDate": int(day[:4]),
            "monthReportingDate": int(day[5:7]), "roundNumber": round_,
            "displacementReason": reason, "numberMales": males, "numberFemales": females,
            "idpOriginAdmin1Name": names.get(origin) if origin else None,
            "idpOriginAdmin1Pcode": origin, "assessmentType": kind} | more


RECORDS = [
    record(901, "ID72", 1200, males=580, females=620, origin="ID72"),
    record(902, "ID72", 300, reason="Tsunami"),
    record(903, "ID76", 75, reason=None),
    record(904, "ID72", 40, date="2018-10-15T00:00:00", round_=1, kind="BA",
           origin="ID76"),
]


def write(tmp: Path, records: list[dict[str, Any]], envelope: bool = False) -> Path:
    path = tmp / "dtm.json"
    body: Any = {"isSuccess": True, "result": records, "errorMessages": []} if envelope \
        else records
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


@pytest.fixture
def built(ws: Workspace, tmp_path: Path) -> Workspace:
    sc.build(ws, tmp_path)
    return ws


def test_round_trip_through_v3(built: Workspace, cli: Cli, tmp_path: Path) -> None:
    out = cli("import", "dtm-api", sc.OP, write(tmp_path, RECORDS, envelope=True),
              "--gazetteer", "cod-ab").output
    assert "4 imported" in out and "Round created: SA 3 (2018-12-15)" in out
    cli("refresh", sc.OP)
    with TestClient(create_app(built)) as client:
        body = client.get("/v3/displacement/admin1", params={"Operation": NAME},
                          headers={"Ocp-Apim-Subscription-Key": dtm_key(built)}).json()
    assert body["isSuccess"] is True
    got = sorted(({k: r[k] for k in COMPARED} for r in body["result"]),
                 key=lambda r: (r["assessmentType"], r["numPresentIdpInd"]))
    want = sorted(({k: r[k] for k in COMPARED} for r in RECORDS),
                  key=lambda r: (r["assessmentType"], r["numPresentIdpInd"]))
    assert got == want
    subs = built.ingest.submissions(sc.OP, "dtm_api_sa")
    assert {(s.source, s.review_state) for s in subs} == {("dtm-api", "approved")}
    detail = built.ingest.submission(sc.OP, "dtm_api_sa", "dtm-api:901")
    assert json.loads(detail.versions[0].data["record_id"]) == 901


def test_import_again_is_duplicate(built: Workspace, cli: Cli, tmp_path: Path) -> None:
    path = write(tmp_path, RECORDS)
    cli("import", "dtm-api", sc.OP, path, "--gazetteer", "cod-ab")
    out = cli("import", "dtm-api", sc.OP, path, "--gazetteer", "cod-ab").output
    assert "0 imported, 4 already there" in out
    changed = [RECORDS[0] | {"numPresentIdpInd": 5}]
    result = cli("import", "dtm-api", sc.OP, write(tmp_path, changed), ok=False)
    assert result.exit_code != 0 and "record 1: id 901 was imported before with other " \
        "data (conflict)" in result.output


def test_duplicates_in_one_file(built: Workspace, tmp_path: Path) -> None:
    result = built.publish.import_dtm_api(sc.OP, write(tmp_path, RECORDS + [RECORDS[1]]),
                                          gazetteer_version="cod-ab")
    assert (result.created, result.duplicates) == (4, 1)
    with pytest.raises(PantauError, match=r"record 2: id 901 is also record 1, with other"):
        built.publish.import_dtm_api(sc.OP, write(tmp_path, [
            record(901, "ID72", 1), record(901, "ID72", 2)]))


def test_unknown_pcodes_and_not_available_kept(built: Workspace, tmp_path: Path) -> None:
    result = built.publish.import_dtm_api(sc.OP, write(tmp_path, [
        record(1, "ID99", 10, origin="Not available"),
        record(2, "ID72", 5, reason="Conflict;Natural disaster", round_=0,
               date="2018-12-01")]), gazetteer_version="cod-ab")
    assert result.created == 2
    assert any("ID99 (1)" in w for w in result.warnings)
    data = built.ingest.submission(sc.OP, "dtm_api_sa", "dtm-api:1").versions[0].data
    assert data["adm1_pcode"] == "ID99" and "origin_adm1_pcode" not in data
    data = built.ingest.submission(sc.OP, "dtm_api_sa", "dtm-api:2").versions[0].data
    assert data["reason"] == "Conflict;Natural disaster" and data["round_number"] == "0"


@pytest.mark.parametrize(("records", "message"), [
    ({"result": "nope"}, "expected a list of DTM API records"),
    ([record(1, "ID72", 10), {"id": 2, "admin0Pcode": "IDN"}],
     "record 2: missing numPresentIdpInd, reportingDate, roundNumber, assessmentType"),
    ([record(1, "ID72", "many")], "record 1: numPresentIdpInd must be a whole number"),
    ([record(1, "ID72", 10, males=-3)], "record 1: numberMales must be a whole number of 0"),
    ([record(1, "ID72", 10) | {"reportingDate": "15/12/2018"}],
     "record 1: reportingDate must be a date"),
    ([record(1, "ID72", 10, admin0Pcode="PHL")], "record 1: admin0Pcode PHL is not the"),
    ([record(1, "ID72", 10, colour="red")], "record 1: unknown field(s) colour"),
    ([record(1, "ID72", 10), record(2, "ID72", 10, kind="XYZ")],
     "record 2: assessmentType 'XYZ' is not a known assessment type"),
    ([record(1, "ID72", 10), record(2, "ID72", 10, date="2018-12-16")],
     "record 2: reportingDate 2018-12-16 differs from record 1"),
    ([record(1, "ID72", 10, round_=1, date="2018-12-15")],
     "record 1: reportingDate 2018-12-15 is outside SA round 1"),
    ([record(1, "ID72", 10, round_=4, date="2018-11-05")],
     "record 1: reportingDate 2018-11-05 of SA round 4 falls in another SA round"),
    ([record(1, "ID72", 10), record(2, "ID72", 10, round_=4)],
     "record 2: reportingDate 2018-12-15 of SA round 4 falls in another SA round"),
])
def test_bad_input_imports_nothing(built: Workspace, cli: Cli, tmp_path: Path,
                                   records: Any, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    result = cli("import", "dtm-api", sc.OP, path, ok=False)
    assert result.exit_code != 0 and message in result.output, result.output
    assert "dtm_api_sa" not in {f.form_id for f in built.forms.list(sc.OP)}
    assert len(built.operations.rounds(sc.OP)) == 3  # the scenario's, none added
