"""Tested docs: a setting or a command without documentation fails the build."""

from __future__ import annotations

from pathlib import Path

import click
import typer.main

from pantau.cli import app
from pantau.config import SETTINGS

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _all_docs() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in DOCS.glob("*.md"))


def _commands(group: click.Group, prefix: str = "pantau") -> list[str]:
    out = []
    for name, cmd in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, path))
        else:
            out.append(path)
    return out


def test_every_setting_is_documented():
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    for s in SETTINGS:
        assert s.env in text, f"{s.env} is not in docs/settings.md"


def test_every_command_is_documented_and_has_help():
    group = typer.main.get_command(app)
    docs = _all_docs()
    commands = _commands(group)
    assert "pantau init" in commands
    missing = [c for c in commands if c not in docs]
    assert not missing, f"commands without documentation in docs/: {missing}"
    for name, cmd in group.commands.items():
        assert (cmd.help or "").strip(), f"pantau {name} has no help text"


def test_help_reads_like_a_guide():
    from typer.testing import CliRunner

    out = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"}).output
    assert "pantau demo" in out and "PANTAU_DATABASE_URL" in out
