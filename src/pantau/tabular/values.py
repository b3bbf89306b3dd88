"""Parse cell values as people type them: ISO or day-first dates, Excel serials, comma decimals."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

EXCEL_EPOCH = dt.date(1899, 12, 30)
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


class ValueProblem(ValueError):
    """A cell that cannot be read as the type its column needs; the message says why."""


def parse_date(value: Any) -> dt.date | None:
    """A date from a date cell, ISO text, day-first text or an Excel serial number."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _excel_serial(float(value))
    text = str(value).strip()
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return _excel_serial(float(text))
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    m = _DMY.match(text)
    if m:
        day, month, year = (int(g) for g in m.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            pass
    raise ValueProblem(f"'{_short(text)}' is not a date (use YYYY-MM-DD)")


def _excel_serial(serial: float) -> dt.date:
    if not 1 <= serial < 2_958_466:
        raise ValueProblem(f"{serial:g} is not a date")
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def parse_float(value: Any) -> float | None:
    """A finite number; accepts '1,5' (decimal comma) but not thousands separators."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValueProblem(f"'{value}' is not a number")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace("\u2212", "-")
        if text.startswith("="):
            raise ValueProblem(f"'{_short(text)}' is a formula, not a value")
        if "," in text and "." not in text and text.count(",") == 1:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise ValueProblem(f"'{_short(text)}' is not a number") from None
    if not math.isfinite(number):
        raise ValueProblem(f"'{value}' is not a finite number")
    return number


def parse_int(value: Any, minimum: int | None = 0, maximum: int = 10**12) -> int | None:
    """A whole number within bounds; '12.0' from Excel is 12, '12.5' is an error."""
    number = parse_float(value)
    if number is None:
        return None
    if number != int(number):
        raise ValueProblem(f"'{value}' is not a whole number")
    if minimum is not None and number < minimum:
        raise ValueProblem(f"{int(number)} is below the minimum {minimum}")
    if number > maximum:
        raise ValueProblem(f"{number:,.0f} is above the maximum {maximum:,}")
    return int(number)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
