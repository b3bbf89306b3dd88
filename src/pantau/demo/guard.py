"""What `pantau demo` may wipe: only what an earlier demo made, never anybody's real data.

A demo workspace is a folder holding the marker file `.pantau-demo`. The demo deletes and
rebuilds such a folder; it also builds into a folder that is missing, empty, or holds nothing
but an empty store (`pantau init` and nothing else). Anything else is refused.

A store outside the folder (PANTAU_DATABASE_URL, e.g. PostgreSQL) is shared and cannot be
deleted like a folder, so the demo uses it only when it is empty or holds nothing but a
previous demo (the demo operations, their gazetteer versions and the `demo-…` accounts), which it
deletes first. The audit log is append-only and keeps the previous demo's entries.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, delete, func, inspect, select
from sqlalchemy.engine import make_url

from pantau.config import Settings
from pantau.demo import italy
from pantau.demo.scenario import COUNTRY, GAZETTEER_LABEL, SLUG
from pantau.errors import PantauError
from pantau.store import db
from pantau.store.accounts import User
from pantau.store.models import GazetteerVersion, Operation, PcodeFormat

DEMO_SLUGS = {SLUG, italy.SLUG}
DEMO_GAZETTEERS = {(COUNTRY, GAZETTEER_LABEL), (italy.COUNTRY, italy.GAZETTEER_LABEL)}
DEMO_USER_PREFIX = "demo-"

MARKER = ".pantau-demo"
NOTICE = ("This is pantau's demo workspace. The P-codes and place names are real; the sites are "
          "invented, and the boundaries are approximate demo shapes, not official boundaries.")
_STORE_FILES = {"pantau.db", "pantau.db-wal", "pantau.db-shm"}


def is_demo(folder: Path) -> bool:
    return (folder / MARKER).is_file()


@dataclass(frozen=True)
class Plan:
    """What preparing the workspace will do, decided before anything is touched."""

    wipe_folder: bool
    clear_store: bool  # delete a previous demo's rows from an external store


def plan(settings: Settings) -> Plan:
    """Check everything first; raise PantauError for anything the demo must not touch."""
    folder = settings.workspace
    inside = _store_inside(settings)
    entries = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
    if folder.exists() and not folder.is_dir():
        raise _refuse(f"{folder} is a file, not a folder")
    wipe = bool(entries) and is_demo(folder)
    only_empty_store = inside and entries <= _STORE_FILES and _store_state(settings) == "empty"
    if entries and not wipe and not only_empty_store:
        raise _refuse(f"{folder} is not a pantau demo workspace (it has no {MARKER} "
                      "file) and is not empty")
    clear = False
    if not inside:
        state = _store_state(settings)
        if state == "other":
            raise _refuse(f"the store {settings.safe_url()} holds data that is not pantau's "
                          "demo; point PANTAU_DATABASE_URL at an empty database for the demo")
        clear = state == "demo"
    return Plan(wipe, clear)


def prepare(settings: Settings, what: Plan) -> None:
    """Carry out a plan from `plan()`: wipe, clear, create the folder and mark it."""
    folder = settings.workspace
    if what.wipe_folder:
        shutil.rmtree(folder)
    if what.clear_store:
        engine = db.connect(settings.database_url)
        try:
            db.migrate(engine)  # the delete cascades as the current schema says
            with db.session_scope(engine) as s:
                s.execute(delete(Operation).where(Operation.slug.in_(DEMO_SLUGS)))
                for country, label in DEMO_GAZETTEERS:
                    s.execute(delete(GazetteerVersion).where(
                        GazetteerVersion.country_iso3 == country,
                        GazetteerVersion.label == label))
                s.execute(delete(User).where(User.username.startswith(DEMO_USER_PREFIX)))
        finally:
            engine.dispose()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("This folder was made by `pantau demo`, which deletes and "
                                 "rebuilds it on every run. Keep nothing of yours here.\n",
                                 encoding="utf-8")


def _store_inside(settings: Settings) -> bool:
    """Is the store the SQLite file inside the workspace folder (and so goes with it)?"""
    if not settings.is_sqlite:
        return False
    database = make_url(settings.database_url).database or ""
    return database not in ("", ":memory:") and \
        Path(database).resolve().parent == settings.workspace.resolve()


def _store_state(settings: Settings) -> str:
    """'empty', 'demo' (only a previous demo in it) or 'other'."""
    if settings.is_sqlite:
        database = make_url(settings.database_url).database or ""
        if database and not Path(database).exists():
            return "empty"
    engine = db.connect(settings.database_url)
    try:
        return _state_of(engine)
    finally:
        engine.dispose()


def _state_of(engine: Engine) -> str:
    tables = set(inspect(engine).get_table_names())
    if not tables:
        return "empty"
    if not {"operation", "gazetteer_version", "pcode_format"} <= tables:
        return "other"  # somebody else's database, or a pantau store too old to judge
    with engine.connect() as c:
        ops = set(c.scalars(select(Operation.slug)))
        versions = set(c.execute(select(GazetteerVersion.country_iso3, GazetteerVersion.label)))
        formats = c.scalar(select(func.count()).select_from(PcodeFormat))
        users = set(c.scalars(select(User.username))) if "user_account" in tables else set()
    if not ops and not versions and not formats and not users:
        return "empty"
    if ops <= DEMO_SLUGS and versions <= DEMO_GAZETTEERS and not formats \
            and all(u.startswith(DEMO_USER_PREFIX) for u in users):
        return "demo"
    return "other"


def _refuse(why: str) -> PantauError:
    return PantauError("invalid", message=f"pantau demo will not run here: {why}. Give another "
                       "folder with --workspace (the demo creates it).")
