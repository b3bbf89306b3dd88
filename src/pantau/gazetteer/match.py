"""Find the P-code of a place name the way a user wrote it.

The matcher works in tiers, cheapest and surest first, within the units a query may mean
(one country; one admin level; the children of one parent when the parent is known):

1. the name *is* a P-code of that scope;
2. equal `literal` (case, accents, punctuation, spacing): kind "exact", score 1.0;
3. equal `key` (admin-type words, articles, abbreviations, direction words): score 0.97;
4. equal `skeleton` (transliteration variants): score 0.93;
5. otherwise fuzzy: the best of character similarity of skeletons, word-order-insensitive
   similarity and word-subset similarity (rapidfuzz), scaled into 0–0.9 so that a fuzzy hit
   never outranks a tier above.

Admin-type words decide between units that share a key: "Kota Bandung" (a city) and
"Bandung" (the regency) are both "bandung"; a query saying "Kota" or "City" gets the city,
one saying "Kabupaten" the regency, and a bare "Bandung" its literal twin. A candidate whose
type words contradict the query's loses 0.10; one where only one side names a type, 0.03.

Two different units scoring within `AMBIGUITY_MARGIN` of each other are "ambiguous": no
P-code is given and both are listed, because a wrong P-code silently moves people to the wrong
district, while an empty one is visible. Below `MIN_SCORE` the result is "not_found".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from rapidfuzz import fuzz, process

from pantau.gazetteer.names import NameKeys, keys

MIN_SCORE = 0.62  # below this a fuzzy candidate is a guess, not a match
AMBIGUITY_MARGIN = 0.02  # two units closer than this cannot be told apart
FUZZY_SCALE = 0.9  # fuzzy scores live in 0–0.9, under the key tiers
LITERAL, KEY, SKELETON = 1.0, 0.97, 0.93
TYPE_CONFLICT, TYPE_UNCONFIRMED = 0.10, 0.03
SUBSET_WEIGHT = 0.9  # a name that is a word subset of another is likely, not certain
ALTERNATIVES = 3
FUZZY_LIMIT = 5
CUTOFF = 40  # raw rapidfuzz similarity under which a candidate is not even an alternative

Alternative = tuple[str, str, float]


class UnitLike(Protocol):
    """What the matcher needs of an admin unit (e.g. `pantau.gazetteer` UnitInfo)."""

    pcode: str
    name: str
    names: Any
    level: int
    parent_pcode: str | None


@dataclass(slots=True)
class Match:
    """The answer for one name. `pcode` is None unless kind is "exact" or "fuzzy"."""

    query: str
    pcode: str | None
    name: str | None
    level: int | None
    score: float
    kind: str  # exact | fuzzy | ambiguous | not_found
    alternatives: list[Alternative] = field(default_factory=list)
    scope: str = "country"  # parent | country: the children of `parent`, or the whole country
    parent: str | None = None  # the parent P-code the search was restricted to

    @property
    def matched(self) -> bool:
        return self.pcode is not None


@dataclass(frozen=True)
class _Unit:
    pcode: str
    name: str
    level: int
    parent: str | None


@dataclass
class _Scope:
    """The names one query may mean, indexed every way the tiers look them up."""

    pcodes: list[str] = field(default_factory=list)  # one per entry (a unit has several names)
    keys: list[NameKeys] = field(default_factory=list)
    by_pcode: dict[str, str] = field(default_factory=dict)
    literal: dict[str, list[int]] = field(default_factory=dict)
    key: dict[str, list[int]] = field(default_factory=dict)
    skeleton: dict[str, list[int]] = field(default_factory=dict)
    skeletons: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    fulls: list[str] = field(default_factory=list)
    ordered: list[str] = field(default_factory=list)

    def add(self, pcode: str, name_keys: NameKeys) -> None:
        i = len(self.pcodes)
        self.pcodes.append(pcode)
        self.keys.append(name_keys)
        self.literal.setdefault(name_keys.literal, []).append(i)
        self.key.setdefault(name_keys.key, []).append(i)
        self.skeleton.setdefault(name_keys.skeleton, []).append(i)
        self.skeletons.append(name_keys.skeleton)
        self.words.append(name_keys.words)
        self.fulls.append(name_keys.full)
        self.ordered.append(name_keys.ordered)


def _other_names(names: Any) -> list[str]:
    """Names in other languages or spellings: {"fr": "…", "alt": ["…", …]} or a list."""
    if not names:
        return []
    values = names.values() if isinstance(names, dict) else names
    out: list[str] = []
    for value in values:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, (list, tuple)):
            out.extend(v for v in value if isinstance(v, str))
    return [v for v in out if v.strip()]


def _type_penalty(query: frozenset[str], candidate: frozenset[str]) -> float:
    if query == candidate:
        return 0.0
    if not query or not candidate:
        return TYPE_UNCONFIRMED
    return 0.0 if query & candidate else TYPE_CONFLICT


class Matcher:
    """Matches names to the P-codes of one country's units. Build once, match many."""

    def __init__(self, units: Iterable[UnitLike]) -> None:
        self._units: dict[str, _Unit] = {}
        self._names: dict[str, list[NameKeys]] = {}
        for u in units:
            pcode = str(u.pcode).strip().upper()
            unit = _Unit(pcode, u.name, int(u.level), u.parent_pcode)
            self._units[pcode] = unit
            seen: set[str] = set()
            forms = []
            for name in [u.name, *_other_names(getattr(u, "names", None))]:
                k = keys(name)
                if k.literal and k.literal not in seen:
                    seen.add(k.literal)
                    forms.append(k)
            self._names[pcode] = forms
        self._parents = {u.parent for u in self._units.values() if u.parent}
        self._groups: dict[tuple[int | None, str | None], list[str]] = {}
        for unit in self._units.values():
            for group in ((unit.level, unit.parent), (unit.level, None), (None, unit.parent),
                          (None, None)):
                self._groups.setdefault(group, []).append(unit.pcode)
        self._scopes: dict[tuple[int | None, str | None], _Scope] = {}
        for level, parent in list(self._groups):
            if level is not None:  # the scopes queries use; others are built when asked for
                self._scope(level, parent)

    def __len__(self) -> int:
        return len(self._units)

    def unit_name(self, pcode: str) -> str | None:
        unit = self._units.get(pcode.upper())
        return unit.name if unit else None

    def match(self, name: object, level: int | None = None, parent: str | None = None,
              parent_name: str | None = None) -> Match:
        """The P-code `name` means, at `level`, among the children of `parent`.

        `parent_name` is resolved first (one level up) when no `parent` P-code is given. A
        parent that is unknown or unresolved widens the search to the whole country, and
        the answer's `scope` says so.
        """
        query = "" if name is None else str(name).strip()
        if parent is None and parent_name:
            parent = self.match(parent_name, level - 1 if level and level > 1 else None).pcode
        parent = parent.strip().upper() if parent else None
        if parent is not None and parent not in self._units and parent not in self._parents:
            parent = None
        scope_name = "parent" if parent else "country"
        if not query:
            return Match(query, None, None, level, 0.0, "not_found", [], scope_name, parent)
        scope = self._scope(level, parent)
        scores = self._tiered(query, scope)
        return self._decide(query, level, scores, scope_name, parent)

    # -- scoring -------------------------------------------------------------------------

    def _tiered(self, query: str, scope: _Scope) -> dict[str, tuple[float, bool]]:
        """Best score per P-code, and whether it came from an equal literal."""
        upper = query.upper()
        if upper in scope.by_pcode:
            return {upper: (LITERAL, True)}
        q = keys(query)
        scores: dict[str, tuple[float, bool]] = {}
        for table, value, base in ((scope.literal, q.literal, LITERAL), (scope.key, q.key, KEY),
                                   (scope.skeleton, q.skeleton, SKELETON)):
            for i in table.get(value, ()):
                score = base - _type_penalty(q.types, scope.keys[i].types)
                self._keep(scores, scope.pcodes[i], score, base == LITERAL)
        if scores:
            return scores
        return self._fuzzy(q, scope)

    def _fuzzy(self, q: NameKeys, scope: _Scope) -> dict[str, tuple[float, bool]]:
        """Character similarity of skeletons, of whole literals and of sorted words; then
        word-subset similarity for the shortlist those found (it is the slow scorer)."""
        scores: dict[str, tuple[float, bool]] = {}
        if not q.skeleton or not scope.skeletons:
            return scores
        raw: dict[int, float] = {}
        searches = [(q.skeleton, scope.skeletons)]
        if " " in q.ordered:
            searches.append((q.ordered, scope.ordered))
        for text, choices in searches:
            for _, s, i in process.extract(text, choices, scorer=fuzz.ratio, limit=FUZZY_LIMIT,
                                           score_cutoff=CUTOFF):
                if s > raw.get(i, 0.0):
                    raw[i] = s
        for i in list(raw):
            raw[i] = max(raw[i], fuzz.ratio(q.full, scope.fulls[i]),
                         SUBSET_WEIGHT * fuzz.token_set_ratio(q.words, scope.words[i]))
        for i, s in raw.items():
            score = FUZZY_SCALE * s / 100 - _type_penalty(q.types, scope.keys[i].types)
            self._keep(scores, scope.pcodes[i], score, False)
        return scores

    @staticmethod
    def _keep(scores: dict[str, tuple[float, bool]], pcode: str, score: float,
              literal: bool) -> None:
        old = scores.get(pcode)
        if old is None or score > old[0]:
            scores[pcode] = (score, literal)

    def _decide(self, query: str, level: int | None, scores: dict[str, tuple[float, bool]],
                scope_name: str, parent: str | None) -> Match:
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1][0], kv[0]))
        alternatives = [(p, self._units[p].name, round(max(s, 0.0), 3))
                        for p, (s, _) in ranked[:ALTERNATIVES + 1]]
        if not ranked or ranked[0][1][0] < MIN_SCORE:
            return Match(query, None, None, level, alternatives[0][2] if alternatives else 0.0,
                         "not_found", alternatives[:ALTERNATIVES], scope_name, parent)
        best, (score, literal) = ranked[0]
        unit = self._units[best]
        if len(ranked) > 1 and score - ranked[1][1][0] < AMBIGUITY_MARGIN:
            return Match(query, None, None, unit.level, round(score, 3), "ambiguous",
                         alternatives[:ALTERNATIVES], scope_name, parent)
        kind = "exact" if literal and score >= LITERAL else "fuzzy"
        return Match(query, best, unit.name, unit.level, round(score, 3), kind,
                     alternatives[1:ALTERNATIVES + 1], scope_name, parent)

    def _scope(self, level: int | None, parent: str | None) -> _Scope:
        found = self._scopes.get((level, parent))
        if found is not None:
            return found
        scope = _Scope()
        for pcode in self._groups.get((level, parent), ()):
            scope.by_pcode[pcode] = pcode
            for k in self._names[pcode]:
                scope.add(pcode, k)
        self._scopes[(level, parent)] = scope
        return scope
