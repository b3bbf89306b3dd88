"""Answers as the text of a cleaning log, and the way back.

A cleaning log travels through Excel, so a cell can come back as a number (`5.0`), a date
cell, an Excel serial or a day-first date, or with the apostrophe pantau put in front of text
that looked like a formula. Everything is read as the text a form would have sent; a real
formula is a problem, never a value.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from pantau.tabular.values import ValueProblem, parse_date

_FORMULA_START = ("=", "+", "-", "@")
_INDEX = re.compile(r"\[(\d+)\]")


class CellProblem(ValueError):
    """A cell that cannot be a value (a formula)."""


def answer_text(value: Any) -> str:
    """A stored answer as cleaning-log text ('' when unanswered)."""
    if value is None or isinstance(value, list | dict):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def cell_text(value: Any, kind: str = "") -> str:
    """A cleaning-log cell as the text a form would have sent for a question of type `kind`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat() if kind == "dateTime" else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if kind == "date" and not math.isnan(value):
            return _date_text(value)
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return _date_text(value) if kind == "date" else str(value)
    text = str(value).strip()
    if text.startswith("'") and text[1:].startswith(_FORMULA_START):
        return text[1:]  # pantau's own guard against formulas (tabular.safe_cell)
    if text.startswith("=") and len(text) > 1:
        raise CellProblem("a formula, not a value (paste the values instead)")
    if kind == "date" and text:
        return _date_text(text)
    return text


def _date_text(value: Any) -> str:
    """Dates as YYYY-MM-DD from Excel serials and day-first text; other text is left as it is
    (the form's type check then says what is wrong)."""
    try:
        day = parse_date(value)
    except (ValueProblem, ValueError, OverflowError):
        return str(value)
    return day.isoformat() if day else ""


def same(a: str, b: str) -> bool:
    """Equal answers: the same text, or the same number written differently (`5` / `5.0`)."""
    if a.strip() == b.strip():
        return True
    try:
        return float(a) == float(b)
    except ValueError:
        return False


def split_path(field: str) -> tuple[str, list[tuple[str, int]]]:
    """`idps/groups[2]/hh` → (`idps/groups/hh`, [(`idps/groups`, 2)]): the field's path and
    the repeat items on the way to it (as the flags name them)."""
    plain = _INDEX.sub("", field)
    steps = []
    for m in _INDEX.finditer(field):
        steps.append((_INDEX.sub("", field[:m.start()]), int(m.group(1))))
    return plain, steps


def container(data: dict[str, Any], steps: list[tuple[str, int]]) -> dict[str, Any] | None:
    """The dict (the record or a repeat item) that holds the field, or None if missing."""
    here: Any = data
    for repeat, n in steps:
        items = here.get(repeat) if isinstance(here, dict) else None
        if not isinstance(items, list) or not 1 <= n <= len(items) \
                or not isinstance(items[n - 1], dict):
            return None
        here = items[n - 1]
    return here if isinstance(here, dict) else None
