"""Field data in: files, KoboToolbox, ODK Central and OpenRosa, through one set of rules.

`ws.ingest` is the façade; `receive.py` holds the storage rules every source goes through.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pantau.forms.store import current_version, get_form
from pantau.ingest.incoming import Incoming, IncomingAttachment
from pantau.ingest.receive import Outcome, receive
from pantau.ingest.stream import IngestResult, Unreadable, ingest

if TYPE_CHECKING:
    from pantau.workspace import Workspace

__all__ = ["Incoming", "IncomingAttachment", "Ingest", "IngestResult", "Outcome",
           "Unreadable"]


class Ingest:
    """`ws.ingest`: bring submissions in and see what came."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def import_file(self, operation: str, form: str, path: str | Path,
                    progress: Callable[[int], None] | None = None) -> IngestResult:
        """Import a KoboToolbox or ODK Central export of `form`, all in one transaction:
        unreadable records go to the quarantine, an error leaves the store as it was."""
        from pantau.ingest.files import read_export

        with self.ws.session() as s:
            f = get_form(s, operation, form)
            fields = current_version(s, f).fields
            return ingest(s, f, read_export(Path(path), fields), progress)

    def receive(self, operation: str, form: str, incoming: Incoming) -> Outcome:
        """Store one submission (what the OpenRosa endpoint and the pullers call)."""
        with self.ws.session() as s:
            return receive(s, get_form(s, operation, form), incoming)
