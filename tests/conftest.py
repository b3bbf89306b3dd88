"""Fixtures shared by every test: a workspace on each store, the CLI, the shared data.

Store tests run on SQLite and PostgreSQL. Without a PostgreSQL server (or Chromium) they
skip, unless PANTAU_STRICT_SKIPS=1 (set by .ci/run), which turns that skip into a failure.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from pantau.cli import app
from pantau.config import Settings
from pantau.store import db
from pantau.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
PCODES = SHARED / "pcodes" / "global-pcodes-adm-1-2.csv"
PCODE_LENGTHS = SHARED / "pcodes" / "global-pcode-lengths.csv"
PG_URL = os.environ.get("PANTAU_TEST_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
STRICT = os.environ.get("PANTAU_STRICT_SKIPS") == "1"
_counter = itertools.count()


def unavailable(reason: str) -> None:
    """Skip on a laptop; fail in CI, where everything must run."""
    if STRICT:
        pytest.fail(f"{reason} (PANTAU_STRICT_SKIPS=1 forbids skipping)")
    pytest.skip(reason)


def _pg_url(name: str) -> str:
    return PG_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str | None]:
    """A migrated PostgreSQL database that each test copies (CREATE DATABASE … TEMPLATE)."""
    try:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 — any connection failure means "no server"
        yield None
        _ = exc
        return
    name = f"pantau_tmpl_{os.getpid()}"
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    eng = db.connect(_pg_url(name))
    db.migrate(eng)
    eng.dispose()
    yield name
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tmpl") / "pantau.db"
    eng = db.connect(f"sqlite:///{path}")
    db.migrate(eng)
    with eng.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    eng.dispose()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path,
             pg_template: str | None) -> Iterator[Settings]:
    """Settings of a fresh, migrated workspace on each store."""
    workspace = tmp_path / "ws"
    workspace.mkdir()
    if request.param == "sqlite":
        shutil.copy(sqlite_template, workspace / "pantau.db")
        yield Settings.load(workspace=workspace, database_url=f"sqlite:///{workspace/'pantau.db'}")
        return
    if pg_template is None:
        unavailable(f"no PostgreSQL server at {PG_URL}")
    name = f"pantau_t_{os.getpid()}_{next(_counter)}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    try:
        yield Settings.load(workspace=workspace, database_url=_pg_url(name))
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def ws(settings: Settings) -> Iterator[Workspace]:
    w = Workspace.open(settings)
    yield w
    w.close()


class Cli:
    """Runs `pantau …` in-process against the test workspace, as a user would type it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True):  # type: ignore[no-untyped-def]
        env = {"PANTAU_HOME": str(self.settings.workspace),
               "PANTAU_DATABASE_URL": self.settings.database_url, "COLUMNS": "200"}
        result = self.runner.invoke(app, [str(a) for a in args], env=env)
        if ok and result.exit_code != 0:
            raise AssertionError(f"pantau {' '.join(map(str, args))} exited "
                                 f"{result.exit_code}:\n{result.output}\n{result.exception!r}")
        return result


@pytest.fixture
def cli(settings: Settings) -> Cli:
    return Cli(settings)


@pytest.fixture(scope="session")
def pcodes_csv() -> Path:
    if not PCODES.exists():
        unavailable(f"shared P-code list missing at {PCODES}")
    return PCODES


@pytest.fixture(scope="session")
def pcode_lengths_csv() -> Path:
    if not PCODE_LENGTHS.exists():
        unavailable(f"shared P-code length table missing at {PCODE_LENGTHS}")
    return PCODE_LENGTHS
