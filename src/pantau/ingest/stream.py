"""Feed a stream of incoming records from any reader through the storage rules."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from pantau.ingest.incoming import Incoming
from pantau.ingest.receive import Outcome, quarantine
from pantau.store.models import Form


@dataclass(frozen=True)
class Unreadable:
    """A record a reader could not turn into an `Incoming`: kept in the quarantine."""

    origin: str  # "export.csv, row 12"
    reason: str
    raw: bytes
    raw_format: str
    source: str = "file"


@dataclass
class IngestResult:
    counts: Counter[str] = field(default_factory=Counter)  # status -> n
    messages: list[str] = field(default_factory=list)  # conflicts and quarantine reasons

    def add(self, outcome: Outcome, origin: str) -> None:
        self.counts[outcome.status] += 1
        if outcome.status in ("conflict", "quarantined") and len(self.messages) < 1000:
            self.messages.append(f"{origin}: {outcome.status}: {outcome.message}")


def ingest(s: Session, form: Form, records: Iterable[Incoming | Unreadable],
           progress: Callable[[int], None] | None = None) -> IngestResult:
    """Store every record in the caller's transaction, in batches; nothing is dropped
    silently. `progress` gets the number of records done after each batch."""
    from pantau.ingest.batch import SIZE, FormContext, store_batch

    ctx = FormContext(s, form)
    result = IngestResult()
    done = analyzed = 0
    for chunk in _chunks(records, SIZE):
        incoming: list[Incoming] = []
        for rec in chunk:
            if isinstance(rec, Unreadable):
                inc = Incoming(instance_id="", data={}, raw=rec.raw, raw_format=rec.raw_format,
                               source=rec.source, origin=rec.origin)
                result.add(quarantine(s, form.operation_id, form.id, inc, rec.reason),
                           rec.origin)
            else:
                incoming.append(rec)
        for inc, outcome in zip(incoming, store_batch(s, ctx, incoming), strict=True):
            result.add(outcome, inc.origin)
        done += len(chunk)
        if done >= analyzed * 2 and done >= ANALYZE_AFTER:
            _refresh_statistics(s)
            analyzed = done
        if progress is not None:
            progress(done)
    return result


ANALYZE_AFTER = 20_000  # records; PostgreSQL only


def _refresh_statistics(s: Session) -> None:
    """A big import is one transaction, so autovacuum never sees its rows and PostgreSQL
    plans the batch lookups as if the tables were still small: they turn into scans that
    grow with every batch. ANALYZE in the transaction counts its own rows; run at 20,000
    records and at every doubling after, it costs a few tenths of a second."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("ANALYZE submission, submission_version, observation"))


def _chunks(records: Iterable[Incoming | Unreadable], size: int
            ) -> Iterator[list[Incoming | Unreadable]]:
    chunk: list[Incoming | Unreadable] = []
    for rec in records:
        chunk.append(rec)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass
class PullResult:
    """What a pull from KoboToolbox or ODK Central did; one shape for both servers."""

    counts: Counter[str] = field(default_factory=Counter)  # created, updated, duplicate, …
    pages: int = 0
    total: int | None = None  # records the server said match
    cursor: str | None = None
    messages: list[str] = field(default_factory=list)

    @property
    def records(self) -> int:
        return sum(self.counts.values())
