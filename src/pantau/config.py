"""Settings, declared once: the CLI, the docs and validation all read this list.

Every value pantau takes from the environment is declared here and read through
`setting_value`, so `docs/settings.md` (checked by tests/test_docs.py) lists them all.
Settings marked `secret` (server credentials) are never printed: not in messages, not as
a default in `--help`; the pull clients blank them out of any text a server echoes back.
"""

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
    secret: bool = False


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
    Setting(
        "kobo_token",
        "PANTAU_KOBO_TOKEN",
        None,
        "API token of the KoboToolbox account `pantau pull kobo` reads with (Account "
        "settings → Security in Kobo).",
        secret=True,
    ),
    Setting(
        "central_email",
        "PANTAU_CENTRAL_EMAIL",
        None,
        "Email of the ODK Central web user `pantau pull central` logs in as.",
    ),
    Setting(
        "central_password",
        "PANTAU_CENTRAL_PASSWORD",
        None,
        "Password of that Central user; unset, `pantau pull central` asks for it (hidden).",
        secret=True,
    ),
    Setting(
        "central_token",
        "PANTAU_CENTRAL_TOKEN",
        None,
        "An ODK Central session token, instead of email and password.",
        secret=True,
    ),
    Setting(
        "hdx_key",
        "PANTAU_HDX_KEY",
        None,
        "API token of the HDX account `pantau publish hdx` uploads with (your HDX user "
        "page → API Tokens); unset, it only builds the package.",
        secret=True,
    ),
)
_BY_NAME = {s.name: s for s in SETTINGS}


def setting(name: str) -> Setting:
    """The declaration of setting `name` (a KeyError for a name never declared)."""
    return _BY_NAME[name]


def setting_value(name: str) -> str | None:
    """The value of setting `name` from the environment, else its default; an empty
    variable counts as unset."""
    s = _BY_NAME[name]
    return os.environ.get(s.env) or s.default


@dataclass(frozen=True)
class Settings:
    """Where the workspace lives and which store it uses."""

    workspace: Path
    database_url: str

    @classmethod
    def load(cls, workspace: str | Path | None = None, database_url: str | None = None) -> Settings:
        """Explicit arguments win over the environment, which wins over defaults."""
        home = workspace or setting_value("workspace") or "pantau-workspace"
        ws = Path(home).expanduser().resolve()
        url = database_url or setting_value("database_url") or f"sqlite:///{ws / 'pantau.db'}"
        return cls(workspace=ws, database_url=url)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def safe_url(self) -> str:
        """The URL without its password, fit for logs and messages."""
        from sqlalchemy.engine import make_url

        return make_url(self.database_url).render_as_string(hide_password=True)
