"""What every source (file, KoboToolbox, ODK Central, OpenRosa) turns a submission into."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class IncomingAttachment:
    name: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass
class Incoming:
    """One submission as a source delivered it.

    `data` maps field paths without the root (`group/field`) to values as the form wrote them
    (text; select_multiple space-separated); a repeat is a list of such dicts under its path.
    `raw` is the payload exactly as received, kept before anything else happens.
    """

    instance_id: str
    data: dict[str, Any]
    raw: bytes
    raw_format: str  # xml | json | csv
    source: str  # file | kobo | central | openrosa
    origin: str = ""  # where: "exports.csv, row 12", a URL …
    form_version: str | None = None
    deprecated_id: str | None = None
    root_id: str | None = None  # Kobo's rootUuid; else the first instanceID of the chain
    submitted_at: dt.datetime | None = None
    submitter: str | None = None
    external_id: str | None = None
    review_state: str | None = None  # one of models.REVIEW_STATES
    attachments: list[IncomingAttachment] = field(default_factory=list)

    @property
    def raw_sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def data_sha256(self) -> str:
        return data_hash(self.data)


def data_hash(data: dict[str, Any]) -> str:
    """The same answers give the same hash, whichever export format carried them."""
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def canonical_json(data: dict[str, Any]) -> str:
    """The answers as one text: sorted keys, no spaces, so equal answers give equal text."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
