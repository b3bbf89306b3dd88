"""Which checks run, how strict they are, and the users' own rules — settings as data.

Every check is declared once in `CHECKS` (name, default severity, parameters with defaults,
what it does); the YAML loader, the docs and the runner all read that list. A file only says
what differs:

    checks:
      individuals_per_household: {min: 2, max: 10}
      jump: {ratio: 2.5, severity: error}
      pcode_location: {enabled: false}
    rules:
      - name: children_not_most
        form: dtm_sa                              # optional: only this form
        expression: "${idp_f_children} + ${idp_m_children} <= ${idp_ind}"
        field: idp_ind                            # optional: where the flag points
        severity: warning                         # error | warning | info (default warning)
        message: "More children than people"      # optional
    on_ingest: true                               # check each import, pull and OpenRosa batch

`on_ingest` (default true) runs the per-record checks on what each import, pull or OpenRosa
group commit stored, right after it commits (see pantau.quality.incoming); the checks that
compare records with each other (`ACROSS`) run on demand (`pantau check`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from pantau.errors import PantauError
from pantau.store.models import SEVERITIES


@dataclass(frozen=True)
class CheckSpec:
    name: str
    severity: str
    about: str
    params: dict[str, float] = field(default_factory=dict)


CHECKS: dict[str, CheckSpec] = {c.name: c for c in [
    CheckSpec("required", "error", "a required, relevant question is unanswered"),
    CheckSpec("type", "error", "an answer is not of its question's type (number, date, GPS)"),
    CheckSpec("choice", "error", "a select answer is not in the question's choice list"),
    CheckSpec("constraint", "error", "an answer breaks its question's constraint"),
    CheckSpec("not_relevant", "warning", "a question that is not relevant holds an answer"),
    CheckSpec("households_individuals", "error", "more households than individuals"),
    CheckSpec("sex_age_sum", "error",
              "the sex × age parts do not add up to the total individuals",
              {"tolerance": 0.0}),
    CheckSpec("individuals_per_household", "warning",
              "individuals per household outside a plausible range", {"min": 1.0, "max": 12.0}),
    CheckSpec("pcode_location", "warning",
              "the record's admin P-codes do not hold the site's coordinates"),
    CheckSpec("site_unknown", "error", "the site is not in the operation's master list"),
    CheckSpec("site_closed", "warning", "the site was closed (or not yet open) on the date"),
    CheckSpec("one_per_round", "warning", "more than one record for a site in a round"),
    CheckSpec("round_period", "warning", "the assessment date lies outside the round's period"),
    CheckSpec("zscore", "warning", "a site's value is far from its mean over the rounds",
              {"threshold": 3.0, "min_rounds": 4, "min_spread": 0.2}),
    CheckSpec("modified_zscore", "warning",
              "a site's value is far from its median over the rounds (median/MAD)",
              {"threshold": 3.5, "min_rounds": 4, "min_spread": 0.2}),
    CheckSpec("jump", "warning", "a site's value changed by more than a ratio since the "
              "previous round", {"ratio": 3.0, "min_value": 20}),
    CheckSpec("duplicate", "warning",
              "another record of the same site on the same day has near-identical values",
              {"tolerance": 0.05}),
]}

RULE_PREFIX = "rule:"
# Checks that compare a record with others (its site's other rounds, same-day records): they
# need the whole operation, so they run on demand, not on each incoming batch.
ACROSS = ("one_per_round", "duplicate", "zscore", "modified_zscore", "jump")


@dataclass(frozen=True)
class CheckSettings:
    enabled: bool
    severity: str
    params: dict[str, float]


@dataclass(frozen=True)
class UserRule:
    name: str
    expression: str
    form: str | None = None
    field: str | None = None
    severity: str = "warning"
    message: str = ""

    @property
    def check(self) -> str:
        return RULE_PREFIX + self.name


@dataclass(frozen=True)
class QualityConfig:
    checks: dict[str, CheckSettings]
    rules: tuple[UserRule, ...] = ()
    source: str = "defaults"
    on_ingest: bool = True  # check what each import, pull or OpenRosa batch stored

    def per_record(self) -> QualityConfig:
        """These settings with the `ACROSS` checks off: what a check of new arrivals runs.
        Their flags are then left as the last on-demand check wrote them."""
        checks = {n: replace(c, enabled=False) if n in ACROSS else c
                  for n, c in self.checks.items()}
        return replace(self, checks=checks)

    def on(self, name: str) -> bool:
        return self.checks[name].enabled

    def severity(self, name: str) -> str:
        if name.startswith(RULE_PREFIX):
            return next(r.severity for r in self.rules if r.check == name)
        return self.checks[name].severity

    def param(self, check: str, name: str) -> float:
        return self.checks[check].params[name]

    @property
    def enabled(self) -> list[str]:
        """Every check name that runs, user rules included (their flags are replaced)."""
        return [n for n, c in self.checks.items() if c.enabled] + [r.check for r in self.rules]


def defaults() -> QualityConfig:
    return parse_config({}, "defaults")


def load_config(path: str | Path) -> QualityConfig:
    """Read a YAML file; PantauError naming the file and every wrong key."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise PantauError("not_found", what="quality settings file", key=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise PantauError("invalid", message=f"{path.name}: not valid YAML{where}: "
                          f"{getattr(exc, 'problem', None) or exc}") from None
    return parse_config(doc if doc is not None else {}, path.name)


def parse_config(doc: Any, source: str) -> QualityConfig:
    """Settings from a parsed document; every problem is listed, nothing is half-taken."""
    problems: list[str] = []
    if not isinstance(doc, dict):
        raise PantauError("invalid", message=f"{source}: expected a mapping with `checks` "
                          "and/or `rules` (and `on_ingest`) at the top")
    for key in doc:
        if key not in ("checks", "rules", "on_ingest"):
            problems.append(f"unknown key '{key}' (expected checks, rules, on_ingest)")
    on_ingest = doc.get("on_ingest", True)
    if not isinstance(on_ingest, bool):
        problems.append("on_ingest: expected true or false")
    given = doc.get("checks") or {}
    if not isinstance(given, dict):
        problems.append("checks: expected a mapping of check name → settings")
        given = {}
    for name in given:
        if name not in CHECKS:
            problems.append(f"checks: unknown check '{name}' (known: {', '.join(CHECKS)})")
    checks = {name: _check(spec, given.get(name), problems) for name, spec in CHECKS.items()}
    rules = _rules(doc.get("rules") or [], problems)
    if problems:
        raise PantauError("invalid", message=f"{source}: " + "; ".join(problems))
    return QualityConfig(checks, tuple(rules), source, on_ingest is not False)


def _check(spec: CheckSpec, given: Any, problems: list[str]) -> CheckSettings:
    where = f"checks.{spec.name}"
    if given is None:
        return CheckSettings(True, spec.severity, dict(spec.params))
    if isinstance(given, bool):
        return CheckSettings(given, spec.severity, dict(spec.params))
    if not isinstance(given, dict):
        problems.append(f"{where}: expected a mapping (or true/false)")
        return CheckSettings(True, spec.severity, dict(spec.params))
    params = dict(spec.params)
    enabled, severity = True, spec.severity
    for key, value in given.items():
        if key == "enabled":
            if not isinstance(value, bool):
                problems.append(f"{where}.enabled: expected true or false")
            else:
                enabled = value
        elif key == "severity":
            if value not in SEVERITIES:
                problems.append(f"{where}.severity: '{value}' is not one of "
                                f"{', '.join(SEVERITIES)}")
            else:
                severity = value
        elif key in params:
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                problems.append(f"{where}.{key}: expected a number ≥ 0")
            else:
                params[key] = float(value)
        else:
            known = ", ".join(["enabled", "severity", *spec.params])
            problems.append(f"{where}: unknown setting '{key}' (known: {known})")
    if "min" in params and "max" in params and params["min"] > params["max"]:
        problems.append(f"{where}: min is above max")
    return CheckSettings(enabled, severity, params)


_RULE_KEYS = ("name", "expression", "form", "field", "severity", "message")


def _rules(given: Any, problems: list[str]) -> list[UserRule]:
    if not isinstance(given, list):
        problems.append("rules: expected a list of rules")
        return []
    out: list[UserRule] = []
    seen: set[str] = set()
    for i, item in enumerate(given, 1):
        where = f"rules[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: expected a mapping with name and expression")
            continue
        for key in item:
            if key not in _RULE_KEYS:
                problems.append(f"{where}: unknown key '{key}' (known: {', '.join(_RULE_KEYS)})")
        name, expression = item.get("name"), item.get("expression")
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{where}: a rule needs a name")
            continue
        where = f"rules[{i}] '{name}'"
        if name in seen:
            problems.append(f"{where}: the name is used twice")
        seen.add(name)
        if not isinstance(expression, str) or not expression.strip():
            problems.append(f"{where}: a rule needs an expression")
            continue
        severity = item.get("severity", "warning")
        if severity not in SEVERITIES:
            problems.append(f"{where}: severity '{severity}' is not one of "
                            f"{', '.join(SEVERITIES)}")
        text = {k: item.get(k) for k in ("form", "field", "message")}
        for key, value in text.items():
            if value is not None and not isinstance(value, str):
                problems.append(f"{where}: {key} must be text")
        out.append(UserRule(name.strip(), expression, _str(text["form"]), _str(text["field"]),
                            severity, _str(text["message"]) or ""))
    return out


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
