"""Which form field an export's column holds, whatever tool wrote the header.

KoboToolbox, ODK Central and hand-made spreadsheets name a column after a field in many ways:
the field's path with `/`, `.` or `-` between group names (`location/site_id`,
`location.site_id`, `location-site_id`), the path relative to the repeat the table holds,
the bare field name (when no other field has it), or the field's label in any language of the
form, alone or behind its groups' labels (Kobo "labels" exports: `Location/Site id`). A
select_multiple may come as one space-separated column or as one column per choice
(`needs/food`, `needs.food`, `Needs/Food`) holding 0/1, True/False or the choice itself; a
geopoint may come with extra columns for its parts (`_location_latitude`, `location-Latitude`).

Header names are matched as whole strings, never split on a separator: an XML name may itself
hold a `.` or a `-`. A spelling two fields share is ambiguous and matches neither, unless a
more exact spelling kind (full path, then relative path, then bare name, then label) wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

SEPARATORS = ("/", ".", "-")
CONTAINERS = frozenset({"group", "begin_group", "begin group", "repeat", "begin_repeat",
                        "begin repeat"})
SELECT_MULTIPLE = frozenset({"select_multiple", "select_multiple_from_file", "rank"})
GEO_PARTS = ("latitude", "longitude", "altitude", "precision")
CENTRAL_GEO_PARTS = ("Latitude", "Longitude", "Altitude", "Accuracy")
SELECTED = frozenset({"1", "1.0", "true", "yes", "y", "x"})
NOT_SELECTED = frozenset({"", "0", "0.0", "false", "no", "n"})

# Meta columns every tool may add; `canonical` is what `Columns.meta` is keyed by.
_META = {
    "meta/instanceID": "instanceID", "instanceID": "instanceID",
    "meta/deprecatedID": "deprecatedID", "deprecatedID": "deprecatedID",
    "meta/rootUuid": "rootUuid", "rootUuid": "rootUuid",
    "meta/instanceName": "instanceName", "instanceName": "instanceName",
    "formhub/uuid": "formhub_uuid",
}


def is_container(f: dict[str, Any]) -> bool:
    return str(f.get("type", "")).lower() in CONTAINERS


@dataclass(frozen=True)
class Column:
    """What one column holds: a whole value, one choice of a select_multiple, or one part of a
    geopoint (0 latitude … 3 accuracy)."""

    index: int
    header: str
    path: str
    type: str
    kind: str = "value"  # value | choice | geo
    choice: str = ""
    part: int = 0


@dataclass
class Columns:
    """A header resolved against a form: field columns, meta columns (canonical name → index)
    and the headers that matched nothing (with why)."""

    columns: list[Column] = field(default_factory=list)
    meta: dict[str, int] = field(default_factory=dict)
    unknown: list[tuple[str, str]] = field(default_factory=list)  # (header, reason)

    def fields(self) -> set[str]:
        return {c.path for c in self.columns}


@dataclass(frozen=True)
class _Target:
    path: str
    type: str
    kind: str = "value"
    choice: str = ""
    part: int = 0


class HeaderResolver:
    """Resolves headers of one table: the main table (`repeat=None`) or a repeat's table.

    `meta_prefixes` and `meta_names` say which columns are the tool's own (Kobo: anything
    starting with `_`; Central: `KEY`, `SubmissionDate`, …); they never count as unknown.
    """

    def __init__(self, fields: list[dict[str, Any]], repeat: str | None = None,
                 meta_names: Iterable[str] = (), meta_prefixes: Iterable[str] = ("_",)) -> None:
        self.fields = fields
        self.repeat = repeat
        self.meta_names = frozenset(meta_names)
        self.meta_prefixes = tuple(meta_prefixes)
        self.by_path = {f["path"]: f for f in fields if f.get("path")}
        self._exact, self._folded = self._spellings()

    # -- building the table of spellings ------------------------------------------------
    def _spellings(self) -> tuple[dict[str, _Target], dict[str, _Target]]:
        """Every spelling → target, tier by tier; a spelling taken by two targets of the same
        tier is ambiguous (dropped) unless an earlier tier already took it."""
        mine = [f for f in self.fields if f.get("repeat") == self.repeat
                and not is_container(f) and f.get("path")]
        names: dict[str, int] = {}
        for f in mine:
            names[f["name"]] = names.get(f["name"], 0) + 1
        tiers: list[dict[str, set[_Target]]] = [{}, {}, {}, {}]
        for f in mine:
            path: str = f["path"]
            type_ = str(f.get("type", "")).lower()
            rel = path[len(self.repeat) + 1:] if self.repeat and path.startswith(
                self.repeat + "/") else path
            by_tier = [_separated(path), _separated(rel),
                       {f["name"]} if names[f["name"]] == 1 else set(),
                       self._label_spellings(f)]
            for tier, spellings in zip(tiers, by_tier, strict=True):
                for sp in spellings:
                    self._add(tier, sp, f, type_)
        exact: dict[str, _Target] = {}
        for tier in tiers:
            for sp, targets in tier.items():
                if sp not in exact and len(targets) == 1:
                    exact[sp] = next(iter(targets))
                elif sp not in exact:
                    exact[sp] = _Target("", "", "ambiguous")
        folded: dict[str, _Target] = {}
        for sp, t in exact.items():
            key = sp.casefold()
            if key in folded and folded[key] != t:
                folded[key] = _Target("", "", "ambiguous")
            else:
                folded.setdefault(key, t)
        return exact, folded

    def _add(self, tier: dict[str, set[_Target]], spelling: str, f: dict[str, Any],
             type_: str) -> None:
        path = f["path"]
        tier.setdefault(spelling, set()).add(_Target(path, type_))
        if type_ in SELECT_MULTIPLE:
            for c in f.get("choices") or []:
                name = str(c.get("name", ""))
                for sep in SEPARATORS:
                    tier.setdefault(f"{spelling}{sep}{name}", set()).add(
                        _Target(path, type_, "choice", name))
                    for label in _texts(c.get("label")):
                        tier.setdefault(f"{spelling}{sep}{label}", set()).add(
                            _Target(path, type_, "choice", name))
        if type_ == "geopoint":
            for n, part in enumerate(CENTRAL_GEO_PARTS):
                tier.setdefault(f"{spelling}-{part}", set()).add(
                    _Target(path, type_, "geo", part=n))
            for n, part in enumerate(GEO_PARTS):  # Kobo's extra columns
                tier.setdefault(f"_{f['name']}_{part}", set()).add(
                    _Target(path, type_, "geo", part=n))

    def _label_spellings(self, f: dict[str, Any]) -> set[str]:
        """The label alone, and behind the labels of its groups, in every language."""
        out: set[str] = set()
        chains = [self._ancestors(f["path"], True), self._ancestors(f["path"], False)]
        languages = {lang for g in [*chains[1], f] for lang in (g.get("label") or {})}
        for lang in languages or {"default"}:
            own = _label_in(f, lang)
            out.add(own)
            for chain in chains:
                parts = [_label_in(g, lang) for g in chain]
                for sep in SEPARATORS:
                    out.add(sep.join([*parts, own]))
        out.discard("")
        return out

    def _ancestors(self, path: str, inner: bool) -> list[dict[str, Any]]:
        """The groups and repeats above a field (with `inner`: only inside this table's
        repeat)."""
        bits = path.split("/")
        chain = []
        for n in range(1, len(bits)):
            prefix = "/".join(bits[:n])
            if inner and self.repeat and not prefix.startswith(self.repeat + "/"):
                continue  # the repeat itself and what holds it are the table, not a column
            g = self.by_path.get(prefix)
            if g is not None:
                chain.append(g)
        return chain

    # -- resolving ---------------------------------------------------------------------
    def resolve(self, header: list[str]) -> Columns:
        out = Columns()
        for i, cell in enumerate(header):
            name = "" if cell is None else str(cell).strip()
            if not name:
                continue
            target = (self._exact.get(name) or self._folded.get(name.casefold())
                      or self._split_choice(name))
            if target is not None and target.kind != "ambiguous":
                out.columns.append(Column(i, name, target.path, target.type, target.kind,
                                          target.choice, target.part))
                continue
            meta = self.meta_name(name)
            if meta is not None:
                out.meta.setdefault(meta, i)
            elif target is not None:
                out.unknown.append((name, "matches more than one field of the form"))
            elif self._other_table(name):
                out.unknown.append((name, "is a field of a repeat group, which this table "
                                          "cannot hold (export repeats as XLSX or JSON)"))
            else:
                out.unknown.append((name, "matches no field of the form"))
        return out

    def _split_choice(self, name: str) -> _Target | None:
        """`needs/other_choice` for a select_multiple whose choices the field list lacks
        (a choice list from a file, an external list): the part after the last separator."""
        for sep in SEPARATORS:
            head, _, choice = name.rpartition(sep)
            t = self._exact.get(head) if head else None
            if t is not None and t.kind == "value" and t.type in SELECT_MULTIPLE and choice:
                return _Target(t.path, t.type, "choice", choice)
        return None

    def meta_name(self, name: str) -> str | None:
        """The canonical name of a meta column (`meta.instanceID` → `instanceID`), or None."""
        for sep in SEPARATORS:
            if name.startswith(f"meta{sep}"):
                return _META.get(f"meta/{name[5:]}", name[5:])
            if name.startswith(f"formhub{sep}"):
                return "formhub_" + name[8:]
        if name in _META:
            return _META[name]
        if name in self.meta_names or name.startswith(self.meta_prefixes):
            return name
        return None

    def _other_table(self, name: str) -> bool:
        return any(name in _separated(f["path"]) for f in self.fields
                   if f.get("repeat") != self.repeat and f.get("path"))


def _separated(path: str) -> set[str]:
    return {path.replace("/", sep) for sep in SEPARATORS}


def _texts(label: Any) -> list[str]:
    if isinstance(label, dict):
        return [str(v).strip() for v in label.values() if v]
    return [str(label).strip()] if label else []


def _label_in(f: dict[str, Any], lang: str) -> str:
    """The label in `lang`, else the default label, else the name (as Kobo writes it)."""
    label = f.get("label")
    text = (label.get(lang) or label.get("default")) if isinstance(label, dict) else label
    return str(text).strip() if text else str(f.get("name", ""))


def choice_name(f: dict[str, Any] | None, value: str) -> str:
    """A select's value as the form's choice name: labels (Kobo "labels" exports) map back
    to names; a value that is neither stays as it is (the mapping reports it)."""
    if f is None or not f.get("choices"):
        return value
    choices = f["choices"]
    names = {str(c.get("name")) for c in choices}
    if value in names:
        return value
    by_label = {text.casefold(): str(c.get("name")) for c in choices
                for text in _texts(c.get("label"))}
    return by_label.get(value.strip().casefold(), value)


def choice_names(f: dict[str, Any] | None, value: str) -> str:
    """A select_multiple's space-separated value as choice names: each token that is a name
    stays; labels (which may hold spaces) are matched longest first, left to right."""
    tokens = value.split()
    if f is None or not f.get("choices"):
        return " ".join(tokens)
    names = {str(c.get("name")) for c in f["choices"]}
    if all(t in names for t in tokens):
        return " ".join(tokens)
    by_label = {text.casefold(): str(c.get("name")) for c in f["choices"]
                for text in _texts(c.get("label"))}
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for j in range(len(tokens), i, -1):
            phrase = " ".join(tokens[i:j]).casefold()
            if phrase in by_label and (j > i + 1 or tokens[i] not in names):
                out.append(by_label[phrase])
                i = j
                break
        else:
            out.append(tokens[i])
            i += 1
    return " ".join(out)


def is_selected(cell: str, choice: str, labels: Iterable[str] = ()) -> bool | None:
    """Whether a split select_multiple cell says "chosen": 1/True/yes or the choice itself;
    None when the cell says nothing readable."""
    text = cell.strip().casefold()
    if text in SELECTED or text == choice.casefold() or text in {t.casefold() for t in labels}:
        return True
    if text in NOT_SELECTED:
        return False
    return None
