"""Answers as observations need them: counts, codes and dates from the text a form wrote.

Counts are strict on purpose. XForms write numbers plainly (`1234`, `12.5`); grouped digits
only appear after someone edited an export in a spreadsheet, and in Indonesia `1.234` means
one thousand while in English it means one point two. So grouping is read only where it
cannot mean anything else (see `parse_count`); anything unclear gives no observation and the
raw answer stays in the submission for the quality checks.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from pantau.tabular import parse_date

_GROUPED = {sep: re.compile(rf"\d{{1,3}}(?:{re.escape(sep)}\d{{3}})+")
            for sep in (",", ".", " ", "\u00a0", "\u202f", "'")}
_COMMA_THOUSANDS_DOT_DECIMAL = re.compile(r"\d{1,3}(?:,\d{3})+\.\d+")
_DOT_THOUSANDS_COMMA_DECIMAL = re.compile(r"\d{1,3}(?:\.\d{3})+,\d+")
_DECIMAL_COMMA = re.compile(r"\d+,(?:\d{1,2}|\d{4,})")


def parse_count(raw: Any, integer: bool = True) -> float | None:
    """A finite number from an answer, or None.

    Plain numbers always parse. For an integer field, digits grouped by threes with one kind
    of separator (`1,234`, `1.234.567`, `12 345`) are whole numbers. For a decimal field only
    unambiguous writings parse: `1,234.5`, `1.234,5`, `1,5` and groups with more than one
    separator (`1,234,567`); `1,234` and `1.234` are read as XForms write them (`1.234` is a
    decimal, `1,234` is left out as ambiguous).
    """
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw) if math.isfinite(raw) else None
    text = str(raw).strip().replace("\u2212", "-")
    if not text:
        return None
    sign = 1.0
    if text[0] in "+-":
        sign, text = (-1.0 if text[0] == "-" else 1.0), text[1:].lstrip()
    if text.isdigit():
        return sign * float(text)
    if integer:
        number = _grouped(text, integer)
        if number is None:
            number = _plain(text)
    else:
        number = _plain(text)
        if number is None:
            number = _grouped(text, integer)
    return None if number is None else sign * number


def parse_day(raw: Any) -> dt.date | None:
    """A date from ISO text, an XForm datetime, day-first text or an Excel serial; else None."""
    try:
        return parse_date(raw)
    except ValueError:
        return None


def _plain(text: str) -> float | None:
    if not text[0].isdigit() and text[0] != ".":
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _grouped(text: str, integer: bool) -> float | None:
    for sep, pattern in _GROUPED.items():
        if pattern.fullmatch(text):
            if integer or text.count(sep) > 1 or sep not in ",.":
                return float(text.replace(sep, ""))
            return None
    if integer:
        return None
    if _COMMA_THOUSANDS_DOT_DECIMAL.fullmatch(text):
        return float(text.replace(",", ""))
    if _DOT_THOUSANDS_COMMA_DECIMAL.fullmatch(text):
        return float(text.replace(".", "").replace(",", "."))
    if _DECIMAL_COMMA.fullmatch(text):
        return float(text.replace(",", "."))
    return None
