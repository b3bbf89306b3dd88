"""Cell values of a master list as people type them: text, site types, alternative names."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pantau.tabular.values import ValueProblem

MAX_CODE = 60  # the store's column sizes
MAX_NAME = 200
MAX_PCODE = 40
_GUARDED = re.compile(r"^'[=+\-@]")
_SEPARATORS = re.compile(r"[;|]")
_SPELLING = {"center": "centre", "centers": "centres", "neighborhood": "neighbourhood",
             "neighborhoods": "neighbourhoods"}


def text(value: Any) -> str | None:
    """A cell as text: numbers from Excel lose a '.0', and the formula guard of our exports
    ('=… written as '=…) is taken off again so an exported file re-imports unchanged."""
    if value is None:
        return None
    if isinstance(value, bool):
        out = str(value).upper()
    elif isinstance(value, float) and value.is_integer():
        out = str(int(value))
    elif isinstance(value, dt.datetime):
        out = value.isoformat(sep=" ")
    elif isinstance(value, dt.date):
        out = value.isoformat()
    else:
        out = str(value)
    out = out.strip()
    if _GUARDED.match(out):
        out = out[1:]
    return out or None


def bounded(value: Any, limit: int, what: str) -> str | None:
    out = text(value)
    if out is not None and len(out) > limit:
        raise ValueProblem(f"{what} is {len(out):,} characters long (limit {limit})")
    return out


def alt_names(value: Any, name: str | None) -> list[str]:
    """'Tondo; Huntap Tondo | Tondo 2' → distinct names in order, without the main name."""
    raw = text(value)
    if raw is None:
        return []
    out: list[str] = []
    for part in _SEPARATORS.split(raw):
        part = part.strip()
        if part and part != name and part not in out:
            if len(part) > MAX_NAME:
                raise ValueProblem(f"an alternative name is {len(part):,} characters long "
                                   f"(limit {MAX_NAME})")
            out.append(part)
    return out


def type_key(value: str) -> str:
    """'Collective  Center' / 'collective_centre' / 'COLLECTIVE-CENTRE' → 'collective centre'."""
    words = re.sub(r"[\s_\-/]+", " ", value.strip().lower()).split()
    return " ".join(_SPELLING.get(w, w) for w in words)


class SiteTypes:
    """The site-type vocabulary, looked up by code or label in any case or spelling."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.codes = [code for code, _ in pairs]
        self._by_key: dict[str, str] = {}
        for code, label in pairs:
            self._by_key[type_key(code)] = code
            self._by_key[type_key(label)] = code

    def code(self, value: Any) -> str:
        raw = text(value)
        if raw is None:
            raise ValueProblem("no site type given")
        found = self._by_key.get(type_key(raw))
        if found is None:
            raise ValueProblem(f"'{raw[:40]}' is not a site type (use one of: "
                               f"{', '.join(self.codes)})")
        return found


def attribute(value: Any) -> str | None:
    """Extra columns are kept as text, so a CSV and an XLSX of the same list compare equal."""
    return text(value)
