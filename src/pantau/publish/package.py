"""What `ws.publish.hdx` hands back (kept apart so that importing `pantau.publish` does not
load hdx-python-api, which only the HDX package needs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class HdxPackage:
    name: str  # the dataset's HDX name (slug)
    folder: Path
    metadata: Path  # dataset.json
    files: list[Path]
    uploaded: bool = False
    url: str | None = None  # the dataset's page, once uploaded
    statuses: dict[str, Any] = field(default_factory=dict)  # resource name -> upload status
    suppressed: dict[str, int] = field(default_factory=dict)  # file name -> cells suppressed
    threshold: int = 0  # small-cell threshold applied
