"""Group commit: one writer thread stores what many requests received, in one transaction.

Why. When every OpenRosa POST opens its own transaction, the requests of a busy server queue
for SQLite's single write lock one by one, and on PostgreSQL each commit waits for its own
fsync; the session, connection and transaction set-up is paid per request as well. Here the
request handlers only read and parse; they hand the work to ONE writer thread, which takes
everything that arrived while it was busy (up to `MAX_BATCH` jobs) and runs it in ONE
transaction — one lock, one commit, one fsync for the lot.

The rules do not move: the writer is given the functions that store — `store_one(session,
item)` and, optionally, `store_many(session, items)` — and these call the same storage code as
every other source (`pantau.ingest.receive`, `pantau.ingest.batch`). The writer only decides
*when* they run and *in which transaction*:

- A batch is first handed to `store_many` whole, inside a SAVEPOINT (`store_many` returns one
  result per item, in order; an item's result may be an exception of that item alone, raised
  before it wrote anything). If `store_many` raises, its savepoint is rolled back and the
  batch is stored item by item with `store_one`.
- Item by item, each runs inside its own SAVEPOINT. An item that raises is rolled back alone
  (whatever it had written) and its caller gets the exception; the rest of the batch is kept.
- An item that fails on a unique constraint or a lock (`IntegrityError`, `OperationalError`: a
  second server process or a CLI import stored the same instance meanwhile) is run again after
  the batch has committed, up to `ATTEMPTS` times, and then sees what the other one stored.
- Callers are answered only after the transaction has committed: an answer always means "on
  disk". If the commit itself fails, nothing of the batch is stored, and every item of it is
  stored again alone, in its own transaction, so one bad item never costs the others theirs.
  If the transaction cannot even begin (no connection; on SQLite, another process holding
  the write lock past the busy timeout), the whole batch is tried again, up to `ATTEMPTS`
  times, and then each caller gets the error.
- Items of one batch are stored in arrival order and see each other's writes, as if they had
  come one after the other: the second of two identical submissions in a batch is a re-send.

`Session.info["batch"]` numbers the batches (1, 2 …), so a store function can tell which one
it runs in; `Session.info` lives as long as the batch, a place for per-batch look-ups.

`after_commit(done)`, when set, is called on the writer thread with the (item, result) pairs
stored by each committed transaction, after their callers have been answered: work that must
follow the data to disk but must not delay the answer (the quality checks of new submissions,
`pantau.quality.incoming`). While it runs, arriving jobs queue and make the next batch bigger.
Whatever it raises is logged; the writer serves on.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

P = TypeVar("P")  # what a caller hands over (e.g. one parsed POST)
R = TypeVar("R")  # what it gets back (e.g. the answer to that POST)
MAX_BATCH = 100  # jobs per transaction: enough for 50 devices at once, short enough to answer
ATTEMPTS = 5  # runs of a job that meets a concurrent writer before its error is returned
RETRYABLE = (IntegrityError, OperationalError)
log = logging.getLogger("pantau.ingest")


@dataclass
class _Job:
    item: Any
    future: asyncio.Future[Any] | concurrent.futures.Future[Any]
    loop: asyncio.AbstractEventLoop | None  # None: a thread waits on a concurrent Future
    attempts: int = 0


class Writer(Generic[P, R]):
    """One writer thread for one engine; `await writer.run(item)` from async code,
    `writer.run_sync(item)` from a thread. The thread starts on first use; `close()` stores
    what is queued, then stops it."""

    def __init__(self, engine: Engine, store_one: Callable[[Session, P], R],
                 store_many: Callable[[Session, list[P]], list[R | Exception]] | None = None,
                 *, max_batch: int = MAX_BATCH,
                 after_commit: Callable[[list[tuple[P, R]]], None] | None = None) -> None:
        self.engine = engine
        self.store_one = store_one
        self.store_many = store_many
        self.max_batch = max_batch
        self.after_commit = after_commit
        self._sqlite = engine.dialect.name == "sqlite"
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._batches = itertools.count(1)

    async def run(self, item: P) -> R:
        """Store `item` in the next batch; its result once the batch is committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._put(_Job(item, future, loop))
        return await future

    def run_sync(self, item: P) -> R:
        """As `run`, for a caller that is a thread (blocks until committed)."""
        future: concurrent.futures.Future[R] = concurrent.futures.Future()
        self._put(_Job(item, future, None))
        return future.result()

    def close(self) -> None:
        """Store every job already queued, then stop the thread."""
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join()

    def _put(self, job: _Job) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the submission writer is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="pantau-writer",
                                                daemon=True)
                self._thread.start()
            self._queue.put(job)

    def _serve(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stop = True
                    break
                batch.append(job)
            try:
                self._write(batch)
            except BaseException as exc:  # noqa: BLE001 — a caller must never wait forever,
                _settle([(job, False, exc) for job in batch])  # and the thread serves on

    def _write(self, batch: list[_Job]) -> None:
        """One transaction for the batch; see the module docstring for what failure does."""
        done: list[tuple[_Job, bool, Any]] = []
        again: list[_Job] = []
        began = False
        try:
            with Session(self.engine, expire_on_commit=False) as s:
                s.info["batch"] = next(self._batches)
                conn = s.connection()
                if self._sqlite:
                    # pysqlite starts no transaction before a SAVEPOINT, and RELEASE of an
                    # outermost savepoint commits: begin explicitly, taking the write lock now.
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                began = True
                many = self._store_many(s, batch) if len(batch) > 1 else None
                if many is not None:
                    done = [(job, not isinstance(r, Exception), r)
                            for job, r in zip(batch, many, strict=True)]
                else:
                    for job in batch:
                        self._store_one(s, job, done, again)
                s.commit()
        except Exception as exc:  # noqa: BLE001 — nothing of the batch was stored
            if began and len(batch) > 1:  # the commit failed: one by one, each alone
                for job in batch:
                    self._write([job])
                return
            for job in batch:  # no connection or no lock (yet): the whole batch again
                job.attempts += 1
            _settle([(job, False, exc) for job in batch if job.attempts >= ATTEMPTS])
            if batch := [job for job in batch if job.attempts < ATTEMPTS]:
                self._write(batch)
            return
        _settle(done)
        self._after_commit(done)
        for job in again:
            self._write([job])

    def _after_commit(self, done: list[tuple[_Job, bool, Any]]) -> None:
        """The hook on what this transaction stored (see the module docstring)."""
        stored = [(job.item, value) for job, ok, value in done if ok]
        if self.after_commit is None or not stored:
            return
        try:
            self.after_commit(stored)
        except Exception:  # noqa: BLE001 — the data is committed; the writer must go on
            log.exception("the writer's after-commit hook failed on %d item(s)", len(stored))

    def _store_many(self, s: Session, batch: list[_Job]) -> list[Any] | None:
        """The batch through `store_many` in a savepoint; None if there is none or it failed."""
        if self.store_many is None:
            return None
        try:
            with s.begin_nested():
                return self.store_many(s, [job.item for job in batch])
        except Exception:  # noqa: BLE001 — rolled back: the batch goes item by item
            return None

    def _store_one(self, s: Session, job: _Job, done: list[tuple[_Job, bool, Any]],
                   again: list[_Job]) -> None:
        try:
            with s.begin_nested():
                done.append((job, True, self.store_one(s, job.item)))
        except RETRYABLE as exc:
            job.attempts += 1
            if job.attempts < ATTEMPTS:
                again.append(job)
            else:
                done.append((job, False, exc))
        except Exception as exc:  # noqa: BLE001 — the caller gets its own error
            done.append((job, False, exc))


def _settle(done: list[tuple[_Job, bool, Any]]) -> None:
    """Hand each caller its outcome: one wake-up per event loop for the whole batch."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Job, bool, Any]]] = {}
    for item in done:
        job = item[0]
        if job.loop is None:
            _set(item)
        else:
            by_loop.setdefault(job.loop, []).append(item)
    for loop, items in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
            loop.call_soon_threadsafe(_set_all, items)


def _set_all(items: list[tuple[_Job, bool, Any]]) -> None:
    for item in items:
        _set(item)


def _set(item: tuple[_Job, bool, Any]) -> None:
    job, ok, value = item
    if job.future.done():  # the request was cancelled (client gone); the data is stored
        return
    if ok:
        job.future.set_result(value)
    else:
        job.future.set_exception(value)
