"""`pantau flow …` as a user types it, on both stores."""

from __future__ import annotations

import json

from pantau.demo import italy
from tests.flow.conftest import OP, fmr_row, write_fmr


def test_flow_commands_end_to_end(cli, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    cli("gazetteer", "import", italy.write_gazetteer(inputs), "--country", "ITA", "--label",
        "t", "--valid-from", "2024-01-01")
    cli("gazetteer", "import", italy.write_boundaries(inputs), "--country", "ITA", "--label",
        "t")
    cli("operation", "create", OP, "--country", "ITA", "--name", "Italy flows")
    out = cli("flow", "points", "import", OP, italy.write_points(inputs)).output
    assert "sites 5 created" in out and "FMP details 5 created" in out
    out = cli("flow", "points", "list", OP, "--json").output
    assert {p["code"] for p in json.loads(out)} == {p.code for p in italy.POINTS}
    fmr = write_fmr(tmp_path / "fmr.csv", [
        fmr_row(_uuid="1"), fmr_row(_uuid="2", nationality="Côte d'Ivoire",
                                    previous_country="Tunisia")])
    out = cli("flow", "import", OP, fmr).output
    assert "2 created, 0 updated, 0 unchanged (20 individuals" in out
    assert "Côte d'Ivoire → CIV (Côte d'Ivoire), by name" in out
    assert "0 created, 0 updated, 2 unchanged" in cli("flow", "import", OP, fmr).output
    out = cli("flow", "statements", OP, "--direction", "incoming", "--by",
              "previous_country").output
    assert "50.0% of individuals arriving at the 5 flow monitoring points of ita-flow " \
           "departed from Libya (n = 20" in " ".join(out.split())
    rows = json.loads(cli("flow", "flows", OP, "--period", "week", "--by", "nationality",
                          "--json").output)
    assert rows[0]["period"] == "2024-01-01" and {r["nationality"] for r in rows} == {
        "BGD", "CIV"}
    assert "LBY" in cli("flow", "od", OP).output
    assert "2024-01-01" in cli("flow", "compare", OP, "--period", "month").output
    assert "TUN" in cli("flow", "shares", OP, "--from", "2024-01-01", "--to",
                        "2024-01-31").output
    out = cli("flow", "export", OP, tmp_path / "flows.xlsx").output
    assert "Wrote 2 rows" in out and (tmp_path / "flows.xlsx").exists()


def test_a_refused_import_lists_every_problem(cli, italy_ws, tmp_path):
    bad = write_fmr(tmp_path / "bad.csv", [fmr_row(total=11), fmr_row(nationality="Narnia")])
    result = cli("flow", "import", OP, bad, ok=False)
    assert result.exit_code == 1
    assert "bad.csv: 2 problem(s); nothing was imported." in result.output
    assert "bad.csv, row 2, field 'total'" in result.output
    assert "bad.csv, row 3, field 'nationality': 'Narnia'" in result.output
