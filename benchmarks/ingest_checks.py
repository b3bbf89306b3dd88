"""What checking every incoming submission costs ingest: the same work with `on_ingest: false`
(the baseline) and with the default `on_ingest: true`, in one run.

    python benchmarks/ingest_checks.py [--n 20000] [--posts 3000] [--threads 50]
                                       [--database-url postgresql://…/test] [--no-postgres]

1. File import: `ws.ingest.import_file` of a KoboToolbox CSV export of the 62-field SA form of
   benchmarks/ingest.py (its own generator) into a fresh workspace with `on_ingest: false`,
   then the check pass that `import_file` ends with when checks are on (`check_since` on the
   same versions), timed apart.
2. Group commit: the OpenRosa server's writer (`pantau.ingest.openrosa.submission_writer`'s
   store functions in `pantau.ingest.writer.Writer`) fed by `--threads` threads with `--posts`
   parsed POSTs of the shipped SA form (benchmarks/openrosa.py's generator: every field
   answered as ODK Collect writes it), with and without the `after_commit` hook that checks
   each committed batch. HTTP is left out: the hook sits behind the writer, and the HTTP path
   costs the same either way.

SQLite, and PostgreSQL in a scratch database (created and dropped) when a server answers.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path

from sqlalchemy import func, select

from pantau.config import Settings
from pantau.forms.library import path_of
from pantau.store.models import QualityFlag
from pantau.workspace import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import ingest as file_bench  # noqa: E402
from benchmarks import openrosa as post_bench  # noqa: E402
from benchmarks.scratch import scratch_database  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _workspace(folder: Path, url: str | None, checks: bool, operation: str) -> Path:
    """A fresh workspace; `checks` False writes `on_ingest: false` for the operation."""
    if folder.exists():
        shutil.rmtree(folder)
    if url:
        file_bench.reset_postgres(url)
    folder.mkdir(parents=True)
    if not checks:
        (folder / "quality").mkdir()
        (folder / "quality" / f"{operation}.yaml").write_text("on_ingest: false\n")
    return folder


def _flags(ws: Workspace) -> int:
    with ws.session() as s:
        return int(s.scalar(select(func.count(QualityFlag.id))) or 0)


def file_import(tmp: Path, csv_file: Path, form: Path, url: str | None
                ) -> tuple[float, float, int]:
    """Seconds of the import without checks, then of the check pass `import_file` ends with
    when they are on (the same call on the same versions, timed apart: on a shared machine
    two whole imports differ by more than the pass costs); flags written."""
    from pantau.quality.incoming import check_since, version_mark

    folder = _workspace(tmp / "ws-file", url, False, file_bench.OP)
    settings = Settings.load(folder, url or f"sqlite:///{folder / 'pantau.db'}")
    ws = Workspace.init(settings)
    try:
        ws.operations.create(file_bench.OP, "IDN", "Benchmark", avg_household_size=4.5)
        ws.forms.import_xlsform(file_bench.OP, form)
        mark = version_mark(ws)
        start = time.perf_counter()
        ws.ingest.import_file(file_bench.OP, file_bench.FORM, csv_file)
        stored = time.perf_counter() - start
        (folder / "quality" / f"{file_bench.OP}.yaml").unlink()  # on_ingest: true again
        start = time.perf_counter()
        check_since(ws, file_bench.OP, mark, file_bench.FORM)
        return stored, time.perf_counter() - start, _flags(ws)
    finally:
        ws.close()


def group_commit(tmp: Path, url: str | None, checks: bool, posts: int, threads: int
                 ) -> tuple[float, float, int, int]:
    """Seconds until every POST is answered, and until every check is done; flags;
    check passes."""
    from pantau.ingest.openrosa import Post, store_post, store_posts
    from pantau.ingest.writer import Writer
    from pantau.ingest.xml import parse_submission
    from pantau.quality.incoming import Checker

    op = post_bench.OP
    folder = _workspace(tmp / "ws-posts", url, True, op)  # the hook itself is what differs
    settings = Settings.load(folder, url or f"sqlite:///{folder / 'pantau.db'}")
    ws = Workspace.init(settings)
    try:
        ws.operations.create(op, "IDN", "Palu earthquake and tsunami", avg_household_size=4.5)
        ws.forms.import_xlsform(op, path_of("dtm_sa.xlsx"))
        [info] = ws.forms.list(op)
        from pantau.forms.store import current_version, get_form

        with ws.session() as s:
            fields = list(current_version(s, get_form(s, op, info.form_id)).fields)
        template = post_bench._template(ws.forms.xform(op, info.form_id))
        rng = random.Random(7)
        items = []
        for _ in range(posts):
            iid = f"uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}"
            xml = post_bench.submission_xml(template, fields, iid, rng)
            items.append(Post(op, parse_submission(xml), xml))
        checker = Checker(ws) if checks else None
        writer: Writer = Writer(ws.engine, store_post, store_posts, after_commit=checker)
        start = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            answers = list(pool.map(writer.run_sync, items))
        stored = time.perf_counter() - start  # every device has its answer
        writer.close()
        if checker is not None:
            checker.close()  # the last checks finish before the clock stops
        seconds = time.perf_counter() - start
        assert all(a.status == 201 for a in answers), {a.status for a in answers}
        return stored, seconds, _flags(ws), checker.passes if checker else 0
    finally:
        ws.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=20_000, help="records of the file import")
    p.add_argument("--posts", type=int, default=3000)
    p.add_argument("--threads", type=int, default=50)
    p.add_argument("--database-url", default=PG_URL)
    p.add_argument("--no-postgres", action="store_true")
    args = p.parse_args()
    print(f"# {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores (load average "
          f"{os.getloadavg()[0]:.1f} before the run), Python {platform.python_version()}; "
          "baseline: the same work with on_ingest: false")
    tmp = Path(tempfile.mkdtemp(prefix="pantau-bench-checks-"))
    try:
        form = file_bench.build_form(tmp)
        csv_file = tmp / f"sa-{args.n}.csv"
        file_bench.write_csv(csv_file, args.n)
        scratch = nullcontext(None) if args.no_postgres else \
            scratch_database(args.database_url, "ingest_checks")
        with scratch as pg:
            for store, url in (("SQLite", None), ("PostgreSQL", pg)):
                if store == "PostgreSQL" and url is None:
                    continue
                off, check, flags = file_import(tmp, csv_file, form, url)
                on = off + check
                print(f"file import, {store}, {args.n:,} records: off {off:.1f} s = "
                      f"{args.n / off:,.0f}/s; on {on:.1f} s = {args.n / on:,.0f}/s "
                      f"({(on / off - 1) * 100:+.0f}%: the check pass {check:.1f} s = "
                      f"{args.n / check:,.0f} submissions/s), {flags:,} flags")
                off, _, _, _ = group_commit(tmp, url, False, args.posts, args.threads)
                on, checked, flags, passes = group_commit(tmp, url, True, args.posts,
                                                          args.threads)
                print(f"group commit, {store}, {args.posts:,} POSTs from {args.threads} "
                      f"threads: off {off:.1f} s = {args.posts / off:,.0f}/s; on {on:.1f} s "
                      f"= {args.posts / on:,.0f}/s ({(on / off - 1) * 100:+.0f}%), all "
                      f"checked after {checked:.1f} s in {passes} passes, {flags:,} flags")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
