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
    false,
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
    # anonymous visitors may read its published aggregates (pantau.access; migration 0008)
    public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

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


# --- field data in ------------------------------------------------------------------------

REVIEW_STATES = ("received", "has_issues", "approved", "rejected")


class Form(Base):
    """A form of an operation, known by its XLSForm `form_id`; its versions are rows below."""

    __tablename__ = "form"
    __table_args__ = (UniqueConstraint("operation_id", "xml_form_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id", ondelete="CASCADE"))
    xml_form_id: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(300), default="")
    assessment_type: Mapped[str | None] = mapped_column(ForeignKey("assessment_type.code"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class FormVersion(Base):
    """One uploaded XLSForm, kept whole: the file, its XForm and the field → dimension mapping."""

    __tablename__ = "form_version"
    __table_args__ = (UniqueConstraint("form_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("form.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(80))
    # the files are read when served, not with every submission that looks its version up
    xlsform: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    xlsform_name: Mapped[str] = mapped_column(String(300), default="")
    xform: Mapped[str] = mapped_column(Text, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    fields: Mapped[list] = mapped_column(JSON, default=list)  # [{path, type, label, hxl, …}]
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)  # how fields become observations
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Submission(Base):
    """One logical submission: identity is the root `meta/instanceID` (Kobo: `rootUuid`)."""

    __tablename__ = "submission"
    __table_args__ = (
        UniqueConstraint("form_id", "instance_id"),
        CheckConstraint(
            "review_state IN ('received', 'has_issues', 'approved', 'rejected')",
            name="review_state"),
        Index("ix_submission_form_round", "form_id", "round_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("form.id", ondelete="CASCADE"))
    instance_id: Mapped[str] = mapped_column(String(200))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id", ondelete="SET NULL"))
    review_state: Mapped[str] = mapped_column(String(12), default="received")
    submitter: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(40))  # file | kobo | central | openrosa
    external_id: Mapped[str | None] = mapped_column(String(200))  # Kobo _id, …
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    versions_count: Mapped[int] = mapped_column(Integer, default=1)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class SubmissionVersion(Base):
    """A version of a submission as received: raw payload first, parsed data beside it.

    Versions are rows: an edit inserts a new one and moves `current`; nothing is updated in place.
    """

    __tablename__ = "submission_version"
    __table_args__ = (
        UniqueConstraint("submission_id", "instance_id"),
        Index("ix_submission_version_current", "submission_id", "current"),
        Index("ix_submission_version_instance_id", "instance_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    instance_id: Mapped[str] = mapped_column(String(200))
    deprecated_id: Mapped[str | None] = mapped_column(String(200))
    form_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("form_version.id", ondelete="SET NULL"))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    raw_format: Mapped[str] = mapped_column(String(10))  # xml | json | csv
    raw_sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    data_sha256: Mapped[str] = mapped_column(String(64))  # same data from CSV or JSON = same
    origin: Mapped[str] = mapped_column(String(400), default="")  # file and row, URL …
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Attachment(Base):
    """A file sent with a submission version (photo, audio), stored by content hash."""

    __tablename__ = "attachment"
    __table_args__ = (UniqueConstraint("version_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("submission_version.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120), default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Quarantine(Base):
    """A record that could not be parsed or placed, kept as received with the reason."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id", ondelete="CASCADE"),
                                              index=True)
    form_id: Mapped[int | None] = mapped_column(ForeignKey("form.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(40))
    origin: Mapped[str] = mapped_column(String(400), default="")
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    raw_format: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submission.id", ondelete="SET NULL"))


class Observation(Base):
    """The atomic number every output is built from (DESIGN.md: operation × round × place ×
    population group × unit × sex × age × reason × origin → value), for current versions only."""

    __tablename__ = "observation"
    __table_args__ = (
        Index("ix_observation_round", "operation_id", "round_id"),
        Index("ix_observation_version", "version_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("submission_version.id", ondelete="CASCADE"))
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id", ondelete="CASCADE"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id", ondelete="SET NULL"))
    assessment_type: Mapped[str | None] = mapped_column(String(10))
    site_code: Mapped[str | None] = mapped_column(String(60))
    admin1_pcode: Mapped[str | None] = mapped_column(String(40))
    admin2_pcode: Mapped[str | None] = mapped_column(String(40))
    admin3_pcode: Mapped[str | None] = mapped_column(String(40))
    admin4_pcode: Mapped[str | None] = mapped_column(String(40))
    date: Mapped[dt.date | None] = mapped_column(Date)
    population_group: Mapped[str | None] = mapped_column(String(30))
    unit: Mapped[str] = mapped_column(String(12))  # individuals | households | sites | …
    sex: Mapped[str | None] = mapped_column(String(1))  # f | m
    age_group: Mapped[str | None] = mapped_column(String(20))  # children | adults | elderly | …
    reason: Mapped[str | None] = mapped_column(String(40))
    origin_pcode: Mapped[str | None] = mapped_column(String(40))
    shelter: Mapped[str | None] = mapped_column(String(60))
    sector: Mapped[str | None] = mapped_column(String(40))
    indicator: Mapped[str] = mapped_column(String(200))  # the HXL tag or mapping name
    field: Mapped[str] = mapped_column(String(300))  # the form field it came from
    value: Mapped[float] = mapped_column(Float)
    estimated: Mapped[bool] = mapped_column(Boolean, default=False)


class PullState(Base):
    """Where an incremental pull from a server stopped, so it resumes without gap or repeat."""

    __tablename__ = "pull_state"
    __table_args__ = (UniqueConstraint("form_id", "server"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("form.id", ondelete="CASCADE"))
    server: Mapped[str] = mapped_column(String(400))  # base URL + asset/project/form
    cursor: Mapped[str | None] = mapped_column(String(200))  # last submission/updated time
    next_url: Mapped[str | None] = mapped_column(Text)  # page to resume from
    pulled: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


# --- data quality -------------------------------------------------------------------------

SEVERITIES = ("error", "warning", "info")


class QualityFlag(Base):
    """One failed check on one submission version. Checking a version again replaces its
    flags of the checks that ran; the message states the rule, never an answer."""

    __tablename__ = "quality_flag"
    __table_args__ = (
        CheckConstraint("severity IN ('error', 'warning', 'info')", name="severity"),
        Index("ix_quality_flag_version_check", "version_id", "check_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("submission_version.id", ondelete="CASCADE"))
    check_name: Mapped[str] = mapped_column(String(80))
    severity: Mapped[str] = mapped_column(String(8))
    field: Mapped[str | None] = mapped_column(String(300))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class CleaningLog(Base):
    """One applied row of a cleaning log (REACH/IMPACT shape: uuid, field, old value, new
    value, reason, who, when). A change links the version it replaced to the version it made;
    a soft deletion (field `_delete`) has no new version."""

    __tablename__ = "cleaning_log"
    __table_args__ = (Index("ix_cleaning_log_submission", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id", ondelete="CASCADE"))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(300))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(120))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    from_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("submission_version.id", ondelete="SET NULL"))
    to_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("submission_version.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(400), default="")  # file and row


class Approval(Base):
    """One approval of a round × admin area (level 1 or 2), DHIS2-style. It stays the
    area's approval until reopened (with a reason); a new approval is a new row."""

    __tablename__ = "approval"
    __table_args__ = (
        CheckConstraint("level IN (1, 2)", name="level"),
        Index("ix_approval_round_area", "round_id", "pcode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id", ondelete="CASCADE"))
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column(Integer)
    pcode: Mapped[str] = mapped_column(String(40))
    approved_by: Mapped[str] = mapped_column(String(120))
    approved_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    reopened_by: Mapped[str | None] = mapped_column(String(120))
    reopened_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reopen_reason: Mapped[str | None] = mapped_column(Text)


class ApprovalItem(Base):
    """A submission an approval approved and locks (while the approval is not reopened)."""

    __tablename__ = "approval_item"
    __table_args__ = (
        UniqueConstraint("approval_id", "submission_id"),
        Index("ix_approval_item_submission", "submission_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    approval_id: Mapped[int] = mapped_column(ForeignKey("approval.id", ondelete="CASCADE"))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))


# Tables kept in their own modules; imported here so that Base.metadata holds every table.
from pantau.store import accounts, flows  # noqa: E402, F401
