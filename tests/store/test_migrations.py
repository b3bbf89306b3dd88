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


def test_deleting_an_operation_deletes_its_field_data(ws):
    """Rounds, forms, submissions, versions and observations go with their operation, on both
    stores (PostgreSQL once refused: a submission still pointed at its deleted round)."""
    import datetime as dt

    from sqlalchemy import delete

    from pantau.store.models import Observation, Operation, Round, Submission, SubmissionVersion
    from tests.ingest.sample_form import FORM, OP, add_form, incoming, new_id

    add_form(ws)
    ws.operations.add_round(OP, "SA", 1, dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    out = ws.ingest.receive(OP, FORM, incoming(new_id()))
    with ws.session() as s:
        assert s.get(Submission, out.submission_id).round_id is not None
        s.execute(delete(Operation).where(Operation.slug == OP))
    with ws.session() as s:
        for model in (Round, Submission, SubmissionVersion, Observation):
            assert s.scalar(select(func.count()).select_from(model)) == 0, model
