"""Build the demo workspace through the public API, exactly as a user would load real data.

Gazetteer → operation and rounds → master list round by round, each through the same
importer a user runs (`ws.gazetteer.import_file`, `ws.sites.import_file`), so the demo
doubles as an end-to-end exercise of pantau.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from pantau.config import Settings
from pantau.demo import files, guard, scenario
from pantau.demo.masterlist import build_sites
from pantau.demo.shapes import BOUNDARIES_FILE
from pantau.errors import Problem
from pantau.workspace import Workspace

HERE = Path(__file__).parent
CODAB_FILE = HERE / "sulteng-adm1-2.csv"
INPUTS = "inputs"  # folder in the workspace with the files the demo imported

STEPS = 4 + len(scenario.ROUNDS)


class Reporter:
    """Hears how the build goes; the CLI's subclass draws Rich progress bars."""

    def step(self, label: str, number: int, total: int) -> None:
        """Step `number` of `total` begins; `label` is a sentence for people."""

    def rows(self, what: str, done: int, total: int) -> None:
        """Rows of the current file checked or saved ("checking" / "saving")."""


@dataclass
class Imported:
    """One file the demo imported and what the importer said about it."""

    file: str
    what: str
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)


@dataclass
class DemoResult:
    workspace: Path
    store: str
    operation: str
    imported: list[Imported] = field(default_factory=list)


def build(settings: Settings, reporter: Reporter | None = None) -> DemoResult:
    """Rebuild the demo workspace from scratch; refuses to touch anything not made by it."""
    report = reporter or Reporter()
    counter = iter(range(1, STEPS + 1))

    def step(label: str) -> None:
        report.step(label, next(counter), STEPS)

    what = guard.plan(settings)
    step("Preparing the workspace")
    guard.prepare(settings, what)
    ws = Workspace.init(settings)
    try:
        result = DemoResult(settings.workspace, settings.safe_url(), scenario.SLUG)
        inputs = settings.workspace / INPUTS
        inputs.mkdir(exist_ok=True)
        step("Importing the gazetteer of Sulawesi Tengah (COD-AB table)")
        result.imported.append(_gazetteer(ws, inputs, CODAB_FILE, "admin units",
                                          valid_from=scenario.GAZETTEER_VALID_FROM))
        step("Adding the approximate demo boundaries")
        result.imported.append(_gazetteer(ws, inputs, BOUNDARIES_FILE, "boundaries"))
        step("Creating the operation and its rounds")
        _operation(ws)
        sites = build_sites()
        for rnd in scenario.ROUNDS:
            step(f"Importing the master list of round {rnd.number}")
            path = files.write_round(sites, rnd.number, inputs)
            imported = ws.sites.import_file(
                scenario.SLUG, path, changed_by=scenario.CHANGED_BY,
                source=f"SA round {rnd.number}: {path.name}",
                progress=report.rows)
            result.imported.append(Imported(path.name, f"master list, round {rnd.number}", {
                "created": imported.created, "updated": imported.updated,
                "closed": imported.closed, "unchanged": imported.unchanged,
            }, list(imported.warnings)))
        return result
    finally:
        ws.close()


def _gazetteer(ws: Workspace, inputs: Path, source: Path, what: str,
               valid_from: dt.date | None = None) -> Imported:
    path = Path(shutil.copy(source, inputs / source.name))
    result = ws.gazetteer.import_file(path, country=scenario.COUNTRY,
                                      label=scenario.GAZETTEER_LABEL, valid_from=valid_from)
    added = sum(sum(c.added.values()) for c in result.countries)
    shaped = sum(c.with_geometry for c in result.countries)
    return Imported(path.name, what, {"units": added, "boundaries": shaped},
                    list(result.warnings))


def _operation(ws: Workspace) -> None:
    ws.operations.create(scenario.SLUG, scenario.COUNTRY, scenario.NAME,
                         description=scenario.DESCRIPTION,
                         avg_household_size=scenario.HOUSEHOLD_SIZE)
    for rnd in scenario.ROUNDS:
        ws.operations.add_round(scenario.SLUG, scenario.ASSESSMENT, rnd.number,
                                rnd.period_start, rnd.period_end, rnd.reporting_date)
