"""A demo workspace (SQLite), built once per test session for the page tests, and Chromium
(module scope) for the tests that drive a real browser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pantau.config import Settings
from pantau.demo import build
from pantau.workspace import Workspace
from tests.conftest import unavailable

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="session")
def demo_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder: Path = tmp_path_factory.mktemp("demo") / "pantau-demo"
    settings = Settings.load(workspace=folder, database_url=f"sqlite:///{folder / 'pantau.db'}")
    build(settings)
    ws = Workspace.open(settings)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        unavailable(f"Chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield chromium
        chromium.close()
