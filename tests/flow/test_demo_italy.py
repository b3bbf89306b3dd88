"""The Italy demo operation: deterministic, imported through the real importers, and its
statements say what its data holds."""

from __future__ import annotations

import datetime as dt

import pytest

from pantau.demo import italy
from pantau.flow import Filter


def test_generation_is_deterministic():
    assert italy.fmr_rows() == italy.fmr_rows()
    assert italy.fmr_rows(seed=1) != italy.fmr_rows()


def test_italy_demo_builds_on_both_stores(ws, tmp_path):
    counts = italy.build(ws, tmp_path / "in")
    assert counts["flow monitoring points"] == 5 and counts["FMR groups"] > 1500
    assert counts["FMS interviews"] > 1000 and 0 < counts["without consent"] < 200
    departed = ws.flow.survey_shares(italy.SLUG, "departure_country")["rows"]
    assert departed[0]["value"] == "LBY" and departed[0]["ci_low"] < departed[0]["share"] \
        < departed[0]["ci_high"]
    routes = ws.flow.survey_routes(italy.SLUG)["rows"]
    assert routes[0]["value"].endswith("LBY") or routes[0]["value"].endswith("TUN")
    shares = ws.flow.shares(italy.SLUG, "previous_country", Filter(direction="incoming"))
    top = [r["value"] for r in shares]
    assert top[:2] == ["LBY", "TUN"] and "TUR" in top
    assert sum(float(r["share"]) for r in shares) == pytest.approx(1.0)
    months = {r["period"] for r in ws.flow.flows(italy.SLUG, "month", ())}
    assert len(months) == 6
    kro = ws.flow.flows(italy.SLUG, "day", (), Filter(points=("ITA-KRO",)))
    assert kro and all(dt.date.fromisoformat(r["period"]).weekday() != 6 for r in kro), \
        "Crotone is not observed on Sundays"
