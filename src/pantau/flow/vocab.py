"""The words of flow monitoring: point types, directions, days, hours, transport, reasons.

Each parser takes what people type in a spreadsheet ("Mon-Fri", "24h", "Incoming; transit")
and returns the stored form, or raises `ValueProblem` with a message naming what is allowed.
"""

from __future__ import annotations

import re

from pantau.store.flows import DIRECTIONS, POINT_TYPES
from pantau.tabular.values import ValueProblem

__all__ = ["DAYS", "DIRECTIONS", "POINT_TYPES", "REASONS", "TRANSPORT", "choice", "days_mask",
           "days_text", "directions", "hours"]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TRANSPORT = ("boat", "bus", "car", "truck", "train", "plane", "on_foot", "other")
REASONS = ("economic", "conflict", "persecution", "family", "education", "natural_disaster",
           "other")
_DAY_NAMES = {**{d: i for i, d in enumerate(DAYS)},
              **{n: i for i, n in enumerate(("monday", "tuesday", "wednesday", "thursday",
                                             "friday", "saturday", "sunday"))}}
_DAY_SETS = {"daily": 127, "every day": 127, "all": 127, "mon-sun": 127, "weekdays": 31,
             "weekends": 96}


def _key(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(text).strip().lower())


def choice(value: object, allowed: tuple[str, ...], what: str) -> str:
    """One word of a vocabulary, by code in any case ('Landing point' = landing_point)."""
    key = _key(str(value))
    if key in allowed:
        return key
    raise ValueProblem(f"'{value}' is not a {what} (use one of: {', '.join(allowed)})")


def directions(value: object) -> tuple[str, ...]:
    """'incoming; transit' → ('incoming', 'transit'); 'all' → every direction."""
    text = str(value or "").strip()
    if not text:
        raise ValueProblem("no direction given (incoming, outgoing, transit)")
    if text.lower() in ("all", "both ways"):
        return DIRECTIONS
    found = {choice(p, DIRECTIONS, "direction") for p in re.split(r"[;,|/]| and ", text)
             if p.strip()}
    return tuple(d for d in DIRECTIONS if d in found)


def days_mask(value: object) -> int:
    """'Mon-Fri' → 31, 'daily' → 127, 'mon, wed, sat' → 1|4|32; Monday is bit 1."""
    text = str(value or "").strip().lower()
    if not text:
        return 127
    if text in _DAY_SETS:
        return _DAY_SETS[text]
    mask = 0
    for part in re.split(r"[;,|/ ]+", text):
        if not part:
            continue
        ends = [p.strip() for p in part.split("-")]
        if any(e not in _DAY_NAMES for e in ends) or len(ends) > 2:
            raise ValueProblem(f"'{value}' is not a list of days (e.g. 'Mon-Fri', "
                               "'mon, wed, sat', 'daily')")
        first, last = _DAY_NAMES[ends[0]], _DAY_NAMES[ends[-1]]
        span = range(first, last + 1) if first <= last else [*range(first, 7),
                                                                 *range(0, last + 1)]
        for i in span:
            mask |= 1 << i
    return mask


def days_text(mask: int) -> str:
    """127 → 'daily', 31 → 'mon, tue, wed, thu, fri'."""
    if mask == 127:
        return "daily"
    return ", ".join(d for i, d in enumerate(DAYS) if mask & (1 << i))


_HOURS = re.compile(r"^(\d{1,2})[:.h]?(\d{2})?\s*[-–]\s*(\d{1,2})[:.h]?(\d{2})?$")


def hours(value: object) -> tuple[str | None, str | None]:
    """'08:00-20:00' → ('08:00', '20:00'); empty, '24h' or '24/7' → round the clock."""
    text = str(value or "").strip().lower()
    if text in ("", "24h", "24/7", "24 h", "00:00-24:00", "always"):
        return None, None
    m = _HOURS.match(text)
    if not m:
        raise ValueProblem(f"'{value}' is not a span of hours (e.g. '08:00-20:00' or '24h')")
    h1, m1, h2, m2 = int(m[1]), int(m[2] or 0), int(m[3]), int(m[4] or 0)
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise ValueProblem(f"'{value}' has an hour that does not exist")
    return f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"


# --- flow monitoring surveys -------------------------------------------------------------
SEXES = ("f", "m")
AGE_GROUPS = ("14_17", "18_24", "25_34", "35_44", "45_59", "60_plus")
EDUCATION = ("none", "primary", "secondary", "tertiary", "vocational", "religious")
EMPLOYMENT = ("employed", "self_employed", "unemployed", "student", "other")
_YES = {"yes", "y", "true", "1", "ya", "si", "sì", "oui"}
_NO = {"no", "n", "false", "0", "tidak", "non"}
_UNANSWERED = {"", "refused", "dont_know", "don't know", "dk", "prefer_not_to_say"}


def yes_no(value: object) -> bool | None:
    """yes → True, no → False, refused / don't know / empty → None (not answered)."""
    text = str(value if value is not None else "").strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    if text in _UNANSWERED:
        return None
    raise ValueProblem(f"'{value}' is not yes, no, refused or dont_know")


def sex(value: object) -> str:
    text = str(value or "").strip().lower()
    text = {"female": "f", "male": "m", "perempuan": "f", "laki-laki": "m"}.get(text, text)
    return choice(text, SEXES, "sex (f or m)")
