"""Write tables users open in Excel without letting a cell run as a formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would run as a formula (CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        try:
            float(value)
            return value  # a negative number is data, not a formula
        except ValueError:
            return "'" + value
    return value


def write_table(path: str | Path, columns: Sequence[str], rows: Iterable[Sequence[Any]],
                hxl: Sequence[str] | None = None, sheet: str = "data") -> Path:
    """CSV (UTF-8 with BOM, so Excel reads accents) or XLSX by the file's suffix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(sheet)
        ws.append(list(columns))
        if hxl:
            ws.append(list(hxl))
        for row in rows:
            ws.append([safe_cell(v) for v in row])
        wb.save(path)
        return path
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        if hxl:
            writer.writerow(hxl)
        for row in rows:
            writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return path
