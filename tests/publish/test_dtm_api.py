"""DTM API v3 compatible endpoints through the app, with IOM's parameters and envelope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pantau.web.app import create_app
from pantau.workspace import Workspace
from tests.analytics import scenario as sc
from tests.publish.keys import dtm_key

D1, D2 = dt.date(2018, 10, 5), dt.date(2018, 11, 5)
NAME = "Central Sulawesi Earthquake 2018"


@pytest.fixture
def client(ws: Workspace, tmp_path: Path) -> Iterator[TestClient]:
    sc.build(ws, tmp_path)
    sc.site(ws, D1, "S1", "ID7271", hh=100, ind=450, f=(10, 20, 100, 5), m=(10, 25, 90, 5),
            origin="ID7205")
    sc.site(ws, D1, "S2", "ID7205", hh=50, ind=200)
    sc.site(ws, D2, "S1", "ID7271", hh=80, ind=300, origin="ID7205")
    sc.village(ws, D1, "ID7210", [("ID7271", "earthquake", 10, 40)], returnees=(3, 12))
    ws.analytics.refresh(sc.OP)
    with TestClient(create_app(ws)) as c:
        c.headers["Ocp-Apim-Subscription-Key"] = dtm_key(ws)
        yield c


def _get(client: TestClient, path: str, **params: Any) -> dict[str, Any]:
    r = client.get(f"/v3/displacement/{path}", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_admin2_records_have_iom_fields(client: TestClient) -> None:
    body = _get(client, "admin2", Operation=NAME, Admin2Pcode="ID7271")
    assert body["isSuccess"] is True and body["errorMessages"] == []
    [first, second] = body["result"]
    assert set(first) == {
        "id", "operation", "admin0Name", "admin0Pcode", "admin1Name", "admin1Pcode",
        "admin2Name", "admin2Pcode", "numPresentIdpInd", "reportingDate", "yearReportingDate",
        "monthReportingDate", "roundNumber", "displacementReason", "numberMales",
        "numberFemales", "idpOriginAdmin1Name", "idpOriginAdmin1Pcode", "assessmentType"}
    assert (first["operation"], first["admin0Pcode"], first["admin1Pcode"],
            first["admin2Name"], first["numPresentIdpInd"], first["numberFemales"],
            first["numberMales"], first["roundNumber"], first["reportingDate"],
            first["yearReportingDate"], first["monthReportingDate"],
            first["idpOriginAdmin1Pcode"], first["assessmentType"]) == (
        NAME, "IDN", "ID72", "Kota Palu", 450, 135, 130, 1, "2018-10-15T00:00:00", 2018, 10,
        "ID72", "SA")
    assert first["displacementReason"] and second["numPresentIdpInd"] == 300
    again = _get(client, "admin2", Operation=NAME, Admin2Pcode="ID7271")
    assert [r["id"] for r in again["result"]] == [first["id"], second["id"]]


def test_filters_and_levels(client: TestClient) -> None:
    national = _get(client, "admin0", Admin0Pcode="IDN", FromRoundNumber="1",
                    ToRoundNumber="1")["result"]
    assert {(r["assessmentType"], r["numPresentIdpInd"]) for r in national if
            r["idpOriginAdmin1Pcode"] is None} == {("SA", 200)}
    assert "admin1Pcode" not in national[0]
    by_type = {}
    for r in national:
        by_type[r["assessmentType"]] = by_type.get(r["assessmentType"], 0) + r["numPresentIdpInd"]
    assert by_type == {"SA": 650, "BA": 40}  # never one total across types
    later = _get(client, "admin1", CountryName="indonesia", FromReportingDate="2018-11-01")
    assert [(r["admin1Pcode"], r["roundNumber"], r["numPresentIdpInd"])
            for r in later["result"]] == [("ID72", 2, 300)]
    assert _get(client, "admin2", Operation=sc.OP, Admin1Name="Sulawesi Barat")["result"] == []


@pytest.mark.parametrize(("params", "message"), [
    ({}, "At least one of Operation, CountryName or Admin0Pcode"),
    ({"Operation": "Nowhere"}, "Operation 'Nowhere' is not known"),
    ({"Admin0Pcode": "XYZ"}, "not a country code"),
    ({"Admin0Pcode": "IDN", "Admin2Pcode": "ID9999"}, "Admin2Pcode 'ID9999' is not in the"),
    ({"Admin0Pcode": "IDN", "Admin2Pcode": "ID72"}, "is an admin-1 P-code"),
    ({"Admin0Pcode": "IDN", "FromReportingDate": "2018-12-01",
      "ToReportingDate": "2018-11-01"}, "must be before or equal to ToReportingDate"),
    ({"Admin0Pcode": "IDN", "FromReportingDate": "01/10/2018"}, "YYYY-MM-DD"),
    ({"Admin0Pcode": "IDN", "FromRoundNumber": "3", "ToRoundNumber": "1"},
     "less than or equal to ToRoundNumber"),
    ({"Admin0Pcode": "IDN", "FromRoundNumber": "-1"}, "whole number"),
    ({"Admin0Pcode": "IDN", "Colour": "red"}, "Unknown parameter(s): Colour"),
])
def test_bad_parameters_answer_like_iom(client: TestClient, params: dict[str, str],
                                        message: str) -> None:
    body = _get(client, "admin2", **params)
    assert body["isSuccess"] is False and body["result"] is None
    assert message in body["errorMessages"][0]


def test_lists_and_the_key(client: TestClient) -> None:
    assert _get(client, "country-list")["result"] == [{"admin0Name": "Indonesia",
                                                       "admin0Pcode": "IDN"}]
    assert _get(client, "operation-list")["result"] == [{
        "operation": NAME, "operationStatus": "Active", "admin0Name": "Indonesia",
        "admin0Pcode": "IDN"}]
    r = client.get("/v3/displacement/admin0", params={"Admin0Pcode": "IDN"},
                   headers={"Ocp-Apim-Subscription-Key": ""})  # no key
    assert r.status_code == 401 and r.json()["isSuccess"] is False
    r = client.get("/v3/displacement/admin0", params={"Admin0Pcode": "IDN"},
                   headers={"Ocp-Apim-Subscription-Key": "made-up"})
    assert r.status_code == 401 and r.json()["isSuccess"] is False
    assert "/v3/displacement/admin2" in client.get("/openapi.json").json()["paths"]
