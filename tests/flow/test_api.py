"""The flow JSON API through the ASGI app: aggregates of public operations only."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from pantau.web import create_app
from tests.flow.conftest import OP, fmr_row, publish_every_count, write_fmr


@pytest.fixture
def client(italy_ws, tmp_path):  # type: ignore[no-untyped-def]
    italy_ws.flow.import_fmr(OP, write_fmr(tmp_path / "f.csv", [
        fmr_row(_uuid="1"), fmr_row(_uuid="2", previous_country="TUN", total=4, men=4,
                                    women=0, boys=0, girls=0, unaccompanied_children=0)]))
    return TestClient(create_app(italy_ws, secure_cookies=False))


def test_a_private_operation_is_not_served(client):
    assert client.get(f"/api/flow/{OP}/flows").status_code in (401, 403)


def test_figures_of_a_public_operation(client, italy_ws):
    italy_ws.access.set_public(OP, True)
    publish_every_count(italy_ws, OP)
    points = client.get(f"/api/flow/{OP}/points").json()["points"]
    assert {p["code"] for p in points} >= {"ITA-LMP", "ITA-KRO"}
    flows = client.get(f"/api/flow/{OP}/flows", params={"period": "month",
                                                         "by": "direction"}).json()
    assert flows["rows"] == [{"period": "2024-01-01", "direction": "incoming",
                              "individuals": 14, "men": 10, "women": 2, "boys": 1,
                              "girls": 1, "unaccompanied": 1, "groups": 2, "suppressed": []}]
    shares = client.get(f"/api/flow/{OP}/shares", params={"direction": "incoming"}).json()
    assert [(r["value"], r["individuals"], r["base"]) for r in shares["rows"]] == [
        ("LBY", 10, 14), ("TUN", 4, 14)]
    said = client.get(f"/api/flow/{OP}/statements", params={"point": "ITA-LMP",
                                                             "by": "previous_country"}).json()
    assert said["statements"][0]["text"].startswith(
        "71.4% of individuals counted at FMP ITA-LMP departed from Libya (n = 14 individuals")
    od = client.get(f"/api/flow/{OP}/od").json()["rows"]
    assert {(r["origin"], r["dest"], r["individuals"]) for r in od} == {
        ("LBY", "FRA", 10), ("TUN", "FRA", 4)}
    compared = client.get(f"/api/flow/{OP}/compare", params={"by": "direction"}).json()
    assert [(r["period"], r["individuals"], r["previous"]) for r in compared["rows"]] == [
        ("2024-01-01", 14, None)]
    got = client.get(f"/api/flow/{OP}/flows.csv")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    header, tags, *rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert "#country+code+origin" in tags and len(rows) == 2


def test_bad_parameters_are_clear(client, italy_ws):
    italy_ws.access.set_public(OP, True)
    bad = client.get(f"/api/flow/{OP}/flows", params={"period": "fortnight"})
    assert bad.status_code == 422 and "'fortnight' is not a period" in bad.json()["message"]
    bad = client.get(f"/api/flow/{OP}/shares", params={"from": "31/02/2024"})
    assert bad.status_code == 422 and "from/to" in bad.json()["message"]
    assert client.get("/api/flow/nope/flows").status_code in (401, 403, 404)
