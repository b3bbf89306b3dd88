"""Flow figures: weekly/monthly flows, shares with base and period, O–D matrices, statements
and the HXL export — checked against numbers worked out by hand."""

from __future__ import annotations

import csv

import pytest

from pantau.errors import PantauError
from pantau.flow import Filter, analytics
from tests.flow.conftest import OP, fmr_row, write_fmr


def _group(key: str, day: str, total: int, **kw):  # type: ignore[no-untyped-def]
    return fmr_row(_uuid=key, count_date=day, total=total, men=total, women=0, boys=0,
                   girls=0, unaccompanied_children=0, **kw)


@pytest.fixture
def flows_ws(italy_ws, tmp_path):  # type: ignore[no-untyped-def]
    """Week of 1 Jan 2024 (Mon) and of 8 Jan; 80 from Libya, 15 Tunisia, 5 unknown."""
    rows = [
        _group("a", "2024-01-01", 50, previous_country="LBY", nationality="BGD"),
        _group("b", "2024-01-03", 30, previous_country="LBY", nationality="EGY",
               final_country="DEU"),
        _group("c", "2024-01-08", 15, previous_country="TUN", nationality="TUN"),
        _group("d", "2024-01-09", 5, previous_country="", nationality="BGD"),
        _group("e", "2024-01-09", 7, previous_country="LBY", nationality="BGD",
               direction="outgoing"),
        _group("f", "2024-02-05", 4, previous_country="TUR", nationality="SYR",
               fmp_id="ITA-KRO"),
    ]
    italy_ws.flow.import_fmr(OP, write_fmr(tmp_path / "f.csv", rows))
    return italy_ws


def test_weekly_and_monthly_flows(flows_ws):
    weekly = flows_ws.flow.flows(OP, "week", ("point", "direction"),
                                 Filter(points=("ITA-LMP",)))
    assert [(r["period"], r["direction"], r["individuals"], r["groups"]) for r in weekly] == [
        ("2024-01-01", "incoming", 80, 2), ("2024-01-08", "incoming", 20, 2),
        ("2024-01-08", "outgoing", 7, 1)]
    monthly = flows_ws.flow.flows(OP, "month", ("nationality",),
                                  Filter(direction="incoming"))
    assert {(r["period"], r["nationality"]): r["individuals"] for r in monthly} == {
        ("2024-01-01", "BGD"): 55, ("2024-01-01", "EGY"): 30, ("2024-01-01", "TUN"): 15,
        ("2024-02-01", "SYR"): 4}
    daily = flows_ws.flow.flows(OP, "day", ())
    assert sum(r["individuals"] for r in daily) == 111


def test_each_period_against_the_previous(flows_ws):
    rows = flows_ws.flow.compare(OP, "week", ("point", "direction"),
                                 Filter(direction="incoming"))
    got = [(r["period"], r["point"], r["individuals"], r["previous"], r["change"],
            r["change_share"]) for r in rows]
    assert got == [("2024-01-01", "ITA-LMP", 80, None, None, None),
                   ("2024-01-08", "ITA-LMP", 20, 80, -60, -0.75),
                   ("2024-02-05", "ITA-KRO", 4, None, None, None)]


def test_departure_shares_have_their_base_and_period(flows_ws):
    rows = flows_ws.flow.shares(OP, "previous_country",
                                Filter(points=("ITA-LMP",), direction="incoming"))
    assert [(r["value"], int(r["individuals"])) for r in rows] == [("LBY", 80), ("TUN", 15)]
    assert rows[0]["share"] == pytest.approx(80 / 95)
    assert int(rows[0]["base"]) == 95 and int(rows[0]["unknown"]) == 5
    assert str(rows[0]["first_day"]) == "2024-01-01" and str(rows[0]["last_day"]) == \
        "2024-01-09"


def test_statements_are_computed_not_typed(flows_ws):
    out = flows_ws.flow.statements(OP, ("previous_country",),
                                   Filter(points=("ITA-LMP",), direction="incoming"), top=2)
    assert [s["text"] for s in out] == [
        "84.2% of individuals arriving at FMP ITA-LMP departed from Libya (n = 95 "
        "individuals with a known departure country; period 1 January 2024 – 9 January 2024; "
        "5 more with none recorded).",
        "15.8% of individuals arriving at FMP ITA-LMP departed from Tunisia (n = 95 "
        "individuals with a known departure country; period 1 January 2024 – 9 January 2024; "
        "5 more with none recorded)."]
    assert out[0]["base"] == 95 and out[0]["share"] == 0.8421


def test_origin_destination_matrix(flows_ws):
    rows = flows_ws.flow.od_matrix(OP, "previous_country", "final_country",
                                   Filter(direction="incoming"))
    got = {(r["origin"], r["dest"]): (r["individuals"], round(r["share_of_origin"], 3))
           for r in rows}
    assert got == {("LBY", "DEU"): (30, 0.375), ("LBY", "FRA"): (50, 0.625),
                   ("TUN", "FRA"): (15, 1.0), ("TUR", "FRA"): (4, 1.0)}


def test_hxl_export_by_direction(flows_ws, tmp_path):
    n = flows_ws.flow.export(OP, tmp_path / "flows.csv", "month")
    with (tmp_path / "flows.csv").open(encoding="utf-8-sig") as f:
        header, tags, *rows = list(csv.reader(f))
    assert n == len(rows) == 5  # a and e: same month, place and countries, two directions
    col = {h: i for i, h in enumerate(header)}
    assert tags[col["origin_country"]] == "#country+code+origin"
    assert tags[col["dest_country"]] == "#country+code+dest"
    assert tags[col["incoming_ind"]] == "#affected+ind+incoming"
    bgd = [r for r in rows if r[col["nationality"]] == "BGD" and r[col["origin_country"]]
           == "LBY"]
    assert [(r[col["incoming_ind"]], r[col["outgoing_ind"]]) for r in bgd] == [("50", "7")]
    import hxl  # libhxl (test extra) reads the file as HXL

    data = hxl.data(str(tmp_path / "flows.csv"), hxl.InputOptions(allow_local=True)).cache()
    assert [str(c) for c in data.columns][8:] == [
        "#country+code+origin", "#country+code+dest", "#affected+ind+incoming",
        "#affected+ind+outgoing", "#affected+ind+transit"]
    assert sum(int(v) for v in data.get_value_set("#affected+ind+incoming", normalise=False)
               if v) == 104  # the incoming cells: 50, 30, 15, 5 and 4, all different


def test_builders_refuse_unknown_words():
    with pytest.raises(PantauError, match="'fortnight' is not a period"):
        analytics.flows_sql("fortnight", ())
    with pytest.raises(PantauError, match="'name; DROP TABLE' is not a flow dimension"):
        analytics.shares_sql("name; DROP TABLE")
    assert "date_trunc('week', date)" in analytics.flows_sql("week", ("point",))
    with pytest.raises(PantauError, match="'sideways' is not a direction"):
        Filter(direction="sideways").sql()
