"""SQLAlchemy models of the operational store.

Every schema change comes with an Alembic migration under `migrations/versions/`;
`tests/store/test_migrations.py` checks that the migrations and these models agree.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Operation(Base):
    """One DTM deployment; rounds are numbered per operation, not per country."""

    __tablename__ = "operation"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'inactive')", name="status"),
        CheckConstraint("avg_household_size IS NULL OR avg_household_size > 0", name="hh_size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    country_iso3: Mapped[str] = mapped_column(String(3), index=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="active")
    description: Mapped[str] = mapped_column(Text, default="")
    avg_household_size: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)

    rounds: Mapped[list[Round]] = relationship(back_populates="operation", cascade="all")


class AssessmentType(Base):
    """BA, SA, ETT, FMR, FMS, REG, RIS and any user-defined ones."""

    __tablename__ = "assessment_type"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)


class GazetteerVersion(Base):
    """One country's admin units as valid from a date; rounds pin the version they use."""

    __tablename__ = "gazetteer_version"
    __table_args__ = (UniqueConstraint("country_iso3", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    country_iso3: Mapped[str] = mapped_column(String(3), index=True)
    label: Mapped[str] = mapped_column(String(80))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(40))  # hdx-global | cod-ab | boundaries
    source_file: Mapped[str] = mapped_column(String(400), default="")
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    notes: Mapped[str] = mapped_column(Text, default="")

    units: Mapped[list[AdminUnit]] = relationship(back_populates="version", cascade="all")


class AdminUnit(Base):
    """An admin area with its P-code; geometry is optional (WKB) with a bbox for prefiltering."""

    __tablename__ = "admin_unit"
    __table_args__ = (
        UniqueConstraint("version_id", "pcode"),
        CheckConstraint("level >= 0 AND level <= 5", name="level"),
        Index("ix_admin_unit_parent", "version_id", "parent_pcode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("gazetteer_version.id", ondelete="CASCADE"))
    country_iso3: Mapped[str] = mapped_column(String(3))
    level: Mapped[int] = mapped_column(Integer)
    pcode: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    # other names by language or source, e.g. {"id": "Kota Palu", "alt": ["Palu"]}
    names: Mapped[dict] = mapped_column(JSON, default=dict)
    parent_pcode: Mapped[str | None] = mapped_column(String(40))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    geometry: Mapped[bytes | None] = mapped_column(LargeBinary)
    min_lon: Mapped[float | None] = mapped_column(Float)
    min_lat: Mapped[float | None] = mapped_column(Float)
    max_lon: Mapped[float | None] = mapped_column(Float)
    max_lat: Mapped[float | None] = mapped_column(Float)
    centroid_lon: Mapped[float | None] = mapped_column(Float)
    centroid_lat: Mapped[float | None] = mapped_column(Float)

    version: Mapped[GazetteerVersion] = relationship(back_populates="units")


class PcodeCrosswalk(Base):
    """How a P-code of one version maps to the next (recoded, split, merged, retired)."""

    __tablename__ = "pcode_crosswalk"
    __table_args__ = (
        UniqueConstraint("from_version_id", "to_version_id", "old_pcode", "new_pcode"),
        CheckConstraint(
            "change IN ('unchanged', 'renamed', 'recoded', 'split', 'merged', 'retired', 'new')",
            name="change",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_version_id: Mapped[int] = mapped_column(
        ForeignKey("gazetteer_version.id", ondelete="CASCADE"), index=True
    )
    to_version_id: Mapped[int] = mapped_column(
        ForeignKey("gazetteer_version.id", ondelete="CASCADE"), index=True
    )
    old_pcode: Mapped[str | None] = mapped_column(String(40))
    new_pcode: Mapped[str | None] = mapped_column(String(40))
    change: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")


class Round(Base):
    """A data collection round of one assessment type within an operation."""

    __tablename__ = "round"
    __table_args__ = (
        UniqueConstraint("operation_id", "assessment_type", "number"),
        CheckConstraint("number >= 0", name="number"),
        CheckConstraint(
            "period_start IS NULL OR period_end IS NULL OR period_start <= period_end",
            name="period",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id", ondelete="CASCADE"))
    assessment_type: Mapped[str] = mapped_column(ForeignKey("assessment_type.code"))
    number: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    reporting_date: Mapped[dt.date | None] = mapped_column(Date)
    gazetteer_version_id: Mapped[int | None] = mapped_column(ForeignKey("gazetteer_version.id"))
    notes: Mapped[str] = mapped_column(Text, default="")

    operation: Mapped[Operation] = relationship(back_populates="rounds")


class PopulationGroup(Base):
    """Controlled vocabulary: idps, returnees, migrants, refugees, host."""

    __tablename__ = "population_group"

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    label: Mapped[str] = mapped_column(String(120))
    hxl_attribute: Mapped[str] = mapped_column(String(40))


class DisplacementReason(Base):
    """Controlled vocabulary of reasons, as a tree (natural_disaster > earthquake)."""

    __tablename__ = "displacement_reason"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(120))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("displacement_reason.code"))


class SiteType(Base):
    """Controlled vocabulary of site and location types."""

    __tablename__ = "site_type"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(120))


class Site(Base):
    """A site or location of an operation's master list; `code` is stable across rounds."""

    __tablename__ = "site"
    __table_args__ = (
        UniqueConstraint("operation_id", "code"),
        CheckConstraint("latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name="lat"),
        CheckConstraint(
            "longitude IS NULL OR (longitude >= -180 AND longitude <= 180)", name="lon"
        ),
        CheckConstraint(
            "closed_on IS NULL OR opened_on IS NULL OR opened_on <= closed_on", name="dates"
        ),
        Index("ix_site_admin", "operation_id", "admin2_pcode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    alt_names: Mapped[list] = mapped_column(JSON, default=list)
    site_type: Mapped[str] = mapped_column(ForeignKey("site_type.code"))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    admin1_pcode: Mapped[str | None] = mapped_column(String(40))
    admin2_pcode: Mapped[str | None] = mapped_column(String(40))
    admin3_pcode: Mapped[str | None] = mapped_column(String(40))
    admin4_pcode: Mapped[str | None] = mapped_column(String(40))
    pcode_source: Mapped[str] = mapped_column(String(20), default="given")  # given | coordinates
    opened_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=_now, onupdate=_now
    )


class SiteChange(Base):
    """History of the master list: one row per change of a site, never updated."""

    __tablename__ = "site_change"
    __table_args__ = (UniqueConstraint("site_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))  # created | updated | closed | reopened
    changes: Mapped[dict] = mapped_column(JSON, default=dict)  # field -> [old, new]
    source: Mapped[str] = mapped_column(String(400), default="")
    changed_by: Mapped[str] = mapped_column(String(120), default="")
    changed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=_now, server_default=func.now()
    )


class PcodeFormat(Base):
    """A country's P-code shape: prefix length and digits per admin level (HDX length table)."""

    __tablename__ = "pcode_format"

    country_iso3: Mapped[str] = mapped_column(String(3), primary_key=True)
    prefix_len: Mapped[int] = mapped_column(Integer)
    adm1_len: Mapped[int | None] = mapped_column(Integer)
    adm2_len: Mapped[int | None] = mapped_column(Integer)
    adm3_len: Mapped[int | None] = mapped_column(Integer)
    adm4_len: Mapped[int | None] = mapped_column(Integer)
    adm5_len: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(40), default="lengths-table")
