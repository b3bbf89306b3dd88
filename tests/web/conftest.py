"""A demo workspace (SQLite), built once per test session for the page tests, and Chromium
(module scope) for the tests that drive a real browser."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from pantau.config import Settings
from pantau.demo import build
from pantau.workspace import Workspace
from tests.conftest import PG_URL, unavailable

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


@contextmanager
def module_store(kind: str, folder: Path, label: str, pg_template: str | None,
                 migrated: bool) -> Iterator[str]:
    """The store URL of a workspace built once per module: a SQLite file in `folder`, or a
    PostgreSQL database of its own (a copy of the migrated template when `migrated`, else
    empty — the demo wants an empty store), dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'pantau.db'}"
        return
    if pg_template is None:
        unavailable(f"no PostgreSQL server at {PG_URL}")
    database = f"pantau_{label}_{os.getpid()}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{database}"'
                       + (f' TEMPLATE "{pg_template}"' if migrated else "")))
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + database
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
