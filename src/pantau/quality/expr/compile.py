"""Syntax tree → a Python closure, once per rule; the closure then runs once per record.

Compiling resolves every `${name}` to its field (path, type, repeat) and every function to its
implementation, so a rule that names a missing field or an unknown function fails here, once,
with the position, and evaluating a record is only calls between closures — no parsing, no
lookups by name, no `eval`.
"""

from __future__ import annotations

import math
import operator
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
from pantau.quality.expr.values import Value, equal, to_bool, to_number, typed


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


def compile_rule(text: str, resolve: Resolver) -> Compiled:
    """ExpressionError (with the character position) if it does not parse or does not resolve."""
    return _compile(parse(text), resolve)


def _compile(node: Node, resolve: Resolver) -> Compiled:  # noqa: C901 — one case per node
    if isinstance(node, Literal):
        value = node.value
        return lambda env: value
    if isinstance(node, Here):
        return lambda env: env.here
    if isinstance(node, Ref):
        return _ref(node, resolve)
    if isinstance(node, Unary):
        inner = _compile(node.operand, resolve)
        return lambda env: -to_number(inner(env))
    if isinstance(node, Binary):
        return _binary(node.op, _compile(node.left, resolve), _compile(node.right, resolve))
    return _call(node, resolve)


def _ref(node: Ref, resolve: Resolver) -> Compiled:
    f = resolve(node.name)
    if f is None:
        raise ExpressionError(f"no field named '{node.name}' in the form", node.pos)
    path, kind, repeat = f.path, f.type, f.repeat
    if repeat is None:
        return lambda env: typed(env.data.get(path), kind)

    def in_repeat(env: Env) -> Value:
        item = env.items.get(repeat)
        if item is not None:
            return typed(item.get(path), kind)
        rows = env.data.get(repeat)  # seen from outside its repeat: every item's value
        if not isinstance(rows, list):
            return []
        return [typed(r.get(path), kind) for r in rows if isinstance(r, dict)]
    return in_repeat


_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul}
_ORDER: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _div(a: float, b: float) -> float:
    if b == 0:
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)
    return a / b


def _mod(a: float, b: float) -> float:
    if b == 0 or math.isnan(a) or math.isnan(b) or math.isinf(a):
        return math.nan
    return math.fmod(a, b)


def _binary(op: str, left: Compiled, right: Compiled) -> Compiled:
    if op == "and":
        return lambda env: to_bool(left(env)) and to_bool(right(env))
    if op == "or":
        return lambda env: to_bool(left(env)) or to_bool(right(env))
    if op == "=":
        return lambda env: equal(left(env), right(env))
    if op == "!=":
        return lambda env: not equal(left(env), right(env))
    if op in _ORDER:
        cmp = _ORDER[op]
        return lambda env: cmp(to_number(left(env)), to_number(right(env)))
    fn = _ARITHMETIC.get(op) or (_div if op == "div" else _mod)
    return lambda env: fn(to_number(left(env)), to_number(right(env)))


def _call(node: Call, resolve: Resolver) -> Compiled:
    name = node.name
    args = [_compile(a, resolve) for a in node.args]
    if name == "if":
        if len(args) != 3:
            raise ExpressionError("if() takes 3 arguments: condition, then, else", node.pos)
        test, then, other = args
        return lambda env: then(env) if to_bool(test(env)) else other(env)
    if name in UNSUPPORTED:
        raise ExpressionError(f"{name}() is not supported by server-side checks", node.pos)
    if name not in FUNCTIONS:
        raise ExpressionError(f"unknown function {name}()", node.pos)
    low, high, impl = FUNCTIONS[name]
    if len(args) < low or (high is not None and len(args) > high):
        want = str(low) if low == high else f"{low} to {high}" if high else f"at least {low}"
        raise ExpressionError(f"{name}() takes {want} argument(s), got {len(args)}", node.pos)
    if name == "regex" and isinstance(node.args[1], Literal):
        try:
            pattern(str(node.args[1].value))
        except Exception as exc:  # noqa: BLE001 — re.error and friends
            raise ExpressionError(f"regex() pattern does not compile: {exc}", node.pos) \
                from None
    if not args:
        return lambda env: impl([])
    if len(args) == 1:
        (a,) = args
        return lambda env: impl([a(env)])
    if len(args) == 2:
        a, b = args
        return lambda env: impl([a(env), b(env)])
    return lambda env: impl([a(env) for a in args])
