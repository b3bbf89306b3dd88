"""`pantau check` and `pantau flags` as a user types them."""

from __future__ import annotations

from tests.quality.conftest import OP


def test_check_prints_a_table_of_checks_and_flags(sa, cli, tmp_path):
    sa.send(sa.record("PAL-001", "2018-10-05", hh=80, ind=60),
            sa.record("XXX-999", "2018-10-05"))
    out = cli("check", OP, "--form", "dtm_sa", "--round", "1").output
    assert f"{OP}: 2 submission(s) checked, 3 flag(s)." in out
    rows = [[c.strip() for c in line.strip("│┃").split("│" if "│" in line else "┃")]
             for line in out.splitlines() if line[:1] in "│┃"]
    table = {r[0]: r[1:] for r in rows}
    assert table["check"] == ["error", "warning", "info", "total"]
    assert table["constraint"] == ["1", "·", "·", "1"]
    assert table["site_unknown"] == ["1", "·", "·", "1"]
    assert table["jump"] == ["·", "·", "·", "0"]
    listed = cli("flags", OP, "--severity", "error", "--check", "site_unknown").output
    assert "site XXX-999 is not in the operation's master list" in listed
    assert "1 flag(s)" in listed


def test_check_with_bad_settings_or_unknown_round_fails_with_a_message(sa, cli, tmp_path):
    sa.send(sa.record("PAL-001", "2018-10-05"))
    bad = tmp_path / "q.yaml"
    bad.write_text("checks: {jump: {ratio: -1}}\n", encoding="utf-8")
    result = cli("check", OP, "--config", bad, ok=False)
    assert result.exit_code == 1
    assert "q.yaml: checks.jump.ratio: expected a number ≥ 0" in result.output
    result = cli("check", OP, "--round", "9", ok=False)
    assert result.exit_code == 1 and "No round of idn-sulteng '9'" in result.output
    result = cli("flags", OP, "--severity", "fatal", ok=False)
    assert "severity 'fatal' is not one of error, warning, info" in result.output


def test_every_check_and_setting_is_documented():
    from pathlib import Path

    from pantau.quality import CHECKS

    text = (Path(__file__).resolve().parents[2] / "docs" / "quality.md").read_text("utf-8")
    for name, spec in CHECKS.items():
        assert f"| `{name}` | {spec.severity} |" in text, name
        for param, default in spec.params.items():
            assert f"`{param}` ({default:g})" in text, (name, param)
