"""References to rounds and form versions are cleared, not checked, when those go.

Deleting an operation cascades to its rounds, forms and submissions. PostgreSQL fires the
cascades and the plain foreign-key checks as separate triggers, so a submission could still
point at a deleted round when its check ran, and the delete failed. With ON DELETE SET NULL
the order no longer matters (the rows are deleted by the cascade anyway).

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

REFERENCES = [  # (table, column, referred table)
    ("submission", "round_id", "round"),
    ("observation", "round_id", "round"),
    ("submission_version", "form_version_id", "form_version"),
]


def _set(ondelete: str | None) -> None:
    for table, column, referred in REFERENCES:
        name = f"fk_{table}_{column}_{referred}"
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(name, type_="foreignkey")
            batch.create_foreign_key(name, referred, [column], ["id"], ondelete=ondelete)


def upgrade() -> None:
    _set("SET NULL")


def downgrade() -> None:
    _set(None)
