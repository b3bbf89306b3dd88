"""Attachments of pulled submissions (photos, audio, signatures): which files a server's
record has, downloading them within the size limit, and storing them with the submission
version they belong to. Shared by the KoboToolbox and the ODK Central pull.

- **Names from a server are not trusted.** A name is cut to its base name (Kobo gives a
  storage path, `user/attachments/…/photo.jpg`); a name with a `..` step, a control
  character or nothing left is refused and not downloaded.
- **Size.** A download stops at `MAX_ATTACHMENT` (receive.py's limit). The file is refused
  and the submission is stored without it, with a message in the pull's result. (The
  OpenRosa receiver instead quarantines the submission and answers 413, so that the device
  keeps it; a server keeps the file anyway, and holding back the answers for a photo would
  lose more than it saves.)
- **Failures.** A download that still fails after the retries, or that the server refuses
  (404), is reported and the pull goes on: the submission is stored without the file. A
  file already stored with the version is never fetched again, so a later `--full` Kobo pull
  fetches what is missing of the records it sees, and `sweep` (`pantau pull … --attachments-
  only`) fetches what every stored submission from the server lacks.
- **Memory.** A page's files are stored in chunks of at most `CHUNK_BYTES`, each chunk in
  its own transaction; the pull state moves only with the page's last chunk, so a pull
  stopped halfway re-reads the page and finds the stored part `duplicate`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from pantau.errors import PantauError
from pantau.ingest.http import File, TooLarge
from pantau.ingest.incoming import Incoming, IncomingAttachment
from pantau.ingest.openrosa import (
    add_missing,  # one rule: first name wins
    attachment_name,
)
from pantau.ingest.receive import MAX_ATTACHMENT, form_of_version
from pantau.ingest.stream import PullResult, Unreadable
from pantau.store.models import Attachment, SubmissionVersion

if TYPE_CHECKING:
    from pantau.workspace import Workspace

CHUNK_BYTES = 64 * 2**20  # attachment bytes held in memory before they are stored
IDS = 500  # instance ids per lookup (SQLite's limit on bound parameters is far above)
MAX_NOTES = 1000
OCTET = "application/octet-stream"


@dataclass
class Pulled(PullResult):
    """A pull's result with what became of the attachments: `stored`, `refused` (too large,
    an unsafe name), `failed` (not downloaded: run the pull with --attachments-only later),
    `not_on_server` (Central knows the file but has not received it), `not_stored` (their
    submission was quarantined or is a conflict)."""

    attachments: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)  # one line per attachment problem
    checked: int = 0  # submissions looked at by a sweep

    def note(self, status: str, message: str, n: int = 1) -> None:
        self.attachments[status] += n
        if len(self.notes) < MAX_NOTES:
            self.notes.append(message)


@dataclass(frozen=True)
class Wanted:
    """A file a record has: its safe name (as stored) and where the server serves it."""

    name: str
    url: str
    content_type: str | None = None


class Fetcher(Protocol):
    """What one server says about a record's files, and how to download one."""

    def wanted(self, raw: bytes, origin: str, have: set[str], result: Pulled
               ) -> list[Wanted]:
        """The files of the record kept as `raw` that are not in `have`; names it refuses
        are noted in `result`. Raises PantauError when the server cannot say."""
        ...

    def fetch(self, url: str, limit: int) -> File:
        ...


def safe_name(name: Any) -> str | None:
    """The base name of a server's attachment name, or None when it is not to be trusted:
    a `..` step, a control character, nothing left, or not a plain file name."""
    if not isinstance(name, str) or any(ord(c) < 32 or ord(c) == 127 for c in name):
        return None
    steps = re.split(r"[/\\]", name)
    if ".." in steps:
        return None
    return attachment_name(steps[-1])


def fetch_files(fetcher: Fetcher, raw: bytes, origin: str, have: set[str],
                result: Pulled) -> list[IncomingAttachment]:
    """Download the record's files that are not in `have`; whatever fails is noted in
    `result` and the rest goes on."""
    try:
        wanted = fetcher.wanted(raw, origin, have, result)
    except (PantauError, ValueError) as exc:  # ValueError: a kept record that is not JSON
        result.note("failed", f"{origin}: its attachments could not be listed: {exc}")
        return []
    out: list[IncomingAttachment] = []
    taken = set(have)
    for w in wanted:
        if w.name in taken:
            result.note("refused", f"{origin}: a second attachment named '{w.name}' "
                                   "(after its path was cut off): not downloaded")
            continue
        taken.add(w.name)
        try:
            got = fetcher.fetch(w.url, MAX_ATTACHMENT)
        except TooLarge as exc:
            result.note("refused", f"{origin}: attachment '{w.name}' refused: {exc}; "
                                   "the submission is stored without it")
            continue
        except PantauError as exc:
            result.note("failed", f"{origin}: attachment '{w.name}' not downloaded: {exc}")
            continue
        kind = (got.content_type or w.content_type or OCTET)[:120]
        out.append(IncomingAttachment(w.name, got.content, kind))
    return out


def stored_names(s: Session, form_id: int, instance_ids: Sequence[str]
                 ) -> dict[str, set[str]]:
    """The names of the files stored with each of these versions (by instance id)."""
    out: dict[str, set[str]] = {}
    ids = list(dict.fromkeys(i for i in instance_ids if i))
    for at in range(0, len(ids), IDS):
        rows = s.execute(select(SubmissionVersion.instance_id, Attachment.name)
                         .join(Attachment, Attachment.version_id == SubmissionVersion.id)
                         .where(SubmissionVersion.instance_id.in_(ids[at:at + IDS]),
                                form_of_version() == form_id))
        for iid, name in rows:
            out.setdefault(iid, set()).add(name)
    return out


def with_files(ws: Workspace, form_id: int, records: Sequence[Incoming | Unreadable],
               fetcher: Fetcher, result: Pulled) -> Iterator[list[Incoming | Unreadable]]:
    """The page's records in chunks, each record's missing files downloaded into its
    `attachments`; a chunk ends when its files reach `CHUNK_BYTES`. Lazy: the caller stores a
    chunk before the next one is downloaded (see `pulls.store_page`)."""
    with ws.session() as s:
        have = stored_names(s, form_id, [r.instance_id for r in records
                                         if isinstance(r, Incoming)])
    chunk: list[Incoming | Unreadable] = []
    size = 0
    for rec in records:
        if isinstance(rec, Incoming):
            rec.attachments.extend(fetch_files(fetcher, rec.raw, rec.origin,
                                               have.get(rec.instance_id, set()), result))
            size += sum(len(a.content) for a in rec.attachments)
        chunk.append(rec)
        if size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    yield chunk


def keep_files(s: Session, form_id: int, records: Sequence[Incoming | Unreadable],
               result: Pulled) -> None:
    """After the storage rules ran: give each record's files to the version that is this
    record (same instance id, same answers) — `receive()` stored them with a new version;
    a `duplicate` gets those it lacked — and count them. A record that was quarantined or
    is a conflict has no such version: its files are not stored, and that is said."""
    carrying = [r for r in records if isinstance(r, Incoming) and r.attachments]
    if not carrying:
        return
    ids = [r.instance_id for r in carrying]
    versions: dict[tuple[str, str], int] = {}
    for at in range(0, len(ids), IDS):
        for vid, iid, sha in s.execute(
                select(SubmissionVersion.id, SubmissionVersion.instance_id,
                       SubmissionVersion.data_sha256)
                .where(SubmissionVersion.instance_id.in_(ids[at:at + IDS]),
                       form_of_version() == form_id)):
            versions[(iid, sha)] = vid
    for rec in carrying:
        vid = versions.get((rec.instance_id, rec.data_sha256))
        if vid is None:
            result.note("not_stored", f"{rec.origin}: {len(rec.attachments)} attachment(s) "
                        "not stored: the submission itself was not (quarantined or a "
                        "conflict, see above)", len(rec.attachments))
            continue
        add_missing(s, vid, rec.attachments)
        result.attachments["stored"] += len(rec.attachments)
    s.flush()


def sweep(ws: Workspace, form_id: int, server: str, fetcher: Fetcher, result: Pulled,
          progress: Callable[[int, int | None], None] | None = None, batch: int = 100
          ) -> None:
    """Fetch the files that the current versions of the form's submissions pulled from
    `server` lack: every such record is read again from what was stored (its `raw`), the
    server asked for what is missing, and what comes is stored with the version, one
    transaction per `batch` of records. Nothing else changes."""
    with ws.session() as s:
        ids = list(s.scalars(select(SubmissionVersion.id).where(
            SubmissionVersion.current.is_(True), form_of_version() == form_id,
            SubmissionVersion.raw_format == "json",
            SubmissionVersion.origin.startswith(server + " ", autoescape=True))
            .order_by(SubmissionVersion.id)))
    result.total = len(ids)
    for at in range(0, len(ids), batch):
        with ws.session() as s:
            rows = s.execute(select(SubmissionVersion.id, SubmissionVersion.raw,
                                    SubmissionVersion.origin)
                             .where(SubmissionVersion.id.in_(ids[at:at + batch]))
                             .order_by(SubmissionVersion.id)).all()
            names: dict[int, set[str]] = {}
            for vid, name in s.execute(select(Attachment.version_id, Attachment.name)
                                       .where(Attachment.version_id.in_(ids[at:at + batch]))):
                names.setdefault(vid, set()).add(name)
        got: list[tuple[int, list[IncomingAttachment]]] = []
        size = 0
        for vid, raw, origin in rows:
            files = fetch_files(fetcher, raw, origin, names.get(vid, set()), result)
            if files:
                got.append((vid, files))
                size += sum(len(f.content) for f in files)
            if size >= CHUNK_BYTES:
                _add(ws, got, result)
                got, size = [], 0
        _add(ws, got, result)
        result.checked += len(rows)
        if progress is not None:
            progress(result.checked, result.total)


def _add(ws: Workspace, got: list[tuple[int, list[IncomingAttachment]]],
         result: Pulled) -> None:
    if not got:
        return
    with ws.session() as s:
        for vid, files in got:
            add_missing(s, vid, files)
            result.attachments["stored"] += len(files)
