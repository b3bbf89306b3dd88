"""Typed values and XPath's conversions, as JavaRosa (ODK Collect's engine) applies them.

Answers are stored as text; a reference reads them with the field's type, as the device's
instance holds them: integer and decimal fields are numbers, date and dateTime fields are dates,
an empty answer is the empty string. The conversions then follow XPath 1.0 / JavaRosa:
- `number('')` and `number('abc')` are NaN, and NaN compares false with everything but `!=`;
- a date is a number of days since 1970-01-01 wherever a number is needed (a dateTime keeps
  the fraction of the day), so `. <= today()` and `${end} - ${start} > 7` work; text that
  reads as a date (`'2018-10-01'`) counts as that date in comparisons and arithmetic;
- `=`/`!=` compare as booleans if either side is a boolean, else as numbers if either side is
  a number or a date, else as text.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

Value = str | float | bool | dt.date | dt.datetime | list[Any]

EPOCH = dt.date(1970, 1, 1)
NAN = float("nan")


def days(d: dt.date | dt.datetime) -> float:
    if isinstance(d, dt.datetime):
        if d.tzinfo is not None:
            d = d.astimezone(dt.UTC).replace(tzinfo=None)
        return (d - dt.datetime(1970, 1, 1)).total_seconds() / 86400.0
    return float((d - EPOCH).days)


def parse_date(text: str) -> dt.date | None:
    text = text.strip()
    if len(text) < 10 or text[4] != "-":
        return None
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def first(v: Value) -> Value:
    """A node-set (a field inside a repeat, seen from outside it) reads as its first value."""
    if isinstance(v, list):
        return v[0] if v else ""
    return v


def to_number(v: Value) -> float:
    if type(v) is float:  # the common case first: rules run millions of times
        return v  # type: ignore[return-value]
    v = first(v)
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, float | int):
        return float(v)
    if isinstance(v, dt.date):
        return days(v)
    text = str(v).strip()
    if not text:
        return NAN
    try:
        return float(text)
    except ValueError:
        d = parse_date(text)
        return days(d) if d is not None else NAN


def to_string(v: Value) -> str:
    if v.__class__ is str:  # the common case first, as in to_number
        return v  # type: ignore[return-value]
    v = first(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if isinstance(v, dt.datetime):
        return v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def to_bool(v: Value) -> bool:
    if type(v) is bool:
        return v  # type: ignore[return-value]
    if isinstance(v, list):
        return bool(v)
    if isinstance(v, bool):
        return v
    if isinstance(v, float):
        return not math.isnan(v) and v != 0.0
    if isinstance(v, dt.date):
        return True
    return v != ""


def to_date(v: Value) -> dt.date | float:
    """`date()`: text or a number of days to a date; NaN when it is neither."""
    v = first(v)
    if isinstance(v, dt.date):
        return v
    if isinstance(v, float | int) and not isinstance(v, bool):
        if math.isnan(v):
            return NAN
        return EPOCH + dt.timedelta(days=math.floor(v))
    d = parse_date(str(v))
    return d if d is not None else NAN


def _numeric(v: Value) -> bool:
    return isinstance(v, float | int | dt.date) and not isinstance(v, bool)


def equal(a: Value, b: Value) -> bool:
    a, b = first(a), first(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return to_bool(a) == to_bool(b)
    if _numeric(a) or _numeric(b):
        return to_number(a) == to_number(b)
    return to_string(a) == to_string(b)


_NUMERIC = frozenset({"integer", "decimal", "range"})
_DATES = frozenset({"date", "dateTime", "start", "end", "today"})


def typed(raw: Any, kind: str) -> Value:
    """An answer (text as stored) read with its field's type; empty is ''."""
    if raw.__class__ is str:  # as stored: the common case first
        text = raw
    elif raw is None:
        return ""
    elif isinstance(raw, list):
        return raw
    else:
        text = str(raw)
    if text == "":
        return ""
    if kind in _NUMERIC:
        try:
            return float(text)
        except ValueError:
            return text
    if kind in _DATES:
        d = parse_date(text)
        return d if d is not None else text
    return text
