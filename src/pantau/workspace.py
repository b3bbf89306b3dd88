"""The Python API: a workspace is a store plus the namespaces that act on it.

The CLI only wraps these calls, so everything the CLI does can be scripted:

    ws = Workspace.open()
    op = ws.operations.create("idn-sulteng", "IDN", "Central Sulawesi Earthquake 2018")
    ws.gazetteer.import_file("global-pcodes.csv", country="IDN")
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pantau.config import Settings
from pantau.errors import PantauError
from pantau.store import db


class Workspace:
    """An opened store. Namespaces (`operations`, `gazetteer`, `sites`) hold the verbs."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine

    @classmethod
    def init(cls, settings: Settings | None = None) -> Workspace:
        """Create (or upgrade) the workspace's store; safe to run again."""
        settings = settings or Settings.load()
        settings.workspace.mkdir(parents=True, exist_ok=True)
        engine = db.connect(settings.database_url)
        db.migrate(engine)
        return cls(settings, engine)

    @classmethod
    def open(cls, settings: Settings | None = None) -> Workspace:
        """Open an initialised workspace; refuses a store that is missing or out of date."""
        settings = settings or Settings.load()
        if settings.is_sqlite and not (settings.workspace / "pantau.db").exists() \
                and str(settings.workspace) in settings.database_url:
            raise PantauError("not_initialised", where=settings.workspace)
        engine = db.connect(settings.database_url)
        current = db.current_revision(engine)
        if current is None:
            raise PantauError("not_initialised", where=settings.safe_url())
        if current != db.head_revision():
            db.migrate(engine)
        return cls(settings, engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with db.session_scope(self.engine) as s:
            yield s

    @cached_property
    def operations(self):  # type: ignore[no-untyped-def]
        from pantau.operations import Operations

        return Operations(self)

    @cached_property
    def gazetteer(self):  # type: ignore[no-untyped-def]
        from pantau.gazetteer import Gazetteer

        return Gazetteer(self)

    @cached_property
    def sites(self):  # type: ignore[no-untyped-def]
        from pantau.sites import Sites

        return Sites(self)

    @cached_property
    def forms(self):  # type: ignore[no-untyped-def]
        from pantau.forms import Forms

        return Forms(self)

    @cached_property
    def ingest(self):  # type: ignore[no-untyped-def]
        from pantau.ingest import Ingest

        return Ingest(self)

    @cached_property
    def analytics(self):  # type: ignore[no-untyped-def]
        from pantau.analytics import Analytics

        return Analytics(self)

    @cached_property
    def publish(self):  # type: ignore[no-untyped-def]
        from pantau.publish import Publish

        return Publish(self)

    @cached_property
    def quality(self):  # type: ignore[no-untyped-def]
        from pantau.quality import Quality

        return Quality(self)

    @cached_property
    def review(self):  # type: ignore[no-untyped-def]
        from pantau.review import Review

        return Review(self)

    @cached_property
    def flow(self):  # type: ignore[no-untyped-def]
        from pantau.flow import Flow

        return Flow(self)

    @cached_property
    def access(self):  # type: ignore[no-untyped-def]
        from pantau.access import Access

        return Access(self)

    def close(self) -> None:
        self.engine.dispose()

    @property
    def path(self) -> Path:
        return self.settings.workspace
