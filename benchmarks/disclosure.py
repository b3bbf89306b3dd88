"""Small-cell suppression of a published table: how long it takes on a table of N rows,
against the baseline of writing the same table as HXL CSV without suppression.

The table has the shape of `area_totals` as published (wide): rounds × admin levels 0–3 ×
areas, columns `idps_ind`, `idps_hh`, `idps_f`, `idps_m`, with a realistic share of small
cells (a fifth of the admin-3 areas count 1–4 people). No store is needed: the algorithm works
on the rows the exporter reads from DuckDB.

    python benchmarks/disclosure.py --rows 10000
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from pantau.publish.disclosure import suppress_table
from pantau.publish.writers import write_csv

COLUMNS = ["operation", "assessment_type", "round_number", "admin_level", "admin0_pcode",
           "admin1_pcode", "admin2_pcode", "admin3_pcode", "idps_ind", "idps_hh", "idps_f",
           "idps_m"]


def table(rows: int, seed: int = 1) -> list[list[Any]]:
    """About `rows` rows: 10 provinces × 10 regencies × k districts per round."""
    rng = random.Random(seed)
    per_round = 1 + 10 + 100 + 1000  # levels 0-3 with 10 × 10 × 10
    rounds = max(1, rows // per_round)
    out: list[list[Any]] = []
    for rnd in range(1, rounds + 1):
        leaves = []
        for p in range(10):
            for r in range(10):
                for d in range(10):
                    small = rng.random() < 0.2
                    f = rng.randint(0, 2) if small else rng.randint(5, 400)
                    m = rng.randint(1, 2) if small else rng.randint(5, 400)
                    hh = max(1, (f + m) // 4)
                    leaves.append((f"P{p}", f"P{p}R{r}", f"P{p}R{r}D{d}", f, m, hh))
        for level in range(4):
            sums: dict[tuple[Any, ...], list[int]] = {}
            for leaf in leaves:
                key = leaf[:level]
                acc = sums.setdefault(key, [0, 0, 0])
                acc[0] += leaf[3]
                acc[1] += leaf[4]
                acc[2] += leaf[5]
            for key, (f, m, hh) in sums.items():
                codes = [*key, *([None] * (3 - level))]
                out.append(["op", "SA", rnd, level, "XX", *codes, f + m, hh, f, m])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    rows = table(args.rows)
    tags = ["#x"] * len(COLUMNS)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        write_csv(Path(tmp) / "plain.csv", COLUMNS, tags, rows)
        baseline = time.perf_counter() - start
        start = time.perf_counter()
        done = suppress_table("area_totals", COLUMNS, rows, 5)
        took = time.perf_counter() - start
        write_csv(Path(tmp) / "safe.csv", COLUMNS, tags, done.rows)
    cells = len(rows) * 4
    print(f"table: {len(rows):,} rows, {cells:,} figure cells")
    print(f"baseline, writing the HXL CSV: {baseline:.3f} s")
    print(f"suppression (threshold 5): {took:.3f} s — {done.primary:,} primary and "
          f"{done.secondary:,} complementary cells ({done.cells / cells:.1%} of the cells)")


if __name__ == "__main__":
    main()
