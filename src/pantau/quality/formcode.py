"""A form version's rules written out as Python functions: the record's, and one per repeat.

Evaluating rule after rule through closures costs a Python call per syntax node and per check;
at a million submissions with dozens of rules that is most of a check's time. So the checks
of every field of a scope (required, relevance, type, choice list, constraint — in the order
formrules.py documents) and the user rules are written as the straight-line body of one
function, compiled once, with each answer the rules refer to read and typed once per record
into a local variable. The settings (which checks are on) are fixed at that point, so a check
that is off costs nothing. Flags of fields outside repeats are prebuilt `Found` constants.

Nothing from the form reaches the source as text: paths, messages, choice lists and literals
are bound as constants of the namespace (`_k…` names); field locals are `r_<n>`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from pantau.quality.config import QualityConfig
from pantau.quality.expr import FieldRef
from pantau.quality.expr.compile import Namespace

if TYPE_CHECKING:
    from pantau.quality.formrules import FieldRules, Found, RuleSource

Scope = Callable[[dict[str, Any], dict[str, dict[str, Any]], dict[str, int], list[Any]], None]
_NUMBERS = frozenset({"integer", "decimal", "range"})
_LOCAL = re.compile(r"\br_\d+\b")


class FormCode:
    """Collects the field locals while rules compile; `build` writes the functions."""

    def __init__(self, ns: Namespace) -> None:
        self.ns = ns
        self._locals: dict[str, tuple[str, str]] = {}  # local name -> (path, type)
        self._by_path: dict[str, str] = {}

    def local(self, ref: FieldRef) -> str | None:
        """Fields outside repeats are read once per record into `r_<n>`."""
        if ref.repeat is not None:
            return None
        name = self._by_path.get(ref.path)
        if name is None:
            name = self._by_path[ref.path] = f"r_{len(self._by_path)}"
            self._locals[name] = (ref.path, ref.type)
        return name

    def build(self, fields: list[FieldRules], rules: list[RuleSource],
              children: dict[str | None, list[str]], config: QualityConfig
              ) -> Callable[[dict[str, Any]], list[Found]]:
        from pantau.quality.formrules import WHOLE, Found, numbered, type_problem

        ns = self.ns
        ns.names.update(Found=Found, numbered=numbered, type_problem=type_problem,
                        _whole=WHOLE.fullmatch,
                        _listdict=(list, dict), _str=str, _isinstance=isinstance)
        on = {c: config.on(c) for c in ("required", "type", "choice", "constraint",
                                          "not_relevant")}
        in_scope: dict[str | None, list[FieldRules]] = {}
        for f in fields:
            in_scope.setdefault(f.repeat, []).append(f)
        scopes: dict[str | None, Scope] = {}
        for i, (repeat, mine) in enumerate(in_scope.items()):
            body: list[str] = []
            for f in mine:
                body += self._field(f, on)
            scopes[repeat] = self._function(f"scope_{i}", repeat, body)
        user = self._function("user_rules", None, [line for r in rules
                                                    for line in self._rule(r)])

        def check(data: dict[str, Any]) -> list[Found]:
            out: list[Found] = []
            for repeat, items, index in _scopes(data, children, None, {}, {}):
                scope = scopes.get(repeat)
                if scope is not None:
                    scope(data, items, index, out)
            if rules:
                user(data, {}, {}, out)
            return out
        return check

    # writing -----------------------------------------------------------------------------
    def _function(self, name: str, repeat: str | None, body: list[str]) -> Scope:
        used = sorted(set(_LOCAL.findall("\n".join(body))), key=lambda n: int(n[2:]))
        head = [f"def {name}(data, items, index, out):", "    here = ''"]
        for local in used:
            path, kind = self._locals[local]
            head.append(f"    {local} = typed(data.get({self.ns.const(path)}), "
                        f"{self.ns.const(kind)})")
        if repeat is not None:
            head.append(f"    src = items[{self.ns.const(repeat)}]")
        else:
            head.append("    src = data")
        return self.ns.function("\n".join(head + body + ["    return None", ""]), name)

    def _found(self, check: str, f: FieldRules | RuleSource, message: str) -> str:
        """A flag: a constant outside repeats; numbered by the items being checked inside."""
        from pantau.quality.formrules import Found

        path = f.path if not hasattr(f, "rule") else f.field  # type: ignore[union-attr]
        if f.repeat is None:
            return self.ns.const(Found(check, path, message))
        return (f"Found({self.ns.const(check)}, numbered({self.ns.const(path)}, index), "
                f"{self.ns.const(message)})")

    def _field(self, f: FieldRules, on: dict[str, bool]) -> list[str]:
        k = self.ns.const
        if not self._can_flag(f, on):
            return []
        out = [f"    raw = src.get({k(f.path)})",
               "    answered = (raw != '') if raw.__class__ is _str else "
               "(raw is not None and not _isinstance(raw, _listdict))"]
        branches: list[tuple[str, list[str]]] = []
        if f.relevant:
            out.append(f"    here = {self._typed(f)} if answered else ''")
            test = " and ".join(f.relevant)
            hit = self._found("not_relevant", f, "answered although not relevant (relevant: "
                              f"`{f.relevant_text}`)")
            branches.append((f"not ({test})", [f"if answered:\n            out.append({hit})"]
                             if on["not_relevant"] else []))
        required: list[str] = []
        if on["required"] and f.required is not False:
            hit = self._found("required", f, "required but not answered")
            if f.required is True:
                required = [f"out.append({hit})"]
            else:
                required = ["here = ''", f"if {f.required}:\n"
                            f"            out.append({hit})"]
        branches.append(("not answered", required))
        branches.append(("True", self._answered(f, on)))
        for n, (test, lines) in enumerate(branches):
            keyword = "if" if n == 0 else "elif" if test != "True" else "else"
            out.append(f"    {keyword} {test}:" if keyword != "else" else "    else:")
            out += [f"        {line}" for line in lines or ["pass"]]
        return out

    def _typed(self, f: FieldRules) -> str:
        """The answer `raw` typed: the record's local when a rule reads it already."""
        local = self._by_path.get(f.path) if f.repeat is None else None
        return local or f"typed(raw, {self.ns.const(f.type)})"

    @staticmethod
    def _can_flag(f: FieldRules, on: dict[str, bool]) -> bool:
        """Whether any check that is on can flag this field (else it gets no code)."""
        from pantau.quality.formrules import TYPED

        return bool((f.relevant and on["not_relevant"])
                    or (on["required"] and f.required is not False)
                    or f.type in TYPED  # a type problem stops the choice and constraint checks
                    or (on["choice"] and f.choices is not None)
                    or (on["constraint"] and f.constraint is not None))

    def _answered(self, f: FieldRules, on: dict[str, bool]) -> list[str]:
        from pantau.quality.formrules import TYPED

        k = self.ns.const
        lines = []
        if f.type in TYPED or (on["choice"] and f.choices is not None):
            lines.append("text = raw if raw.__class__ is _str else _str(raw)")
        branches: list[tuple[str, list[str]]] = []
        if f.type == "integer":
            lines.append(f"problem = None if _whole(text.strip()) else {k('not a whole number')}")
        elif f.type in TYPED:
            lines.append(f"problem = type_problem({k(f.type)}, text)")
        if f.type in TYPED:
            flag = (f"Found({k('type')}, {k(f.path)}, problem)" if f.repeat is None else
                     f"Found({k('type')}, numbered({k(f.path)}, index), problem)")
            branches.append(("problem", [f"out.append({flag})"] if on["type"] else []))
        if on["choice"] and f.choices is not None:
            bad = (f"not {k(f.choices)}.issuperset(text.split())"
                   if f.type == "select_multiple" else f"text not in {k(f.choices)}")
            hit = self._found("choice", f, "an answer that is not in the choice list")
            branches.append((bad, [f"out.append({hit})"]))
        if on["constraint"] and f.constraint is not None:
            msg = f"breaks the constraint `{f.constraint_text}`"
            hit = self._found("constraint", f, f"{msg}: {f.constraint_message}"
                              if f.constraint_message else msg)
            here = self._typed(f)
            if f.type in _NUMBERS and not here.isidentifier():
                here = "_float(text)"  # the type check passed: float() reads it
            branches.append(("True", [f"here = {here}",
                                      f"if not {f.constraint}:",
                                      f"    out.append({hit})"]))
        if not branches:
            return ["pass"]
        for n, (test, body) in enumerate(branches):
            keyword = "if" if n == 0 else "elif"
            lines.append(f"{keyword} {test}:")
            lines += [f"    {line}" for line in body or ["pass"]]
        return lines

    def _rule(self, r: RuleSource) -> list[str]:
        k = self.ns.const
        message = r.rule.message or f"breaks the rule `{r.rule.expression}`"
        if r.repeat is None:
            here = (self._by_path.get(r.field) or f"typed(data.get({k(r.field)}), {k(r.type)})"
                    if r.field else "''")
            return ["    items = {}", f"    here = {here}", f"    if not {r.test}:",
                    f"        out.append({self._found(r.rule.check, r, message)})"]
        return [f"    rows = data.get({k(r.repeat)})",
                "    n = 0",
                "    for row in (rows if _isinstance(rows, list) else ()):",
                "        n += 1",
                "        if not _isinstance(row, dict):",
                "            continue",
                f"        items = {{{k(r.repeat)}: row}}",
                f"        index = {{{k(r.repeat)}: n}}",
                f"        here = typed(row.get({k(r.field)}), {k(r.type)})",
                f"        if not {r.test}:",
                f"            out.append({self._found(r.rule.check, r, message)})"]


def _scopes(data: dict[str, Any], children: dict[str | None, list[str]], repeat: str | None,
            items: dict[str, dict[str, Any]], index: dict[str, int]
            ) -> Iterator[tuple[str | None, dict[str, dict[str, Any]], dict[str, int]]]:
    """(innermost repeat, repeat path → item being checked, repeat path → item number)."""
    yield repeat, items, index
    source = items[repeat] if repeat else data
    for child in children.get(repeat, ()):
        rows = source.get(child)
        if not isinstance(rows, list):
            continue
        for n, row in enumerate(rows, 1):
            if isinstance(row, dict):
                yield from _scopes(data, children, child, {**items, child: row},
                                   {**index, child: n})
