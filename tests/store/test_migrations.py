"""Migrations run up and down on both stores and agree with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from pantau.store import db
from pantau.store.models import AssessmentType, Base, DisplacementReason, PopulationGroup


def test_models_match_migrations(ws):
    with ws.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_vocabularies_seeded(ws):
    with ws.session() as s:
        codes = set(s.scalars(select(AssessmentType.code)))
        assert {"BA", "SA", "ETT", "FMR", "FMS", "REG", "RIS"} <= codes
        groups = set(s.scalars(select(PopulationGroup.code)))
        assert groups == {"idps", "returnees", "migrants", "refugees", "host"}
        quake = s.get(DisplacementReason, "earthquake")
        assert quake is not None and quake.parent_code == "natural_disaster"


def test_downgrade_and_upgrade_again(ws):
    db.downgrade(ws.engine, "0001")
    with ws.session() as s:
        assert s.scalar(select(func.count()).select_from(AssessmentType)) == 0
    db.downgrade(ws.engine, "base")
    assert db.current_revision(ws.engine) is None
    db.migrate(ws.engine)
    assert db.current_revision(ws.engine) == db.head_revision()
    with ws.session() as s:
        assert s.scalar(select(func.count()).select_from(AssessmentType)) == 7


def test_sqlite_pragmas(ws):
    if ws.engine.dialect.name != "sqlite":
        return
    with ws.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
