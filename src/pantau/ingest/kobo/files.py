"""KoboToolbox exports — CSV, XLSX and API v2 JSON — streamed into `Incoming` records.

Memory: CSV rows are read one at a time (encoding found by a first pass of incremental
decoders); JSON records one at a time by `jsonstream`; XLSX rows of the main sheet one at a
time with openpyxl's read-only mode. Repeat groups in an XLSX are extra sheets joined to their
parent row by `_parent_index` = the parent's `_index`; rather than trust their order, their
rows are first copied into a temporary SQLite file indexed by parent (one pass over the repeat
sheets, their size on disk, flat memory).

Checks before any record: a header that matches no field of the form and is not one of Kobo's
own columns (`_id`, `_uuid`, `meta/…`, anything starting with `_`) stops the import with every
such header named. A JSON record with keys the form does not know goes to the quarantine.
Broken or truncated JSON stops the import: a file import is one transaction, so nothing of it
is stored.

Raw copy: CSV keeps the header line and the row (re-written with `,`, `raw_format` csv);
JSON keeps the record (dumped with sorted keys); XLSX keeps a JSON document of the header and
cells of the row and of its repeat rows.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pantau.errors import PantauError
from pantau.ingest.central.text import csv_line, csv_rows
from pantau.ingest.headers import Columns, HeaderResolver, is_container, is_selected
from pantau.ingest.incoming import Incoming
from pantau.ingest.kobo import jsonstream
from pantau.ingest.kobo.records import build, text_value, value_reader
from pantau.ingest.stream import Unreadable

Records = Iterator[Incoming | Unreadable]
_Key = tuple[str, str, Callable[[Any], str]]
SOURCE = "file"


def read_kobo_export(path: Path, fields: list[dict[str, Any]]) -> Records:
    """Records of a KoboToolbox export. Raises `PantauError` before the first record when the
    file as a whole is unfit (unreadable, headers the form does not have)."""
    path = Path(path)
    if not path.exists():
        raise PantauError("unreadable_file", source=path.name, message="no such file")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return read_json(path, fields)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path, fields)
    if suffix in (".csv", ".txt", ".tsv", ""):
        return read_csv(lambda: path.open("rb"), path.name, fields)
    raise PantauError("unreadable_file", source=path.name,
                      message=f"'{suffix}' is not a KoboToolbox export (CSV, XLSX or JSON)")


# -- shared -------------------------------------------------------------------------------
class Table:
    """One resolved header: turns a row of cells into answers and meta values."""

    def __init__(self, header: list[Any], fields: list[dict[str, Any]],
                 repeat: str | None = None) -> None:
        self.header = ["" if h is None else str(h).strip() for h in header]
        self.by_path = {f["path"]: f for f in fields if f.get("path")}
        self.cols: Columns = HeaderResolver(fields, repeat).resolve(self.header)
        self.values = [(c.index, c.path, value_reader(self.by_path.get(c.path)))
                       for c in self.cols.columns if c.kind == "value"]
        self.parts = [c for c in self.cols.columns if c.kind != "value"]

    def check(self, source: str) -> None:
        if self.cols.unknown:
            listed = "; ".join(f"'{h}' {why}" for h, why in self.cols.unknown[:20])
            more = len(self.cols.unknown) - 20
            raise PantauError("unreadable_file", source=source, message=(
                f"{len(self.cols.unknown)} column(s) do not belong to the form: {listed}"
                + (f" … and {more} more" if more > 0 else "")
                + "; import the form version these submissions were made with, or remove "
                  "the columns; nothing was imported"))

    def answers(self, cells: list[Any]) -> dict[str, Any]:
        """Whole values win over split choice or geopoint-part columns of the same field."""
        out: dict[str, Any] = {}
        width = len(cells)
        for index, path, read in self.values:
            text = read(cells[index] if index < width else None)
            if text:
                out[path] = text
        if not self.parts:
            return out
        picked: dict[str, list[str]] = {}
        geo: dict[str, list[str]] = {}
        for col in self.parts:
            if col.path in out:
                continue
            cell = cells[col.index] if col.index < width else None
            if col.kind == "choice":
                labels = _choice_labels(self.by_path.get(col.path), col.choice)
                if is_selected(text_value(cell, None), col.choice, labels):
                    picked.setdefault(col.path, []).append(col.choice)
            else:
                geo.setdefault(col.path, ["", "", "", ""])[col.part] = text_value(cell, None)
        for path, choices in picked.items():
            if path not in out:
                order = [str(c.get("name")) for c in (self.by_path[path].get("choices") or [])]
                choices.sort(key=lambda c: order.index(c) if c in order else len(order))
                out[path] = " ".join(choices)
        for path, parts in geo.items():
            if path not in out and any(parts):
                out[path] = " ".join(p for p in parts if p)
        return out

    def meta(self, cells: list[Any]) -> dict[str, Any]:
        return {name: cells[i] for name, i in self.cols.meta.items()
                if i < len(cells) and cells[i] not in (None, "")}


def _choice_labels(f: dict[str, Any] | None, choice: str) -> list[str]:
    for c in (f or {}).get("choices") or []:
        if str(c.get("name")) == choice:
            label = c.get("label")
            return [str(v) for v in label.values()] if isinstance(label, dict) else []
    return []


def _blank(cells: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


# -- CSV ----------------------------------------------------------------------------------
def read_csv(open_binary: Callable[[], Any], source: str, fields: list[dict[str, Any]],
             record_source: str = SOURCE) -> Records:
    """A Kobo CSV export (`,` or `;`, XML names or labels, split select_multiple or not)."""
    with csv_rows(open_binary, source) as rows:
        header = next(rows, None)
        if header is None:
            raise PantauError("unreadable_file", source=source, message="the file is empty")
        table = Table(header, fields)
        table.check(source)
    return _csv_records(open_binary, source, table, record_source)


def _csv_records(open_binary: Callable[[], Any], source: str, table: Table,
                 record_source: str) -> Records:
    head = csv_line(table.header)
    with csv_rows(open_binary, source) as rows:
        next(rows, None)
        line = getattr(rows, "line_num", 1)
        for cells in rows:
            number, line = line + 1, getattr(rows, "line_num", line + 1)
            if _blank(cells):
                continue
            raw = (head + csv_line(cells)).encode("utf-8")
            yield build(table.answers(cells), table.meta(cells), raw, "csv", record_source,
                        f"{source}, row {number}")


# -- JSON ---------------------------------------------------------------------------------
class JsonShape:
    """What each key of a Kobo API v2 record is: a field (of the record's table) or meta."""

    def __init__(self, fields: list[dict[str, Any]]) -> None:
        self.fields = fields
        self.by_path = {f["path"]: f for f in fields if f.get("path")}
        self._resolvers: dict[str | None, HeaderResolver] = {}
        self._keys: dict[str | None, dict[str, _Key]] = {}

    def key(self, repeat: str | None, key: str) -> _Key:
        """(kind, name, reader): kind is field | repeat | group | meta | unknown; reader
        turns the field's value into its XML text."""
        known = self._keys.setdefault(repeat, {})
        found = known.get(key)
        if found is None:
            kind, name = self._resolve(repeat, key)
            found = (kind, name, value_reader(self.by_path.get(name)))
            if len(known) < 100_000:
                known[key] = found
        return found

    def _resolve(self, repeat: str | None, key: str) -> tuple[str, str]:
        f = self.by_path.get(key)
        if f is not None and f.get("repeat") == repeat:
            return ("repeat" if "repeat" in str(f.get("type", "")) else
                    "group" if is_container(f) else "field", key)
        resolver = self._resolvers.get(repeat)
        if resolver is None:
            resolver = self._resolvers[repeat] = HeaderResolver(self.fields, repeat)
        cols = resolver.resolve([key])
        if cols.columns and cols.columns[0].kind == "value":
            return "field", cols.columns[0].path
        if cols.meta:
            return "meta", next(iter(cols.meta))
        return "unknown", key

    def record(self, rec: dict[str, Any], raw: bytes, source: str, origin: str
               ) -> Incoming | Unreadable:
        unknown: list[str] = []
        meta: dict[str, Any] = {}
        data = self._answers(rec, None, unknown, meta)
        if unknown:
            return Unreadable(origin, "keys that match no field of the form: "
                              + ", ".join(sorted(set(unknown))[:20]), raw, "json", source)
        return build(data, meta, raw, "json", source, origin)

    def _answers(self, obj: dict[str, Any], repeat: str | None, unknown: list[str],
                 meta: dict[str, Any] | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        known = self._keys.get(repeat) or {}
        for key, value in obj.items():
            kind, name, read = known.get(key) or self.key(repeat, key)
            if kind == "field":
                text = read(value)
                if text:
                    out[name] = text
            elif kind == "repeat" and isinstance(value, list):
                items = [self._answers(v, name, unknown, None) for v in value
                         if isinstance(v, dict)]
                if items:
                    out[name] = items
            elif kind == "meta":
                if meta is not None:
                    meta.setdefault(name, value)
            elif kind == "unknown" or value not in (None, "", [], {}):
                unknown.append(key)
        return out


def dump(record: Any) -> bytes:
    return json.dumps(record, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def read_json(path: Path, fields: list[dict[str, Any]]) -> Records:
    """A Kobo API v2 JSON export: a page `{"count", "next", "results": […]}` or a list."""
    with path.open("rb") as f:
        head = f.read(4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise PantauError("unreadable_file", source=path.name,
                          message="JSON must be UTF-8, not UTF-16")
    return _json_records(path, JsonShape(fields))


def _json_records(path: Path, shape: JsonShape) -> Records:
    with path.open("r", encoding="utf-8-sig", errors="strict", newline="") as f:
        try:
            for n, rec in jsonstream.records(f, path.name):
                origin = f"{path.name}, record {n}"
                if not isinstance(rec, dict):
                    yield Unreadable(origin, "a record that is not a JSON object", dump(rec),
                                     "json", SOURCE)
                    continue
                yield shape.record(rec, dump(rec), SOURCE, origin)
        except UnicodeDecodeError as exc:
            raise PantauError("unreadable_file", source=path.name,
                              message="JSON must be UTF-8; nothing was imported") from exc


# -- XLSX ---------------------------------------------------------------------------------
def read_xlsx(path: Path, fields: list[dict[str, Any]]) -> Records:
    """A Kobo XLSX export: the first sheet holds submissions, one sheet per repeat group."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise PantauError("unreadable_file", source=path.name, message=(
            f"not a readable XLSX workbook ({exc.__class__.__name__})")) from exc
    try:
        main, repeats = _plan_sheets(wb, path.name, fields)
    except Exception:
        wb.close()
        raise
    return _xlsx_records(wb, path.name, fields, main, repeats)


def _first_row(sheet: Any) -> list[Any]:
    for row in sheet.iter_rows(values_only=True):
        if not _blank(list(row)):
            return list(row)
    return []


def _plan_sheets(wb: Any, source: str, fields: list[dict[str, Any]]
                 ) -> tuple[Table, dict[str, tuple[str, Table]]]:
    """The main sheet's table, and for each repeat sheet: (repeat path, table)."""
    sheets = wb.worksheets
    main = Table(_first_row(sheets[0]), fields)
    main.check(f"{source}, sheet '{sheets[0].title}'")
    repeats = {str(f["path"]): f for f in fields if "repeat" in str(f.get("type", ""))}
    plan: dict[str, tuple[str, Table]] = {}
    for sheet in sheets[1:]:
        header = _first_row(sheet)
        where = f"{source}, sheet '{sheet.title}'"
        path = _repeat_of(sheet.title, header, repeats, fields)
        if path is None:
            raise PantauError("unreadable_file", source=where, message=(
                "the sheet is not a repeat group of the form; nothing was imported"))
        table = Table(header, fields, path)
        table.check(where)
        if "_parent_index" not in table.cols.meta:
            raise PantauError("unreadable_file", source=where,
                              message="a repeat sheet without a _parent_index column")
        plan[sheet.title] = (path, table)
    if plan and "_index" not in main.cols.meta:
        raise PantauError("unreadable_file", source=f"{source}, sheet '{sheets[0].title}'",
                          message="repeat sheets but no _index column to join them by")
    return main, plan


def _repeat_of(title: str, header: list[Any], repeats: dict[str, dict[str, Any]],
               fields: list[dict[str, Any]]) -> str | None:
    """Kobo names a repeat's sheet after the repeat (cut to Excel's 31 characters)."""
    for path, f in repeats.items():
        if title in (path, str(f["name"]), str(f["name"])[:31], path[:31]):
            return path
    votes: dict[str, int] = {}
    for path in repeats:  # else: the repeat whose fields the header names
        cols = HeaderResolver(fields, path).resolve(["" if h is None else str(h)
                                                     for h in header])
        votes[path] = len(cols.columns)
    best = max(votes, key=lambda p: votes[p], default=None)
    return best if best is not None and votes[best] else None


def _xlsx_records(wb: Any, source: str, fields: list[dict[str, Any]], main: Table,
                  repeats: dict[str, tuple[str, Table]]) -> Records:
    try:
        with tempfile.TemporaryDirectory(prefix="pantau-kobo-") as tmp:
            index = _RepeatIndex(Path(tmp) / "repeats.sqlite", fields, repeats)
            try:
                for title in repeats:
                    index.load(title, wb[title])
                sheet = wb.worksheets[0]
                seen_header = False
                for number, row in enumerate(sheet.iter_rows(values_only=True), 1):
                    cells = list(row)
                    if _blank(cells):
                        continue
                    if not seen_header:
                        seen_header = True
                        continue
                    answers = main.answers(cells)
                    doc: dict[str, Any] = {"sheet": sheet.title, "header": main.header,
                                           "row": _jsonable(cells), "repeats": [],
                                           "repeat_headers": index.headers}
                    parent = main.meta(cells).get("_index")
                    if parent is not None:
                        answers.update(index.children(None, parent, doc["repeats"]))
                    yield build(answers, main.meta(cells), dump({"xlsx": doc}), "json",
                                SOURCE, f"{source}, sheet '{sheet.title}', row {number}")
            finally:
                index.close()
    finally:
        wb.close()


def xlsx_record(doc: dict[str, Any], fields: list[dict[str, Any]], raw: bytes, origin: str
                ) -> Incoming | Unreadable:
    """One kept XLSX row (with its repeat rows) read again, for the quarantine."""
    main = Table(doc["header"], fields)
    main.check(origin)
    repeats_by_path = {str(f["path"]): f for f in fields if "repeat" in str(f.get("type", ""))}
    plan: dict[str, tuple[str, Table]] = {}
    for title, header in (doc.get("repeat_headers") or {}).items():
        path = _repeat_of(title, header, repeats_by_path, fields)
        if path is None:
            return Unreadable(origin, f"sheet '{title}' is not a repeat group of the form",
                              raw, "json", SOURCE)
        plan[title] = (path, Table(header, fields, path))
        plan[title][1].check(origin)
    index = _RepeatIndex(":memory:", fields, plan)
    try:
        for item in doc.get("repeats") or []:
            index.add(item["sheet"], item["row"])
        cells = doc["row"]
        answers = main.answers(cells)
        parent = main.meta(cells).get("_index")
        if parent is not None:
            answers.update(index.children(None, parent, []))
        return build(answers, main.meta(cells), raw, "json", SOURCE, origin)
    finally:
        index.close()


def _jsonable(cells: list[Any]) -> list[Any]:
    return [c if c is None or isinstance(c, str | int | float | bool) else text_value(c, None)
            for c in cells]


class _RepeatIndex:
    """Repeat rows by (parent repeat path, parent `_index`), in a temporary SQLite file."""

    def __init__(self, file: Path | str, fields: list[dict[str, Any]],
                 repeats: dict[str, tuple[str, Table]]) -> None:
        self.db = sqlite3.connect(file)
        self.db.execute("CREATE TABLE r (sheet TEXT, parent TEXT, pidx TEXT, cells TEXT)")
        self.db.execute("CREATE INDEX r_parent ON r (parent, pidx)")
        self.tables = repeats
        self.headers = {title: table.header for title, (_, table) in repeats.items()}
        self.parent_of = {path: (next((f.get("repeat") for f in fields
                                       if f.get("path") == path), None) or "")
                          for path, _ in repeats.values()}
        self.sheets_under: dict[str, list[str]] = {}
        for title, (path, _) in repeats.items():
            self.sheets_under.setdefault(self.parent_of[path], []).append(title)

    def load(self, title: str, sheet: Any) -> None:
        path, table = self.tables[title]
        pidx = table.cols.meta["_parent_index"]
        rows = iter(sheet.iter_rows(values_only=True))
        for row in rows:
            if not _blank(list(row)):
                break  # the header
        batch = []
        for row in rows:
            cells = list(row)
            if _blank(cells):
                continue
            batch.append(self._row(title, path, pidx, cells))
            if len(batch) >= 5000:
                self.db.executemany("INSERT INTO r VALUES (?, ?, ?, ?)", batch)
                batch.clear()
        self.db.executemany("INSERT INTO r VALUES (?, ?, ?, ?)", batch)

    def add(self, title: str, cells: list[Any]) -> None:
        path, table = self.tables[title]
        pidx = table.cols.meta["_parent_index"]
        self.db.execute("INSERT INTO r VALUES (?, ?, ?, ?)",
                        self._row(title, path, pidx, cells))

    def _row(self, title: str, path: str, pidx: int, cells: list[Any]
             ) -> tuple[str, str, str, str]:
        parent = cells[pidx] if pidx < len(cells) else None
        return (title, self.parent_of[path], _key(parent),
                json.dumps(_jsonable(cells), ensure_ascii=False))

    def children(self, parent_path: str | None, parent_index: Any, raw: list[Any]
                 ) -> dict[str, Any]:
        """The repeat answers under one row (nested repeats included), as lists of dicts."""
        out: dict[str, Any] = {}
        for title in self.sheets_under.get(parent_path or "", []):
            path, table = self.tables[title]
            items = []
            for (text,) in self.db.execute(
                    "SELECT cells FROM r WHERE parent = ? AND pidx = ? AND sheet = ? "
                    "ORDER BY rowid", (parent_path or "", _key(parent_index), title)):
                cells = json.loads(text)
                raw.append({"sheet": title, "row": cells})
                item = table.answers(cells)
                own = table.meta(cells).get("_index")
                if own is not None:
                    item.update(self.children(path, own, raw))
                items.append(item)
            if items:
                out[path] = items
        return out

    def close(self) -> None:
        self.db.close()


def _key(value: Any) -> str:
    return text_value(value, None)
