"""The form's own rules, checked on the server: required, type, choice, constraint, relevance.

Neither KoboToolbox nor ODK Central re-checks what devices (or people editing exports in
Excel) send. Every rule of a form version is compiled once (`FormRules`), then each record is
one pass over its fields. A field is relevant when its own `relevant` and those of every group
and repeat around it hold; an unanswered field is never checked against its constraint (as on
the device). Fields inside a repeat are checked in every item, with `${x}` naming the same
item's answer. Messages state the rule, never the answer: answers can be personal data.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from pantau.errors import PantauError
from pantau.quality.config import QualityConfig, UserRule
from pantau.quality.expr import ExpressionError, FieldRef, parse
from pantau.quality.expr.compile import Namespace, test_source

NOT_ANSWERS = frozenset({
    "group", "repeat", "note", "start", "end", "today", "deviceid", "subscriberid", "simserial",
    "phonenumber", "username", "email", "audit", "calculate", "hidden", "start-geopoint",
    "background-audio", "background-geopoint"})
_TRUE = frozenset({"yes", "true", "true()", "1"})
_FALSE = frozenset({"no", "false", "false()", "0", ""})
TYPED = frozenset({"integer", "decimal", "range", "date", "dateTime", "time", "geopoint"})
WHOLE = re.compile(r"-?\d+")
_TIME = re.compile(r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}(:?\d{2})?|Z)?")


@dataclass(frozen=True)
class Found:
    """One failure, before it becomes a flag row (the runner adds version and severity)."""

    check: str
    field: str | None
    message: str


@dataclass(frozen=True)
class FieldRules:
    """One answer's rules, each expression already Python source giving a bool."""

    path: str
    type: str
    repeat: str | None
    relevant: tuple[str, ...]
    relevant_text: str | None  # the innermost rule, for messages
    required: str | bool
    constraint: str | None
    constraint_text: str
    constraint_message: str
    choices: frozenset[str] | None


@dataclass(frozen=True)
class RuleSource:
    rule: UserRule
    test: str
    field: str | None
    type: str
    repeat: str | None


class FormRules:
    """A form version's rules, compiled; `check(data)` lists what one record breaks.

    Every expression becomes Python source, and formcode.py writes them with the checks of
    each field into one function per scope (the record, each repeat): compiled once per form
    version and settings, then run once per record (per item in repeats)."""

    def __init__(self, form_id: str, fields: list[dict[str, Any]], config: QualityConfig,
                 rules: tuple[UserRule, ...] = ()) -> None:
        from pantau.quality.formcode import FormCode

        self.form_id = form_id
        self.config = config
        self._refs = _references(fields)
        self._by_path = {f["path"]: f for f in fields}
        self.code = FormCode(Namespace())
        groups = [f for f in fields if f.get("type") in ("group", "repeat")]
        self.fields = [self._field(f, groups) for f in fields
                       if f.get("type") not in NOT_ANSWERS]
        self.rules = [self._rule(r) for r in rules if r.form in (None, form_id)]
        children: dict[str | None, list[str]] = {}
        for g in fields:
            if g.get("type") == "repeat":
                children.setdefault(g.get("repeat"), []).append(g["path"])
        self.check = self.code.build(self.fields, self.rules, children, config)

    # compiling -----------------------------------------------------------------------------
    def _resolve(self, name: str) -> FieldRef | None:
        return self._refs.get(name)

    def _compile(self, text: str, where: str, column: str) -> str:
        try:
            return test_source(parse(text), self._resolve, self.code.ns, self.code.local)
        except ExpressionError as exc:
            raise PantauError("invalid", message=f"form '{self.form_id}', {where}, {column}: "
                              f"{exc} in `{text}`") from None

    def _field(self, f: dict[str, Any], groups: list[dict[str, Any]]) -> FieldRules:
        path = f["path"]
        where = f"field '{path}'"
        chain = [g for g in groups if path.startswith(g["path"] + "/") and g.get("relevant")]
        relevant = [self._compile(g["relevant"], f"group '{g['path']}'", "relevant column")
                    for g in chain]
        own = f.get("relevant")
        if own:
            relevant.append(self._compile(own, where, "relevant column"))
        text = own or (chain[-1]["relevant"] if chain else None)
        req = str(f.get("required") or "").strip()
        required: str | bool
        if req.lower() in _TRUE:
            required = True
        elif req.lower() in _FALSE:
            required = False
        else:
            required = self._compile(req, where, "required column")
        constraint = f.get("constraint")
        choices = f.get("choices")
        return FieldRules(
            path, f.get("type") or "", f.get("repeat"), tuple(relevant), text, required,
            self._compile(constraint, where, "constraint column") if constraint else None,
            constraint or "", _english(f.get("constraint_message")),
            frozenset(c["name"] for c in choices) if choices else None)

    def _rule(self, rule: UserRule) -> RuleSource:
        where = f"rule '{rule.name}'"
        target = None
        if rule.field:
            target = self._refs.get(rule.field)
            if target is None:
                raise PantauError("invalid", message=f"form '{self.form_id}', {where}: no "
                                  f"field named '{rule.field}' in the form")
        path = target.path if target else None
        return RuleSource(rule, self._compile(rule.expression, where, "expression"), path,
                          (self._by_path.get(path or "") or {}).get("type") or "",
                          target.repeat if target else None)


def numbered(path: str, index: dict[str, int]) -> str:
    """`idps/groups/hh` in item 2 of `idps/groups` → `idps/groups[2]/hh` (outermost first)."""
    if not index:
        return path
    for repeat in sorted(index, key=len, reverse=True):
        if path == repeat or path.startswith(repeat + "/"):
            path = f"{repeat}[{index[repeat]}]{path[len(repeat):]}"
    return path


def _references(fields: list[dict[str, Any]]) -> dict[str, FieldRef]:
    """`${name}` → field; a name used twice (allowed in some forms) resolves by path only."""
    out: dict[str, FieldRef] = {}
    twice: set[str] = set()
    for f in fields:
        ref = FieldRef(f["path"], f.get("type") or "", f.get("repeat"))
        out[f["path"]] = ref
        name = f.get("name") or f["path"].rsplit("/", 1)[-1]
        if name in twice:
            continue
        if name in out and out[name].path != f["path"]:
            twice.add(name)
            del out[name]
            continue
        out[name] = ref
    return out


def _english(label: Any) -> str:
    if not label:
        return ""
    if isinstance(label, str):
        return label
    for key in ("English (en)", "English", "en", "default"):
        if label.get(key):
            return str(label[key])
    return str(next(iter(label.values())))


def type_problem(kind: str, text: str) -> str | None:
    """What is wrong with an answer for its type, without repeating the answer."""
    if kind == "integer":
        return None if WHOLE.fullmatch(text.strip()) else "not a whole number"
    if kind in ("decimal", "range"):
        try:
            ok = math.isfinite(float(text))
        except ValueError:
            ok = False
        return None if ok else "not a number"
    if kind == "date":
        try:
            dt.date.fromisoformat(text.strip()[:10])
            return None if len(text.strip()) == 10 else "not a date (YYYY-MM-DD)"
        except ValueError:
            return "not a date (YYYY-MM-DD)"
    if kind == "dateTime":
        try:
            dt.datetime.fromisoformat(text.strip())
            return None
        except ValueError:
            return "not a date and time"
    if kind == "time":
        return None if _TIME.fullmatch(text.strip()) else "not a time (HH:MM)"
    if kind == "geopoint":
        return _geopoint_problem(text)
    return None


def _geopoint_problem(text: str) -> str | None:
    parts = text.split()
    if not 2 <= len(parts) <= 4:
        return "not a GPS point (latitude longitude [altitude accuracy])"
    try:
        lat, lon = float(parts[0]), float(parts[1])
        [float(p) for p in parts[2:]]
    except ValueError:
        return "not a GPS point (latitude longitude [altitude accuracy])"
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return "a GPS point outside the ranges of latitude (±90) and longitude (±180)"
    return None


def geopoint(text: Any) -> tuple[float, float] | None:
    """(lon, lat) of an ODK geopoint answer, or None."""
    if not isinstance(text, str) or _geopoint_problem(text):
        return None
    lat, lon = text.split()[:2]
    return float(lon), float(lat)
