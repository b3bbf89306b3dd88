"""Find a submission version by its instance id without scanning the table.

Every incoming record is looked up by `meta/instanceID` (re-send? edit of what?); the unique
constraint (submission_id, instance_id) cannot serve that lookup, so it scanned every version.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_submission_version_instance_id", "submission_version", ["instance_id"])


def downgrade() -> None:
    op.drop_index("ix_submission_version_instance_id", table_name="submission_version")
