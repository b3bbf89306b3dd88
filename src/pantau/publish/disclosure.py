"""Disclosure control before anything is published: small cells of aggregated tables, and
the re-identification risk of record-level releases.

**Aggregated tables (cell suppression).** A published count of 1–4 people in a village can
point at a family. A cell counting people that is above 0 and below the threshold (per
operation, default 5) is suppressed (*primary*). Totals would give it back — a province
total minus its other districts is the hidden district — so *complementary* (secondary)
cells are suppressed as well, through the additive relations of the published table:

- the admin hierarchy: an area's figure is the sum of its sub-areas' (every level adds up to
  the same total, docs/analytics.md), for every figure column;
- within a row: individuals = females + males (`idps_ind` = `idps_f` + `idps_m`), and in
  `round_change` this round = previous round + change;
- breakdowns whose total is published in another table: in `displacement`, an area's rows by
  reason and origin add up to its figure in `area_totals`; in `origin_matrix`, a place's rows
  by origin add up to its figure.

In every relation with exactly one suppressed cell, the next smallest cell is suppressed too
(a part rather than the total, a non-zero part before a zero one), and the relations are
walked again until nothing changes (a fixed point). Ties are broken by the row's content, not
its position, so `current` and `area_totals` (the same rounds) get the same pattern.

Limits, compared with tau-ARGUS (which solves linear programs over the whole table): a cell
hidden in two relations at once may still be narrowed to an interval by an attacker who
solves the system; the pattern is not minimal (more cells than necessary may be hidden);
protection levels (how wide the interval must be) are not enforced, only that every relation
keeps at least two unknowns; relations across tables other than the ones listed above
(`totals` by sex × age) are not modelled.

**Record-level releases (k-anonymity and risk).** The quasi-identifiers (sex, age, place …:
`pantau.forms.personal`) of each record form its key; `f_k` is how many records share it.
A record is k-anonymous when `f_k ≥ k`. Its individual risk is `1 / f_k` — the
sdcMicro risk without sampling weights, i.e. treating the records as the whole population,
the conservative reading for a DTM census of sites or a registration. The global risk is the
expected number of re-identifications (the sum of the individual risks) divided by the
number of records, as sdcMicro reports it; a release above the threshold (default 3%, HDX's)
is blocked.

Settings per operation: `WORKSPACE/disclosure/OPERATION.yaml` (`min_cell`, `max_risk`, `k`,
and `retention_days` for `pantau.retention`).
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pantau.errors import PantauError

DEFAULT_MIN_CELL = 5
DEFAULT_MAX_RISK = 0.03  # HDX's threshold for global re-identification risk
DEFAULT_K = 3
MARK_COLUMN = "suppressed"
MARK_TAG = "#meta+suppressed"
# Tables of people counts that are suppressed; the others hold no counts of people
# (`rounds`, `latest_round`) or counts of sites (`needs`).
SUPPRESSED = ("current", "area_totals", "displacement", "totals", "round_change",
              "origin_matrix")
_COUNTS = {"ind", "hh", "f", "m", "ind_estimated", "value", "estimated_value",
           "ind_previous", "hh_previous"}
_DERIVED = {"ind_change", "hh_change"}  # not counts themselves; hidden only as complements
_HEADLINE_SUFFIXES = ("_ind_estimated", "_ind", "_hh", "_f", "_m")

Cell = tuple[int, int]  # (row index, column index)
Relation = tuple[Cell | None, list[Cell]]  # (total, or None if published elsewhere; parts)


@dataclass(frozen=True)
class Policy:
    """Thresholds of one operation."""

    min_cell: int = DEFAULT_MIN_CELL
    max_risk: float = DEFAULT_MAX_RISK
    k: int = DEFAULT_K
    retention_days: int | None = None  # personal answers erased after (pantau.retention)


_KEYS = ("min_cell", "max_risk", "k", "retention_days")


def load_policy(workspace: Path, operation: str) -> Policy:
    """The operation's thresholds from `WORKSPACE/disclosure/OPERATION.yaml`, else defaults;
    a bad file is an error naming the key."""
    path = workspace / "disclosure" / f"{operation}.yaml"
    if not path.is_file():
        return Policy()
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except yaml.YAMLError as exc:
        raise PantauError("invalid", message=f"{path.name}: not YAML "
                          f"({str(exc).splitlines()[0]})") from None
    if not isinstance(doc, dict):
        raise PantauError("invalid", message=f"{path.name}: expected {', '.join(_KEYS)}")
    unknown = set(doc) - set(_KEYS)
    if unknown:
        raise PantauError("invalid", message=f"{path.name}: unknown key(s) "
                          f"{', '.join(sorted(map(str, unknown)))} (expected "
                          f"{', '.join(_KEYS)})")
    min_cell, max_risk, k = doc.get("min_cell", DEFAULT_MIN_CELL), \
        doc.get("max_risk", DEFAULT_MAX_RISK), doc.get("k", DEFAULT_K)
    if not isinstance(min_cell, int) or isinstance(min_cell, bool) or min_cell < 1:
        raise PantauError("invalid", message=f"{path.name}: min_cell must be a whole number "
                          "of 1 or more")
    if not isinstance(max_risk, int | float) or not 0 <= max_risk <= 1:
        raise PantauError("invalid", message=f"{path.name}: max_risk must be a share "
                          "between 0 and 1 (0.03 is 3%)")
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise PantauError("invalid", message=f"{path.name}: k must be a whole number of 1 "
                          "or more")
    days = doc.get("retention_days")
    if days is not None and (not isinstance(days, int) or isinstance(days, bool) or days < 0):
        raise PantauError("invalid", message=f"{path.name}: retention_days must be a whole "
                          "number of days (0 or more)")
    return Policy(min_cell, float(max_risk), k, days)


# --- aggregated tables ---------------------------------------------------------------------
@dataclass
class Suppressed:
    """A table after cell suppression."""

    rows: list[list[Any]]
    marks: list[str]  # per row: the suppressed columns, space-separated ('' for none)
    primary: int = 0
    secondary: int = 0
    threshold: int = DEFAULT_MIN_CELL
    primary_cells: set[Cell] = field(default_factory=set)
    secondary_cells: set[Cell] = field(default_factory=set)

    @property
    def cells(self) -> int:
        return self.primary + self.secondary


def suppress(values: dict[Cell, float], relations: Sequence[Relation], threshold: int,
             order: Callable[[Cell], Any] = lambda c: c,
             counts: set[Cell] | None = None) -> tuple[set[Cell], set[Cell]]:
    """(primary, secondary) cells to suppress. `values`: the published numbers (cells left
    out are not published, e.g. empty = not reported); `counts`: the cells the threshold
    applies to (default all); `order` breaks ties between equally small cells."""
    primary = {c for c, v in values.items()
               if (counts is None or c in counts) and 0 < abs(v) < threshold}
    hidden = set(primary)
    by_cell: dict[Cell, list[int]] = defaultdict(list)
    for i, (total, parts) in enumerate(relations):
        for c in ([total] if total is not None else []) + parts:
            by_cell[c].append(i)
    queue = list(range(len(relations)))
    queued = set(queue)
    heapq.heapify(queue)
    while queue:
        i = heapq.heappop(queue)
        queued.discard(i)
        total, parts = relations[i]
        known_parts = [c for c in parts if c in values]
        members = known_parts + ([total] if total is not None and total in values else [])
        if sum(c in hidden for c in members) != 1:
            continue
        pick = _complement(values, hidden, known_parts, total, order)
        if pick is None:
            continue
        hidden.add(pick)
        for j in by_cell[pick]:
            if j not in queued:
                heapq.heappush(queue, j)
                queued.add(j)
    return primary, hidden - primary


def _complement(values: dict[Cell, float], hidden: set[Cell], parts: list[Cell],
                total: Cell | None, order: Callable[[Cell], Any]) -> Cell | None:
    """The cell to hide with the one hidden cell of a relation: the smallest non-zero part,
    else the total, else a zero part."""
    open_parts = [c for c in parts if c not in hidden]
    nonzero = [c for c in open_parts if values[c] != 0]
    if nonzero:
        return min(nonzero, key=lambda c: (abs(values[c]), order(c)))
    if total is not None and total in values and total not in hidden:
        return total
    if open_parts:
        return min(open_parts, key=order)
    return None


def suppress_table(table: str, columns: list[str], rows: Sequence[Sequence[Any]],
                   threshold: int) -> Suppressed:
    """Suppress the small cells of a published table (`pantau.publish.dataset`) and their
    complements; suppressed cells become None (empty) and each row's `marks` name them."""
    out = [list(r) for r in rows]
    if table not in SUPPRESSED or threshold <= 0:
        return Suppressed(out, [""] * len(out), threshold=threshold)
    figures = [i for i, c in enumerate(columns) if _figure(c)]
    values: dict[Cell, float] = {}
    counts: set[Cell] = set()
    for r, row in enumerate(out):
        for i in figures:
            v = row[i]
            if v is not None:
                values[(r, i)] = float(v)
                if columns[i] not in _DERIVED:
                    counts.add((r, i))
    relations = _relations(table, columns, out, figures)
    keys = [i for i in range(len(columns)) if i not in figures]

    def order(c: Cell) -> tuple[str, int]:
        return ("\x1f".join("" if out[c[0]][i] is None else str(out[c[0]][i]) for i in keys),
                c[1])

    primary, secondary = suppress(values, relations, threshold, order, counts)
    marks: list[list[str]] = [[] for _ in out]
    for r, i in sorted(primary | secondary):
        out[r][i] = None
        marks[r].append(columns[i])
    return Suppressed(out, [" ".join(m) for m in marks], len(primary), len(secondary),
                      threshold, primary, secondary)


# Columns that identify a row of a published table (those the table has).
IDENTITY = ("operation", "assessment_type", "round_number", "previous_round", "admin_level",
            "admin0_pcode", "admin1_pcode", "admin2_pcode", "admin3_pcode", "population_group",
            "measure", "unit", "sex", "age_group", "reason", "origin_admin1_pcode",
            "origin_admin2_pcode", "sector", "status")


@dataclass
class Pattern:
    """Which cells of a whole table (all rounds, levels and types of an operation) are
    suppressed, by row identity, so that any filtered export, and the DTM API, hide the
    same cells: files cut differently cannot be combined to undo the suppression."""

    threshold: int
    identity: list[str]
    hidden: dict[tuple[Any, ...], dict[str, bool]]  # row key → column → primary?

    def key(self, row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(row.get(c) for c in self.identity)

    def of(self, row: dict[str, Any]) -> dict[str, bool]:
        """The suppressed columns of a row (given as a dict with its identity columns)."""
        return self.hidden.get(self.key(row), {})


def pattern_of(table: str, columns: list[str], rows: Sequence[Sequence[Any]],
               threshold: int) -> Pattern:
    """Suppress the whole table and remember the suppressed cells by row identity."""
    identity = [c for c in IDENTITY if c in columns]
    done = suppress_table(table, columns, rows, threshold)
    hidden: dict[tuple[Any, ...], dict[str, bool]] = {}
    for cells, primary in ((done.primary_cells, True), (done.secondary_cells, False)):
        for r, i in cells:
            row = dict(zip(columns, rows[r], strict=True))
            hidden.setdefault(tuple(row.get(c) for c in identity), {})[columns[i]] = primary
    return Pattern(threshold, identity, hidden)


def apply(pattern: Pattern, columns: list[str], rows: Sequence[Sequence[Any]]) -> Suppressed:
    """`rows` (a selection of the table `pattern` was made from) with its suppressed cells
    emptied and marked."""
    index = {c: i for i, c in enumerate(columns)}
    out, marks, primary, secondary = [], [], 0, 0
    for row in rows:
        cells = pattern.of(dict(zip(columns, row, strict=True))) if pattern.hidden else {}
        new = list(row)
        names = []
        for column, is_primary in cells.items():
            i = index.get(column)
            if i is None or new[i] is None:
                continue
            new[i] = None
            names.append(column)
            primary += is_primary
            secondary += not is_primary
        out.append(new)
        marks.append(" ".join(sorted(names, key=index.__getitem__)))
    return Suppressed(out, marks, primary, secondary, pattern.threshold)


def _figure(column: str) -> bool:
    return column in _COUNTS or column in _DERIVED or column.endswith(_HEADLINE_SUFFIXES)


def _relations(table: str, columns: list[str], rows: list[list[Any]],
               figures: list[int]) -> list[Relation]:
    col = {c: i for i, c in enumerate(columns)}
    out: list[Relation] = []
    # Within a row: individuals = females + males; this round = previous + change.
    triples = []
    for c in columns:
        if c == "ind" or c.endswith("_ind"):
            base = c[:-3]
            if base + "f" in col and base + "m" in col:
                triples.append((col[c], [col[base + "f"], col[base + "m"]]))
    for now, prev, change in (("ind", "ind_previous", "ind_change"),
                              ("hh", "hh_previous", "hh_change")):
        if {now, prev, change} <= set(col):
            triples.append((col[now], [col[prev], col[change]]))
    for r in range(len(rows)):
        out += [((r, t), [(r, p) for p in parts]) for t, parts in triples]
    # The admin hierarchy: an area = the sum of its sub-areas, per figure column.
    if "admin_level" in col:
        out += _hierarchy(columns, rows, figures)
    # Breakdowns whose total another table publishes.
    breakdown = {"displacement": ("reason", "origin_admin1_pcode", "origin_admin1_name"),
                 "origin_matrix": ("origin_admin1_pcode", "origin_admin1_name",
                                   "origin_admin2_pcode", "origin_admin2_name")}.get(table)
    if breakdown:
        keep = [i for i, c in enumerate(columns) if i not in figures and c not in breakdown]
        groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for r, row in enumerate(rows):
            groups[tuple(row[i] for i in keep)].append(r)
        for members in groups.values():
            if len(members) > 1:
                out += [(None, [(r, i) for r in members]) for i in figures]
    return out


def _hierarchy(columns: list[str], rows: list[list[Any]], figures: list[int]) -> list[Relation]:
    col = {c: i for i, c in enumerate(columns)}
    lv = col["admin_level"]
    admin = {i for i, c in enumerate(columns) if c.startswith("admin") and c != "admin_level"}
    # `status` (round_change: both / new / gone) may differ between an area and its parts.
    other = [i for i in range(len(columns)) if i not in figures and i not in admin and i != lv
             and columns[i] not in ("gazetteer_version", "status")]

    def code(row: list[Any], level: int) -> Any:
        i = col.get(f"admin{level}_pcode")
        return row[i] if i is not None else None

    parents: dict[tuple[Any, ...], int] = {}
    children: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for r, row in enumerate(rows):
        level = row[lv]
        if level is None:
            continue
        level = int(level)
        base = tuple(row[i] for i in other)
        parents[(*base, level, code(row, level))] = r
        if level > 0:
            children[(*base, level - 1, code(row, level - 1))].append(r)
    out: list[Relation] = []
    for key, kids in children.items():
        parent = parents.get(key)
        if parent is None:
            continue
        out += [((parent, i), [(k, i) for k in kids]) for i in figures]
    return out


# --- record-level releases -----------------------------------------------------------------
@dataclass
class Risk:
    """k-anonymity and re-identification risk of a record-level release."""

    records: int
    keys: list[str]  # the quasi-identifiers
    k: int
    classes: int = 0  # distinct key combinations
    below_k: int = 0  # records whose combination is shared by fewer than k records
    expected: float = 0.0  # expected re-identifications: sum of individual risks
    individual: list[float] = field(default_factory=list)  # per record: 1 / f_k

    @property
    def global_risk(self) -> float:
        return self.expected / self.records if self.records else 0.0


def risk(records: Sequence[Sequence[Any]], keys: list[str], k: int = DEFAULT_K) -> Risk:
    """The risk of releasing `records` (tuples of their quasi-identifier values, in the
    order of `keys`). A missing value is a category of its own. Without quasi-identifiers
    no record can be singled out by them: risk 0."""
    n = len(records)
    if not keys or n == 0:
        return Risk(n, keys, k, individual=[0.0] * n)
    combos = [tuple("" if v is None else str(v) for v in r) for r in records]
    freq = Counter(combos)
    individual = [1.0 / freq[c] for c in combos]
    return Risk(n, keys, k, len(freq), sum(1 for c in combos if freq[c] < k),
                sum(individual), individual)


def check_release(r: Risk, max_risk: float) -> None:
    """Block a release whose global risk is above `max_risk`, saying why and what to do;
    names the quasi-identifiers, never their values."""
    if r.global_risk <= max_risk:
        return
    raise PantauError("invalid", message=(
        f"record-level release blocked: global re-identification risk {r.global_risk:.1%} "
        f"is above {max_risk:.1%} (about {r.expected:,.1f} of {r.records:,} records could be "
        f"re-identified from {', '.join(r.keys)}; {r.below_k:,} records share their "
        f"combination with fewer than {r.k - 1} others). Leave out or coarsen "
        "quasi-identifiers (--key), export fewer records, or, if the release is not public, "
        "raise --max-risk."))
