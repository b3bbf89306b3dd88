"""ODK Central exports: `submissions.csv.zip` (a main CSV and one CSV per repeat) or a plain
Central CSV, streamed into `Incoming` records.

Memory: the main CSV is read row by row. Repeat rows must be joined to their submission by
`KEY`/`PARENT_KEY`; rather than trust the order of the repeat files, they are first copied
into a temporary SQLite file indexed by submission, so memory stays flat whatever the size
and order of the export (the price: one pass over the repeat CSVs and their size on disk).

Raw copy: a submission without repeat rows keeps its header line and row as CSV text
(`raw_format` csv); one with repeat rows keeps a small JSON document mapping each file name
to the CSV text of its header and this submission's rows (`raw_format` json).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from pantau.errors import PantauError
from pantau.ingest.central.columns import Plan, plan_columns, row_values
from pantau.ingest.central.text import csv_line, csv_rows
from pantau.ingest.headers import is_container
from pantau.ingest.incoming import Incoming
from pantau.ingest.review import from_central
from pantau.ingest.stream import Unreadable

Records = Iterator[Incoming | Unreadable]
SOURCE = "central"  # where the records come from, whether by file or by pull
NO_DATA = ("missing encrypted form data", "not decrypted")


def read_central_export(path: Path, fields: list[dict[str, Any]]) -> Records:
    """Records of a Central export, streamed. Raises `PantauError` before the first record
    when the file as a whole cannot be read (bad zip, no main CSV, unsafe names)."""
    path = Path(path)
    if zipfile.is_zipfile(path):
        return _read_zip(path, fields)
    if not path.exists():
        raise PantauError("unreadable_file", source=path.name, message="no such file")
    if path.suffix.lower() == ".zip":
        raise PantauError("unreadable_file", source=path.name,
                          message="not a readable zip archive")
    return _read_main(lambda: path.open("rb"), path.name, fields, None)


def _read_zip(path: Path, fields: list[dict[str, Any]]) -> Records:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise PantauError("unreadable_file", source=path.name,
                          message="not a readable zip archive") from exc
    try:
        tables = _tables(zf, path.name)
        main = [n for n, h in tables.items() if "PARENT_KEY" not in h]
        if len(main) != 1:
            why = ("no main CSV (one with SubmissionDate and KEY but no PARENT_KEY)"
                   if not main else f"more than one main CSV: {', '.join(main)}")
            raise PantauError("unreadable_file", source=path.name, message=why)
        repeats = _repeat_paths(path.name, main[0], [n for n in tables if n != main[0]],
                                fields)
    except BaseException:
        zf.close()
        raise
    return _zip_records(zf, path.name, main[0], repeats, fields)


def _tables(zf: zipfile.ZipFile, source: str) -> dict[str, list[str]]:
    """The CSVs of the archive and their headers; refuses names that climb out of it."""
    out: dict[str, list[str]] = {}
    for info in zf.infolist():
        name = info.filename
        pure = PurePosixPath(name.replace("\\", "/"))
        if pure.is_absolute() or ".." in pure.parts or ":" in name:
            raise PantauError("unreadable_file", source=source,
                              message=f"the archive holds an unsafe file name '{name}'")
        if info.is_dir() or pure.suffix.lower() != ".csv":
            continue  # media files of an export with attachments
        with zf.open(name) as f:
            first = f.readline(1 << 20).decode("utf-8-sig", errors="replace")
        out[name] = next(csv.reader([first], delimiter=max(",;\t", key=first.count)), [])
    return out


def _repeat_paths(source: str, main: str, others: list[str],
                  fields: list[dict[str, Any]]) -> dict[str, str]:
    """Repeat CSV → the repeat's path. Central names them `<form>-<repeat>.csv`, and
    `<form>-<repeat>~<n>.csv` for the n-th repeat of a name used twice."""
    stem = PurePosixPath(main).stem
    repeats = [f for f in fields if str(f.get("type", "")).lower() in ("repeat", "begin_repeat",
                                                                       "begin repeat")]
    out: dict[str, str] = {}
    for name in others:
        base = PurePosixPath(name).stem
        rest = base[len(stem) + 1:] if base.startswith(stem + "-") else base
        rname, _, nth = rest.partition("~")
        same = [f["path"] for f in repeats if f.get("name") == rname]
        pick = int(nth) - 1 if nth.isdigit() else 0
        if not 0 <= pick < len(same):
            raise PantauError("unreadable_file", source=source,
                              message=f"'{name}' matches no repeat group of the form")
        out[name] = same[pick]
    # outer repeats first, so a nested repeat row always finds its parent row
    return dict(sorted(out.items(), key=lambda kv: kv[1].count("/")))


def _zip_records(zf: zipfile.ZipFile, source: str, main: str, repeats: dict[str, str],
                 fields: list[dict[str, Any]]) -> Records:
    with zf, tempfile.TemporaryDirectory(prefix="pantau-central-") as tmp:
        spill = _Spill(Path(tmp) / "repeats.db") if repeats else None
        try:
            if spill is not None:
                for name, rpath in repeats.items():
                    where = f"{source}/{name}"
                    with csv_rows(lambda n=name: zf.open(n), where) as rows:
                        yield from spill.load(rows, where, name, rpath, fields)
            yield from _read_main(lambda: zf.open(main), f"{source}/{main}", fields, spill)
            if spill is not None:
                yield from spill.orphans(source)
        finally:
            if spill is not None:
                spill.close()


class _Spill:
    """Repeat rows on disk, indexed by the submission (root KEY) they belong to."""

    def __init__(self, path: Path | str) -> None:
        self.db = sqlite3.connect(path)
        self.db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            "CREATE TABLE r (root TEXT, key TEXT, parent TEXT, path TEXT, file TEXT,"
            " data TEXT, line TEXT);"
            "CREATE TABLE h (file TEXT PRIMARY KEY, line TEXT);"
            "CREATE TABLE seen (root TEXT PRIMARY KEY);")

    def load(self, rows: Iterator[list[str]], where: str, name: str, rpath: str,
             fields: list[dict[str, Any]]) -> Iterator[Unreadable]:
        """Copy one repeat CSV in; rows that cannot be placed come back as `Unreadable`."""
        header = next(rows, [])
        plan = plan_columns(header, fields, rpath)
        _refuse_unknown(plan, where)
        key, parent = plan.meta.get("KEY"), plan.meta.get("PARENT_KEY")
        if key is None or parent is None:
            raise PantauError("unreadable_file", source=where,
                              message="a repeat CSV needs KEY and PARENT_KEY columns")
        self.db.execute("INSERT INTO h VALUES (?, ?)", (name, csv_line(header)))
        batch: list[tuple[str, ...]] = []
        for n, cells in enumerate(rows, 2):
            if not any(c.strip() for c in cells):
                continue
            line = csv_line(cells)
            if len(cells) > len(header) or max(key, parent) >= len(cells) or not cells[key]:
                yield Unreadable(f"{where}, row {n}", "row without KEY or with more cells "
                                 "than the header", line.encode(), "csv", SOURCE)
                continue
            data = json.dumps(row_values(plan, cells), ensure_ascii=False)
            batch.append((cells[key].split("/", 1)[0], cells[key], cells[parent], rpath,
                          name, data, line))
            if len(batch) >= 5000:
                self._insert(batch)
        self._insert(batch)
        self.db.execute("CREATE INDEX IF NOT EXISTS r_root ON r (root)")

    def _insert(self, batch: list[tuple[str, ...]]) -> None:
        self.db.executemany("INSERT INTO r VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
        batch.clear()

    def attach(self, root: str, data: dict[str, Any]) -> dict[str, list[str]]:
        """Put the repeat rows of submission `root` into `data`; return their CSV lines."""
        self.db.execute("INSERT OR IGNORE INTO seen VALUES (?)", (root,))
        rows = self.db.execute("SELECT key, parent, path, file, data, line FROM r "
                               "WHERE root = ? ORDER BY rowid", (root,)).fetchall()
        items: dict[str, dict[str, Any]] = {}
        lines: dict[str, list[str]] = {}
        for key, _, _, file, values, line in rows:
            items[key] = json.loads(values)
            lines.setdefault(file, []).append(line)
        for key, parent, rpath, _, _, _ in rows:
            home = items.get(parent, data)
            home.setdefault(rpath, []).append(items[key])
        return lines

    def header(self, file: str) -> str:
        row = self.db.execute("SELECT line FROM h WHERE file = ?", (file,)).fetchone()
        return row[0] if row else ""

    def orphans(self, source: str) -> Iterator[Unreadable]:
        """Repeat rows whose submission is not in the main CSV: kept in the quarantine."""
        q = ("SELECT root, file, group_concat(line, '') FROM r WHERE root NOT IN "
             "(SELECT root FROM seen) GROUP BY root, file ORDER BY min(rowid)")
        for root, file, lines in self.db.execute(q):
            yield Unreadable(f"{source}/{file}, KEY {root}",
                             "repeat rows of a submission that is not in the main CSV",
                             (self.header(file) + lines).encode(), "csv", SOURCE)

    def close(self) -> None:
        self.db.close()


def _refuse_unknown(plan: Plan, where: str) -> None:
    if plan.unknown:
        shown = ", ".join(f"'{c}'" for c in plan.unknown[:10])
        more = f" and {len(plan.unknown) - 10} more" if len(plan.unknown) > 10 else ""
        raise PantauError("unreadable_file", source=where,
                          message=f"column(s) {shown}{more} match no field of the form "
                                  "(is it the right form, or a newer version of it?)")


def _read_main(opener: Any, where: str, fields: list[dict[str, Any]],
               spill: _Spill | None) -> Records:
    with csv_rows(opener, where) as rows:
        yield from _main_records(rows, where, fields, spill)


def read_tables(tables: dict[str, list[list[str]]], source: str,
                fields: list[dict[str, Any]]) -> Records:
    """Records of Central tables already in memory (file name → rows, header first): what
    the quarantine keeps of one submission."""
    heads = {n: rows[0] if rows else [] for n, rows in tables.items()}
    main = [n for n, h in heads.items() if "PARENT_KEY" not in h]
    if len(main) != 1:
        raise PantauError("unreadable_file", source=source, message="no single main table")
    repeats = _repeat_paths(source, main[0], [n for n in tables if n != main[0]], fields)
    spill = _Spill(":memory:")
    try:
        for name, rpath in repeats.items():
            yield from spill.load(iter(tables[name]), source, name, rpath, fields)
        yield from _main_records(iter(tables[main[0]]), source, fields, spill, main[0])
    finally:
        spill.close()


def _main_records(rows: Iterator[list[str]], where: str, fields: list[dict[str, Any]],
                  spill: _Spill | None, file: str | None = None) -> Records:
    header = next(rows, None)
    if not header:
        raise PantauError("unreadable_file", source=where, message="the file is empty")
    plan = plan_columns(header, fields, None)
    if "KEY" not in plan.meta and "instanceID" not in plan.meta:
        raise PantauError("unreadable_file", source=where,
                          message="no KEY or meta-instanceID column: not an ODK Central "
                                  "export")
    if not plan.columns and any(not is_container(f) for f in fields):
        raise PantauError("unreadable_file", source=where,
                          message="no column matches a field of the form")
    _refuse_unknown(plan, where)
    head = csv_line(header)
    file = file or PurePosixPath(where).name
    for n, cells in enumerate(rows, 2):
        if not any(c.strip() for c in cells):
            continue
        origin = f"{where}, row {n}"
        line = csv_line(cells)
        if len(cells) > len(header):
            yield Unreadable(origin, f"the row has {len(cells)} cells, the header "
                             f"{len(header)}", (head + line).encode(), "csv", SOURCE)
            continue
        yield _incoming(plan, cells, origin, head, line, file, spill)


def _incoming(plan: Plan, cells: list[str], origin: str, head: str, line: str, file: str,
              spill: _Spill | None) -> Incoming | Unreadable:
    meta = {k: (cells[i].strip() if i < len(cells) else "") for k, i in plan.meta.items()}
    raw, raw_format = (head + line).encode(), "csv"
    if meta.get("Status") in NO_DATA:
        return Unreadable(origin, f"Central exported no answers: {meta['Status']}", raw, "csv",
                          SOURCE)
    data: dict[str, Any] = row_values(plan, cells)
    key = meta.get("KEY") or meta.get("instanceID") or ""
    if spill is not None and key:
        lines = spill.attach(key, data)
        if lines:
            doc = {file: head + line}
            doc.update({f: spill.header(f) + "".join(ls) for f, ls in lines.items()})
            raw, raw_format = json.dumps(doc, ensure_ascii=False).encode(), "json"
    instance = meta.get("instanceID") or key
    return Incoming(
        instance_id=instance, data=data, raw=raw, raw_format=raw_format, source=SOURCE,
        origin=origin, form_version=meta.get("FormVersion") or None,
        deprecated_id=meta.get("deprecatedID") or None, root_id=key or None,
        submitted_at=parse_time(meta.get("SubmissionDate")),
        submitter=meta.get("SubmitterName") or None,
        review_state=from_central(meta.get("ReviewState") or None))


def parse_time(text: str | None) -> dt.datetime | None:
    """Central writes ISO 8601 in UTC (`2024-01-02T03:04:05.678Z`)."""
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
