"""Nationalities and countries as people write them → ISO3, saying what was matched.

FMR sheets carry nationalities as ISO3 (`TUN`), ISO2 (`TN`), English or French names
(`Tunisia`, `Tunisie`) or common short names (`Syria`, `Ivory Coast`, `Turkey`). The table is
the one pantau ships (`pantau.gazetteer.countries`, OCHA's list); the short names below cover
what that list spells formally. Nothing is guessed: an unknown value is an error that offers
the closest names, and every value that was not already ISO3 is reported with its match.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pantau.tabular.values import ValueProblem

_TABLE = Path(__file__).resolve().parents[1] / "gazetteer" / "countries.csv"

# Everyday names of countries whose names in OCHA's list are formal.
ALIASES = {
    "turkey": "TUR", "ivory coast": "CIV", "cote d ivoire": "CIV", "syria": "SYR",
    "iran": "IRN", "russia": "RUS", "south korea": "KOR", "north korea": "PRK",
    "korea": "KOR", "dr congo": "COD", "drc": "COD", "congo kinshasa": "COD",
    "congo brazzaville": "COG", "laos": "LAO", "vietnam": "VNM", "viet nam": "VNM",
    "bolivia": "BOL", "venezuela": "VEN", "tanzania": "TZA", "moldova": "MDA",
    "palestine": "PSE", "state of palestine": "PSE", "gambia the": "GMB", "the gambia": "GMB",
    "cape verde": "CPV", "swaziland": "SWZ", "eswatini": "SWZ", "burma": "MMR",
    "macedonia": "MKD", "north macedonia": "MKD", "czech republic": "CZE", "czechia": "CZE",
    "uk": "GBR", "united kingdom": "GBR", "great britain": "GBR", "usa": "USA",
    "united states": "USA", "united states of america": "USA", "kosovo": "XKX",
    "stateless": "XXX", "unknown": "XXX",
}


@dataclass(frozen=True)
class Matched:
    """How a written value was read: 'Tunisie' → TUN (Tunisia), by its French name."""

    written: str
    iso3: str
    name: str
    how: str  # iso3 | iso2 | name | alias


@cache
def _index() -> tuple[dict[str, tuple[str, str]], dict[str, str], dict[str, str]]:
    """ISO3 → (name, iso2); ISO2 → ISO3; normalised name → ISO3."""
    by3: dict[str, tuple[str, str]] = {"XXX": ("Stateless or unknown", "")}
    by2: dict[str, str] = {}
    names: dict[str, str] = {}
    with _TABLE.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            by3[r["iso3"]] = (r["name"], r["iso2"])
            if r["iso2"]:
                by2[r["iso2"]] = r["iso3"]
            for n in (r["name"], r["name_fr"]):
                if n:
                    names.setdefault(_norm(n), r["iso3"])
    if "XKX" not in by3:
        by3["XKX"] = ("Kosovo", "XK")
    return by3, by2, names


def _norm(text: str) -> str:
    """'Côte d'Ivoire' → 'cote divoire'; 'Iran (Islamic Republic of)' keeps its words."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    plain = re.sub(r"['’`]", "", plain.lower())
    return re.sub(r"[^a-z0-9]+", " ", plain).strip()


def name_of(iso3: str) -> str:
    return _index()[0].get(iso3, (iso3, ""))[0]


def resolve(value: object) -> Matched:
    """One country → ISO3; raises ValueProblem for anything not known, with suggestions."""
    written = str(value or "").strip()
    if not written:
        raise ValueProblem("no country given")
    by3, by2, names = _index()
    upper = written.upper()
    if len(upper) == 3 and upper in by3:
        return Matched(written, upper, by3[upper][0], "iso3")
    if len(upper) == 2 and upper in by2:
        iso3 = by2[upper]
        return Matched(written, iso3, by3[iso3][0], "iso2")
    key = _norm(written)
    if key in names:
        return Matched(written, names[key], by3[names[key]][0], "name")
    if key in ALIASES:
        iso3 = ALIASES[key]
        return Matched(written, iso3, by3[iso3][0], "alias")
    close = difflib.get_close_matches(key, [*names, *ALIASES], n=5, cutoff=0.6)
    suggestions = list(dict.fromkeys(name_of(names.get(c) or ALIASES[c]) for c in close))[:3]
    hint = f" (did you mean {', '.join(map(repr, suggestions))}?)" if close else ""
    raise ValueProblem(f"'{written}' is not a known country: use an ISO3 code (TUN), an "
                       f"ISO2 code (TN) or a country name{hint}")


@dataclass
class CountryReader:
    """Resolves many cells, remembering each distinct value that needed matching."""

    matched: dict[str, Matched] = field(default_factory=dict)

    def read(self, value: object) -> str:
        m = resolve(value)
        if m.how != "iso3":
            self.matched.setdefault(m.written, m)
        return m.iso3

    def report(self) -> list[str]:
        """'Tunisie → TUN (Tunisia), by name' lines, one per distinct written value."""
        return [f"{m.written} → {m.iso3} ({m.name}), by {m.how}"
                for m in sorted(self.matched.values(), key=lambda m: m.written.lower())]
