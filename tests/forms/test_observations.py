"""Submissions become observations through the form's HXL tags (received via ws.ingest)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from pantau.forms.library import path_of
from pantau.forms.observations import observations_for
from pantau.forms.values import parse_count
from pantau.ingest import Incoming
from pantau.store.models import Observation
from tests.forms.xlsforms import site_form, write_xlsform

COLUMNS = ("site_code", "admin1_pcode", "admin2_pcode", "admin3_pcode", "admin4_pcode", "date",
           "population_group", "unit", "sex", "age_group", "reason", "origin_pcode", "shelter",
           "sector", "indicator", "field", "value", "estimated")


def _receive(ws, op, form, data, instance="uuid:1"):
    out = ws.ingest.receive(op, form, Incoming(instance_id=instance, data=data, raw=b"{}",
                                               raw_format="json", source="file"))
    assert out.status == "created", out
    with ws.session() as s:
        rows = s.scalars(select(Observation).where(Observation.version_id == out.version_id)
                         .order_by(Observation.id)).all()
        return [{c: getattr(r, c) for c in COLUMNS} for r in rows]


@pytest.fixture
def op(ws):
    ws.operations.create("idn-sulteng", "IDN", "Central Sulawesi", avg_household_size=3.9)
    return "idn-sulteng"


def test_idp_girls_and_record_dimensions(ws, op, tmp_path):
    ws.forms.import_xlsform(op, site_form(tmp_path / "sa.xlsx"))
    rows = _receive(ws, op, "idn_sa", {
        "visit_date": "2018-10-12", "site_id": " SIT-001 ", "place/adm1": "id72",
        "place/adm2": "ID7271", "why": "earthquake", "idp_hh": "120", "idp_ind": "1,234",
        "girls": "85", "needs": "shelter wash"})
    by_field = {r["field"]: r for r in rows if r["field"] != "needs"}
    girls = by_field["girls"]
    assert girls == {
        "site_code": "SIT-001", "admin1_pcode": "ID72", "admin2_pcode": "ID7271",
        "admin3_pcode": None, "admin4_pcode": None, "date": dt.date(2018, 10, 12),
        "population_group": "idps", "unit": "individuals", "sex": "f", "age_group": "children",
        "reason": "earthquake", "origin_pcode": None, "shelter": None, "sector": None,
        "indicator": "#affected+idps+ind+f+children", "field": "girls", "value": 85.0,
        "estimated": False}
    assert by_field["idp_ind"]["value"] == 1234.0
    assert (by_field["idp_hh"]["unit"], by_field["idp_hh"]["value"]) == ("households", 120.0)
    needs = [(r["sector"], r["unit"], r["value"]) for r in rows if r["field"] == "needs"]
    assert needs == [("shelter", "sites", 1.0), ("wash", "sites", 1.0)]
    assert not any(r["estimated"] for r in rows)  # the form does not ask for estimates


def test_empty_and_non_numeric_answers_give_no_observation(ws, op, tmp_path):
    ws.forms.import_xlsform(op, site_form(tmp_path / "sa.xlsx"))
    rows = _receive(ws, op, "idn_sa", {"site_id": "S1", "idp_hh": "", "idp_ind": "many",
                                       "girls": "1.5e400", "visit_date": "43383"})
    assert rows == []
    rows = _receive(ws, op, "idn_sa", {"site_id": "S1", "idp_ind": "1.234",
                                       "visit_date": "43385"}, instance="uuid:2")
    assert [(r["value"], r["date"]) for r in rows] == [(1234.0, dt.date(2018, 10, 12))]


def test_repeat_items_take_their_own_and_their_parents_dimensions(ws, op, tmp_path):
    ws.forms.import_xlsform(op, path_of("dtm_ett.xlsx"))
    data = {
        "event/event_type": "earthquake", "event/event_date": "2018-09-28",
        "event/assessment_date": "2018-10-02", "location/adm1_pcode": "ID72",
        "location/adm2_pcode": "ID7271", "location/adm3_pcode": "ID7271010",
        "movements": [
            {"movements/from_adm1_pcode": "ID72", "movements/from_adm2_pcode": "ID7210",
             "movements/to_adm1_pcode": "ID72", "movements/to_adm2_pcode": "ID7271",
             "movements/shelter": "tent", "movements/hh": "10", "movements/ind": "41",
             "movements/initial_needs": "food"},
            {"movements/from_adm1_pcode": "ID72", "movements/from_adm2_pcode": "ID7271",
             "movements/from_adm3_pcode": "ID7271020", "movements/to_adm1_pcode": "ID73",
             "movements/to_adm2_pcode": "ID7302", "movements/shelter": "host_family",
             "movements/hh": "5", "movements/ind": ""},
        ]}
    rows = _receive(ws, op, "dtm_ett", data)
    first = [r for r in rows if r["origin_pcode"] == "ID7210"]
    second = [r for r in rows if r["origin_pcode"] == "ID7271020"]
    assert {(r["field"], r["value"], r["estimated"]) for r in first} == {
        ("movements/hh", 10.0, False), ("movements/ind", 41.0, False),
        ("movements/initial_needs", 1.0, False)}
    assert {r["admin3_pcode"] for r in first} == {"ID7271010"}  # parent's place kept
    assert all(r["reason"] == "earthquake" and r["date"] == dt.date(2018, 10, 2)
               for r in rows)
    # The second group names its own place: the parent's sub-district is not mixed in.
    assert {(r["admin1_pcode"], r["admin2_pcode"], r["admin3_pcode"], r["shelter"])
            for r in second} == {("ID73", "ID7302", None, "host_family")}
    estimated = [r for r in second if r["estimated"]]
    assert [(r["indicator"], r["unit"], r["value"]) for r in estimated] == [
        ("#affected+idps+ind", "individuals", pytest.approx(5 * 3.9))]


def test_households_times_size_only_where_the_form_asks(ws, op, tmp_path):
    rows = [["integer", "hh", "Households", "#affected+idps+hh", ""],
            ["integer", "ret_hh", "Returnee households", "#affected+returnees+hh", ""],
            ["integer", "ret_ind", "Returnees", "#affected+returnees+ind", ""]]
    asks = write_xlsform(tmp_path / "asks.xlsx", rows,
                         {"form_id": "asks", "version": "1", "estimate_individuals": "yes"})
    silent = write_xlsform(tmp_path / "silent.xlsx", rows, {"form_id": "silent", "version": "1"})
    ws.forms.import_xlsform(op, asks)
    info = ws.forms.import_xlsform(op, silent)
    assert not any("estimate_individuals" in w for w in info.warnings)  # has +ind for some
    data = {"hh": "10", "ret_hh": "2", "ret_ind": "9"}
    est = [r for r in _receive(ws, op, "asks", data) if r["estimated"]]
    assert [(r["population_group"], r["unit"], r["value"], r["field"]) for r in est] == [
        ("idps", "individuals", pytest.approx(39.0), "hh")]
    assert not any(r["estimated"] for r in _receive(ws, op, "silent", data, "uuid:9"))
    # Without an average household size nothing is estimated.
    ws.operations.create("no-size", "IDN", "No size")
    ws.forms.import_xlsform("no-size", asks)
    assert not any(r["estimated"] for r in _receive(ws, "no-size", "asks", data, "uuid:3"))


def test_households_only_form_warns_that_individuals_are_not_estimated(ws, op, tmp_path):
    path = write_xlsform(tmp_path / "hh.xlsx", [["integer", "hh", "HH", "#affected+idps+hh", ""]],
                         {"form_id": "hh", "version": "1"})
    info = ws.forms.import_xlsform(op, path)
    assert any("estimate_individuals" in w for w in info.warnings)


def test_nested_repeats(tmp_path):
    from pantau.forms import inspect_file

    path = write_xlsform(tmp_path / "nested.xlsx", [
        ["text", "site", "Site", "#loc+code", ""],
        ["begin_repeat", "blocks", "Blocks", "", ""],
        ["select_one shelters", "shelter", "Shelter", "#shelter+type", ""],
        ["begin_repeat", "families", "Families", "", ""],
        ["integer", "women", "Women", "#affected+idps+f", ""],
        ["end_repeat", "", "", "", ""],
        ["end_repeat", "", "", "", ""]],
        {"form_id": "nested", "version": "1"}, [["shelters", "tent", "Tent"]])
    assert inspect_file(path)["unmapped_values"] == []
    from pantau.forms.importer import read_and_map

    _, mapping, _, _ = read_and_map(path, None)
    rows = observations_for(mapping, {"site": "S9", "blocks": [
        {"blocks/shelter": "tent", "blocks/families": [{"blocks/families/women": "2"},
                                                       {"blocks/families/women": "3"}]},
        {"blocks/families": [{"blocks/families/women": "x"}]}, "junk"]}, None)
    assert [(r["site_code"], r["shelter"], r["sex"], r["value"]) for r in rows] == [
        ("S9", "tent", "f", 2.0), ("S9", "tent", "f", 3.0)]


def test_no_mapping_gives_nothing():
    assert observations_for({}, {"a": "1"}, 4.0) == []


@pytest.mark.parametrize("text, integer, expected", [
    ("1234", True, 1234.0), ("1,234", True, 1234.0), ("1.234", True, 1234.0),
    ("1 234 567", True, 1234567.0), ("12.0", True, 12.0), ("-3", True, -3.0),
    ("1,234", False, None), ("1.234", False, 1.234), ("1,5", False, 1.5),
    ("1,234.5", False, 1234.5), ("1.234,5", False, 1234.5), ("1,234,567", False, 1234567.0),
    ("1,5", True, None), ("12,34", True, None), ("abc", True, None), ("", True, None),
    ("nan", False, None), ("inf", True, None), (None, True, None), (True, True, None),
    (7, True, 7.0),
])
def test_counts_are_read_only_when_unambiguous(text, integer, expected):
    assert parse_count(text, integer) == expected
