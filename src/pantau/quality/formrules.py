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
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pantau.errors import PantauError
from pantau.quality.config import QualityConfig, UserRule
from pantau.quality.expr import (
    Compiled,
    Env,
    ExpressionError,
    FieldRef,
    compile_rule,
    to_bool,
    typed,
)

NOT_ANSWERS = frozenset({
    "group", "repeat", "note", "start", "end", "today", "deviceid", "subscriberid", "simserial",
    "phonenumber", "username", "email", "audit", "calculate", "hidden", "start-geopoint",
    "background-audio", "background-geopoint"})
_TRUE = frozenset({"yes", "true", "true()", "1"})
_FALSE = frozenset({"no", "false", "false()", "0", ""})
_TYPED = frozenset({"integer", "decimal", "range", "date", "dateTime", "time", "geopoint"})
_INTEGER = re.compile(r"-?\d+")
_TIME = re.compile(r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}(:?\d{2})?|Z)?")


@dataclass(frozen=True)
class Found:
    """One failure, before it becomes a flag row (the runner adds version and severity)."""

    check: str
    field: str | None
    message: str


@dataclass(frozen=True)
class _Field:
    path: str
    type: str
    repeat: str | None
    relevant: tuple[Compiled, ...]
    relevant_text: str | None  # the innermost rule, for messages
    required: Compiled | bool
    constraint: Compiled | None
    constraint_text: str
    constraint_message: str
    choices: frozenset[str] | None


@dataclass(frozen=True)
class _Rule:
    rule: UserRule
    test: Compiled
    field: str | None
    repeat: str | None


class FormRules:
    """A form version's rules, compiled; `check(data)` lists what one record breaks."""

    def __init__(self, form_id: str, fields: list[dict[str, Any]], config: QualityConfig,
                 rules: tuple[UserRule, ...] = ()) -> None:
        self.form_id = form_id
        self.config = config
        self._refs = _references(fields)
        self._by_path = {f["path"]: f for f in fields}
        groups = [f for f in fields if f.get("type") in ("group", "repeat")]
        self.fields = [self._field(f, groups) for f in fields
                       if f.get("type") not in NOT_ANSWERS]
        self._in_scope: dict[str | None, list[_Field]] = {}
        for f in self.fields:
            self._in_scope.setdefault(f.repeat, []).append(f)
        self._children: dict[str | None, list[str]] = {}
        for g in fields:
            if g.get("type") == "repeat":
                self._children.setdefault(g.get("repeat"), []).append(g["path"])
        self.rules = [self._rule(r) for r in rules if r.form in (None, form_id)]

    # compiling -----------------------------------------------------------------------------
    def _resolve(self, name: str) -> FieldRef | None:
        return self._refs.get(name)

    def _compile(self, text: str, where: str, column: str) -> Compiled:
        try:
            return compile_rule(text, self._resolve)
        except ExpressionError as exc:
            raise PantauError("invalid", message=f"form '{self.form_id}', {where}, {column}: "
                              f"{exc} in `{text}`") from None

    def _field(self, f: dict[str, Any], groups: list[dict[str, Any]]) -> _Field:
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
        required: Compiled | bool
        if req.lower() in _TRUE:
            required = True
        elif req.lower() in _FALSE:
            required = False
        else:
            required = self._compile(req, where, "required column")
        constraint = f.get("constraint")
        choices = f.get("choices")
        return _Field(
            path, f.get("type") or "", f.get("repeat"), tuple(relevant), text, required,
            self._compile(constraint, where, "constraint column") if constraint else None,
            constraint or "", _english(f.get("constraint_message")),
            frozenset(c["name"] for c in choices) if choices else None)

    def _rule(self, rule: UserRule) -> _Rule:
        where = f"rule '{rule.name}'"
        target = None
        if rule.field:
            target = self._refs.get(rule.field)
            if target is None:
                raise PantauError("invalid", message=f"form '{self.form_id}', {where}: no "
                                  f"field named '{rule.field}' in the form")
        return _Rule(rule, self._compile(rule.expression, where, "expression"),
                     target.path if target else None, target.repeat if target else None)

    # checking ------------------------------------------------------------------------------
    def check(self, data: dict[str, Any]) -> list[Found]:
        out: list[Found] = []
        env = Env(data)
        on = self.config.on
        flags = (on("required"), on("type"), on("choice"), on("constraint"),
                 on("not_relevant"))
        for repeat, items, index in self._scopes(data, None, {}, {}):
            env.items = items
            source = items[repeat] if repeat else data
            for f in self._in_scope.get(repeat, ()):
                self._one(f, source.get(f.path), env, flags, index, out)
        for r in self.rules:
            self._user_rule(r, data, env, out)
        return out

    def _scopes(self, data: dict[str, Any], repeat: str | None,
                items: dict[str, dict[str, Any]], index: dict[str, int]
                ) -> Iterator[tuple[str | None, dict[str, dict[str, Any]], dict[str, int]]]:
        """(innermost repeat, repeat path → item being checked, repeat path → item number)."""
        yield repeat, items, index
        source = items[repeat] if repeat else data
        for child in self._children.get(repeat, ()):
            rows = source.get(child)
            if not isinstance(rows, list):
                continue
            for n, row in enumerate(rows, 1):
                if isinstance(row, dict):
                    yield from self._scopes(data, child, {**items, child: row},
                                            {**index, child: n})

    def _one(self, f: _Field, raw: Any, env: Env, flags: tuple[bool, ...],
             index: dict[str, int], out: list[Found]) -> None:
        required_on, type_on, choice_on, constraint_on, relevant_on = flags
        answered = raw is not None and raw != "" and not isinstance(raw, list | dict)
        if f.relevant:
            env.here = typed(raw, f.type) if answered else ""
            relevant = all(to_bool(test(env)) for test in f.relevant)
        else:
            relevant = True
        if not relevant:
            if answered and relevant_on:
                out.append(Found("not_relevant", numbered(f.path, index),
                                 f"answered although not relevant (relevant: "
                                 f"`{f.relevant_text}`)"))
            return
        if not answered:
            if required_on and f.required is not False:
                env.here = ""
                if f.required is True or to_bool(f.required(env)):  # type: ignore[operator]
                    out.append(Found("required", numbered(f.path, index),
                                     "required but not answered"))
            return
        text = raw if isinstance(raw, str) else str(raw)
        problem = _type_problem(f.type, text) if f.type in _TYPED else None
        if problem:
            if type_on:
                out.append(Found("type", numbered(f.path, index), problem))
            return
        if choice_on and f.choices is not None:
            bad = any(p not in f.choices for p in text.split()) \
                if f.type == "select_multiple" else text not in f.choices
            if bad:
                out.append(Found("choice", numbered(f.path, index),
                                 "an answer that is not in the choice list"))
                return
        if constraint_on and f.constraint is not None:
            env.here = typed(raw, f.type)
            if not to_bool(f.constraint(env)):
                msg = f"breaks the constraint `{f.constraint_text}`"
                out.append(Found("constraint", numbered(f.path, index),
                                 f"{msg}: {f.constraint_message}" if f.constraint_message
                                 else msg))

    def _user_rule(self, r: _Rule, data: dict[str, Any], env: Env, out: list[Found]) -> None:
        message = r.rule.message or f"breaks the rule `{r.rule.expression}`"
        if r.repeat is None:
            env.items = {}
            env.here = typed(data.get(r.field), self._type(r.field)) if r.field else ""
            if not to_bool(r.test(env)):
                out.append(Found(r.rule.check, r.field, message))
            return
        rows = data.get(r.repeat)
        for n, row in enumerate(rows if isinstance(rows, list) else [], 1):
            if not isinstance(row, dict):
                continue
            env.items = {r.repeat: row}
            env.here = typed(row.get(r.field), self._type(r.field))
            if not to_bool(r.test(env)):
                out.append(Found(r.rule.check, numbered(r.field, {r.repeat: n}), message))

    def _type(self, path: str | None) -> str:
        return (self._by_path.get(path or "") or {}).get("type") or ""


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


def _type_problem(kind: str, text: str) -> str | None:
    """What is wrong with an answer for its type, without repeating the answer."""
    if kind == "integer":
        return None if _INTEGER.fullmatch(text.strip()) else "not a whole number"
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
