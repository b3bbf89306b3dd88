"""Refresh time of the analytics tables and latency of the latest-round admin-1 totals, with
the same totals by SQL GROUP BY on the operational store as the baseline.

    python benchmarks/analytics.py [--observations 1000000] [--rounds 4] [--database-url URL]

Builds a workspace with a synthetic gazetteer (34 provinces × 15 regencies, HDX list format,
imported through `ws.gazetteer.import_file`), the shipped DTM SA form and SA rounds, then
writes approved site assessments straight into the store (12 observations each, the shape the
SA form gives: households, individuals, 8 sex × age cells, 2 priority needs; 1 in 10 records
not approved). Setup is not timed. Then refreshes: full, again with nothing changed, after
1,111 more submissions in the latest round (1,000 approved), and forced full. Prints one line
per figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import duckdb
from sqlalchemy import insert, text

from pantau.config import Settings
from pantau.forms.library import path_of
from pantau.store.models import Form, Observation, Submission, SubmissionVersion
from pantau.workspace import Workspace

OP = "bench"
PER_RECORD = 12
CELLS = [(s, a) for s in ("f", "m") for a in ("infants", "children", "adults", "elderly")]
SECTORS = ("shelter", "food", "wash", "health", "protection")


def gazetteer(ws: Workspace, folder: Path) -> list[tuple[str, str]]:
    """34 provinces × 15 regencies; returns (admin1, admin2) pairs."""
    rows = ["Location,Admin Level,P-Code,Name,Parent P-Code,Valid from date",
            "#country+code,#geo+admin_level,#adm+code,#adm+name,#adm+code+parent,#date+start"]
    pairs = []
    for p in range(11, 45):
        rows.append(f"IDN,1,ID{p},Province {p},IDN,2020-04-01")
        for r in range(1, 16):
            rows.append(f"IDN,2,ID{p}{r:02d},Regency {p}{r:02d},ID{p},2020-04-01")
            pairs.append((f"ID{p}", f"ID{p}{r:02d}"))
    path = folder / "pcodes.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    ws.gazetteer.import_file(path, country="IDN")
    return pairs


def fill(ws: Workspace, records: int, pairs: list[tuple[str, str]], first: int = 0,
         latest: bool = False, seed: int = 2018) -> None:
    """`records` site assessments, spread over the rounds (or all in the latest round)."""
    rng = random.Random(seed)
    with ws.session() as s:
        form_id = s.query(Form.id).filter(Form.xml_form_id == "dtm_sa").scalar()
        round_ids = [r for (r,) in s.execute(text(
            "SELECT id FROM round ORDER BY number")).all()]
        op_id = s.execute(text("SELECT id FROM operation WHERE slug = :s"), {"s": OP}).scalar()
    rounds = len(round_ids)
    per_round = max(1, (first + records) // rounds)
    chunk = 5_000
    for start in range(first, first + records, chunk):
        n = min(chunk, first + records - start)
        subs, versions, obs = [], [], []
        with ws.session() as s:
            first_id = (s.execute(text("SELECT coalesce(max(id), 0) FROM submission")).scalar()
                        or 0) + 1
            for k in range(n):
                i = start + k
                sid = first_id + k
                rnd = round_ids[-1] if latest else round_ids[min(i // per_round, rounds - 1)]
                iid = f"uuid:{uuid.UUID(int=rng.getrandbits(128))}"
                state = "received" if i % 10 == 9 else "approved"
                subs.append({"id": sid, "form_id": form_id, "instance_id": iid,
                             "round_id": rnd, "review_state": state, "source": "file"})
                versions.append({"id": sid, "submission_id": sid, "instance_id": iid,
                                 "raw": b"{}", "raw_format": "json", "raw_sha256": "0" * 64,
                                 "data": {}, "data_sha256": "0" * 64, "current": True})
                adm1, adm2 = pairs[i % len(pairs)]
                base = {"version_id": sid, "operation_id": op_id, "round_id": rnd,
                        "assessment_type": "SA", "site_code": f"S{i % 20000:05d}",
                        "admin1_pcode": adm1, "admin2_pcode": adm2,
                        "date": dt.date(2018, 10, 1), "population_group": "idps",
                        "reason": "earthquake", "origin_pcode": None, "shelter": None,
                        "sector": None, "sex": None, "age_group": None, "field": "f",
                        "estimated": False}
                hh = rng.randint(5, 200)
                obs.append({**base, "unit": "households", "indicator": "#affected+idps+hh",
                            "value": float(hh)})
                obs.append({**base, "unit": "individuals", "indicator": "#affected+idps+ind",
                            "value": float(hh * 4)})
                for sex, age in CELLS:
                    obs.append({**base, "unit": "individuals", "sex": sex, "age_group": age,
                                "indicator": f"#affected+idps+ind+{sex}+{age}",
                                "value": float(hh // 2)})
                for sector in rng.sample(SECTORS, 2):
                    obs.append({**base, "unit": "sites", "sector": sector,
                                "indicator": "#need+priority", "value": 1.0})
            s.execute(insert(Submission), subs)
            s.execute(insert(SubmissionVersion), versions)
            s.execute(insert(Observation), obs)
        if ((start - first) // chunk) % 20 == 0:
            print(f"  … {start + n:,} records written", file=sys.stderr)


BASELINE = """
SELECT o.admin1_pcode, sum(o.value) FROM observation o
JOIN submission_version v ON v.id = o.version_id
JOIN submission s ON s.id = v.submission_id
WHERE o.operation_id = :op AND v.current AND s.deleted_at IS NULL
  AND s.review_state = 'approved' AND o.round_id = :round AND o.unit = 'individuals'
  AND o.sex IS NULL AND o.age_group IS NULL AND o.sector IS NULL
GROUP BY o.admin1_pcode"""


def median_ms(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = Settings.load(workspace=folder / "ws", database_url=args.database_url
                                 or f"sqlite:///{folder / 'ws' / 'pantau.db'}")
        ws = Workspace.init(settings)
        pairs = gazetteer(ws, folder)
        ws.operations.create(OP, "IDN", "Benchmark")
        ws.forms.import_xlsform(OP, path_of("dtm_sa.xlsx"))
        for n in range(1, args.rounds + 1):
            start = dt.date(2018, 10, 1) + dt.timedelta(days=30 * (n - 1))
            ws.operations.add_round(OP, "SA", n, start, start + dt.timedelta(days=20))
        fill(ws, args.observations // PER_RECORD, pairs)
        store = "PostgreSQL" if args.database_url else "SQLite"
        print(f"# {args.observations:,} observations ({args.observations // PER_RECORD:,} "
              f"records, 1 in 10 not approved), {args.rounds} rounds, {len(pairs)} regencies, "
              f"{store}, Python {sys.version.split()[0]}, DuckDB {duckdb.__version__}")

        stages: dict[str, float] = {}
        t0 = time.perf_counter()

        def progress(stage: str, _done: int, _total: int | None) -> None:
            stages.setdefault(stage.split()[0], time.perf_counter())

        result = ws.analytics.refresh(OP, progress=progress)
        total = time.perf_counter() - t0
        read = stages.get("Building", t0) - t0
        print(f"refresh (full, {result.observations:,} counted observations): {total:.2f} s "
              f"= read from the store and place {read:.2f} s + build tables {total - read:.2f} s "
              f"({result.observations / total:,.0f} observations/s)")
        again = time.perf_counter()
        same = ws.analytics.refresh(OP)
        print(f"refresh again, nothing changed ({same.mode}): "
              f"{time.perf_counter() - again:.2f} s")
        fill(ws, 1_111, pairs, first=args.observations // PER_RECORD, latest=True, seed=7)
        step = time.perf_counter()
        new = ws.analytics.refresh(OP)
        print(f"refresh after 1,111 new submissions, 1,000 of them approved ({new.mode}, "
              f"{new.added:,} versions read): {time.perf_counter() - step:.2f} s")
        forced = time.perf_counter()
        ws.analytics.refresh(OP, full=True)
        print(f"refresh --full of the same: {time.perf_counter() - forced:.2f} s")

        api_ms = median_ms(lambda: ws.analytics.read("current", OP, admin_level=1), 20)
        with ws.analytics.reader(OP) as con:
            held_ms = median_ms(lambda: con.execute(
                "SELECT admin1_pcode, ind FROM current WHERE operation = $op AND "
                "admin_level = 1", {"op": OP}).fetchall(), 50)
        with ws.engine.connect() as conn:
            op_id = conn.execute(text("SELECT id FROM operation WHERE slug = :s"),
                                 {"s": OP}).scalar()
            latest = conn.execute(text("SELECT max(id) FROM round")).scalar()
            base_ms = median_ms(lambda: conn.execute(text(BASELINE), {
                "op": op_id, "round": latest}).all(), 5)
        print(f"latest-round admin-1 totals, ws.analytics.read (opens the file each call): "
              f"{api_ms:.1f} ms median")
        print(f"latest-round admin-1 totals, DuckDB query on an open connection: "
              f"{held_ms:.2f} ms median")
        print(f"latest-round admin-1 totals, SQL GROUP BY on the store (baseline): "
              f"{base_ms:.1f} ms median ({base_ms / held_ms:,.0f}× slower than the open "
              f"DuckDB connection, {base_ms / api_ms:,.1f}× than ws.analytics.read)")
        ws.close()


if __name__ == "__main__":
    main()
