"""Cleaning log, and approval of round × admin area with the submissions each one locks.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cleaning_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=300), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(length=120), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_version_id", sa.Integer(), nullable=True),
        sa.Column("to_version_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=400), nullable=False),
        sa.ForeignKeyConstraint(["operation_id"], ["operation.id"],
                                name=op.f("fk_cleaning_log_operation_id_operation"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"],
                                name=op.f("fk_cleaning_log_submission_id_submission"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["from_version_id"], ["submission_version.id"],
                                name=op.f("fk_cleaning_log_from_version_id_submission_version"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["to_version_id"], ["submission_version.id"],
                                name=op.f("fk_cleaning_log_to_version_id_submission_version"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cleaning_log")),
    )
    op.create_index("ix_cleaning_log_submission", "cleaning_log", ["submission_id"])
    op.create_table(
        "approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("pcode", sa.String(length=40), nullable=False),
        sa.Column("approved_by", sa.String(length=120), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reopened_by", sa.String(length=120), nullable=True),
        sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopen_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("level IN (1, 2)", name=op.f("ck_approval_level")),
        sa.ForeignKeyConstraint(["operation_id"], ["operation.id"],
                                name=op.f("fk_approval_operation_id_operation"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"],
                                name=op.f("fk_approval_round_id_round"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval")),
    )
    op.create_index("ix_approval_round_area", "approval", ["round_id", "pcode"])
    op.create_table(
        "approval_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("approval_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["approval_id"], ["approval.id"],
                                name=op.f("fk_approval_item_approval_id_approval"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"],
                                name=op.f("fk_approval_item_submission_id_submission"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_item")),
        sa.UniqueConstraint("approval_id", "submission_id",
                            name=op.f("uq_approval_item_approval_id")),
    )
    op.create_index("ix_approval_item_submission", "approval_item", ["submission_id"])


def downgrade() -> None:
    op.drop_index("ix_approval_item_submission", table_name="approval_item")
    op.drop_table("approval_item")
    op.drop_index("ix_approval_round_area", table_name="approval")
    op.drop_table("approval")
    op.drop_index("ix_cleaning_log_submission", table_name="cleaning_log")
    op.drop_table("cleaning_log")
