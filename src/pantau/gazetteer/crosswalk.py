"""How the P-codes of one gazetteer version map to the next.

Computed level by level from the top: the same P-code in both is `unchanged` (or `renamed` when
its name differs); a code that disappeared while a new code with the same name appeared under
the same (translated) parent is `recoded`; other vanished codes are `retired`, other new ones
`new`. Splits and merges cannot be guessed from names: a crosswalk CSV (`old_pcode, new_pcode,
change[, note]`) overrides the computed rows of every code it mentions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from unidecode import unidecode

from pantau.errors import Problems
from pantau.gazetteer.pcodes import normalise
from pantau.tabular import read_table

CHANGES = ("unchanged", "renamed", "recoded", "split", "merged", "retired", "new")


@dataclass(frozen=True)
class Unit:
    pcode: str
    name: str
    level: int
    parent: str | None


@dataclass(frozen=True)
class CrosswalkRow:
    old_pcode: str | None
    new_pcode: str | None
    change: str
    note: str = ""


def _key(name: str) -> str:
    return " ".join(unidecode(name).lower().split())


def compute(old: dict[str, Unit], new: dict[str, Unit]) -> list[CrosswalkRow]:
    """The automatic crosswalk between two versions' units (P-code → unit)."""
    rows: list[CrosswalkRow] = []
    mapped: dict[str, str] = {}  # old pcode -> new pcode, to translate parents
    claimed: set[str] = set()
    for level in sorted({u.level for u in old.values()} | {u.level for u in new.values()}):
        olds = [u for u in old.values() if u.level == level]
        fresh = {p: u for p, u in new.items() if u.level == level and p not in old}
        index: dict[tuple[str, str | None], list[str]] = {}
        for p, u in fresh.items():
            index.setdefault((_key(u.name), _parent(u)), []).append(p)
        for u in sorted(olds, key=lambda x: x.pcode):
            if u.pcode in new:
                same = _key(new[u.pcode].name) == _key(u.name)
                rows.append(CrosswalkRow(u.pcode, u.pcode, "unchanged" if same else "renamed",
                                         "" if same else f"{u.name} → {new[u.pcode].name}"))
                mapped[u.pcode] = u.pcode
                continue
            parent = mapped.get(u.parent, u.parent) if u.parent else None
            hits = [p for p in index.get((_key(u.name), parent if level >= 2 else None), [])
                    if p not in claimed]
            if len(hits) == 1:
                rows.append(CrosswalkRow(u.pcode, hits[0], "recoded"))
                mapped[u.pcode] = hits[0]
                claimed.add(hits[0])
            else:
                rows.append(CrosswalkRow(u.pcode, None, "retired"))
        rows += [CrosswalkRow(None, p, "new") for p in sorted(fresh) if p not in claimed]
    return rows


def _parent(u: Unit) -> str | None:
    return u.parent if u.level >= 2 else None


def read_overrides(path: str | Path, old: dict[str, Unit], new: dict[str, Unit],
                   problems: Problems) -> list[CrosswalkRow]:
    """A user's crosswalk CSV/XLSX: every code must exist in its version."""
    table = read_table(path, problems, expect=["old_pcode", "new_pcode"])
    c_old, c_new = table.column_for("old_pcode"), table.column_for("new_pcode")
    c_change, c_note = table.column_for("change"), table.column_for("note")
    if not (c_old and c_new and c_change):
        problems.add("needs the columns old_pcode, new_pcode and change")
        return []
    out = []
    for row in table.rows:
        o, n = normalise(row.get(c_old)) or None, normalise(row.get(c_new)) or None
        change = str(row.get(c_change) or "").strip().lower()
        if change not in CHANGES:
            problems.add(f"change '{change}' is not one of {', '.join(CHANGES)}", row.number,
                         c_change)
            continue
        if o is None and change != "new":
            problems.add("old_pcode is empty", row.number, c_old)
        elif o is not None and o not in old:
            problems.add(f"{o} is not in the older version", row.number, c_old)
        if n is None and change != "retired":
            problems.add("new_pcode is empty", row.number, c_new)
        elif n is not None and n not in new:
            problems.add(f"{n} is not in the newer version", row.number, c_new)
        out.append(CrosswalkRow(o, n, change, str(row.get(c_note) or "")))
    return out


def apply_overrides(rows: list[CrosswalkRow], overrides: list[CrosswalkRow]) -> list[CrosswalkRow]:
    """Drop the computed rows of every code an override mentions, then add the overrides."""
    olds = {r.old_pcode for r in overrides if r.old_pcode}
    news = {r.new_pcode for r in overrides if r.new_pcode}
    kept = [r for r in rows if r.old_pcode not in olds and not (
        r.old_pcode is None and r.new_pcode in news)]
    merged = {(r.old_pcode, r.new_pcode): r for r in kept + overrides}
    return sorted(merged.values(), key=lambda r: (r.old_pcode or "~", r.new_pcode or ""))
