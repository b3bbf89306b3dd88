"""A demo workspace (SQLite), built once per test session for the page tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pantau.config import Settings
from pantau.demo import build
from pantau.workspace import Workspace


@pytest.fixture(scope="session")
def demo_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder: Path = tmp_path_factory.mktemp("demo") / "pantau-demo"
    settings = Settings.load(workspace=folder, database_url=f"sqlite:///{folder / 'pantau.db'}")
    build(settings)
    ws = Workspace.open(settings)
    yield ws
    ws.close()
