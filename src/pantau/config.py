"""Settings, declared once: the CLI, the docs and validation all read this list."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str | None
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "workspace",
        "PANTAU_HOME",
        "pantau-workspace",
        "Folder that holds the workspace: the SQLite store and, later, analytics and exports.",
    ),
    Setting(
        "database_url",
        "PANTAU_DATABASE_URL",
        None,
        "SQLAlchemy URL of the operational store, e.g. postgresql+psycopg://user@host/db. "
        "Unset means a SQLite file inside the workspace.",
    ),
)


@dataclass(frozen=True)
class Settings:
    """Where the workspace lives and which store it uses."""

    workspace: Path
    database_url: str

    @classmethod
    def load(cls, workspace: str | Path | None = None, database_url: str | None = None) -> Settings:
        """Explicit arguments win over the environment, which wins over defaults."""
        values = {s.name: os.environ.get(s.env) or s.default for s in SETTINGS}
        ws = Path(workspace or values["workspace"] or "pantau-workspace").expanduser().resolve()
        url = database_url or values["database_url"] or f"sqlite:///{ws / 'pantau.db'}"
        return cls(workspace=ws, database_url=url)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def safe_url(self) -> str:
        """The URL without its password, fit for logs and messages."""
        from sqlalchemy.engine import make_url

        return make_url(self.database_url).render_as_string(hide_password=True)
