"""What the ODK Central tests share: the operation with the Central test form, a
`FakeCentral` filled with submissions (served over HTTP or not), and the current version of
a stored submission. Each test module keeps only a two-line fixture that calls these."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pantau.workspace import Workspace
from tests.ingest.central_server import FORM, OP, FakeCentral, answers, make_xlsform


def add_central_form(ws: Workspace, tmp_path: Path, version: str = "2024050101",
                     omit: tuple[str, ...] = (), shapes: bool = False) -> str:
    """The operation and the Central test form (`omit`: fields it lacks; `shapes`: with a
    geotrace and a geoshape); returns its id."""
    if OP not in {o.slug for o in ws.operations.list()}:
        ws.operations.create(OP, "IDN", "Central Sulawesi Earthquake 2018",
                             avg_household_size=4.5)
    ws.forms.import_xlsform(OP, make_xlsform(tmp_path / f"sa-{version}.xlsx", version, omit,
                                            shapes),
                            assessment_type="SA")
    return FORM


def filled(n: int) -> FakeCentral:
    """A FakeCentral holding the answers of enumerators 1 … n."""
    fake = FakeCentral()
    for i in range(1, n + 1):
        fake.add(answers(i))
    return fake


@contextmanager
def serving(fake: FakeCentral) -> Iterator[FakeCentral]:
    """`fake` answering over HTTP on 127.0.0.1 (at `fake.url`) until the block ends."""
    server = fake.serve()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def current(ws: Workspace, instance_id: str) -> tuple[Any, Any]:
    """A stored submission (by any of its instance ids) and its current version."""
    detail = ws.ingest.submission(OP, FORM, instance_id)
    return detail, next(v for v in detail.versions if v.current)
