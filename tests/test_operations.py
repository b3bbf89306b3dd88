"""Operations and rounds through the CLI and the Python API, with bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from pantau.errors import PantauError


def test_create_operation_and_rounds_cli(cli, ws):
    cli("operation", "create", "idn-sulteng", "--country", "IDN",
        "--name", "Central Sulawesi Earthquake 2018", "--household-size", "3.9")
    cli("operation", "add-round", "idn-sulteng", "SA", "0", "--start", "2018-10-01",
        "--end", "2018-10-14", "--reported", "2018-10-20")
    cli("operation", "add-round", "idn-sulteng", "BA", "1")
    out = cli("operation", "rounds", "idn-sulteng").output
    assert "SA" in out and "2018-10-20" in out
    op = ws.operations.get("idn-sulteng")
    assert op.country_iso3 == "IDN" and op.avg_household_size == pytest.approx(3.9)
    assert [(r.assessment_type, r.number) for r in ws.operations.rounds("idn-sulteng")] == [
        ("BA", 1), ("SA", 0)]
    assert "Central Sulawesi" in cli("operation", "list").output


def test_iso2_country_is_normalised(ws):
    assert ws.operations.create("chad-1", "td", "Chad mobility").country_iso3 == "TCD"


@pytest.mark.parametrize("kwargs, message", [
    ({"slug": "X y", "country_iso3": "IDN", "name": "n"}, "lower-case"),
    ({"slug": "ok-1", "country_iso3": "XXX", "name": "n"}, "not an ISO 3166"),
    ({"slug": "ok-1", "country_iso3": "IDN", "name": " "}, "needs a name"),
    ({"slug": "ok-1", "country_iso3": "IDN", "name": "n", "avg_household_size": -2}, "between"),
])
def test_bad_operation(ws, kwargs, message):
    with pytest.raises(PantauError, match=message):
        ws.operations.create(**kwargs)
    assert ws.operations.list() == []


def test_duplicate_and_bad_rounds(ws, cli):
    ws.operations.create("op-a", "IDN", "A")
    ws.operations.add_round("op-a", "SA", 1)
    with pytest.raises(PantauError, match="exists already"):
        ws.operations.add_round("op-a", "sa", 1)
    with pytest.raises(PantauError, match="0 or more"):
        ws.operations.add_round("op-a", "SA", -1)
    with pytest.raises(PantauError, match="No assessment type"):
        ws.operations.add_round("op-a", "XYZ", 2)
    with pytest.raises(PantauError, match="after"):
        ws.operations.add_round("op-a", "SA", 3, dt.date(2020, 2, 1), dt.date(2020, 1, 1))
    result = cli("operation", "add-round", "op-a", "SA", "1", ok=False)
    assert result.exit_code == 1 and "exists already" in result.output
    assert len(ws.operations.rounds("op-a")) == 1


def test_user_defined_assessment_type(ws):
    ws.operations.add_assessment_type("MSLA", "Multi-sectoral location assessment")
    ws.operations.create("op-b", "HTI", "Haiti")
    ws.operations.add_round("op-b", "MSLA", 0)
    codes = [a["code"] for a in ws.operations.vocabularies()["assessment_types"]]
    assert "MSLA" in codes
    with pytest.raises(PantauError):
        ws.operations.add_assessment_type("bad code", "x")


def test_uninitialised_workspace_is_a_clear_error(tmp_path):
    from typer.testing import CliRunner

    from pantau.cli import app

    r = CliRunner().invoke(app, ["--workspace", str(tmp_path / "none"), "operation", "list"],
                           env={"PANTAU_DATABASE_URL": ""})
    assert r.exit_code == 1 and "pantau init" in r.output


def test_rounds_pin_the_gazetteer_version_of_their_period(ws, tmp_path):
    def version(label: str, valid_from: str, name: str) -> None:
        path = tmp_path / f"{label}.csv"
        path.write_text(f"ADM1_PCODE,ADM1_EN\nID72,{name}\n", encoding="utf-8")
        ws.gazetteer.import_file(path, country="IDN", label=label,
                                 valid_from=dt.date.fromisoformat(valid_from))

    version("v2015", "2015-01-01", "Sulawesi Tengah")
    version("v2020", "2020-04-01", "Central Sulawesi")
    ws.operations.create("idn-x", "IDN", "X")
    r1 = ws.operations.add_round("idn-x", "SA", 1, dt.date(2018, 10, 8), dt.date(2018, 10, 19))
    r2 = ws.operations.add_round("idn-x", "SA", 2, reporting_date=dt.date(2021, 1, 1))
    r3 = ws.operations.add_round("idn-x", "BA", 1, gazetteer_version="v2015")
    assert (r1.gazetteer_version, r2.gazetteer_version, r3.gazetteer_version) == (
        "v2015", "v2020", "v2015")
    assert {r.gazetteer_version for r in ws.operations.rounds("idn-x")} == {"v2015", "v2020"}
    with pytest.raises(PantauError, match="No gazetteer version"):
        ws.operations.add_round("idn-x", "BA", 2, gazetteer_version="v1999")
