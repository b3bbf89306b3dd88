"""The XLSForm functions the evaluator knows, with JavaRosa's meaning.

Each entry is (fewest arguments, most arguments or None, implementation over evaluated
arguments). `if`, `and`, `or` are not here: the compiler evaluates only the branch it needs.
Not supported (a rule using them is an error that says so): `jr:choice-name`, `pulldata`,
`instance()`, `position()`, `indexed-repeat`, `format-date`, `once`, `random`, `uuid`, the
geo functions (`area`, `distance`) and `digest`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from functools import lru_cache

from pantau.quality.expr.values import (
    NAN,
    Value,
    days,
    first,
    parse_date,
    to_bool,
    to_date,
    to_number,
    to_string,
)

Impl = Callable[[list[Value]], Value]


@lru_cache(maxsize=256)
def pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


def _selected(a: list[Value]) -> Value:
    return to_string(a[1]).strip() in to_string(a[0]).split()


def _count_selected(a: list[Value]) -> Value:
    return float(len(to_string(a[0]).split()))


def _selected_at(a: list[Value]) -> Value:
    parts = to_string(a[0]).split()
    n = to_number(a[1])
    return parts[int(n)] if not math.isnan(n) and 0 <= n < len(parts) else ""


def _regex(a: list[Value]) -> Value:
    return pattern(to_string(a[1])).search(to_string(a[0])) is not None


def _int(a: list[Value]) -> Value:
    n = to_number(a[0])
    return n if math.isnan(n) or math.isinf(n) else float(math.trunc(n))


def _round(a: list[Value]) -> Value:
    n = to_number(a[0])
    digits = int(to_number(a[1])) if len(a) > 1 else 0
    if math.isnan(n):
        return n
    scale = 10.0 ** digits
    return math.floor(n * scale + 0.5) / scale  # XPath rounds halves up


def _decimal_date_time(a: list[Value]) -> Value:
    v = first(a[0])
    if isinstance(v, dt.date):
        return days(v)
    d = parse_date(to_string(v))
    return days(d) if d is not None else NAN


def _substr(a: list[Value]) -> Value:
    text = to_string(a[0])
    start = int(to_number(a[1]))
    end = int(to_number(a[2])) if len(a) > 2 else len(text)
    return text[max(start, 0):max(end, 0)]


def _coalesce(a: list[Value]) -> Value:
    return a[0] if to_string(a[0]) != "" else a[1]


def _nodes(v: Value) -> list[Value]:
    return v if isinstance(v, list) else ([] if v == "" else [v])


def _sum(a: list[Value]) -> Value:
    return float(sum(to_number(x) for x in _nodes(a[0])))


def _minmax(pick: Callable[[list[float]], float]) -> Impl:
    def impl(a: list[Value]) -> Value:
        nums = [to_number(x) for arg in a for x in _nodes(arg)]
        return NAN if not nums or any(math.isnan(x) for x in nums) else pick(nums)
    return impl


def _today(a: list[Value]) -> Value:
    return dt.datetime.now(dt.UTC).date()


def _now(a: list[Value]) -> Value:
    return dt.datetime.now(dt.UTC)


FUNCTIONS: dict[str, tuple[int, int | None, Impl]] = {
    "selected": (2, 2, _selected),
    "count-selected": (1, 1, _count_selected),
    "selected-at": (2, 2, _selected_at),
    "regex": (2, 2, _regex),
    "string-length": (1, 1, lambda a: float(len(to_string(a[0])))),
    "number": (1, 1, lambda a: to_number(a[0])),
    "int": (1, 1, _int),
    "round": (1, 2, _round),
    "floor": (1, 1, lambda a: float(math.floor(n)) if not math.isnan(n := to_number(a[0]))
              else n),
    "ceiling": (1, 1, lambda a: float(math.ceil(n)) if not math.isnan(n := to_number(a[0]))
                else n),
    "abs": (1, 1, lambda a: abs(to_number(a[0]))),
    "string": (1, 1, lambda a: to_string(a[0])),
    "boolean": (1, 1, lambda a: to_bool(a[0])),
    "boolean-from-string": (1, 1, lambda a: to_string(a[0]) in ("true", "1")),
    "true": (0, 0, lambda a: True),
    "false": (0, 0, lambda a: False),
    "not": (1, 1, lambda a: not to_bool(a[0])),
    "today": (0, 0, _today),
    "now": (0, 0, _now),
    "date": (1, 1, lambda a: to_date(a[0])),
    "date-time": (1, 1, lambda a: to_date(a[0])),
    "decimal-date-time": (1, 1, _decimal_date_time),
    "coalesce": (2, 2, _coalesce),
    "concat": (0, None, lambda a: "".join(to_string(x) for x in a)),
    "contains": (2, 2, lambda a: to_string(a[1]) in to_string(a[0])),
    "starts-with": (2, 2, lambda a: to_string(a[0]).startswith(to_string(a[1]))),
    "ends-with": (2, 2, lambda a: to_string(a[0]).endswith(to_string(a[1]))),
    "substr": (2, 3, _substr),
    "normalize-space": (1, 1, lambda a: " ".join(to_string(a[0]).split())),
    "count": (1, 1, lambda a: float(len(_nodes(a[0])))),
    "sum": (1, 1, _sum),
    "max": (1, None, _minmax(max)),
    "min": (1, None, _minmax(min)),
}

UNSUPPORTED = frozenset({"jr:choice-name", "pulldata", "instance", "position",
                         "indexed-repeat", "format-date", "format-date-time", "once", "random",
                         "uuid", "area", "distance", "digest", "jr:itext"})
