"""What the KoboToolbox and ODK Central pulls share once a page is in hand: storing it.

A page is stored in one transaction together with the form's pull state (one `PullState`
row per form and server address: the cursor, where the last complete pull ended, and the next
page to ask for; a page with attachments in chunks, the last one with the pull state, see
`pantau.ingest.attachments`). That is what makes an interrupted pull resume with no gap and nothing
twice. The server's review state is the truth, also for a record that is otherwise a
`duplicate` (only its review changed). How a page is asked for is each server's own
(`kobo.api`, `central.odata`), over `pantau.ingest.http`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pantau.forms.store import current_version, get_form
from pantau.ingest.attachments import Fetcher, Pulled, keep_files, with_files
from pantau.ingest.incoming import Incoming
from pantau.ingest.review import REVIEW_STATES
from pantau.ingest.stream import Unreadable, ingest
from pantau.store.models import Form, PullState, Submission, SubmissionVersion

if TYPE_CHECKING:
    from pantau.workspace import Workspace

Progress = Callable[[int, int | None], None]  # (records so far, total if the server said)
MAX_MESSAGES = 1000


@dataclass(frozen=True)
class Start:
    """Where a pull of a form from a server starts: the form's current fields (to read the
    records by), the stored cursor and the page a stopped pull had got to."""

    form_id: int
    fields: list[dict[str, Any]]
    cursor: str | None
    next_url: str | None


def start(ws: Workspace, operation: str, form: str, server: str) -> Start:
    """Read, never create, the pull state: it is created with the first page stored, so a
    pull whose first request fails (a wrong project, a 404) leaves nothing behind."""
    with ws.session() as s:
        f = get_form(s, operation, form)
        st = s.scalar(select(PullState).where(PullState.form_id == f.id,
                                              PullState.server == server))
        return Start(f.id, current_version(s, f).fields, st.cursor if st else None,
                     st.next_url if st else None)


def pull_state(s: Session, form_id: int, server: str) -> PullState:
    """The form's state for `server` (an address without credentials), created if new."""
    st = s.scalar(select(PullState).where(PullState.form_id == form_id,
                                          PullState.server == server))
    if st is None:
        st = PullState(form_id=form_id, server=server, pulled=0)
        s.add(st)
        s.flush()
    return st


def store_page(ws: Workspace, form_id: int, server: str,
               records: Sequence[Incoming | Unreadable], result: Pulled, *,
               cursor: str | None, next_url: str | None,
               progress: Progress | None = None, fetcher: Fetcher | None = None) -> None:
    """Store one page and move the pull state to `cursor` and `next_url`, in one
    transaction; then add the page to `result` and report progress. With a `fetcher`, the
    records' attachments are downloaded first and the page is stored in chunks of bounded
    size (see `pantau.ingest.attachments`), the pull state moving with the last one."""
    chunks: Iterable[Sequence[Incoming | Unreadable]] = (
        [records] if fetcher is None else with_files(ws, form_id, records, fetcher, result))
    held: Sequence[Incoming | Unreadable] | None = None
    earlier = 0  # records of the page stored by chunks before the last
    for chunk in chunks:
        if held is not None:
            earlier += _store(ws, form_id, server, held, result, None)
        held = chunk
    _store(ws, form_id, server, held or [], result, (cursor, next_url), earlier)
    result.pages += 1
    result.cursor = cursor
    if progress is not None:
        progress(result.records, result.total)


def _store(ws: Workspace, form_id: int, server: str, records: Sequence[Incoming | Unreadable],
           result: Pulled, state: tuple[str | None, str | None] | None, earlier: int = 0
           ) -> int:
    """One transaction: the records by the storage rules, their review states and files,
    and (`state`: cursor, next page) the pull state, counting `earlier` records too.
    Returns how many records it stored."""
    with ws.session() as s:
        form = s.get(Form, form_id)
        assert form is not None
        done = ingest(s, form, records)
        follow_review_states(s, form_id, records)
        keep_files(s, form_id, records, result)
        if state is not None:
            st = pull_state(s, form_id, server)
            st.cursor, st.next_url = state
            st.pulled = (st.pulled or 0) + earlier + done.counts.total()
            st.updated_at = dt.datetime.now(dt.UTC)
    result.counts.update(done.counts)
    result.messages.extend(done.messages[:MAX_MESSAGES - len(result.messages)])
    return done.counts.total()


def follow_review_states(s: Session, form_id: int,
                         records: Sequence[Incoming | Unreadable]) -> None:
    """Give each stored submission the review state its server gave the record: found by
    the record's instance id, which any version of the submission may carry."""
    by_state: dict[str, list[str]] = {}
    for rec in records:
        if isinstance(rec, Incoming) and rec.review_state in REVIEW_STATES:
            by_state.setdefault(rec.review_state, []).append(rec.instance_id)
    for state, ids in by_state.items():
        subs = select(SubmissionVersion.submission_id).where(
            SubmissionVersion.instance_id.in_(ids))
        s.execute(update(Submission)
                  .where(Submission.form_id == form_id, Submission.id.in_(subs),
                         Submission.review_state != state)
                  .values(review_state=state))
