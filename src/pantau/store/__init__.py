"""The operational store: SQLAlchemy models, engine set-up and Alembic migrations."""

from pantau.store.db import connect, migrate, session_scope
from pantau.store.models import Base

__all__ = ["Base", "connect", "migrate", "session_scope"]
