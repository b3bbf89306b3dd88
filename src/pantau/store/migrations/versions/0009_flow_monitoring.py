"""Flow monitoring points, daily counts (FMR) and surveys (FMS) with their routes.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_POINT_TYPES = ("'border_crossing', 'landing_point', 'port', 'bus_station', "
                "'transit_centre', 'checkpoint'")


def upgrade() -> None:
    op.create_table(
        "flow_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("point_type", sa.String(length=20), nullable=False),
        sa.Column("watch_incoming", sa.Boolean(), nullable=False),
        sa.Column("watch_outgoing", sa.Boolean(), nullable=False),
        sa.Column("watch_transit", sa.Boolean(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("opens_at", sa.String(length=5), nullable=True),
        sa.Column("closes_at", sa.String(length=5), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"point_type IN ({_POINT_TYPES})",
                           name=op.f("ck_flow_point_point_type")),
        sa.CheckConstraint("days >= 1 AND days <= 127", name=op.f("ck_flow_point_days")),
        sa.CheckConstraint("watch_incoming OR watch_outgoing OR watch_transit",
                           name=op.f("ck_flow_point_directions")),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"],
                                name=op.f("fk_flow_point_site_id_site"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["operation_id"], ["operation.id"],
                                name=op.f("fk_flow_point_operation_id_operation"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_point")),
        sa.UniqueConstraint("site_id", name=op.f("uq_flow_point_site_id")),
    )
    op.create_index("ix_flow_point_operation_id", "flow_point", ["operation_id"])
    op.create_table(
        "flow_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(length=200), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("nationality", sa.String(length=3), nullable=False),
        *(sa.Column(c, sa.Integer(), nullable=False)
          for c in ("total", "men", "women", "boys", "girls", "unaccompanied")),
        sa.Column("transport", sa.String(length=30), nullable=True),
        sa.Column("previous_country", sa.String(length=3), nullable=True),
        sa.Column("previous_place", sa.String(length=200), nullable=True),
        sa.Column("next_country", sa.String(length=3), nullable=True),
        sa.Column("next_area", sa.String(length=200), nullable=True),
        sa.Column("final_country", sa.String(length=3), nullable=True),
        sa.Column("final_area", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("source", sa.String(length=400), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("direction IN ('incoming', 'outgoing', 'transit')",
                           name=op.f("ck_flow_count_direction")),
        sa.CheckConstraint("men >= 0 AND women >= 0 AND boys >= 0 AND girls >= 0 "
                           "AND unaccompanied >= 0", name=op.f("ck_flow_count_non_negative")),
        sa.CheckConstraint("men + women + boys + girls = total",
                           name=op.f("ck_flow_count_sum")),
        sa.CheckConstraint("unaccompanied <= boys + girls",
                           name=op.f("ck_flow_count_unaccompanied")),
        sa.ForeignKeyConstraint(["operation_id"], ["operation.id"],
                                name=op.f("fk_flow_count_operation_id_operation"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["point_id"], ["flow_point.id"],
                                name=op.f("fk_flow_count_point_id_flow_point"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_count")),
        sa.UniqueConstraint("operation_id", "record_key",
                            name=op.f("uq_flow_count_operation_id")),
    )
    op.create_index("ix_flow_count_point_date", "flow_count", ["point_id", "date"])
    op.create_table(
        "flow_survey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(length=200), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("age_group", sa.String(length=10), nullable=True),
        sa.Column("nationality", sa.String(length=3), nullable=True),
        sa.Column("education", sa.String(length=20), nullable=True),
        sa.Column("employment", sa.String(length=20), nullable=True),
        sa.Column("origin_country", sa.String(length=3), nullable=True),
        sa.Column("origin_area", sa.String(length=200), nullable=True),
        sa.Column("departure_country", sa.String(length=3), nullable=True),
        sa.Column("destination_country", sa.String(length=3), nullable=True),
        sa.Column("destination_area", sa.String(length=200), nullable=True),
        sa.Column("reasons", sa.String(length=200), nullable=True),
        *(sa.Column(c, sa.Boolean(), nullable=True) for c in (
            "unpaid_work", "forced_work", "held_against_will", "violence", "marriage_offer")),
        sa.Column("source", sa.String(length=400), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("consent OR (nationality IS NULL AND sex IS NULL)",
                           name=op.f("ck_flow_survey_consent")),
        sa.ForeignKeyConstraint(["operation_id"], ["operation.id"],
                                name=op.f("fk_flow_survey_operation_id_operation"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["point_id"], ["flow_point.id"],
                                name=op.f("fk_flow_survey_point_id_flow_point"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_survey")),
        sa.UniqueConstraint("operation_id", "record_key",
                            name=op.f("uq_flow_survey_operation_id")),
    )
    op.create_index("ix_flow_survey_point_date", "flow_survey", ["point_id", "date"])
    op.create_table(
        "flow_survey_leg",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.CheckConstraint("days IS NULL OR days >= 0", name=op.f("ck_flow_survey_leg_days")),
        sa.ForeignKeyConstraint(["survey_id"], ["flow_survey.id"],
                                name=op.f("fk_flow_survey_leg_survey_id_flow_survey"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_survey_leg")),
        sa.UniqueConstraint("survey_id", "seq", name=op.f("uq_flow_survey_leg_survey_id")),
    )


def downgrade() -> None:
    op.drop_table("flow_survey_leg")
    op.drop_index("ix_flow_survey_point_date", table_name="flow_survey")
    op.drop_table("flow_survey")
    op.drop_index("ix_flow_count_point_date", table_name="flow_count")
    op.drop_table("flow_count")
    op.drop_index("ix_flow_point_operation_id", table_name="flow_point")
    op.drop_table("flow_point")
