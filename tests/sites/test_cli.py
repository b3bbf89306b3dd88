"""`pantau sites …` end to end, as a user types it, on both stores."""

from __future__ import annotations

from tests.sites.conftest import HUNTAP_TONDO, JONO_OGE, OP, write_csv, write_xlsx


def test_sites_cli_end_to_end(cli, boundaries, tmp_path):
    cli("operation", "create", OP, "--country", "IDN", "--name", "Central Sulawesi 2018")
    src = write_xlsx(tmp_path / "master.xlsx", [
        ["Site ID", "Site Name", "Type", "Latitude", "Longitude", "Opened", "Managed by"],
        ["PAL-001", "Huntap Tondo", "camp", *HUNTAP_TONDO, "2018-10-05", "Pemkot Palu"],
        ["SIG-001", "Jono Oge", "collective centre", *JONO_OGE, "2018-10-10", ""]])
    out = cli("sites", "import", OP, src, "--by", "imo").output
    assert "2 created" in out and "0 updated" in out

    listed = cli("sites", "list", OP).output
    assert "Huntap Tondo" in listed and "ID7271" in listed and "2 sites" in listed
    only_sigi = cli("sites", "list", OP, "--admin", "ID7210").output
    assert "Jono Oge" in only_sigi and "Huntap Tondo" not in only_sigi
    assert "Jono Oge" not in cli("sites", "list", OP, "--type", "camp").output
    assert "0 sites" in cli("sites", "list", OP, "--open-on", "2018-10-01").output

    out = cli("sites", "close", OP, "PAL-001", "--on", "2019-03-31", "--reason",
              "moved to permanent housing", "--by", "imo").output
    assert "Closed PAL-001" in out
    shown = cli("sites", "show", OP, "PAL-001").output
    assert "moved to permanent housing" in shown and "closed" in shown and "created" in shown
    assert "master.xlsx" in shown and "2019-03-31" in shown

    export = tmp_path / "export.csv"
    assert "Wrote 2 sites" in cli("sites", "export", OP, export).output
    again = cli("sites", "import", OP, export).output
    assert "2 unchanged" in again and "0 created" in again
    assert "Reopened PAL-001" in cli("sites", "reopen", OP, "PAL-001").output


def test_sites_cli_reports_problems_and_exits_1(cli, boundaries, tmp_path):
    cli("operation", "create", OP, "--country", "IDN", "--name", "Central Sulawesi 2018")
    lat, lon = HUNTAP_TONDO
    bad = write_csv(tmp_path / "bad.csv", [["Site ID", "Site Name", "Type", "Latitude",
                                            "Longitude"],
                                           ["PAL-001", "Huntap Tondo", "camp", lon, lat],
                                           ["PAL-001", "Twice", "camp", lat, lon]])
    result = cli("sites", "import", OP, bad, ok=False)
    assert result.exit_code == 1
    assert "nothing was imported" in result.output
    assert "row 2, field 'Latitude': latitude and longitude look swapped" in result.output
    assert "row 3, field 'Site ID'" in result.output
    assert "0 sites" in cli("sites", "list", OP).output
    missing = cli("sites", "show", OP, "NOPE", ok=False)
    assert missing.exit_code == 1 and "No site" in missing.output
    bad_date = cli("sites", "close", OP, "PAL-001", "--on", "31/03/2019", "--reason", "x",
                   ok=False)
    assert bad_date.exit_code != 0 and "YYYY-MM-DD" in bad_date.output
