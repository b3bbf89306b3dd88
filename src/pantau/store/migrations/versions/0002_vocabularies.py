"""Built-in controlled vocabularies.

The rows are frozen here on purpose: a later change to the vocabulary is a new
migration, so every store reaches the same state whatever version it started from.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ASSESSMENT_TYPES = [
    ("BA", "Baseline assessment",
     "Key informants per admin area give counts of IDPs, returnees and migrants."),
    ("SA", "Site assessment",
     "Multi-sectoral location assessment: one record per site or location."),
    ("ETT", "Emergency event tracking",
     "Fast counts right after an event: displaced from where, to where, needs."),
    ("FMR", "Flow monitoring registry", "Daily counts at flow monitoring points."),
    ("FMS", "Flow monitoring survey", "Individual interviews of people on the move."),
    ("REG", "Registration", "Households and individuals, duplicate-free."),
    ("RIS", "Return intention survey", "Intentions of displaced households to return."),
]
POPULATION_GROUPS = [
    ("idps", "Internally displaced persons", "+idps"),
    ("returnees", "Returnees", "+returnees"),
    ("migrants", "Migrants", "+migrants"),
    ("refugees", "Refugees", "+refugees"),
    ("host", "Host community", "+host"),
]
REASONS = [
    ("conflict", "Conflict", None),
    ("natural_disaster", "Natural disaster", None),
    ("earthquake", "Earthquake", "natural_disaster"),
    ("tsunami", "Tsunami", "natural_disaster"),
    ("flood", "Flood", "natural_disaster"),
    ("volcano", "Volcanic eruption", "natural_disaster"),
    ("landslide", "Landslide", "natural_disaster"),
    ("liquefaction", "Liquefaction", "natural_disaster"),
    ("drought", "Drought", "natural_disaster"),
    ("storm", "Storm or cyclone", "natural_disaster"),
    ("fire", "Fire", "natural_disaster"),
    ("insecurity", "Insecurity", None),
    ("economic", "Economic", None),
    ("other", "Other", None),
]
SITE_TYPES = [
    ("camp", "Camp"),
    ("collective_centre", "Collective centre"),
    ("informal_settlement", "Informal settlement"),
    ("host_community", "Host community"),
    ("village", "Village"),
    ("neighbourhood", "Neighbourhood"),
    ("flow_monitoring_point", "Flow monitoring point"),
    ("transit_centre", "Transit centre"),
    ("other", "Other"),
]


def upgrade() -> None:
    meta = sa.MetaData()
    meta.reflect(op.get_bind(), only=["assessment_type", "population_group",
                                      "displacement_reason", "site_type"])
    t = meta.tables
    op.bulk_insert(t["assessment_type"], [
        {"code": c, "name": n, "description": d, "builtin": True} for c, n, d in ASSESSMENT_TYPES
    ])
    op.bulk_insert(t["population_group"], [
        {"code": c, "label": label, "hxl_attribute": h} for c, label, h in POPULATION_GROUPS
    ])
    op.bulk_insert(t["displacement_reason"], [
        {"code": c, "label": label, "parent_code": p} for c, label, p in REASONS
    ])
    op.bulk_insert(t["site_type"], [{"code": c, "label": label} for c, label in SITE_TYPES])


def downgrade() -> None:
    op.execute("DELETE FROM site_type")
    op.execute("DELETE FROM displacement_reason WHERE parent_code IS NOT NULL")
    op.execute("DELETE FROM displacement_reason")
    op.execute("DELETE FROM population_group")
    op.execute("DELETE FROM assessment_type WHERE builtin")
