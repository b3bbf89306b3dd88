"""Ingest throughput: a 60-field SA form's submissions from a Kobo CSV and a Kobo JSON export.

    pip install -e '.[bench]'
    python benchmarks/ingest.py [--n 1000000] [--database-url postgresql://…/test] [--keep DIR]

For each file (CSV with `;` and XML-name headers, as KoboToolbox exports it; API v2 JSON)
it prints, in one run:
- parse only: pyarrow's CSV reader / orjson over the same file (the floor: no rules, no store);
- pantau's reader alone (every record turned into an `Incoming`, nothing stored);
- `ws.ingest.import_file` into SQLite and, when reachable, PostgreSQL: submissions/s, the ratio
  to parse-only time, and peak memory (max RSS of a fresh process that did only that import).

The form is the shipped SA form with 23 more questions (returnees by sex and age, vulnerable
people, services) appended, so 62 fields as a full site assessment has. One submission in 200 is
an exact re-send and one in 500 has a broken P-code, as field exports do.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import nullcontext
from pathlib import Path

from openpyxl import load_workbook

from pantau.forms.library import path_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.scratch import scratch_database  # noqa: E402

HERE = Path(__file__).resolve().parent
OP, FORM = "bench", "dtm_sa"
GROUPS = [("f", "infants"), ("f", "children"), ("f", "adults"), ("f", "elderly"),
          ("m", "infants"), ("m", "children"), ("m", "adults"), ("m", "elderly")]
SECTORS = ["shelter", "nfi", "wash", "food", "health", "protection"]
EXTRA_COUNTS = [f"ret_{sex}_{age}" for sex, age in GROUPS] + [
    "ret_hh", "ret_ind", "pregnant", "disabled", "unaccompanied", "elderly_alone", "chronic"]
EXTRA_YESNO = ["electricity", "lighting", "cooking_fuel", "mosquito_nets", "waste",
               "drainage", "security_patrol", "women_space"]


def build_form(folder: Path) -> Path:
    """The shipped SA form plus a `more` group of 23 questions, before `comments`."""
    wb = load_workbook(path_of("dtm_sa.xlsx"))
    sheet = wb["survey"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    width = len(rows[0])
    hxl_col = rows[0].index("hxl")

    def row(type_: str, name: str, label: str, hxl: str | None = None) -> list[object]:
        cells: list[object] = [None] * width
        cells[0], cells[1], cells[2], cells[3] = type_, name, label, label
        cells[hxl_col] = hxl
        return cells

    extra = [row("begin_group", "more", "More")]
    for sex, age in GROUPS:
        extra.append(row("integer", f"ret_{sex}_{age}", f"Returnees {sex} {age}",
                         f"#affected+returnees+ind+{sex}+{age}"))
    extra.append(row("integer", "ret_hh", "Returnee households", "#affected+returnees+hh"))
    extra.append(row("integer", "ret_ind", "Returnee individuals", "#affected+returnees+ind"))
    for name in EXTRA_COUNTS[10:]:
        extra.append(row("integer", name, name.replace("_", " ")))
    for name in EXTRA_YESNO:
        extra.append(row("select_one yes_no", name, name.replace("_", " ")))
    extra.append(row("end_group", "", ""))
    at = next(i for i, r in enumerate(rows) if r[1] == "comments")
    rows[at:at] = extra
    sheet.delete_rows(1, sheet.max_row)
    for r in rows:
        sheet.append(r)
    out = folder / "dtm_sa_62.xlsx"
    wb.save(out)
    return out


def _record(i: int, rng: random.Random) -> dict[str, object]:
    """One realistic SA submission, keyed by XML path, with Kobo's meta."""
    adm2 = rng.choice(["ID7201", "ID7203", "ID7205", "ID7210", "ID7271"])
    hh = rng.randint(5, 600)
    rec: dict[str, object] = {
        "start": "2018-10-20T08:12:31.000+08:00", "end": "2018-10-20T08:41:02.000+08:00",
        "today": "2018-10-20", "assessment_date": f"2018-10-{rng.randint(15, 28)}",
        "informant_role": rng.choice(["village_head", "site_manager", "community_leader"]),
        "location/site_id": f"ST{i % 3000:05d}", "location/site_name": f"Site {i % 3000}",
        "location/adm1_pcode": "ID72", "location/adm2_pcode": adm2,
        "location/adm3_pcode": f"{adm2}0{rng.randint(10, 99)}",
        "location/adm4_pcode": f"{adm2}0{rng.randint(10, 99)}00{rng.randint(1, 9)}",
        "location/gps": f"-0.{rng.randint(80000, 99999)} 119.{rng.randint(80000, 99999)} 0 5",
        "location/site_type": rng.choice(["camp", "collective_centre", "host_community"]),
        "location/site_management": rng.choice(["government", "ngo", "community"]),
        "population/idp_hh": hh, "population/idp_ind": hh * 4,
    }
    for sex, age in GROUPS:
        rec[f"population/idp_{sex}_{age}"] = hh // 2
    rec.update({
        "population/main_reason": rng.choice(["earthquake", "tsunami", "liquefaction"]),
        "population/origin_adm1_pcode": "ID72", "population/origin_adm2_pcode": adm2,
        "population/main_shelter": rng.choice(["tent", "makeshift", "host_family"]),
        "services/water_on_site": rng.choice(["yes", "no"]),
        "services/latrines_on_site": rng.choice(["yes", "no"]),
        "services/health_access": rng.choice(["yes", "no"]),
        "services/school_access": rng.choice(["yes", "no"]),
        "needs/priority_needs": " ".join(rng.sample(SECTORS, 3)),
    })
    for name in EXTRA_COUNTS:
        rec[f"more/{name}"] = rng.randint(0, 40)
    for name in EXTRA_YESNO:
        rec[f"more/{name}"] = rng.choice(["yes", "no"])
    rec["comments"] = rng.choice(["", "", "Akses jalan rusak", "Need more tarpaulins"])
    if i % 500 == 7:
        rec["location/adm2_pcode"] = "ID72O1"  # a letter O for a zero, as typed in the field
    uid = str(uuid.UUID(int=rng.getrandbits(128)))
    rec.update({"meta/instanceID": f"uuid:{uid}", "_id": 100000 + i, "_uuid": uid,
                "_submission_time": "2018-10-21T02:13:44", "_validation_status": {},
                "_status": "submitted_via_web", "_submitted_by": "enum07", "__version__":
                "vQ7abCdEf", "_tags": [], "_notes": []})
    return rec


def records(n: int, seed: int = 7):  # type: ignore[no-untyped-def]
    """n records, one in 200 an exact re-send of the one before."""
    rng = random.Random(seed)
    last: dict[str, object] = {}
    for i in range(n):
        if i % 200 == 199:
            yield last
            continue
        last = _record(i, rng)
        yield last


def write_csv(path: Path, n: int) -> None:
    first = next(records(1))
    data_keys = [k for k in first if not k.startswith("_")]
    split = [f"needs/priority_needs/{s}" for s in SECTORS]
    geo = ["_location/gps_latitude", "_location/gps_longitude", "_location/gps_altitude",
           "_location/gps_precision"]
    meta = ["_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
            "_submitted_by", "__version__", "_tags", "_index"]
    header = data_keys[:data_keys.index("needs/priority_needs") + 1] + split + \
        data_keys[data_keys.index("needs/priority_needs") + 1:] + geo + meta
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(header)
        for i, rec in enumerate(records(n), 1):
            picked = str(rec["needs/priority_needs"]).split()
            lat, lon, alt, acc = str(rec["location/gps"]).split()
            row = dict(rec)
            row.update({f"needs/priority_needs/{s}": int(s in picked) for s in SECTORS})
            row.update(dict(zip(geo, (lat, lon, alt, acc), strict=True)))
            row.update({"_validation_status": "", "_notes": "", "_tags": "", "_index": i})
            w.writerow([row.get(h, "") for h in header])


def write_json(path: Path, n: int) -> None:
    """API v2's page shape; Kobo writes numbers as text in `results`."""
    with path.open("w", encoding="utf-8") as f:
        f.write(f'{{"count": {n}, "next": null, "previous": null, "results": [\n')
        for i, rec in enumerate(records(n)):
            out = {k: (str(v) if isinstance(v, int) and not k.startswith("_") else v)
                   for k, v in rec.items() if v != ""}
            f.write(("," if i else "") + json.dumps(out, ensure_ascii=False) + "\n")
        f.write("]}\n")


def parse_only(path: Path) -> float:
    """Seconds for the fastest library parse of the whole file, nothing else."""
    start = time.perf_counter()
    if path.suffix == ".csv":
        from pyarrow import csv as pacsv

        pacsv.read_csv(path, parse_options=pacsv.ParseOptions(delimiter=";"))
    else:
        import orjson

        orjson.loads(path.read_bytes())
    return time.perf_counter() - start


def _child(args: argparse.Namespace) -> None:
    """Run one measurement in this fresh process and print JSON: seconds, records, max RSS."""
    from pantau.config import Settings
    from pantau.workspace import Workspace

    path = Path(args.file)
    start = time.perf_counter()
    if args.child == "read":
        from pantau.ingest.files import read_export
        from pantau.ingest.stream import Unreadable

        settings = Settings.load(Path(args.workspace), args.database_url)
        ws = Workspace.open(settings)
        from pantau.forms.store import current_version, get_form
        with ws.session() as s:
            fields = current_version(s, get_form(s, OP, FORM)).fields
        start = time.perf_counter()
        n = sum(1 for r in read_export(path, fields) if not isinstance(r, Unreadable))
        counts = {"read": n}
    else:
        ws = Workspace.open(Settings.load(Path(args.workspace), args.database_url))
        counts = dict(ws.ingest.import_file(OP, FORM, path).counts)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "counts": counts, "rss_mb": _peak_mb()}))


def _peak_mb() -> float:
    """This process's peak resident memory. ru_maxrss survives exec (a child would report its
    parent's peak), so Linux's per-address-space high-water mark is read first."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fresh_workspace(folder: Path, url: str | None, form: Path) -> Path:
    from pantau.config import Settings
    from pantau.workspace import Workspace

    if folder.exists():
        shutil.rmtree(folder)
    if url:
        reset_postgres(url)
    ws = Workspace.init(Settings.load(folder, url))
    ws.operations.create(OP, "IDN", "Benchmark", avg_household_size=4.5)
    ws.forms.import_xlsform(OP, form)
    ws.engine.dispose()
    return folder


def reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _measure(mode: str, file: Path, workspace: Path, url: str | None) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--child", mode, "--file", str(file),
           "--workspace", str(workspace)] + (["--database-url", url] if url else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--database-url", help="a PostgreSQL server (URL of any database on it): "
                   "the run creates a scratch database there and drops it at the end")
    p.add_argument("--keep", type=Path, help="folder for the files (kept between runs)")
    p.add_argument("--no-postgres", action="store_true")
    p.add_argument("--only", choices=["csv", "json"])
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--file", help=argparse.SUPPRESS)
    p.add_argument("--workspace", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        _child(args)
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="pantau-bench-ingest-"))
    folder.mkdir(parents=True, exist_ok=True)
    form = build_form(folder)
    scratch = nullcontext(None) if args.no_postgres else \
        scratch_database(args.database_url, "ingest")
    with scratch as pg:
        _run(args, folder, form, pg)
    if args.keep is None:
        shutil.rmtree(folder, ignore_errors=True)


def _run(args: argparse.Namespace, folder: Path, form: Path, pg: str | None) -> None:
    print(f"ingest benchmark: {args.n:,} submissions of a 62-field SA form "
          f"(python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    for kind in ("csv", "json") if not args.only else (args.only,):
        file = folder / f"sa-{args.n}.{kind}"
        if not file.exists():
            t = time.perf_counter()
            (write_csv if kind == "csv" else write_json)(file, args.n)
            print(f"  wrote {file.name}: {file.stat().st_size / 2**20:,.0f} MB in "
                  f"{time.perf_counter() - t:.0f} s")
        base = parse_only(file)
        print(f"{kind.upper()}  parse only ({'pyarrow' if kind == 'csv' else 'orjson'}): "
              f"{base:.1f} s = {args.n / base:,.0f} records/s")
        ws_dir = fresh_workspace(folder / "ws-sqlite", None, form)
        r = _measure("read", file, ws_dir, None)
        print(f"{kind.upper()}  pantau reader only: {r['seconds']:.1f} s = "
              f"{args.n / r['seconds']:,.0f} records/s, peak {r['rss_mb']:,.0f} MB")
        for store, url in (("SQLite", None), ("PostgreSQL", pg)):
            if store == "PostgreSQL" and url is None:
                continue
            ws_dir = fresh_workspace(folder / f"ws-{store.lower()}", url, form)
            r = _measure("import", file, ws_dir, url)
            secs = float(r["seconds"])  # type: ignore[arg-type]
            print(f"{kind.upper()}  ingest into {store}: {secs:.1f} s = {args.n / secs:,.0f} "
                  f"submissions/s ({secs / base:.1f}× parse only), peak {r['rss_mb']:,.0f} MB "
                  f"— {r['counts']} (goal ≥ 20,000/s on SQLite, ≤ 3× parse, < 500 MB)")


if __name__ == "__main__":
    main()
