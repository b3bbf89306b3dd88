"""Quality checks throughput: `ws.quality.check` over the SA submissions of benchmarks/ingest.py.

    python benchmarks/quality.py [--n 100000] [--database-url postgresql://…/db] [--no-postgres]

The submissions (the shipped SA form plus 23 questions, 62 fields; written as a Kobo CSV by
benchmarks/ingest.py's own functions) are imported once per store, then this prints, in one run:
- `ws.quality.check` end to end on SQLite (and PostgreSQL when reachable): read the versions,
  their observations and answers, run every check, write the flags — submissions/s;
- the form rules alone over the same answers in memory: compiled once per form version (what
  pantau does) against the naive way, parsing and compiling every rule again for each record
  (on a sample), with the ratio.
The settings add 20 user rules, so more than 50 rules run per submission (the count is printed).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.scratch import scratch_database  # noqa: E402

from ingest import (  # noqa: E402
    FORM,
    OP,
    build_form,
    fresh_workspace,
    write_csv,
)

GROUPS = [f"ret_{s}_{a}" for s in "fm" for a in ("infants", "children", "adults", "elderly")]
RULES = [{"name": f"{g}_within_total", "expression": f"${{{g}}} <= ${{ret_ind}}",
          "field": g} for g in GROUPS] + [
    {"name": f"{v}_within_idps", "expression": f"${{{v}}} <= ${{idp_ind}}", "field": v}
    for v in ("pregnant", "disabled", "unaccompanied", "elderly_alone", "chronic")] + [
    {"name": "returnee_households", "expression": "${ret_hh} <= ${ret_ind}"},
    {"name": "needs_when_no_water",
     "expression": "${water_on_site} = 'yes' or selected(${priority_needs}, 'wash')"},
    {"name": "children_share", "expression":
     "(${idp_f_children} + ${idp_m_children}) div ${idp_ind} < 0.8 or ${idp_ind} = 0"},
    {"name": "site_id_shape", "expression": "regex(${site_id}, '^ST[0-9]{5}$')"},
    {"name": "assessed_in_the_round", "expression":
     "${assessment_date} >= date('2018-10-01') and ${assessment_date} <= date('2018-10-31')"},
    {"name": "gps_given", "expression": "string-length(${gps}) > 0",
     "severity": "info"},
    {"name": "comments_short", "expression": "string-length(coalesce(${comments}, '')) < 500"},
]


def _prepare(folder: Path, csv_path: Path, url: str | None, form: Path) -> float:
    import datetime as dt

    from pantau.config import Settings
    from pantau.workspace import Workspace

    ws_dir = fresh_workspace(folder, url, form)
    ws = Workspace.open(Settings.load(ws_dir, url))
    ws.operations.add_round(OP, "SA", 1, dt.date(2018, 10, 1), dt.date(2018, 10, 31))
    start = time.perf_counter()
    ws.ingest.import_file(OP, FORM, csv_path)
    seconds = time.perf_counter() - start
    ws.close()
    return seconds


def _check(folder: Path, url: str | None, n: int, store: str) -> None:
    from pantau.config import Settings
    from pantau.workspace import Workspace

    ws = Workspace.open(Settings.load(folder, url))
    start = time.perf_counter()
    result = ws.quality.check(OP, config={"rules": RULES})
    secs = time.perf_counter() - start
    top = ", ".join(f"{c} {k:,}" for (c, _), k in result.flags.most_common(4))
    print(f"check on {store}: {secs:.1f} s = {n / secs:,.0f} submissions/s, "
          f"{result.total:,} flags ({top})")
    ws.close()


def _rules_only(folder: Path, sample: int) -> None:
    from sqlalchemy import select

    from pantau.config import Settings
    from pantau.quality import Quality
    from pantau.quality.formrules import FormRules
    from pantau.store.models import FormVersion, SubmissionVersion
    from pantau.workspace import Workspace

    ws = Workspace.open(Settings.load(folder, None))
    config = Quality(ws).config_for(OP, {"rules": RULES})
    with ws.session() as s:
        fields = s.scalars(select(FormVersion.fields)).one()
        data = list(s.scalars(select(SubmissionVersion.data)))
    ws.close()
    rules = FormRules(FORM, fields, config, config.rules)
    count = sum(bool(f.required) + (f.constraint is not None) + len(f.relevant)
                for f in rules.fields) + len(rules.rules)
    start = time.perf_counter()
    flags = sum(len(rules.check(d)) for d in data)
    fast = time.perf_counter() - start
    part = data[:sample]
    start = time.perf_counter()
    for d in part:
        FormRules(FORM, fields, config, config.rules).check(d)
    naive = (time.perf_counter() - start) / len(part) * len(data)
    print(f"form rules only ({count} expression rules + type and choice checks on "
          f"{len(rules.fields)} fields): compiled once {fast:.1f} s = {len(data) / fast:,.0f} "
          f"submissions/s ({flags:,} flags); naive, parsed per record "
          f"({len(part):,}-record sample, scaled) {naive:.1f} s = {len(data) / naive:,.0f}/s "
          f"→ {naive / fast:.0f}× faster")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--sample", type=int, default=2_000, help="records for the naive baseline")
    p.add_argument("--database-url", help="a PostgreSQL server (URL of any database on it): "
                   "the run creates a scratch database there and drops it at the end")
    p.add_argument("--no-postgres", action="store_true")
    args = p.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="pantau-bench-quality-"))
    scratch = nullcontext(None) if args.no_postgres else \
        scratch_database(args.database_url, "quality")
    try:
        with scratch as pg:
            form = build_form(folder)
            csv_path = folder / f"sa-{args.n}.csv"
            write_csv(csv_path, args.n)
            print(f"quality benchmark: {args.n:,} SA submissions, 62 fields, "
                  f"{len(RULES)} user rules (python {sys.version.split()[0]}, "
                  f"{os.cpu_count()} CPUs)")
            for store, url in (("SQLite", None), ("PostgreSQL", pg)):
                if store == "PostgreSQL" and url is None:
                    continue
                ws_dir = folder / f"ws-{store.lower()}"
                secs = _prepare(ws_dir, csv_path, url, form)
                print(f"  (imported in {secs:.0f} s)")
                _check(ws_dir, url, args.n, store)
            _rules_only(folder / "ws-sqlite", args.sample)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

if __name__ == "__main__":
    main()
