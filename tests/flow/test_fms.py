"""FMS interviews: consent first, routes in order and without loops, shares of respondents
with Wilson intervals, and nothing from an interview without consent in any figure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from pantau.errors import ImportFailed, PantauError
from pantau.flow import Filter
from pantau.flow.surveys import wilson, wilson_sql
from pantau.store.flows import FlowSurvey, FlowSurveyLeg
from pantau.tabular import write_table
from tests.flow.conftest import OP, publish_every_count

MAIN = ["fmp_id", "survey_date", "consent", "profile/sex", "profile/age_group",
        "profile/nationality", "journey/departure_country", "journey/reasons",
        "vulnerability/forced_work", "_uuid"]
ROUTE = ["route_country", "route_place", "route_days", "_submission__uuid"]


def interview(key: str, **kw: Any) -> list[Any]:
    row = {"fmp_id": "ITA-LMP", "survey_date": "2024-01-02", "consent": "yes", "sex": "m",
           "age_group": "18_24", "nationality": "BGD", "departure_country": "LBY",
           "reasons": "economic family", "forced_work": "no", "_uuid": key}
    row.update(kw)
    return [row[h.rsplit("/", 1)[-1]] for h in MAIN]


def workbook(path: Path, rows: list[list[Any]], legs: list[list[Any]]) -> Path:
    wb = Workbook()
    main = wb.active
    main.title = "dtm_fms"
    main.append(MAIN)
    for r in rows:
        main.append(r)
    route = wb.create_sheet("route")
    route.append(ROUTE)
    for leg in legs:
        route.append(leg)
    wb.save(path)
    return path


GOOD = ([interview("a"), interview("b", nationality="Egypt", reasons="conflict",
                                   forced_work="yes"),
         interview("c", consent="no", sex="", age_group="", nationality="", reasons="",
                   departure_country="", forced_work=""),
         interview("d", sex="f", nationality="SYR", forced_work="refused")],
        [["BGD", "Dhaka", 3, "a"], ["ARE", "Dubai", 10, "a"], ["EGY", "Cairo", 20, "a"],
         ["LBY", "Benghazi", 60, "a"], ["LBY", "Zuwara", 30, "a"],
         ["EGY", "", 5, "b"], ["LBY", "Tobruk", 90, "b"],
         ["SYR", "", 0, "c"],  # an interview without consent: its route is not kept
         ["SYR", "", 1, "d"], ["LBN", "", 9, "d"], ["LBY", "Tripoli", 40, "d"]])


@pytest.fixture
def fms_ws(italy_ws, tmp_path):  # type: ignore[no-untyped-def]
    result = italy_ws.flow.import_fms(OP, workbook(tmp_path / "fms.xlsx", *GOOD))
    assert (result.created, result.without_consent, result.legs) == (4, 1, 10)
    assert [str(w) for w in result.warnings] == [
        "fms.xlsx, row 4, field 'consent': no consent: the interview is kept without its "
        "answers and left out of every figure"]
    assert result.matched == ["Egypt → EGY (Egypt), by name"]
    return italy_ws


def test_interviews_and_routes_are_stored(fms_ws, tmp_path):
    with fms_ws.session() as s:
        c = s.scalar(select(FlowSurvey).where(FlowSurvey.record_key == "c"))
        assert not c.consent and c.nationality is None and c.sex is None
        assert s.scalar(select(func.count()).select_from(FlowSurveyLeg)) == 10
        d = s.scalar(select(FlowSurvey).where(FlowSurvey.record_key == "d"))
        assert d.forced_work is None  # refused is not an answer
    again = fms_ws.flow.import_fms(OP, workbook(tmp_path / "fms.xlsx", *GOOD))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_shares_of_respondents_with_wilson_intervals(fms_ws):
    out = fms_ws.flow.survey_shares(OP, "departure_country")
    assert "not a random sample" in out["note"]
    [lby] = out["rows"]
    assert (lby["value"], lby["respondents"], lby["n"]) == ("LBY", 3, 3)  # not c
    nat = {r["value"]: r for r in fms_ws.flow.survey_shares(OP, "nationality")["rows"]}
    assert set(nat) == {"BGD", "EGY", "SYR"} and nat["BGD"]["share"] == pytest.approx(1 / 3,
                                                                                       abs=1e-6)
    low, high = wilson(1, 3)
    assert (nat["BGD"]["ci_low"], nat["BGD"]["ci_high"]) == (round(low, 6), round(high, 6))
    forced = {r["value"]: r for r in fms_ws.flow.survey_shares(OP, "forced_work")["rows"]}
    assert forced["yes"]["n"] == 2 and forced["yes"]["not_answered"] == 1
    reasons = {r["value"]: r["respondents"] for r in
               fms_ws.flow.survey_shares(OP, "reasons")["rows"]}
    assert reasons == {"economic": 2, "family": 2, "conflict": 1}
    said = fms_ws.flow.survey_statements(OP, ("departure_country",),
                                         Filter(points=("ITA-LMP",)))
    assert said[0]["text"].startswith(
        "100.0% of respondents interviewed at FMP ITA-LMP departed from Libya (95% CI "
        "43.9%–100.0%; n = 3 respondents; period 2 January 2024 – 2 January 2024).")
    with pytest.raises(PantauError, match="cannot be filtered by direction"):
        fms_ws.flow.survey_shares(OP, "sex", Filter(direction="incoming"))


def test_route_frequencies(fms_ws):
    routes = {r["value"]: r["respondents"] for r in fms_ws.flow.survey_routes(OP)["rows"]}
    assert routes == {"BGD → ARE → EGY → LBY": 1, "EGY → LBY": 1, "SYR → LBN → LBY": 1}
    transit = {r["value"]: r["respondents"]
               for r in fms_ws.flow.survey_routes(OP, transit=True)["rows"]}
    assert transit["LBY"] == 3 and transit["EGY"] == 2 and "SYR" in transit


def test_wilson_in_sql_and_python_agree():
    assert wilson(8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4)  # textbook value
    assert wilson(0, 20)[0] == pytest.approx(0.0, abs=1e-12)
    lo, hi = wilson_sql("k", "n")
    con = duckdb.connect()
    for k, n in ((8, 10), (0, 20), (713, 1315)):
        got = con.execute(f"SELECT {lo}, {hi} FROM (SELECT {k} AS k, {n} AS n)").fetchone()
        assert got == pytest.approx(wilson(k, n))


def test_bad_interviews_and_routes_are_refused_whole(italy_ws, tmp_path):
    rows = [interview("a"),
            interview("b", consent=""),
            interview("c", sex="", age_group="99"),
            interview("d", nationality="Ruritania"),
            interview("e", fmp_id="ITA-KRO", survey_date="2024-01-07"),
            interview("f"), interview("g"), interview("h")]
    legs = [["BGD", "", 1, "a"], ["LBY", "Zuwara", 10, "a"], ["TUN", "Sfax", 5, "a"],
            ["LBY", "Sabratha", 3, "a"],
            ["LBY", "Zuwara", 1, "f"], ["LBY", "Sabratha", 1, "f"], ["LBY", "zuwara", 1, "f"],
            ["LBY", "", -3, "g"], ["XX", "", 1, "h"], ["EGY", "", 1, "nobody"]]
    with pytest.raises(ImportFailed) as exc:
        italy_ws.flow.import_fms(OP, workbook(tmp_path / "bad.xlsx", rows, legs))
    text = exc.value.details()
    assert "bad.xlsx, row 3, field 'consent': no consent answer" in text
    assert "row 4, field 'profile/sex': no sex given" in text
    assert "row 4, field 'profile/age_group': '99' is not a known age group" in text
    assert "row 5, field 'profile/nationality': 'Ruritania' is not a known country" in text
    assert "row 6, field 'survey_date': 2024-01-07 is a Sunday: FMP ITA-KRO" in text
    assert ("bad.xlsx [route], row 5, field 'route_country': the route loops: it comes back "
            "to LBY (stop 2) at stop 4, after TUN") in text
    assert ("bad.xlsx [route], row 8, field 'route_country': the route loops: zuwara (LBY) is "
            "stop 1 and stop 3") in text
    assert "[route], row 9, field 'route_days': -3 is below the minimum 0" in text
    assert "[route], row 10, field 'route_country': 'XX' is not a known country" in text
    assert ("[route], row 11, field '_submission__uuid': no interview with the id 'nobody'"
            in text)
    with italy_ws.session() as s:
        assert s.scalar(select(func.count()).select_from(FlowSurvey)) == 0


def test_csv_with_a_route_file(italy_ws, tmp_path):
    main = write_table(tmp_path / "fms.csv", MAIN, [interview("uuid:x1")])
    route = write_table(tmp_path / "route.csv", ROUTE, [["TUN", "Sfax", 12, "x1"]])
    result = italy_ws.flow.import_fms(OP, main, route)
    assert (result.created, result.legs) == (1, 1)


def test_survey_commands_and_api(fms_ws, cli, tmp_path):
    from fastapi.testclient import TestClient

    from pantau.web import create_app

    out = cli("flow", "survey", "shares", OP, "--by", "nationality").output
    assert "BGD" in out and "not a random sample" in out
    out = cli("flow", "survey", "routes", OP, "--transit", "--json").output
    assert '"LBY"' in out
    out = cli("flow", "survey", "statements", OP, "--by", "departure_country").output
    assert "100.0% of respondents interviewed at the 5 flow monitoring points" in out
    out = cli("flow", "survey", "import", OP, workbook(tmp_path / "again.xlsx", *GOOD)).output
    assert "0 created, 0 updated, 4 unchanged" in out and "1 without consent" in out
    fms_ws.access.set_public(OP, True)
    publish_every_count(fms_ws, OP)
    client = TestClient(create_app(fms_ws, secure_cookies=False))
    got = client.get(f"/api/flow/{OP}/survey/shares", params={"by": "sex"}).json()
    assert {r["value"]: r["respondents"] for r in got["rows"]} == {"m": 2, "f": 1}
    assert "not a random sample" in got["note"]
    routes = client.get(f"/api/flow/{OP}/survey/routes").json()["rows"]
    assert len(routes) == 3
    said = client.get(f"/api/flow/{OP}/survey/statements").json()["statements"]
    assert said and all("95% CI" in s["text"] for s in said)
