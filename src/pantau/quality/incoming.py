"""Check what just arrived: the per-record checks on the versions an import, a pull or an
OpenRosa group commit stored, once it has committed.

Why after the commit, in a transaction of its own: nothing is ever lost. A submission is on
disk before anything judges it, so a check that cannot run (a settings file with a typo, a
user rule naming a question the form dropped) never costs a device its answer or an import
its data; it is logged and `pantau check` runs it later. Why once per batch: the checks read
the operation's rounds, master list, form rules and boundaries once per pass, so one pass per
import, per pull or per group commit costs little more than one per record would cost many
times over.

Which checks: those that read one record (form rules, user rules, DTM logic, site, round
period, P-code against coordinates) — `QualityConfig.per_record()`. The checks that compare a
record with others (`ACROSS`: outliers, jumps, one per round, duplicates) need the whole
operation and run on demand. `on_ingest: false` in the operation's quality YAML turns this off.

    check_versions(ws, "idn-sulteng", [101, 102])   # → CheckResult, or None when off / none
    mark = version_mark(ws); …store…; check_since(ws, "idn-sulteng", mark)
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from pantau.errors import PantauError
from pantau.quality.run import CheckResult, Progress, run_checks
from pantau.store.models import Form, Operation, Submission, SubmissionVersion

if TYPE_CHECKING:
    from pantau.workspace import Workspace

log = logging.getLogger("pantau.quality")
GATHER = 2.0  # seconds: the least time from one pass of a server's checker to the next
IDLE = 3.0  # and at least this many times the last pass took: checks use ≤ 1/3 of a core
CHECKED_OUTCOMES = ("created", "updated")  # what changes a record's data (not a re-send)


def check_versions(ws: Workspace, operation: str, version_ids: Iterable[int],
                   progress: Progress | None = None) -> CheckResult | None:
    """Run the per-record checks on exactly these versions (those no longer current are
    skipped) and replace their flags, in one transaction. None when there is nothing to check,
    when the operation's settings say `on_ingest: false`, or when the check could not run
    (logged with the reason: the data stays stored, `pantau check` runs it later)."""
    ids = sorted(set(version_ids))
    if not ids:
        return None
    try:
        config = ws.quality.config_for(operation)
        if not config.on_ingest:
            return None
        with ws.session() as s:
            return run_checks(s, operation, config.per_record(), version_ids=ids,
                              progress=progress)
    except PantauError as exc:
        # messages of settings and rule errors name files, forms and fields, never answers
        log.warning("checks of %d new submission version(s) of %s did not run: %s; "
                    "run `pantau check %s`", len(ids), operation, exc, operation)
    except Exception:  # noqa: BLE001 — stored data must never be lost to a failing check
        log.exception("checks of %d new submission version(s) of %s failed; run "
                      "`pantau check %s`", len(ids), operation, operation)
    return None


def version_mark(ws: Workspace) -> int:
    """The highest submission version id now: what is stored after it is new."""
    with ws.session() as s:
        return int(s.scalar(select(func.max(SubmissionVersion.id))) or 0)


def check_since(ws: Workspace, operation: str, mark: int, form: str | None = None,
                progress: Progress | None = None) -> CheckResult | None:
    """Check the current versions of the operation's (or one form's) submissions stored
    after `mark` (`version_mark` before the import or pull began).

    Versions stored meanwhile by another writer are checked too, which is harmless: they are
    new as well. A pull stores page by page in transactions of its own; reading back by id
    needs no list of what each page stored."""
    with ws.session() as s:
        q = (select(SubmissionVersion.id)
             .join(Submission, Submission.id == SubmissionVersion.submission_id)
             .join(Form, Form.id == Submission.form_id)
             .join(Operation, Operation.id == Form.operation_id)
             .where(SubmissionVersion.id > mark, SubmissionVersion.current.is_(True),
                    Submission.deleted_at.is_(None), Operation.slug == operation))
        if form is not None:
            q = q.where(Form.xml_form_id == form)
        ids = list(s.scalars(q))
    return check_versions(ws, operation, ids, progress)


def check_submissions(ws: Workspace, submission_ids: Iterable[int]) -> list[CheckResult]:
    """Check the current versions of these submissions, one pass per operation they are in
    (an OpenRosa batch may hold POSTs to several operations)."""
    ids = list(set(submission_ids))
    if not ids:
        return []
    by_operation: dict[str, list[int]] = defaultdict(list)
    with ws.session() as s:
        for i in range(0, len(ids), 1000):
            for slug, vid in s.execute(
                    select(Operation.slug, SubmissionVersion.id)
                    .join(Submission, Submission.id == SubmissionVersion.submission_id)
                    .join(Form, Form.id == Submission.form_id)
                    .join(Operation, Operation.id == Form.operation_id)
                    .where(Submission.id.in_(ids[i:i + 1000]),
                           SubmissionVersion.current.is_(True))):
                by_operation[slug].append(vid)
    done = [check_versions(ws, slug, vids) for slug, vids in sorted(by_operation.items())]
    return [r for r in done if r is not None]


class Checker:
    """The OpenRosa writer's `after_commit` hook: checks, on a thread of its own, the
    submissions each committed batch created or edited (re-sends and conflicts changed
    nothing).

    Why a thread of its own: a check pass has a fixed cost (the operation's rounds, master
    list and compiled form rules are read for it), so one pass per group commit would slow
    a busy server down several times over (measured: benchmarks/ingest_checks.py). Here the
    writer only hands the ids over and goes on storing; the checker takes everything that
    arrived since its previous pass and checks it in one pass. A pass starts at least
    `GATHER` seconds, and `IDLE` times as long as the previous pass took, after the previous
    one started, so the checks never take more than a third of a core from ingest however
    big the operation grows; the checks then trail the data by a pass or two. On SQLite the pass
    reads outside a transaction and takes the write lock only for writing its flags, so the
    writer waits at most that long (and the other way round)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._pending: set[int] = set()
        self._busy = False
        self._closed = False
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self.passes = 0

    def __call__(self, done: list[tuple[Any, Any]]) -> None:
        ids = {r.submission_id for _, r in done
               if getattr(r, "outcome", None) in CHECKED_OUTCOMES and r.submission_id}
        if not ids:
            return
        with self._cond:
            if self._closed:  # shutting down: check now, on the caller's thread
                check_submissions(self.ws, ids)
                return
            self._pending |= ids
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="pantau-checks",
                                                daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def _serve(self) -> None:
        next_pass = 0.0
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                while not self._closed and (left := next_pass - time.monotonic()) > 0:
                    self._cond.wait(left)  # gather what arrives meanwhile into one pass
                if not self._pending:
                    return
                ids, self._pending = self._pending, set()
                self._busy = True
            start = time.monotonic()
            try:
                check_submissions(self.ws, ids)
                self.passes += 1
            except Exception:  # noqa: BLE001 — the thread must serve on; the data is stored
                log.exception("checks of %d new submission(s) failed", len(ids))
            finally:
                took = time.monotonic() - start
                next_pass = start + max(GATHER, IDLE * took)
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def wait(self) -> None:
        """Until everything handed over so far is checked."""
        with self._cond:
            while self._pending or self._busy:
                self._cond.wait()

    def close(self) -> None:
        """Check what is pending, then stop the thread (after the writer has closed)."""
        with self._cond:
            self._closed = True
            thread = self._thread
            self._cond.notify_all()
        if thread is not None:
            thread.join()


def after_commit(ws: Workspace) -> Callable[[list[tuple[Any, Any]]], None]:
    """A `Checker` for the writer's `after_commit` (kept for callers wanting a function)."""
    return Checker(ws)
