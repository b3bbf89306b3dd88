"""Small cells in the flow JSON and CSV, on both stores: 3 Eritreans at Lampedusa in a week.

Anonymous visitors must find neither the 3 nor a way back to it from a total served beside
it; a manager (who may read the records) sees every figure.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pantau.web import create_app
from pantau.web.flow_api import protect_survey
from tests.flow.conftest import OP, fmr_row, write_fmr


def _group(uuid: str, nationality: str, total: int, previous: str) -> dict[str, Any]:
    return fmr_row(_uuid=uuid, nationality=nationality, total=total, men=total, women=0,
                   boys=0, girls=0, unaccompanied_children=0, previous_country=previous)


@pytest.fixture
def clients(italy_ws, tmp_path) -> dict[str, TestClient]:  # type: ignore[no-untyped-def]
    italy_ws.flow.import_fmr(OP, write_fmr(tmp_path / "f.csv", [
        _group("1", "BGD", 10, "LBY"), _group("2", "SDN", 8, "LBY"),
        _group("3", "ERI", 3, "TUN")]))
    italy_ws.access.set_public(OP, True)
    italy_ws.access.add_user("boss", "a long enough password 1")
    italy_ws.access.grant("boss", OP, "manager")
    token, _ = italy_ws.access.create_token("boss", "t", ["aggregates:read", "records:read"])
    app = create_app(italy_ws, secure_cookies=False)
    return {"anonymous": TestClient(app),
            "manager": TestClient(app, headers={"Authorization": f"Bearer {token}"})}


def _get(client: TestClient, path: str, **params: Any) -> Any:
    r = client.get(f"/api/flow/{OP}/{path}", params=params)
    assert r.status_code == 200, r.text
    return r


def test_flows_hide_the_small_nationality_and_a_complement(clients) -> None:  # type: ignore[no-untyped-def]
    rows = _get(clients["anonymous"], "flows", period="week",
                by="point,direction,nationality").json()["rows"]
    by = {r["nationality"]: r for r in rows}
    assert by["ERI"]["individuals"] is None and by["ERI"]["men"] is None
    assert "individuals" in by["ERI"]["suppressed"]
    # The FMP × week × direction total (21) is served too: a second cell goes.
    total = _get(clients["anonymous"], "flows", period="week",
                 by="point,direction").json()["rows"]
    assert [r["individuals"] for r in total] == [21]
    assert sum(r["individuals"] is None for r in rows) >= 2
    assert all(v != 3 for r in rows for v in r.values() if isinstance(v, int))
    full = _get(clients["manager"], "flows", period="week",
                by="point,direction,nationality").json()["rows"]
    assert {r["nationality"]: r["individuals"] for r in full} == {"BGD": 10, "SDN": 8,
                                                                   "ERI": 3}
    assert all("suppressed" not in r for r in full)


def test_shares_od_and_statements(clients) -> None:  # type: ignore[no-untyped-def]
    shares = _get(clients["anonymous"], "shares", by="previous_country").json()["rows"]
    # TUN is 3 of a base of 21: with only LBY beside it, LBY (= 21 - TUN) goes too.
    assert all(r["individuals"] is None and r["share"] is None for r in shares)
    assert all(r["base"] == 21 for r in shares)
    od = _get(clients["anonymous"], "od").json()["rows"]
    assert all(r["individuals"] != 3 for r in od)
    tun = [r for r in od if r["origin"] == "TUN"]
    assert tun and all(r["individuals"] is None and r["share_of_origin"] is None for r in tun)
    said = _get(clients["anonymous"], "statements",
                by="previous_country,nationality").json()["statements"]
    assert [(s["dimension"], s["value"]) for s in said] == [("nationality", "BGD")]
    assert all(" 3 " not in s["text"] for s in said)
    full = _get(clients["manager"], "statements", by="previous_country").json()["statements"]
    assert {s["value"] for s in full} == {"LBY", "TUN"}


def test_compare_hides_the_change_with_the_count(clients) -> None:  # type: ignore[no-untyped-def]
    rows = _get(clients["anonymous"], "compare", period="month",
                by="nationality").json()["rows"]
    eri = next(r for r in rows if r["nationality"] == "ERI")
    assert eri["individuals"] is None and "individuals" in eri["suppressed"]


def test_the_csv_marks_its_suppressed_cells(clients) -> None:  # type: ignore[no-untyped-def]
    text = _get(clients["anonymous"], "flows.csv", period="week").content.decode("utf-8-sig")
    header, tags, *body = list(csv.reader(io.StringIO(text)))
    assert header[-1] == "suppressed" and tags[-1] == "#meta+suppressed"
    rows = [dict(zip(header, r, strict=True)) for r in body]
    eri = next(r for r in rows if r["nationality"] == "ERI")
    assert eri["incoming_ind"] == "" and eri["suppressed"] == "incoming_ind"
    assert sum(r["incoming_ind"] == "" for r in rows) >= 2
    assert all(r["incoming_ind"] != "3" for r in rows)
    full = _get(clients["manager"], "flows.csv", period="week").content.decode("utf-8-sig")
    header, _, *body = list(csv.reader(io.StringIO(full)))
    assert "suppressed" not in header
    assert {dict(zip(header, r, strict=True))["incoming_ind"] for r in body} == {"10", "8",
                                                                                 "3"}


def test_a_survey_share_of_few_respondents_is_not_shown() -> None:
    figures = {"dimension": "nationality", "rows": [
        {"value": "ERI", "respondents": 2, "n": 4, "share": 0.5, "ci_low": 0.15,
         "ci_high": 0.85},
        {"value": "SDN", "respondents": 2, "n": 4, "share": 0.5, "ci_low": 0.15,
         "ci_high": 0.85}]}
    shown = protect_survey(figures, 5)["rows"]
    assert all(r["share"] is None and r["n"] is None and r["respondents"] is None
               for r in shown)
    assert shown[0]["suppressed"] == ["respondents", "n", "share", "ci_low", "ci_high"]
    big = {"rows": [{"value": "ERI", "respondents": 2, "n": 40, "share": 0.05,
                     "ci_low": 0.01, "ci_high": 0.16}]}
    assert protect_survey(big, 5)["rows"][0]["share"] == 0.05
