"""Quality checks throughput: `ws.quality.check` over the SA submissions of benchmarks/ingest.py.

    python benchmarks/quality.py [--n 100000] [--database-url postgresql://…/db] [--no-postgres]

The submissions (the shipped SA form plus 23 questions, 62 fields; written as a Kobo CSV by
benchmarks/ingest.py's own functions) are imported once per store, then this prints, in one run:
- `ws.quality.check` end to end on SQLite (and PostgreSQL when reachable): read the versions,
  their observations and answers, run every check, write the flags — submissions/s;
- the form rules alone over the same answers in memory: compiled once per form version into
  generated Python functions (what pantau does, quality/formcode.py) against the naive way,
  parsing and compiling every rule again for each record (on a sample), with the ratio.
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
from typing import Any

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
    # the import stores only: the check is measured on its own below
    (ws_dir / "quality").mkdir(exist_ok=True)
    (ws_dir / "quality" / f"{OP}.yaml").write_text("on_ingest: false\n", encoding="utf-8")
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
    start, cpu = time.perf_counter(), time.process_time()
    result = ws.quality.check(OP, config={"rules": RULES})
    secs, cpu = time.perf_counter() - start, time.process_time() - cpu
    top = ", ".join(f"{c} {k:,}" for (c, _), k in result.flags.most_common(4))
    print(f"check on {store}: {secs:.1f} s = {n / secs:,.0f} submissions/s "
          f"(this process's CPU: {cpu:.1f} s), {result.total:,} flags ({top})")
    ws.close()


def _naive(fields: list[dict], config: Any, data: dict) -> list[tuple[str, str | None, str]]:
    """The same rules, row by row in plain Python: every rule parsed again for this record and
    its syntax tree walked node by node (the SA form has no repeats; `${x}` is a field outside
    them). Flags as pantau writes them, so the two can be compared."""
    from pantau.quality.expr import parse, to_bool, typed
    from pantau.quality.expr.compile import _div, _mod
    from pantau.quality.expr.functions import FUNCTIONS
    from pantau.quality.expr.syntax import Binary, Call, Here, Literal, Ref, Unary
    from pantau.quality.expr.values import equal, to_number
    from pantau.quality.formrules import NOT_ANSWERS, TYPED, _english, type_problem

    by_name = {f.get("name") or f["path"].rsplit("/", 1)[-1]: f for f in fields}
    by_name.update({f["path"]: f for f in fields})

    def ev(node: Any, here: Any) -> Any:  # noqa: PLR0911
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Here):
            return here
        if isinstance(node, Ref):
            f = by_name[node.name]
            return typed(data.get(f["path"]), f.get("type") or "")
        if isinstance(node, Unary):
            return -to_number(ev(node.operand, here))
        if isinstance(node, Binary):
            op, a = node.op, ev(node.left, here)
            if op in ("and", "or"):
                if to_bool(a) == (op == "or"):
                    return op == "or"
                return to_bool(ev(node.right, here))
            b = ev(node.right, here)
            if op in ("=", "!="):
                return equal(a, b) == (op == "=")
            x, y = to_number(a), to_number(b)
            return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}.get(op) \
                if op in ("<", "<=", ">", ">=") else \
                {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y,
                 "div": lambda: _div(x, y), "mod": lambda: _mod(x, y)}[op]()
        assert isinstance(node, Call)
        if node.name == "if":
            test, then, other = node.args
            return ev(then, here) if to_bool(ev(test, here)) else ev(other, here)
        return FUNCTIONS[node.name][2]([ev(a, here) for a in node.args])

    def holds(text: str, here: Any) -> bool:
        return to_bool(ev(parse(text), here))

    out: list[tuple[str, str | None, str]] = []
    groups = [g for g in fields if g.get("type") == "group" and g.get("relevant")]
    for f in fields:
        kind, path = f.get("type") or "", f["path"]
        if kind in NOT_ANSWERS:
            continue
        assert f.get("repeat") is None, "the naive evaluator knows no repeats"
        raw = data.get(path)
        answered = raw is not None and raw != "" and not isinstance(raw, list | dict)
        here = typed(raw, kind) if answered else ""
        rules = [g["relevant"] for g in groups if path.startswith(g["path"] + "/")]
        rules += [f["relevant"]] if f.get("relevant") else []
        if not all(holds(r, here) for r in rules):
            if answered and config.on("not_relevant"):
                out.append(("not_relevant", path, "answered although not relevant "
                            f"(relevant: `{f.get('relevant') or rules[-1]}`)"))
            continue
        req = str(f.get("required") or "").strip()
        if not answered:
            if config.on("required") and req.lower() not in ("no", "false", "false()", "0", "") \
                    and (req.lower() in ("yes", "true", "true()", "1") or holds(req, "")):
                out.append(("required", path, "required but not answered"))
            continue
        text = raw if isinstance(raw, str) else str(raw)
        problem = type_problem(kind, text) if kind in TYPED else None
        if problem:
            if config.on("type"):
                out.append(("type", path, problem))
            continue
        names = {c["name"] for c in f.get("choices") or ()}
        if config.on("choice") and f.get("choices") and (
                any(p not in names for p in text.split()) if kind == "select_multiple"
                else text not in names):
            out.append(("choice", path, "an answer that is not in the choice list"))
            continue
        if config.on("constraint") and f.get("constraint") and not holds(f["constraint"], here):
            msg = f"breaks the constraint `{f['constraint']}`"
            extra = _english(f.get("constraint_message"))
            out.append(("constraint", path, f"{msg}: {extra}" if extra else msg))
    for r in config.rules:
        target = by_name[r.field] if r.field else None
        here = typed(data.get(target["path"]), target.get("type") or "") if target else ""
        if not holds(r.expression, here):
            out.append((r.check, target["path"] if target else None,
                        r.message or f"breaks the rule `{r.expression}`"))
    return out


def _rules_only(folder: Path, sample: int) -> None:
    """The form rules alone over every stored answer set, decoded in batches (untimed: a
    million decoded records do not fit in memory at once)."""
    import json
    import sqlite3

    from pantau.config import Settings
    from pantau.quality import Quality
    from pantau.quality.formrules import FormRules
    from pantau.workspace import Workspace

    ws = Workspace.open(Settings.load(folder, None))
    config = Quality(ws).config_for(OP, {"rules": RULES})
    ws.close()
    db = sqlite3.connect(folder / "pantau.db")
    fields = json.loads(db.execute("SELECT fields FROM form_version").fetchone()[0])
    rules = FormRules(FORM, fields, config, config.rules)
    count = sum(bool(f.required) + (f.constraint is not None) + len(f.relevant)
                for f in rules.fields) + len(rules.rules)
    fast = 0.0  # CPU time of this process: the machine may be shared
    flags = n = 0
    part: list[dict] = []
    cur = db.execute("SELECT data FROM submission_version ORDER BY id")
    while batch := cur.fetchmany(20_000):
        data = [json.loads(row[0]) for row in batch]
        part = part or data[:sample]
        start = time.process_time()
        flags += sum(len(rules.check(d)) for d in data)
        fast += time.process_time() - start
        n += len(data)
    db.close()
    start = time.process_time()
    slow = [_naive(fields, config, d) for d in part]
    naive = (time.process_time() - start) / len(part) * n
    same = slow == [[(f.check, f.field, f.message) for f in rules.check(d)] for d in part]
    assert same, "the naive evaluator and pantau's disagree: no comparison"
    print(f"form rules only, CPU time ({count} expression rules + type and choice checks on "
          f"{len(rules.fields)} fields): compiled once {fast:.1f} s = {n / fast:,.0f} "
          f"submissions/s ({flags:,} flags); naive, parsed per record "
          f"({len(part):,}-record sample, same flags, scaled) {naive:.1f} s = "
          f"{n / naive:,.0f}/s "
          f"→ {naive / fast:.1f}× faster")


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
