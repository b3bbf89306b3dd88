"""Fixtures for flow monitoring: the demo's Italian gazetteer and FMPs, and FMR sheets.

The Italian admin table and approximate boxes come from `pantau.demo.italy` (Italy is not in
the HDX global P-code list); everything goes in through the public importers.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pantau.demo import italy

OP = "ita-flow"
HEADER = ["fmp_id", "count_date", "direction", "nationality", "total", "men", "women", "boys",
          "girls", "unaccompanied_children", "transport_mode", "previous_country",
          "previous_place", "next_country", "next_area", "final_country", "final_area",
          "reason", "_uuid"]


def fmr_row(**kw: Any) -> dict[str, Any]:
    """A good FMR group at Lampedusa on Monday 1 January 2024; override any field."""
    row = {"fmp_id": "ITA-LMP", "count_date": "2024-01-01", "direction": "incoming",
           "nationality": "BGD", "total": 10, "men": 6, "women": 2, "boys": 1, "girls": 1,
           "unaccompanied_children": 1, "transport_mode": "boat", "previous_country": "LBY",
           "previous_place": "Zuwara", "next_country": "ITA", "next_area": "IT19084",
           "final_country": "FRA", "final_area": "", "reason": "economic", "_uuid": ""}
    row.update(kw)
    return row


def write_fmr(path: Path, rows: Sequence[dict[str, Any]], header: Sequence[str] = HEADER,
              hxl: Sequence[str] | None = None) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        if hxl:
            w.writerow(hxl)
        for r in rows:
            w.writerow([r.get(h.rsplit("/", 1)[-1], "") for h in header])
    return path


@pytest.fixture
def italy_ws(ws, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A workspace with the ITA gazetteer, the operation and the five demo FMPs."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    ws.gazetteer.import_file(italy.write_gazetteer(inputs), country="ITA", label="t")
    ws.gazetteer.import_file(italy.write_boundaries(inputs), country="ITA", label="t")
    ws.operations.create(OP, "ITA", italy.NAME)
    ws.flow.import_points(OP, italy.write_points(inputs))
    return ws


def publish_every_count(ws: Any, operation: str) -> None:
    """A disclosure setting with no small-cell threshold, so that the handful of records of a
    test are served as they are (tests/flow/test_flow_suppression.py covers the threshold)."""
    folder = ws.path / "disclosure"
    folder.mkdir(exist_ok=True)
    (folder / f"{operation}.yaml").write_text("min_cell: 1\n", encoding="utf-8")
