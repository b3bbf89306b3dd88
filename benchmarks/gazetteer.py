"""Gazetteer figures: importing the global P-code list, and matching misspelt names to P-codes.

    python benchmarks/gazetteer.py [--size 5000] [--seed 7] [--postgres URL | --no-postgres]

Prints, in one run:
(a) seconds to import the whole HDX global P-code list (admin 1–2) into a fresh SQLite
    workspace, and into a scratch PostgreSQL database (created and dropped) when reachable;
(b) pantau's matcher on a labelled set of distorted names (benchmarks/distortions.py, fixed
    seed): build time, throughput on one core, top-1 accuracy, confidently wrong answers,
    accuracy per distortion;
(c) the same set through hdx-python-country's AdminLevel (a test extra, not a dependency),
    set up offline from the same list with `setup_from_iterable` and asked with the parent.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.distortions import Item, labelled_set, load_units  # noqa: E402
from benchmarks.scratch import scratch_database  # noqa: E402

from pantau.config import Settings  # noqa: E402
from pantau.gazetteer.names import keys  # noqa: E402
from pantau.workspace import Workspace  # noqa: E402

PCODES = ROOT.parent / "shared" / "data" / "pcodes" / "global-pcodes-adm-1-2.csv"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def import_seconds(url: str | None, folder: Path) -> float:
    settings = Settings.load(workspace=folder,
                             database_url=url or f"sqlite:///{folder / 'pantau.db'}")
    ws = Workspace.init(settings)
    try:
        start = time.perf_counter()
        ws.gazetteer.import_file(PCODES)
        return time.perf_counter() - start
    finally:
        ws.close()


def postgres_import(url: str, folder: Path) -> float | None:
    with scratch_database(url, "gazetteer") as scratch:
        return None if scratch is None else import_seconds(scratch, folder)


def score(name: str, items: list[Item], answer: Callable[[Item], str | None],
          repeat: int = 1) -> list[str | None]:
    """Accuracy, and the median throughput of `repeat` passes (the machine may be shared)."""
    times = []
    for _ in range(repeat):
        keys.cache_clear()  # every pass starts cold: no query's keys are remembered
        start = time.perf_counter()
        answers = [answer(i) for i in items]
        times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    right = sum(a == i.expected for a, i in zip(answers, items, strict=True))
    wrong = sum(a not in (None, i.expected) for a, i in zip(answers, items, strict=True))
    spread = (f" (median of {repeat} passes, {len(items) / max(times):,.0f}–"
              f"{len(items) / min(times):,.0f})" if repeat > 1 else "")
    print(f"{name}: {len(items) / seconds:,.0f} names/s{spread}, top-1 accuracy "
          f"{right / len(items):.1%} ({right}/{len(items)}), confidently wrong "
          f"{wrong / len(items):.1%}, no answer {(len(items) - right - wrong) / len(items):.1%}")
    return answers


def per_distortion(items: list[Item], answers: dict[str, list[str | None]]) -> None:
    total: Counter[str] = Counter()
    right: dict[str, Counter[str]] = defaultdict(Counter)
    for n, item in enumerate(items):
        for d in item.distortions:
            total[d] += 1
            for who, got in answers.items():
                right[who][d] += got[n] == item.expected
    print("accuracy by distortion (items): " + ", ".join(
        f"{d} ({total[d]}): " + " / ".join(f"{right[w][d] / total[d]:.0%}" for w in answers)
        for d in sorted(total)) + f"  [{' / '.join(answers)}]")


def adminlevel_answers(items: list[Item]) -> Callable[[Item], str | None]:
    from hdx.location.adminlevel import AdminLevel

    logging.disable(logging.CRITICAL)  # it logs every fuzzy match and failure
    with PCODES.open(encoding="utf-8-sig", newline="") as f:
        rows = [r for r in csv.DictReader(f) if not r["Location"].startswith("#")]
    start = time.perf_counter()
    levels = {}
    for level in (1, 2):
        al = AdminLevel(admin_level=level)
        al.setup_from_iterable(rows)
        levels[level] = al
    print(f"AdminLevel setup (both levels, all countries): {time.perf_counter() - start:.2f} s")

    def answer(item: Item) -> str | None:
        kwargs = {"parent": item.parent} if item.parent else {}
        return levels[item.level].get_pcode(item.country, item.query, **kwargs)[0]

    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", default=PG_URL)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    units = load_units(PCODES)
    print(f"# {time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{len(units):,} units in {PCODES.name}")

    with tempfile.TemporaryDirectory() as tmp:
        print(f"import global list, SQLite: {import_seconds(None, Path(tmp) / 'lite'):.1f} s")
        if not args.no_postgres:
            pg = postgres_import(args.postgres, Path(tmp) / "pg")
            print("import global list, PostgreSQL: "
                  + (f"{pg:.1f} s" if pg is not None else "no server reachable, skipped"))
        ws = Workspace.open(Settings.load(workspace=Path(tmp) / "lite",
                                          database_url=f"sqlite:///{Path(tmp) / 'lite/pantau.db'}"))
        items = labelled_set(units, size=args.size, seed=args.seed)
        print(f"labelled set: {len(items)} names, seed {args.seed}, "
              f"{Counter(i.level for i in items)[2]} of them admin 2 (asked with their parent)")
        start = time.perf_counter()
        matchers = {c: ws.gazetteer.matcher(c) for c in sorted({i.country for i in items})}
        print(f"pantau matchers from the store ({len(matchers)} countries): "
              f"{time.perf_counter() - start:.2f} s")
        ws.close()

    ours = score("pantau", items,
                 lambda i: matchers[i.country].match(i.query, level=i.level, parent=i.parent).pcode,
                 repeat=5)
    theirs = score("hdx-python-country AdminLevel", items, adminlevel_answers(items))
    per_distortion(items, {"pantau": ours, "AdminLevel": theirs})


if __name__ == "__main__":
    main()
