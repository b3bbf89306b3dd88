"""A labelled set of place names as users misspell them, built from the HDX global P-code list.

    from benchmarks.distortions import load_units, labelled_set
    items = labelled_set(load_units(path), size=5000, seed=7)

Each item takes one real admin unit and applies one or two distortions seen in field data:
case, accents, spaces and hyphens, 1–2 character typos, admin-type words ("Kabupaten",
"District", "Province" …), abbreviations ("St.", "Mt.", "N."), transliteration variants
(double letters, ou/u, kh/k, y/i, -e-/-i-, al-/el-), direction words in French, and swapped
word order. The item keeps the parent P-code a user would have after matching the level above,
and the P-code that is the right answer. Same seed, same set: the benchmark and the accuracy
test are reproducible without committing a data file.
"""

from __future__ import annotations

import csv
import random
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Unit:
    country: str
    level: int
    pcode: str
    name: str
    parent: str


@dataclass(frozen=True)
class Item:
    query: str
    country: str
    level: int
    parent: str | None  # None for admin 1: the whole country is the parent
    expected: str
    original: str
    distortions: tuple[str, ...]


def load_units(path: str | Path) -> list[Unit]:
    """Rows of the global list (header, then the HXL row, then data)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    return [Unit(r["Location"], int(r["Admin Level"]), r["P-Code"], r["Name"],
                 r["Parent P-Code"]) for r in rows if not r["Location"].startswith("#")]


_ACCENTS = {"a": "áàâä", "e": "éèêë", "i": "íî", "o": "óôö", "u": "úüû", "n": "ñ", "c": "ç"}
_ABBREVIATIONS = [("Saint", "St."), ("Sainte", "Ste"), ("Mount", "Mt."), ("North", "N."),
                  ("South", "S."), ("Fort", "Ft."), ("Port", "Pt."), ("San", "S."),
                  ("Santa", "Sta."), ("Mont", "Mt")]
_FRENCH = [("North", "Nord"), ("South", "Sud"), ("East", "Est"), ("West", "Ouest"),
           ("Central", "Centre"), ("Upper", "Haut"), ("Lower", "Bas")]
_TRANSLIT = [("ou", "u"), ("u", "ou"), ("kh", "k"), ("y", "i"), ("i", "y"), ("ee", "i"),
             ("-e-", "-i-"), ("-i-", "-e-"), ("al-", "el-"), ("Al-", "El-"), ("Al ", ""),
             ("al-", ""), ("q", "k"), ("j", "dj"), ("sh", "ch"), ("ah", "a"), ("dh", "d"),
             ("o", "u"), ("e", "i")]
_TYPES_1 = ["{} Province", "Province of {}", "{} Region",
            "Région {}", "{} Governorate", "{} State",
            "Département du {}", "Prov. {}"]
_TYPES_2 = ["{} District", "District {}", "{} County",
            "Municipality of {}", "Commune de {}", "Wilayat {}",
            "{} Woreda", "{} Zone", "Shahrestan-e {}"]
_TYPES_IDN = {1: ["Provinsi {}", "Prov. {}", "{} Province"],
              2: ["Kabupaten {}", "Kab. {}", "{} Regency"]}


def _typo(rng: random.Random, name: str) -> str:
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    if len(letters) < 4:
        return name
    i = rng.choice(letters[1:])  # people rarely get the first letter wrong
    op = rng.choice(("sub", "del", "ins", "swap"))
    abc = "abcdefghijklmnopqrstuvwxyz"
    if op == "sub":
        return name[:i] + rng.choice(abc) + name[i + 1:]
    if op == "del":
        return name[:i] + name[i + 1:]
    if op == "ins":
        return name[:i] + rng.choice(abc) + name[i:]
    j = i - 1
    return name[:j] + name[i] + name[j] + name[i + 1:]


def _case(rng: random.Random, name: str, _: Unit) -> str | None:
    return rng.choice((name.upper(), name.lower(), name.title()))


def _accents(rng: random.Random, name: str, _: Unit) -> str | None:
    spots = [i for i, c in enumerate(name) if c.lower() in _ACCENTS]
    if not spots:
        return None
    i = rng.choice(spots)
    return name[:i] + rng.choice(_ACCENTS[name[i].lower()]) + name[i + 1:]


def _spacing(rng: random.Random, name: str, _: Unit) -> str | None:
    options = []
    if "-" in name:
        options += [name.replace("-", " "), name.replace("-", ""), name.replace("-", " - ")]
    if " " in name:
        options += [name.replace(" ", "-"), name.replace(" ", "", 1), name.replace(" ", "  ")]
    words = [w for w in name.split() if len(w) >= 8]
    if words:
        w = rng.choice(words)
        cut = rng.randrange(3, len(w) - 3)
        options.append(name.replace(w, w[:cut] + " " + w[cut:], 1))
    return rng.choice(options) if options else None


def _typo1(rng: random.Random, name: str, _: Unit) -> str | None:
    out = _typo(rng, name)
    return out if out != name else None


def _typo2(rng: random.Random, name: str, _: Unit) -> str | None:
    if len(name) < 8:
        return None
    out = _typo(rng, _typo(rng, name))
    return out if out != name else None


def _admin_type(rng: random.Random, name: str, unit: Unit) -> str | None:
    if unit.country == "IDN":
        if name.startswith("Kota "):
            return rng.choice((name[5:] + " City", "KOTA " + name[5:], name[5:]))
        return rng.choice(_TYPES_IDN[unit.level]).format(name)
    pattern = rng.choice(_TYPES_1 if unit.level == 1 else _TYPES_2)
    return pattern.format(name)


def _abbreviation(rng: random.Random, name: str, _: Unit) -> str | None:
    found = [(full, short) for full, short in _ABBREVIATIONS + _FRENCH
             if re.search(rf"\b{full}\b", name)]
    if not found:
        return None
    full, short = rng.choice(found)
    return re.sub(rf"\b{full}\b", short, name, count=1)


def _transliteration(rng: random.Random, name: str, _: Unit) -> str | None:
    options = [(a, b) for a, b in _TRANSLIT if a in name]
    doubled = re.findall(r"([a-z])\1", name)
    if doubled:
        d = rng.choice(doubled)
        options.append((d + d, d))
    singles = [c for c in re.findall(r"[bdfgklmnprst](?=[aeiou])", name[1:])]
    if singles:
        c = rng.choice(singles)
        options.append((c, c + c))
    if not options:
        return None
    old, new = rng.choice(options)
    return name.replace(old, new, 1)


def _word_order(rng: random.Random, name: str, _: Unit) -> str | None:
    words = name.split()
    if len(words) != 2:
        return None
    return f"{words[1]} {words[0]}"


DISTORTIONS: dict[str, Callable[[random.Random, str, Unit], str | None]] = {
    "accents": _accents, "spacing": _spacing, "typo1": _typo1, "typo2": _typo2,
    "admin_type": _admin_type, "abbreviation": _abbreviation,
    "transliteration": _transliteration, "word_order": _word_order,
}


def labelled_set(units: Sequence[Unit], size: int = 5000, seed: int = 7,
                 countries: Sequence[str] | None = None) -> list[Item]:
    """`size` distorted names of units drawn at random (optionally from some countries).

    Units whose name appears twice under the same parent are left out: no answer is right.
    """
    rng = random.Random(seed)
    pool = [u for u in units if countries is None or u.country in countries]
    twice = Counter((u.country, u.level, u.parent, u.name.lower()) for u in pool)
    pool = [u for u in pool if twice[(u.country, u.level, u.parent, u.name.lower())] == 1]
    picked = rng.sample(pool, min(size, len(pool)))
    items = []
    names = list(DISTORTIONS)
    for unit in picked:
        name, applied = unit.name, []
        wanted = 1 if rng.random() < 0.6 else 2
        for kind in rng.sample(names, k=len(names)):
            if len(applied) == wanted:
                break
            if kind.startswith("typo") and any(a.startswith("typo") for a in applied):
                continue  # at most two character edits in all
            out = DISTORTIONS[kind](rng, name, unit)
            if out and out.strip() and out != name:
                name = out
                applied.append(kind)
        if rng.random() < 0.3:
            name = _case(rng, name, unit) or name
            applied.append("case")
        items.append(Item(name, unit.country, unit.level, unit.parent if unit.level > 1 else None,
                          unit.pcode, unit.name, tuple(applied)))
    return items
