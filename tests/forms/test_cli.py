"""`pantau form …` end to end, as a user types it."""

from __future__ import annotations

from tests.forms.xlsforms import site_form, write_xlsform


def test_form_commands_end_to_end(cli, tmp_path):
    cli("operation", "create", "idn-sulteng", "--country", "IDN", "--name", "Sulteng",
        "--household-size", "3.9")
    out = cli("form", "library").output
    assert "dtm_sa" in out and "dtm_ett" in out and "dtm_ba" in out
    out = cli("form", "export-library", tmp_path / "lib").output
    assert "dtm_sa.xlsx" in out and (tmp_path / "lib" / "dtm_ett.xlsx").exists()

    out = cli("form", "import", "idn-sulteng", tmp_path / "lib" / "dtm_sa.xlsx").output
    assert "Imported new form dtm_sa version 2025010101 (SA;" in out
    out = cli("form", "import", "idn-sulteng", tmp_path / "lib" / "dtm_sa.xlsx").output
    assert "nothing changed" in out
    cli("form", "import", "idn-sulteng", site_form(tmp_path / "mine.xlsx", form_id="posko"),
        "--type", "BA")
    out = cli("form", "list", "idn-sulteng").output
    assert "dtm_sa" in out and "posko" in out and "BA" in out

    out = cli("form", "inspect", "idn-sulteng", "dtm_sa").output
    assert "population/idp_f_children" in out and "#affected+idps+ind+f+children" in out
    assert "sex=f" in out and "Unmapped fields (3)" in out and "location/gps" in out


def test_inspect_a_file_without_importing(cli, tmp_path):
    path = write_xlsform(tmp_path / "draft.xlsx", [
        ["integer", "kk", "KK", "", ""], ["integer", "jiwa", "Jiwa", "#affected+idps", ""]],
        {"form_id": "draft", "version": "1"})
    out = cli("form", "inspect", path).output
    assert "draft version 1" in out and "Unmapped fields (1): kk" in out
    assert "Numeric fields not counted: kk" in out
    mapping = tmp_path / "m.yaml"
    mapping.write_text("fields:\n  kk: '#affected+idps+hh'\n", encoding="utf-8")
    out = cli("form", "inspect", path, "--mapping", mapping).output
    assert "Unmapped fields (0): none" in out


def test_cli_errors_are_clear(cli, tmp_path):
    cli("operation", "create", "idn-sulteng", "--country", "IDN", "--name", "Sulteng")
    bad = write_xlsform(tmp_path / "bad.xlsx", [["integer", "n", "N", "affected", ""]],
                        {"form_id": "bad", "version": "1"})
    result = cli("form", "import", "idn-sulteng", bad, ok=False)
    assert result.exit_code == 1
    assert "bad.xlsx, row 2, field 'n'" in result.output and "nothing was imported" in \
        result.output
    result = cli("form", "inspect", "idn-sulteng", "nope", ok=False)
    assert result.exit_code == 1 and "No form in idn-sulteng 'nope'" in result.output
