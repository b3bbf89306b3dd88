"""Place each observation in the gazetteer version of its round: admin levels 0–3 and origin.

Forms answer P-codes at whatever levels they ask (a site form gives all four, a quick count
only the regency). The rule, the same for every table:

- the **deepest answered P-code that the round's gazetteer version holds** places the record;
  that unit and its parents give the codes and names of levels 1 to its own level, so a
  province code that contradicts the regency's parent is corrected by the gazetteer;
- answered codes deeper than that unit (not in the gazetteer, e.g. villages when only
  provinces and regencies are loaded) are kept as answered, without a name;
- a record none of whose codes the version holds keeps its codes as answered, and is
  reported as unplaced;
- level 0 is the operation's country (ISO3 code and name).

Origins roll up the same way to origin admin 1 and 2; an origin the version does not hold is
kept as answered in the admin-1 origin column (its level unknown), so no origin is lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

Unit = tuple[int, str, str | None]  # level, name, parent P-code


@dataclass(frozen=True)
class Placed:
    """Admin levels 1–3 as (P-code, name); a None name means "not in the gazetteer"."""

    levels: tuple[tuple[str | None, str | None], ...]  # index 0 → admin 1
    known: bool


def _chain(units: dict[str, Unit], pcode: str) -> dict[int, tuple[str, str]]:
    """The unit and its parents by level (guarding against a cycle in bad data)."""
    out: dict[int, tuple[str, str]] = {}
    seen: set[str] = set()
    code: str | None = pcode
    while code and code in units and code not in seen:
        seen.add(code)
        level, name, parent = units[code]
        out.setdefault(level, (code, name))
        code = parent
    return out


def place(units: dict[str, Unit], answered: tuple[str | None, ...]) -> Placed:
    """Admin 1–3 of a record that answered `answered` = (admin1, admin2, admin3, admin4)."""
    given = {lv + 1: code for lv, code in enumerate(answered) if code}
    deepest = next((lv for lv in sorted(given, reverse=True) if given[lv] in units), None)
    if deepest is None:
        return Placed(tuple((given.get(lv), None) for lv in (1, 2, 3)), known=False)
    chain = _chain(units, given[deepest])
    own_level = units[given[deepest]][0]
    levels = []
    for lv in (1, 2, 3):
        if lv in chain:
            levels.append(chain[lv])
        elif lv > own_level and lv in given:
            levels.append((given[lv], None))
        else:
            levels.append((None, None))
    return Placed(tuple(levels), known=True)


def place_origin(units: dict[str, Unit], pcode: str | None
                 ) -> tuple[tuple[str | None, str | None], tuple[str | None, str | None]]:
    """(origin admin 1, origin admin 2) as (P-code, name) pairs."""
    if not pcode:
        return (None, None), (None, None)
    if pcode not in units:
        return (pcode, None), (None, None)
    chain = _chain(units, pcode)
    return chain.get(1, (None, None)), chain.get(2, (None, None))


def index_units(rows: Iterable[tuple[str, int, str, str | None]]) -> dict[str, Unit]:
    """(P-code, level, name, parent) rows of one gazetteer version as a lookup."""
    return {pcode: (level, name, parent) for pcode, level, name, parent in rows}
