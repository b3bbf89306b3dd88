"""The group-commit writer: many submissions, one transaction, each answered with its own fate.

Jobs here are real storage calls (`store_submission`, the server's job) plus, where a test needs
a job to fail, a function that stores and then fails: the writer's contract is about any job.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pantau.errors import PantauError
from pantau.ingest.incoming import IncomingAttachment
from pantau.ingest.openrosa import Post, Received, store_submission, submission_writer
from pantau.ingest.writer import Writer
from pantau.ingest.xml import parse_submission
from pantau.workspace import Workspace
from tests.ingest.sample_form import FORM, OP, add_form, new_id, submission_xml

Job = Callable[[Session], Any]


def store(iid: str, idp_hh: str = "12") -> Job:
    """The job the server hands over for one POST; returns (batch number, outcome)."""
    xml = submission_xml(iid, idp_hh)

    def job(s: Session) -> tuple[int, Received]:
        return s.info["batch"], store_submission(s, OP, parse_submission(xml), xml, [],
                                                 "writer test")
    return job


def in_one_batch(writer: Writer[Any, Any], items: list[Any], first: Any = None,
                 release: Callable[[], None] | None = None) -> list[Any]:
    """Store `items` in one batch: the writer is held by a `first` item (by default a job
    that waits) until all are queued and `release()` lets it go. Returns each item's result,
    or the exception it raised."""
    gate = threading.Event()

    async def go() -> list[Any]:
        held = asyncio.ensure_future(writer.run(first or (lambda _s: gate.wait(30))))
        await asyncio.sleep(0)
        tasks = [asyncio.ensure_future(writer.run(item)) for item in items]
        await asyncio.sleep(0)  # every task has queued its item
        (release or gate.set)()
        await held
        return await asyncio.gather(*tasks, return_exceptions=True)

    return asyncio.run(go())


def stored(ws: Workspace) -> set[str]:
    return {s.instance_id for s in ws.ingest.submissions(OP)}


@pytest.fixture
def writer(ws: Workspace) -> Iterator[Writer[Job, Any]]:
    add_form(ws)
    w: Writer[Job, Any] = Writer(ws.engine, lambda s, job: job(s))  # a job stores itself
    yield w
    w.close()


def test_a_batch_is_one_transaction_and_answers_come_after_the_commit(
        ws: Workspace, writer: Writer[Job, Any]) -> None:
    ids = [new_id() for _ in range(20)]
    results = in_one_batch(writer, [store(i) for i in ids] + [store(ids[0])])
    assert len({batch for batch, _ in results}) == 1
    assert [r.status for _, r in results] == [201] * 20 + [202]  # sees its batch's writes
    assert stored(ws) == set(ids)  # committed: another connection sees all of them


def test_a_failing_job_is_rolled_back_alone_and_its_batch_is_kept(
        ws: Workspace, writer: Writer[Job, Any]) -> None:
    good, bad, after = new_id(), new_id(), new_id()

    def stores_then_fails(s: Session) -> None:
        store(bad)(s)  # written (flushed) inside the batch's transaction …
        raise RuntimeError("the disk is on fire")  # … and then this job fails

    results = in_one_batch(writer, [store(good), stores_then_fails, store(after)])
    assert isinstance(results[1], RuntimeError)
    assert results[0][0] == results[2][0]  # one batch
    assert (results[0][1].status, results[2][1].status) == (201, 201)
    assert stored(ws) == {good, after}  # nothing of the failed job, all of the others
    assert writer.run_sync(store(bad))[1].status == 201  # it can be sent again


def test_a_batch_whose_commit_fails_is_stored_again_one_by_one(
        ws: Workspace, writer: Writer[Job, Any]) -> None:
    """A job whose damage only shows at COMMIT (a deferred foreign key) makes the batch's
    commit fail: the others are then stored alone, and only the culprit gets the error."""
    if ws.settings.is_sqlite:
        defer = "PRAGMA defer_foreign_keys = ON"
    else:  # PostgreSQL checks a foreign key at COMMIT only if it is declared deferrable
        with ws.engine.begin() as c:
            name = c.execute(text(
                "SELECT conname FROM pg_constraint WHERE conrelid = 'attachment'::regclass "
                "AND contype = 'f'")).scalar_one()
            c.execute(text(f'ALTER TABLE attachment DROP CONSTRAINT "{name}"'))
            c.execute(text("ALTER TABLE attachment ADD CONSTRAINT attachment_version_later "
                           "FOREIGN KEY (version_id) REFERENCES submission_version (id) "
                           "DEFERRABLE INITIALLY DEFERRED"))
        defer = "SET CONSTRAINTS attachment_version_later DEFERRED"

    def breaks_at_commit(s: Session) -> str:
        s.execute(text(defer))
        s.execute(text("INSERT INTO attachment (version_id, name, content_type, size, sha256, "
                       "content) VALUES (987654321, 'x.jpg', 'image/jpeg', 1, 'x', :c)"),
                  {"c": b"x"})
        return "looked fine"

    first, second = new_id(), new_id()
    results = in_one_batch(writer, [store(first), breaks_at_commit, store(second)])
    assert isinstance(results[1], IntegrityError)
    assert (results[0][1].status, results[2][1].status) == (201, 201)
    assert results[0][0] != results[2][0]  # each was stored again in a batch of its own
    assert stored(ws) == {first, second}
    assert ws.ingest.submission(OP, FORM, first).info.versions_count == 1


def test_close_stores_what_is_queued_then_refuses_more(ws: Workspace,
                                                       writer: Writer[Job, Any]) -> None:
    ids = [new_id() for _ in range(5)]

    async def go() -> list[Any]:
        tasks = [asyncio.ensure_future(writer.run(store(i))) for i in ids]
        await asyncio.sleep(0)
        await asyncio.to_thread(writer.close)
        return await asyncio.gather(*tasks)

    assert [r.status for _, r in asyncio.run(go())] == [201] * 5
    assert stored(ws) == set(ids)
    with pytest.raises(RuntimeError, match="closed"):
        writer.run_sync(store(new_id()))


# --- the server's writer: POSTs, stored in bulk where they can be ----------------------------

def posted(iid: str, idp_hh: str = "12", operation: str = OP, version: str = "2024010101",
           files: tuple[tuple[str, bytes], ...] = ()) -> Post:
    xml = submission_xml(iid, idp_hh, version=version)
    return Post(operation, parse_submission(xml), xml,
                [IncomingAttachment(name, content, "image/jpeg") for name, content in files])


HOLDER = "uuid:00000000-0000-4000-8000-000000000001"


def posts_in_one_batch(ws: Workspace, writer: Writer[Post, Received],
                       posts: list[Post]) -> list[Any]:
    """As `in_one_batch`, held by what holds a real server's writer: another connection
    (a CLI import, say) holding the write lock while a first POST waits for it."""
    lock = ws.engine.connect()
    if ws.settings.is_sqlite:
        lock.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        lock.execute(text("LOCK TABLE submission IN EXCLUSIVE MODE"))

    def release() -> None:
        lock.rollback()
        lock.close()

    return in_one_batch(writer, posts, posted(HOLDER), release)


@pytest.fixture
def posts_writer(ws: Workspace) -> Iterator[Writer[Post, Received]]:
    add_form(ws)
    w = submission_writer(ws.engine)
    yield w
    w.close()


def test_a_batch_of_posts_gets_the_answers_of_one_by_one(
        ws: Workspace, posts_writer: Writer[Post, Received]) -> None:
    a, b, c, d = (new_id() for _ in range(4))
    first = posts_writer.run_sync(posted(a))  # stored before the batch
    assert first.status == 201
    batch = [posted(b), posted(b), posted(a), posted(a, "40"),  # new, re-send ×2, conflict
             posted(c, files=(("1.jpg", b"p1"),)), posted(c, files=(("2.jpg", b"p2"),)),
             posted(c, files=(("2.jpg", b"p2"),)),  # attachments over several POSTs
             posted(new_id(), operation="nope"),  # unknown operation: its error alone
             posted(new_id(), version="1999"),  # unknown version: quarantined
             posted(d, "7")]
    got = posts_in_one_batch(ws, posts_writer, batch)
    assert isinstance(got[7], PantauError) and got[7].status == 404
    assert [r.status if isinstance(r, Received) else "error" for r in got] == \
        [201, 202, 202, 409, 201, 201, 202, "error", 404, 201]
    assert got[5].outcome == "attachments_added"
    assert stored(ws) == {HOLDER, a, b, c, d}
    [v] = ws.ingest.submission(OP, FORM, c).versions
    assert [x.name for x in v.attachments] == ["1.jpg", "2.jpg"]
    assert len(ws.ingest.quarantined(OP)) == 1


def test_a_post_that_breaks_the_bulk_insert_fails_alone(
        ws: Workspace, posts_writer: Writer[Post, Received]) -> None:
    """Two attachments of one name (the route refuses them; here one slips through) break the
    store: the batch is stored again POST by POST, and only that POST fails."""
    ok1, broken, ok2 = new_id(), new_id(), new_id()
    got = posts_in_one_batch(ws, posts_writer, [
        posted(ok1), posted(broken, files=(("a.jpg", b"1"), ("a.jpg", b"2"))), posted(ok2)])
    assert isinstance(got[1], IntegrityError)
    assert (got[0].status, got[2].status) == (201, 201)
    assert stored(ws) == {HOLDER, ok1, ok2}
