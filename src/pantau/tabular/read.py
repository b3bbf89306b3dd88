"""Read CSV/XLSX into rows keyed by header, remembering each row's number in the file."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pantau.errors import PantauError, Problems

MAX_CELL = 10_000  # characters; longer is an error, not something to store
HEADER_SCAN = 20
csv.field_size_limit(16 * 1024 * 1024)


@dataclass
class Row:
    number: int  # the row number a user sees in Excel or an editor (1-based, header included)
    values: dict[str, Any]

    def get(self, column: str | None) -> Any:
        return self.values.get(column) if column else None


@dataclass
class Table:
    source: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    hxl: dict[str, str] = field(default_factory=dict)  # column -> hashtag, when the file has them
    notes: list[str] = field(default_factory=list)  # how the file was read (encoding, separator)

    def column_for(self, *candidates: str) -> str | None:
        """The first column whose header or HXL tag matches a candidate, case-insensitively."""
        by_name = {c.strip().lower(): c for c in self.columns}
        by_tag = {t.lower(): c for c, t in self.hxl.items()}
        for cand in candidates:
            key = cand.lower()
            if key in by_name:
                return by_name[key]
            if key in by_tag:
                return by_tag[key]
        return None


def read_table(path: str | Path, problems: Problems, expect: Iterable[str] = (),
               sheet: str | None = None) -> Table:
    """Read a CSV or XLSX file. Unreadable files raise; cell-level trouble goes to `problems`."""
    path = Path(path)
    if not path.exists():
        raise PantauError("unreadable_file", source=path.name, message="no such file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        grid, notes = _xlsx_grid(path, sheet)
    elif suffix in (".csv", ".txt", ".tsv", ""):
        grid, notes = _csv_grid(path)
    else:
        raise PantauError("unreadable_file", source=path.name,
                          message=f"'{suffix}' is not a table format pantau reads (CSV or XLSX)")
    return _to_table(path.name, grid, problems, [e.lower() for e in expect], notes)


def _decode(raw: bytes, source: str) -> tuple[str, str]:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "UTF-16"
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "UTF-8 with BOM"
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    # Windows-1252 is what Excel writes on most machines; Latin-1 decodes anything else.
    try:
        return raw.decode("cp1252"), "Windows-1252 (not UTF-8)"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "Latin-1 (not UTF-8)"


def _csv_grid(path: Path) -> tuple[list[list[Any]], list[str]]:
    text, encoding = _decode(path.read_bytes(), path.name)
    if "\x00" in text:
        raise PantauError("unreadable_file", source=path.name,
                          message="the file holds binary data, not text")
    sample = text[:65536]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    grid = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return grid, [f"encoding {encoding}", f"separator {delimiter!r}"]


def _xlsx_grid(path: Path, sheet: str | None) -> tuple[list[list[Any]], list[str]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        why = f"not a readable XLSX workbook ({exc.__class__.__name__})"
        raise PantauError("unreadable_file", source=path.name, message=why) from exc
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise PantauError("unreadable_file", source=path.name,
                              message=f"no sheet '{sheet}' (sheets: {', '.join(wb.sheetnames)})")
        ws = wb[sheet] if sheet else wb.worksheets[0]
        grid = [list(r) for r in ws.iter_rows(values_only=True)]
        return grid, [f"sheet '{ws.title}'"]
    finally:
        wb.close()


def _is_hxl_row(cells: list[Any]) -> bool:
    filled = [str(c).strip() for c in cells if c not in (None, "")]
    return bool(filled) and all(c.startswith("#") for c in filled)


def _find_header(grid: list[list[Any]], expect: list[str]) -> int:
    head = grid[:HEADER_SCAN]
    if expect:
        for i, cells in enumerate(head):
            names = {str(c).strip().lower() for c in cells if c not in (None, "")}
            if names & set(expect):
                return i
    counts = [sum(1 for c in cells if c not in (None, "")) for cells in head]
    widest = max(counts, default=0)
    for i, n in enumerate(counts):
        if n >= max(2, widest // 2 + 1) or (widest == 1 and n == 1):
            return i
    return 0


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _to_table(source: str, grid: list[list[Any]], problems: Problems, expect: list[str],
              notes: list[str]) -> Table:
    while grid and not any(c not in (None, "") for c in grid[-1]):
        grid.pop()
    if not grid:
        raise PantauError("unreadable_file", source=source, message="the file is empty")
    h = _find_header(grid, expect)
    if h:
        notes.append(f"header on row {h + 1}, {h} row(s) above it skipped")
    header = [str(c).strip() if c not in (None, "") else "" for c in grid[h]]
    start = h + 1
    hxl: dict[str, str] = {}
    if _is_hxl_row(header):  # hashtags only, no text header
        header = [c.split()[0] if c else "" for c in header]
    if start < len(grid) and _is_hxl_row(grid[start]):
        tags = grid[start]
        hxl = {}
        for i, name in enumerate(header):
            tag = tags[i] if i < len(tags) else None
            if name and tag not in (None, ""):
                hxl[name] = str(tag).strip().replace(" ", "")
        start += 1
    columns = _unique_columns(header, source, problems)
    table = Table(source, [c for c in columns if c], hxl=hxl, notes=notes)
    for offset, cells in enumerate(grid[start:]):
        number = start + offset + 1
        if not any(c not in (None, "") for c in cells):
            continue
        values: dict[str, Any] = {}
        for i, cell in enumerate(cells):
            if i >= len(columns) or not columns[i]:
                if cell not in (None, ""):
                    problems.warn("value in a column without a header was ignored", number,
                                  f"column {i + 1}")
                continue
            cell = _clean(cell)
            if isinstance(cell, str) and len(cell) > MAX_CELL:
                problems.add(f"value is {len(cell):,} characters long (limit {MAX_CELL:,})",
                             number, columns[i])
                cell = None
            values[columns[i]] = cell
        table.rows.append(Row(number, values))
    return table


def _unique_columns(header: list[str], source: str, problems: Problems) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in header:
        if not name:
            out.append("")
            continue
        key = name.lower()
        if key in seen:
            seen[key] += 1
            new = f"{name}_{seen[key]}"
            problems.warn(f"column '{name}' appears twice; the second is read as '{new}'",
                          None, name)
            name = new
        else:
            seen[key] = 1
        out.append(name)
    return out
