"""One check run: read the versions in scope, run every enabled check, replace their flags.

Takes either a selection (operation, form, round) or explicit version ids, so ingest can later
call it on the versions a batch just stored. Everything happens in the caller's transaction: a
rule that does not compile fails before anything is written, and the old flags of the checks
that ran are replaced in the same transaction as the new ones are written.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pantau.errors import PantauError
from pantau.forms.store import forms_of, get_form
from pantau.forms.xlsform import XLSFormError, read_xlsform
from pantau.gazetteer.locate import Locator, latest_version_id
from pantau.operations import get_operation
from pantau.quality.across import check_across
from pantau.quality.config import QualityConfig
from pantau.quality.dtm import check_numbers
from pantau.quality.formrules import FormRules, Found, geopoint
from pantau.quality.places import (
    SiteRow,
    check_locations,
    check_period,
    check_site,
    sites_of,
)
from pantau.quality.records import (
    Record,
    RoundRow,
    answers,
    current_versions,
    rounds_of,
    summarise,
)
from pantau.store.bulk import insert_rows
from pantau.store.models import Form, FormVersion, QualityFlag

Progress = Callable[[int, int], None]
Point = tuple[float, float] | None
_COLUMNS = ("version_id", "check_name", "severity", "field", "message", "created_at")
_RULE_KEYS = ("required", "relevant", "constraint", "calculation")


@dataclass
class CheckResult:
    """What a run did: versions checked and flags written per (check, severity)."""

    versions: int
    flags: Counter[tuple[str, str]] = field(default_factory=Counter)
    checks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.flags.values())


def run_checks(s: Session, operation: str, config: QualityConfig, form: str | None = None,
               round_number: int | None = None, version_ids: list[int] | None = None,
               progress: Progress | None = None) -> CheckResult:
    op = get_operation(s, operation)
    forms = [get_form(s, operation, form)] if form else forms_of(s, op.id)
    known = {f.xml_form_id for f in forms_of(s, op.id)}
    for rule in config.rules:
        if rule.form and rule.form not in known:
            raise PantauError("invalid", message=f"{config.source}: rule '{rule.name}' names "
                              f"form '{rule.form}', which {operation} does not have")
    rounds = rounds_of(s, op.id)
    records = current_versions(s, [f.id for f in forms])
    scope = _scope(records, rounds, round_number, version_ids, operation)
    result = CheckResult(len(scope), checks=config.enabled)
    if not scope:
        return result
    summarise(s, records, op.id)
    ctx = _Context(rules=_form_rules(s, forms, config), sites=sites_of(s, op.id),
                   rounds=rounds, locators=_Locators(s, op.country_iso3, rounds),
                   with_rounds={f.id for f in forms if any(
                       r.assessment_type == f.assessment_type for r in rounds.values())})
    result.notes.extend(ctx.notes(len(forms)))
    found, points = _per_record(s, scope, records, ctx, config, progress)
    for version_id, group in ctx.locators.split(points).items():
        for vid, more in check_locations(group, ctx.locators.get(version_id), ctx.sites,
                                         config).items():
            found[vid].extend(more)
    for vid, more in check_across(records.values(), set(scope), rounds, config).items():
        found[vid].extend(more)
    _write(s, scope, found, config, result)
    return result


def _scope(records: dict[int, Record], rounds: dict[int, RoundRow], round_number: int | None,
           version_ids: list[int] | None, operation: str) -> list[int]:
    """The version ids to check, in id order."""
    wanted = set(version_ids) if version_ids is not None else None
    round_ids = {r.id for r in rounds.values() if r.number == round_number}
    if round_number is not None and not round_ids:
        raise PantauError("not_found", what=f"round of {operation}", key=str(round_number))
    return [vid for vid, r in records.items()
            if (wanted is None or vid in wanted)
            and (round_number is None or r.round_id in round_ids)]


@dataclass
class _Context:
    """What the per-record checks need, read once per run."""

    rules: dict[int, _Rules]
    sites: dict[str, SiteRow]
    rounds: dict[int, RoundRow]
    locators: _Locators
    with_rounds: set[int]  # forms with rounds of their assessment type

    def notes(self, forms: int) -> list[str]:
        out = []
        if not self.sites:
            out.append("no master list of sites: site_unknown and site_closed skipped")
        if not self.locators.any():
            out.append("no boundaries in the gazetteer: pcode_location skipped")
        if len(self.with_rounds) < forms:
            out.append("forms without rounds of their assessment type: round_period skipped "
                       "for them")
        return out


def _per_record(s: Session, scope: list[int], records: dict[int, Record], ctx: _Context,
                config: QualityConfig, progress: Progress | None
                ) -> tuple[dict[int, list[Found]], list[tuple[Record, Point]]]:
    """Form rules, DTM logic, site and round of each record; its point for the locator."""
    geo_field = {vid: _geopoint_field(r.fields) for vid, r in ctx.rules.items()}
    found: dict[int, list[Found]] = {}
    points: list[tuple[Record, Point]] = []
    for n, (vid, data) in enumerate(answers(s, scope), 1):
        rec = records[vid]
        checker = ctx.rules.get(rec.form_version_id or -1)
        mine = checker.check(data) if checker else []
        mine += check_numbers(rec, config)
        mine += check_site(rec, ctx.sites, config)
        if rec.form_id in ctx.with_rounds:
            mine += check_period(rec, ctx.rounds, config)
        found[vid] = mine
        gps = geo_field.get(rec.form_version_id or -1)
        points.append((rec, geopoint(data.get(gps)) if gps else None))
        if progress and (n % 500 == 0 or n == len(scope)):
            progress(n, len(scope))
    return found, points


class _Locators:
    """One point-in-polygon locator per gazetteer version: a record is placed with the
    version its round is pinned to (the latest one for records without a round)."""

    def __init__(self, s: Session, country: str, rounds: dict[int, RoundRow]) -> None:
        self.s, self.country, self.rounds = s, country, rounds
        self.latest = latest_version_id(s, country)
        self._cache: dict[int | None, Locator] = {}

    def version_of(self, rec: Record) -> int | None:
        r = self.rounds.get(rec.round_id) if rec.round_id is not None else None
        return r.gazetteer_version_id if r and r.gazetteer_version_id else self.latest

    def get(self, version_id: int | None) -> Locator | None:
        if version_id not in self._cache:
            self._cache[version_id] = Locator.load(self.s, self.country, version_id)
        return self._cache[version_id] or None

    def any(self) -> bool:
        versions = {self.latest} | {r.gazetteer_version_id for r in self.rounds.values()}
        return any(self.get(v) for v in versions if v is not None)

    def split(self, points: list[tuple[Record, Point]]
              ) -> dict[int | None, list[tuple[Record, Point]]]:
        out: dict[int | None, list[tuple[Record, Point]]] = {}
        for rec, point in points:
            out.setdefault(self.version_of(rec), []).append((rec, point))
        return out


@dataclass
class _Rules:
    checker: FormRules
    fields: list[dict[str, Any]]

    def check(self, data: dict[str, Any]) -> list[Found]:
        return self.checker.check(data)


def _form_rules(s: Session, forms: list[Form], config: QualityConfig) -> dict[int, _Rules]:
    """Compiled rules per form version that has current submissions."""
    out: dict[int, _Rules] = {}
    by_id = {f.id: f for f in forms}
    for v in s.scalars(select(FormVersion).where(FormVersion.form_id.in_(list(by_id)))):
        fields = fields_with_rules(v)
        out[v.id] = _Rules(FormRules(by_id[v.form_id].xml_form_id, fields, config,
                                     config.rules), fields)
    return out


def fields_with_rules(v: FormVersion) -> list[dict[str, Any]]:
    """The stored fields; for a version imported before pantau kept the XLSForm's rules in
    them, the rules are read again from the stored XLSForm file."""
    fields = list(v.fields or [])
    if any(k in f for f in fields for k in _RULE_KEYS) or not v.xlsform:
        return fields
    try:
        again = read_xlsform(v.xlsform, v.xlsform_name or "form.xlsx").fields
    except XLSFormError:
        return fields
    return again if [f["path"] for f in again] == [f["path"] for f in fields] else fields


def _geopoint_field(fields: list[dict[str, Any]]) -> str | None:
    return next((f["path"] for f in fields
                 if f.get("type") == "geopoint" and f.get("repeat") is None), None)


def _write(s: Session, scope: list[int], found: dict[int, list[Found]], config: QualityConfig,
           result: CheckResult) -> None:
    """Replace the flags of the checks that ran: delete, then insert the new ones as they are
    counted (a generator: a million submissions' flags are never all in one list)."""
    now = dt.datetime.now(dt.UTC)
    checks = config.enabled
    severity = {c: config.severity(c) for c in {f.check for fs in found.values() for f in fs}}
    counts = result.flags

    def rows() -> Iterator[tuple[Any, ...]]:
        for vid in scope:
            for f in found.get(vid, ()):
                level = severity[f.check]
                counts[(f.check, level)] += 1
                yield (vid, f.check, level, (f.field or None) and f.field[:300], f.message, now)

    for i in range(0, len(scope), 1000):
        s.execute(delete(QualityFlag).where(QualityFlag.version_id.in_(scope[i:i + 1000]),
                                            QualityFlag.check_name.in_(checks)))
    insert_rows(s, QualityFlag.__table__, _COLUMNS, rows())
