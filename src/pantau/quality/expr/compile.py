"""Syntax tree → Python source, once per rule; the source is compiled to bytecode once.

Compiling resolves every `${name}` to its field (path, type, repeat) and every function to its
implementation, so a rule that names a missing field or an unknown function fails here, once,
with the position. What comes out is a Python expression over four names — `data` (the
record's answers), `items` (repeat path → item being checked), `here` (`.`) and the helpers of
values.py / functions.py, bound as constants — that the form's check function (formcode.py)
inlines, so evaluating a record is straight-line bytecode: no closure per node, no parsing, no
lookups by name. Text and names from the form never enter the source: literals, paths and
functions are bound as constants (`_k0`, `_k1`, …); only operators and generated names do.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pantau.quality.expr.functions import FUNCTIONS, UNSUPPORTED, pattern
from pantau.quality.expr.syntax import (
    Binary,
    Call,
    ExpressionError,
    Here,
    Literal,
    Node,
    Ref,
    Unary,
    parse,
)
from pantau.quality.expr.values import Value, equal, first, to_bool, to_number, typed


@dataclass
class Env:
    """One record as a rule sees it: the answers, the repeat items being checked, and `.`."""

    data: dict[str, Any]
    items: dict[str, dict[str, Any]] = field(default_factory=dict)  # repeat path -> item
    here: Value = ""


@dataclass(frozen=True)
class FieldRef:
    path: str
    type: str
    repeat: str | None


Resolver = Callable[[str], FieldRef | None]
Compiled = Callable[[Env], Value]
Local = Callable[[FieldRef], str | None]  # a reference already read into a local, or None


def _div(a: float, b: float) -> float:
    if b == 0:
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)
    return a / b


def _mod(a: float, b: float) -> float:
    if b == 0 or math.isnan(a) or math.isnan(b) or math.isinf(a):
        return math.nan
    return math.fmod(a, b)


def in_repeat(data: dict[str, Any], items: dict[str, dict[str, Any]], repeat: str, path: str,
              kind: str) -> Value:
    """A field inside a repeat: the item being checked, else (seen from outside its repeat)
    every item's value."""
    item = items.get(repeat)
    if item is not None:
        return typed(item.get(path), kind)
    rows = data.get(repeat)
    if not isinstance(rows, list):
        return []
    return [typed(r.get(path), kind) for r in rows if isinstance(r, dict)]


HELPERS: dict[str, Any] = {
    "typed": typed, "to_number": to_number, "to_bool": to_bool, "equal": equal,
    "first": first, "_div": _div, "_mod": _mod, "_float": float, "in_repeat": in_repeat}


class Namespace:
    """The globals of generated code: the helpers, plus each constant under a fresh name."""

    def __init__(self) -> None:
        self.names: dict[str, Any] = dict(HELPERS)
        self._ids: dict[tuple[type, Any], str] = {}
        self.sources: dict[str, str] = {}  # function name -> source, to read when debugging

    def const(self, value: Any) -> str:
        key = (type(value), repr(value) if isinstance(value, float) else value
               if isinstance(value, str | int | bool | None) else id(value))
        name = self._ids.get(key)
        if name is None:
            name = self._ids[key] = f"_k{len(self._ids)}"
            self.names[name] = value
        return name

    def function(self, source: str, name: str) -> Callable[..., Any]:
        """Compile `source` (which defines `name`) in this namespace."""
        self.sources[name] = source
        code = compile(source, f"<pantau rules: {name}>", "exec")
        exec(code, self.names)  # noqa: S102 — generated from a syntax tree, constants bound
        return self.names[name]  # type: ignore[no-any-return]


def compile_rule(text: str, resolve: Resolver) -> Compiled:
    """ExpressionError (with the character position) if it does not parse or does not resolve."""
    ns = Namespace()
    body = to_source(parse(text), resolve, ns)
    return ns.function("def rule(env):\n    data, items, here = env.data, env.items, env.here\n"
                       f"    return {body}\n", "rule")  # type: ignore[return-value]


def to_source(node: Node, resolve: Resolver, ns: Namespace,
              local: Local | None = None) -> str:
    """A Python expression computing `node` (see the module docstring for its names)."""
    return _Source(resolve, ns, local or (lambda f: None)).of(node)[0]


def test_source(node: Node, resolve: Resolver, ns: Namespace,
                local: Local | None = None) -> str:
    """A Python expression computing `to_bool(node)`: what relevant, required, constraint and
    user rules ask (no call when the node is a comparison or another boolean already)."""
    return _Source(resolve, ns, local or (lambda f: None)).test(node)


# what a function returns whatever its arguments: then to_bool / to_number need no call
_BOOLEAN = frozenset({"selected", "regex", "boolean", "boolean-from-string", "true", "false",
                      "not", "contains", "starts-with", "ends-with"})
_NUMBER = frozenset({"string-length", "count-selected", "number", "int", "round", "floor",
                     "ceiling", "abs", "decimal-date-time", "count", "sum", "max", "min"})
_ORDER = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}
_ARITHMETIC = {"+": "+", "-": "-", "*": "*"}


@dataclass
class _Source:
    resolve: Resolver
    ns: Namespace
    local: Local

    def test(self, node: Node) -> str:
        code, kind = self.of(node)
        return code if kind == "bool" else f"to_bool({code})"

    def number(self, node: Node) -> str:
        """to_number of a node; no call for what is a float already (literals, arithmetic,
        numeric functions), a type test only for a local."""
        code, kind = self.of(node)
        if kind == "float":
            return code
        if code.isidentifier():
            return f"({code} if {code}.__class__ is _float else to_number({code}))"
        return f"to_number({code})"

    def of(self, node: Node) -> tuple[str, str | None]:  # noqa: C901 — one case per node
        """(source, "bool" / "float" when it always gives one, else None)."""
        if isinstance(node, Literal):
            return self.ns.const(node.value), "float" if isinstance(node.value, float) \
                else None
        if isinstance(node, Here):
            return "here", None
        if isinstance(node, Ref):
            return self.ref(node), None
        if isinstance(node, Unary):
            return f"(-{self.number(node.operand)})", "float"
        if isinstance(node, Binary):
            return self.binary(node)
        return self.call(node)

    def ref(self, node: Ref) -> str:
        f = self.resolve(node.name)
        if f is None:
            raise ExpressionError(f"no field named '{node.name}' in the form", node.pos)
        name = self.local(f)
        if name is not None:
            return name
        path, kind = self.ns.const(f.path), self.ns.const(f.type)
        if f.repeat is None:
            return f"typed(data.get({path}), {kind})"
        return f"in_repeat(data, items, {self.ns.const(f.repeat)}, {path}, {kind})"

    def binary(self, node: Binary) -> tuple[str, str | None]:
        op = node.op
        if op in ("and", "or"):
            return f"({self.test(node.left)} {op} {self.test(node.right)})", "bool"
        if op in ("=", "!="):
            code = f"equal({self.of(node.left)[0]}, {self.of(node.right)[0]})"
            return (code if op == "=" else f"(not {code})"), "bool"
        left, right = self.number(node.left), self.number(node.right)
        if op in _ORDER:
            return f"({left} {_ORDER[op]} {right})", "bool"
        if op in _ARITHMETIC:
            return f"({left} {_ARITHMETIC[op]} {right})", "float"
        return f"{'_div' if op == 'div' else '_mod'}({left}, {right})", "float"

    def call(self, node: Call) -> tuple[str, str | None]:
        name = node.name
        parts = [self.of(a) for a in node.args]
        args = [code for code, _ in parts]
        if name == "if":
            if len(args) != 3:
                raise ExpressionError("if() takes 3 arguments: condition, then, else",
                                      node.pos)
            (then, a), (other, b) = parts[1], parts[2]
            return (f"({then} if {self.test(node.args[0])} else {other})",
                    a if a == b else None)
        if name in UNSUPPORTED:
            raise ExpressionError(f"{name}() is not supported by server-side checks", node.pos)
        if name not in FUNCTIONS:
            raise ExpressionError(f"unknown function {name}()", node.pos)
        low, high, impl = FUNCTIONS[name]
        if len(args) < low or (high is not None and len(args) > high):
            want = str(low) if low == high else f"{low} to {high}" if high else \
                f"at least {low}"
            raise ExpressionError(f"{name}() takes {want} argument(s), got {len(args)}",
                                  node.pos)
        if name == "regex" and isinstance(node.args[1], Literal):
            try:
                pattern(str(node.args[1].value))
            except Exception as exc:  # noqa: BLE001 — re.error and friends
                raise ExpressionError(f"regex() pattern does not compile: {exc}", node.pos) \
                    from None
        kind = "bool" if name in _BOOLEAN else "float" if name in _NUMBER else None
        return f"{self.ns.const(impl)}([{', '.join(args)}])", kind
