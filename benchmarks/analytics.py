"""Refresh time of the analytics tables and latency of the latest-round admin-1 totals, with
the same totals by SQL GROUP BY on the operational store as the baseline.

    python benchmarks/analytics.py [--observations 1000000] [--rounds 4] [--database-url URL]
        [--clients 32 [--requests 3000]]

Builds a workspace with a synthetic gazetteer (34 provinces × 15 regencies, HDX list format,
imported through `ws.gazetteer.import_file`), the shipped DTM SA form and SA rounds, then
writes approved site assessments straight into the store (12 observations each, the shape the
SA form gives: households, individuals, 8 sex × age cells, 2 priority needs; 1 in 10 records
not approved). Setup is not timed. Then refreshes: full, again with nothing changed, after
1,111 more submissions in the latest round (1,000 approved), and forced full; then the same
rollups in pandas from the same counted observations, read once from the store into a
DataFrame (text as categories; the read is not timed, only the groupby/merge work), and the
latest-round totals by SQL GROUP BY on the store. With `--clients`, last, the workspace is
served by `pantau serve` in another process and loaded by benchmarks/analytics_load.py.
Prints one line per figure, with the load average (the machine may be shared).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import duckdb
import pandas as pd
from sqlalchemy import insert, text

from pantau.access.roles import PERMISSIONS
from pantau.config import Settings
from pantau.forms.library import path_of
from pantau.store.models import Form, Observation, Submission, SubmissionVersion
from pantau.workspace import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import analytics_load  # noqa: E402

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


# The same rollups in pandas (the baseline of the full refresh) -------------------------------

FACTS_SQL = """
SELECT o.version_id, r.number AS round, o.admin1_pcode, o.admin2_pcode, o.population_group,
  o.unit, o.sex, o.age_group, o.sector, o.reason, o.origin_pcode, o.value, o.estimated
FROM observation o
JOIN submission_version v ON v.id = o.version_id
JOIN submission s ON s.id = v.submission_id
JOIN round r ON r.id = o.round_id
WHERE o.operation_id = :op AND v.current AND s.deleted_at IS NULL
  AND s.review_state = 'approved'"""
PLACES_SQL = """
SELECT c.pcode AS admin2_pcode, c.name AS admin2_name, p.pcode AS admin1_pcode,
  p.name AS admin1_name FROM admin_unit c
JOIN admin_unit p ON p.version_id = c.version_id AND p.pcode = c.parent_pcode
WHERE c.level = 2"""
LEVELS = {0: [], 1: ["admin1_pcode", "admin1_name"],
          2: ["admin1_pcode", "admin1_name", "admin2_pcode", "admin2_name"]}


def read_frames(ws: Workspace, dtypes: dict[str, pd.CategoricalDtype]
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The counted observations and the admin-2 → admin-1 names, read once from the store
    (not timed); text columns as categories, pandas' fastest grouping keys."""
    with ws.engine.connect() as conn:
        op_id = conn.execute(text("SELECT id FROM operation WHERE slug = :s"),
                             {"s": OP}).scalar()
        chunks = []
        for chunk in pd.read_sql(text(FACTS_SQL), conn, params={"op": op_id},
                                 chunksize=1_000_000):
            for col in ("admin1_pcode", "admin2_pcode", "population_group", "unit", "sex",
                        "age_group", "sector", "reason", "origin_pcode"):
                chunk[col] = chunk[col].astype(dtypes[col])
            chunks.append(chunk)
        places = pd.read_sql(text(PLACES_SQL), conn)
    frame = pd.concat(chunks, ignore_index=True)
    frame["estimated"] = frame["estimated"].astype(bool)
    return frame, places


def categories(pairs: list[tuple[str, str]]) -> dict[str, pd.CategoricalDtype]:
    """Fixed categories, so that chunks read apart concatenate as categories."""
    values = {"admin1_pcode": sorted({a for a, _ in pairs}),
              "admin2_pcode": sorted({b for _, b in pairs}),
              "population_group": ["idps"], "unit": ["households", "individuals", "sites"],
              "sex": ["f", "m"], "age_group": ["infants", "children", "adults", "elderly"],
              "sector": list(SECTORS), "reason": ["earthquake"], "origin_pcode": []}
    return {k: pd.CategoricalDtype(v) for k, v in values.items()}


def _by_level(frame: pd.DataFrame, keys: list[str], agg: dict[str, tuple[str, str]]
              ) -> pd.DataFrame:
    """One groupby per admin level 0–2, stacked, as pantau's tables hold every level."""
    parts = []
    for level, admin in LEVELS.items():
        g = frame.groupby(["round", *admin, *keys], observed=True, dropna=False, sort=False)
        parts.append(g.agg(**agg).reset_index().assign(admin_level=level))
    return pd.concat(parts, ignore_index=True)


def pandas_rollups(facts: pd.DataFrame, places: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """totals (round × admin level 0–2 × group × unit × sex × age × reason × origin), record
    headlines, area totals, displacement, the latest round, round-over-round change and
    needs — the tables a full refresh builds, computed the way a pandas analyst would."""
    df = facts.merge(places, on=["admin1_pcode", "admin2_pcode"], how="left")
    for col in ("admin1_name", "admin2_name"):
        df[col] = df[col].astype("category")
    people = df[df["sector"].isna()]
    totals = _by_level(people, ["population_group", "unit", "sex", "age_group", "reason",
                                "origin_pcode"],
                       {"value": ("value", "sum"), "records": ("version_id", "nunique")})
    ind = people["unit"] == "individuals"
    plain = people["sex"].isna() & people["age_group"].isna()
    v = people["value"]
    cells = people.assign(
        ind_total=v.where(ind & plain), hh=v.where((people["unit"] == "households") & plain),
        ind_estimated=v.where(ind & plain & people["estimated"]),
        f_total=v.where(ind & (people["sex"] == "f") & people["age_group"].isna()),
        f_cells=v.where(ind & (people["sex"] == "f") & people["age_group"].notna()),
        m_total=v.where(ind & (people["sex"] == "m") & people["age_group"].isna()),
        m_cells=v.where(ind & (people["sex"] == "m") & people["age_group"].notna()))
    keys = ["version_id", "round", *LEVELS[2], "population_group", "reason", "origin_pcode"]
    rec = (cells.groupby(keys, observed=True, dropna=False, sort=False)
           [["ind_total", "hh", "ind_estimated", "f_total", "f_cells", "m_total", "m_cells"]]
           .sum(min_count=1).reset_index())
    rec["f"] = rec["f_total"].fillna(rec["f_cells"])
    rec["m"] = rec["m_total"].fillna(rec["m_cells"])
    either = rec["f"].notna() | rec["m"].notna()
    rec["ind"] = rec["ind_total"].fillna(
        (rec["f"].fillna(0) + rec["m"].fillna(0)).where(either))
    headline = {c: (c, "sum") for c in ("ind", "hh", "f", "m", "ind_estimated")}
    headline["records"] = ("version_id", "nunique")
    area = _by_level(rec, ["population_group"], headline)
    displacement = _by_level(rec, ["population_group", "reason", "origin_pcode"], headline)
    latest = area[area["round"] == area["round"].max()]
    same = ["admin_level", "admin1_pcode", "admin2_pcode", "population_group"]
    previous = area[[*same, "round", "ind", "hh"]].assign(round=area["round"] + 1)
    change = area[area["round"] > area["round"].min()].merge(
        previous[previous["round"] <= area["round"].max()], on=[*same, "round"], how="outer",
        suffixes=("", "_previous"))
    change["ind_change"] = change["ind"] - change["ind_previous"]
    change["hh_change"] = change["hh"] - change["hh_previous"]
    sectors = df[df["sector"].notna()]
    needs = _by_level(sectors, ["sector", "unit"], {"value": ("value", "sum"),
                                                    "records": ("version_id", "nunique")})
    assessed = _by_level(df, [], {"assessed": ("version_id", "nunique")})
    needs = needs.merge(assessed, on=["round", "admin_level", *LEVELS[2]], how="left")
    needs["share"] = (needs["value"] / needs["assessed"]).where(needs["unit"] == "sites")
    return {"totals": totals, "record_figures": rec, "area_totals": area,
            "displacement": displacement, "current": latest, "round_change": change,
            "needs": needs}


def cpu() -> float:
    """CPU seconds of this process, all its threads (DuckDB's too): on a shared machine a
    fairer measure than wall time."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


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
    parser.add_argument("--clients", type=int, default=0,
                        help="Then load /v3/displacement/admin2 with this many clients.")
    parser.add_argument("--requests", type=int, default=3000)
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
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"# {args.observations:,} observations ({args.observations // PER_RECORD:,} "
              f"records, 1 in 10 not approved), {args.rounds} rounds, {len(pairs)} regencies, "
              f"{store}, Python {sys.version.split()[0]}, DuckDB {duckdb.__version__}, "
              f"load average {load} on {os.cpu_count()} CPUs")

        stages: dict[str, float] = {}
        t0, c0 = time.perf_counter(), cpu()

        def progress(stage: str, _done: int, _total: int | None) -> None:
            stages.setdefault(stage.split()[0], time.perf_counter())

        result = ws.analytics.refresh(OP, progress=progress)
        total = time.perf_counter() - t0
        read = stages.get("Building", t0) - t0
        print(f"refresh (full, {result.observations:,} counted observations): {total:.2f} s "
              f"= read from the store and place {read:.2f} s + build tables {total - read:.2f} s "
              f"({result.observations / total:,.0f} observations/s; CPU {cpu() - c0:.2f} s)")
        again, c0 = time.perf_counter(), cpu()
        same = ws.analytics.refresh(OP)
        print(f"refresh again, nothing changed ({same.mode}): "
              f"{time.perf_counter() - again:.2f} s (CPU {cpu() - c0:.2f} s)")
        fill(ws, 1_111, pairs, first=args.observations // PER_RECORD, latest=True, seed=7)
        step, c0 = time.perf_counter(), cpu()
        new = ws.analytics.refresh(OP)
        print(f"refresh after 1,111 new submissions, 1,000 of them approved ({new.mode}, "
              f"{new.added:,} versions read): {time.perf_counter() - step:.2f} s "
              f"(CPU {cpu() - c0:.2f} s)")
        stages.clear()
        forced, c0 = time.perf_counter(), cpu()
        ws.analytics.refresh(OP, progress=progress, full=True)
        full_s, full_cpu = time.perf_counter() - forced, cpu() - c0
        build_s = full_s - (stages.get("Building", forced) - forced)
        print(f"refresh --full of the same: {full_s:.2f} s (build tables {build_s:.2f} s; "
              f"CPU {full_cpu:.2f} s)")

        pd_read, c0 = time.perf_counter(), cpu()
        facts, places = read_frames(ws, categories(pairs))
        pd_read_s = time.perf_counter() - pd_read
        pd_t, c1 = time.perf_counter(), cpu()
        tables = pandas_rollups(facts, places)
        pandas_s, pandas_cpu = time.perf_counter() - pd_t, cpu() - c1
        with ws.analytics.reader(OP) as con:
            ours = con.execute("SELECT sum(ind) FROM current WHERE operation = $op AND "
                               "admin_level = 1", {"op": OP}).fetchall()[0][0]
        cur = tables["current"]
        theirs = cur.loc[cur["admin_level"] == 1, "ind"].sum()
        print(f"same rollups in pandas {pd.__version__} ({len(facts):,} counted observations "
              f"in a DataFrame; {sum(len(t) for t in tables.values()):,} rows in "
              f"{len(tables)} tables): {pandas_s:.2f} s from the DataFrame, reading it from "
              f"the store {pd_read_s:.2f} s more (pd.read_sql); pandas time / pantau time: "
              f"read and build {(pd_read_s + pandas_s) / full_s:.2f}× (refresh --full), "
              f"build alone {pandas_s / build_s:.2f}× (goal ≥ 5×); CPU: pandas read and "
              f"build {c1 - c0 + pandas_cpu:.2f} s, build {pandas_cpu:.2f} s; latest-round "
              f"admin-1 individuals: pantau {ours:,.0f}, pandas {theirs:,.0f}")
        del facts, places, tables

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
        key = ""
        if args.clients:  # the DTM API's key is a pantau API token
            ws.access.add_user("loadtest", secrets.token_urlsafe(16), admin=True, by="bench")
            key, _ = ws.access.create_token("loadtest", "load test", list(PERMISSIONS),
                                            by="bench")
        ws.close()
        if args.clients:
            analytics_load.run(settings.workspace, args.database_url, OP,
                               sorted({a for a, _ in pairs}), key, args.clients,
                               args.requests, sorted({b for _, b in pairs}), args.rounds)


if __name__ == "__main__":
    main()
