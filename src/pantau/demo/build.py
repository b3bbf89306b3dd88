"""Build the demo workspace through the public API, exactly as a user would load real data.

Gazetteer → operation and rounds → the shipped SA form → round by round, the master list and
the round's KoboToolbox export of site assessments, each through the same importer a user
runs (`ws.gazetteer.import_file`, `ws.forms.import_xlsform`, `ws.sites.import_file`,
`ws.ingest.import_file`), so the demo doubles as an end-to-end exercise of pantau. Then, as
a data manager would: the quality checks, a small cleaning log (the counts typed with a
thousands separator), and the approval of the first rounds, so the analytics show approved
data.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from pantau.access.demo import DemoUser, add_demo_users
from pantau.config import Settings
from pantau.demo import files, guard, italy, scenario
from pantau.demo.kobo_exports import SaExport, write_exports
from pantau.demo.masterlist import build_sites
from pantau.demo.shapes import BOUNDARIES_FILE
from pantau.errors import Problem
from pantau.store.models import Observation, Operation, Round
from pantau.workspace import Workspace

HERE = Path(__file__).parent
CODAB_FILE = HERE / "sulteng-adm1-2.csv"
INPUTS = "inputs"  # folder in the workspace with the files the demo imported

SA_FORM = "dtm_sa.xlsx"  # the shipped SA form the exports were collected with
INGEST_STATUSES = ("created", "updated", "duplicate", "conflict", "quarantined")

STEPS = 11 + 2 * len(scenario.ROUNDS)
APPROVED_ROUNDS = (1, 2, 3)  # the last round is still under review in the demo
CLEANING_LOG = "cleaning-log.csv"
_THOUSANDS = re.compile(r"\d{1,3}([.,]\d{3})+")  # 1.125 / 1,142: Indonesian or English separator


class Reporter:
    """Hears how the build goes; the CLI's subclass draws Rich progress bars."""

    def step(self, label: str, number: int, total: int) -> None:
        """Step `number` of `total` begins; `label` is a sentence for people."""

    def rows(self, what: str, done: int, total: int | None) -> None:
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
    exports: list[SaExport] = field(default_factory=list)  # the SA rounds' Kobo exports
    analytics: dict[str, int] = field(default_factory=dict)  # table -> rows after refresh
    counted: int = 0  # observations that count (approved) in the analytics tables
    flags: int = 0  # flags the quality checks wrote
    cleaned: int = 0  # answers corrected by the demo's cleaning log
    approved: list[int] = field(default_factory=list)  # rounds approved
    users: list[DemoUser] = field(default_factory=list)  # demo accounts, demo-only passwords


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
        step("Importing the SA form and writing the rounds' KoboToolbox exports")
        form, version = _sa_form(ws, inputs)
        result.imported.append(form)
        sites = build_sites()
        result.exports = write_exports(sites, inputs, version)
        for rnd, export in zip(scenario.ROUNDS, result.exports, strict=True):
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
            step(f"Ingesting the site assessments of round {rnd.number} "
                 f"({export.path.suffix[1:].upper()} from KoboToolbox)")
            result.imported.append(_assessments(ws, export, report))
        step("Checking the data (form rules, DTM logic, outliers, duplicates)")
        result.flags = ws.quality.check(scenario.SLUG).total
        step("Applying a cleaning log")
        result.cleaned = _clean(ws, inputs)
        step(f"Approving rounds {APPROVED_ROUNDS[0]}–{APPROVED_ROUNDS[-1]}, area by area")
        for number in APPROVED_ROUNDS:
            ws.review.approve(scenario.SLUG, number, type=scenario.ASSESSMENT,
                              by=scenario.CHANGED_BY)
            result.approved.append(number)
        step("Refreshing the analytics tables (approved data only)")
        refreshed = ws.analytics.refresh(scenario.SLUG, progress=report.rows)
        result.analytics, result.counted = dict(refreshed.rows), refreshed.observations
        step(f"Second operation: {italy.NAME} (flow monitoring points, FMR and FMS)")
        result.imported.append(Imported(italy.FMR_FILE, f"{italy.SLUG}: FMPs, FMR and FMS",
                                        italy.build(ws, inputs / italy.SLUG)))
        step("Adding demo users (one per role) and making the demo operations public")
        result.users = add_demo_users(ws, scenario.SLUG, by=scenario.CHANGED_BY)
        for op in ws.operations.list():
            ws.access.set_public(op.slug, True, by=scenario.CHANGED_BY)
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


def _sa_form(ws: Workspace, inputs: Path) -> tuple[Imported, str]:
    """The shipped SA form, as a coordinator would upload it; returns it and its version."""
    from pantau.forms.library import path_of

    path = Path(shutil.copy(path_of(SA_FORM), inputs / SA_FORM))
    info = ws.forms.import_xlsform(scenario.SLUG, path)
    warnings = [Problem(path.name, w, severity="warning") for w in info.warnings]
    return Imported(path.name, f"{info.assessment_type} form '{info.form_id}' (XLSForm)", {
        "fields": info.fields, "counted": info.values}, warnings), info.version


def _assessments(ws: Workspace, export: SaExport, report: Reporter) -> Imported:
    """Ingest one round's Kobo export; counts say what came in, warnings what was kept out."""
    total = export.rows
    report.rows("saving", 0, total)
    ingested = ws.ingest.import_file(scenario.SLUG, scenario.SA_FORM_ID, export.path,
                                     progress=lambda done: report.rows("saving", done, total))
    report.rows("saving", total, total)
    counts = {status: ingested.counts.get(status, 0) for status in INGEST_STATUSES}
    counts.update(_observed(ws, export.round))
    warnings = [Problem(*_split(message), severity="warning")
                for message in ingested.messages]
    return Imported(export.path.name, f"SA round {export.round}: {export.shape}", counts,
                    warnings)


def _clean(ws: Workspace, inputs: Path) -> int:
    """What a data manager does with the flags: export them, correct the counts typed with a
    thousands separator (`1.125` is 1125, not one person), and apply the log."""
    path = inputs / CLEANING_LOG
    ws.quality.clean_export(scenario.SLUG, path, flagged=True)
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    fixes = [r for r in rows if "type: not a whole number" in r["flags"]
             and _THOUSANDS.fullmatch(r["old_value"])]
    for r in fixes:
        r["new_value"] = re.sub(r"[.,]", "", r["old_value"])
        r["reason"] = "thousands separator typed in a count of people"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["uuid"])
        writer.writeheader()
        writer.writerows(fixes)
    if not fixes:
        return 0
    return ws.quality.clean_apply(scenario.SLUG, path, by=scenario.CHANGED_BY).changed


def _split(message: str) -> tuple[str, str]:
    """"file, row 3: quarantined: why" -> ("file, row 3", "quarantined: why")."""
    where, _, what = message.partition(": ")
    return where, what


def _observed(ws: Workspace, number: int) -> dict[str, int]:
    """What the round's submissions gave: observations, and IDP individuals in sites (the
    figure the round reports)."""
    individuals = func.sum(Observation.value).filter(
        Observation.population_group == "idps", Observation.unit == "individuals",
        Observation.sex.is_(None), Observation.age_group.is_(None))
    with ws.session() as s:
        n, people = s.execute(
            select(func.count(Observation.id), individuals)
            .join(Round, Round.id == Observation.round_id)
            .join(Operation, Operation.id == Round.operation_id)
            .where(Operation.slug == scenario.SLUG, Round.assessment_type == scenario.ASSESSMENT,
                   Round.number == number)).one()
    return {"observations": int(n), "IDP individuals": int(people or 0)}
