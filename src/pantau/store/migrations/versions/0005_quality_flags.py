"""Quality flags: one row per failed check on a submission version.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quality_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("check_name", sa.String(length=80), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("field", sa.String(length=300), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("severity IN ('error', 'warning', 'info')",
                           name=op.f("ck_quality_flag_severity")),
        sa.ForeignKeyConstraint(["version_id"], ["submission_version.id"],
                                name=op.f("fk_quality_flag_version_id_submission_version"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_flag")),
    )
    op.create_index("ix_quality_flag_version_check", "quality_flag", ["version_id", "check_name"])


def downgrade() -> None:
    op.drop_index("ix_quality_flag_version_check", table_name="quality_flag")
    op.drop_table("quality_flag")
