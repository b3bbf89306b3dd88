"""Tables of flow monitoring: points (FMPs) and daily counts (FMR) (issue 8).

A flow monitoring point *is* a site of the master list (code, name, coordinates, P-codes,
history, opening and closing), with one `flow_point` row beside it for what only an FMP has:
its kind, the directions it watches and when it is staffed. Why not new site types or site
attributes: see docs/flow.md. An FMR count is one group of people counted at one point on one
day, kept as typed columns (not as generic observations) because its dimensions — direction,
nationality, departure and destination countries — are what every flow figure groups by.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from pantau.store.models import Base, _now

POINT_TYPES = ("border_crossing", "landing_point", "port", "bus_station", "transit_centre",
               "checkpoint")
DIRECTIONS = ("incoming", "outgoing", "transit")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class FlowPoint(Base):
    """What makes a site a flow monitoring point: kind, directions, days and hours watched.

    `days` is a bit mask, Monday = 1 … Sunday = 64 (127 = every day), so "is this date an
    observation day" is one AND and needs no join."""

    __tablename__ = "flow_point"
    __table_args__ = (
        CheckConstraint(_in("point_type", POINT_TYPES), name="point_type"),
        CheckConstraint("days >= 1 AND days <= 127", name="days"),
        CheckConstraint("watch_incoming OR watch_outgoing OR watch_transit", name="directions"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), unique=True)
    operation_id: Mapped[int] = mapped_column(
        ForeignKey("operation.id", ondelete="CASCADE"), index=True)
    point_type: Mapped[str] = mapped_column(String(20))
    watch_incoming: Mapped[bool] = mapped_column(default=False)
    watch_outgoing: Mapped[bool] = mapped_column(default=False)
    watch_transit: Mapped[bool] = mapped_column(default=False)
    days: Mapped[int] = mapped_column(Integer, default=127)
    opens_at: Mapped[str | None] = mapped_column(String(5))  # HH:MM, None = round the clock
    closes_at: Mapped[str | None] = mapped_column(String(5))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class FlowCount(Base):
    """One FMR group: people counted at a point on a day, moving one way, of one nationality.

    men + women + boys + girls = total (checked on import and here); unaccompanied children are
    part of boys + girls. `record_key` is the submission's instance id (or the file's key), so
    importing the same export again changes nothing."""

    __tablename__ = "flow_count"
    __table_args__ = (
        UniqueConstraint("operation_id", "record_key"),
        CheckConstraint(_in("direction", DIRECTIONS), name="direction"),
        CheckConstraint("men >= 0 AND women >= 0 AND boys >= 0 AND girls >= 0 "
                        "AND unaccompanied >= 0", name="non_negative"),
        CheckConstraint("men + women + boys + girls = total", name="sum"),
        CheckConstraint("unaccompanied <= boys + girls", name="unaccompanied"),
        Index("ix_flow_count_point_date", "point_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id", ondelete="CASCADE"))
    point_id: Mapped[int] = mapped_column(ForeignKey("flow_point.id", ondelete="CASCADE"))
    record_key: Mapped[str] = mapped_column(String(200))
    date: Mapped[dt.date] = mapped_column(Date)
    direction: Mapped[str] = mapped_column(String(10))
    nationality: Mapped[str] = mapped_column(String(3))  # ISO3
    total: Mapped[int] = mapped_column(Integer)
    men: Mapped[int] = mapped_column(Integer)
    women: Mapped[int] = mapped_column(Integer)
    boys: Mapped[int] = mapped_column(Integer)
    girls: Mapped[int] = mapped_column(Integer)
    unaccompanied: Mapped[int] = mapped_column(Integer, default=0)
    transport: Mapped[str | None] = mapped_column(String(30))
    previous_country: Mapped[str | None] = mapped_column(String(3))  # departure country, ISO3
    previous_place: Mapped[str | None] = mapped_column(String(200))
    next_country: Mapped[str | None] = mapped_column(String(3))
    next_area: Mapped[str | None] = mapped_column(String(200))  # P-code or name
    final_country: Mapped[str | None] = mapped_column(String(3))
    final_area: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(400), default="")  # file and row
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


# --- flow monitoring surveys (FMS) ---------------------------------------------------------

VULNERABILITIES = ("unpaid_work", "forced_work", "held_against_will", "violence",
                   "marriage_offer")


class FlowSurvey(Base):
    """One FMS interview at a point. Without consent only the fact of the interview is kept
    (`consent` false, every answer empty): such a record is flagged at import and left out of
    every figure. No names, phone or document numbers: age is an age group."""

    __tablename__ = "flow_survey"
    __table_args__ = (
        UniqueConstraint("operation_id", "record_key"),
        CheckConstraint("consent OR (nationality IS NULL AND sex IS NULL)", name="consent"),
        Index("ix_flow_survey_point_date", "point_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id", ondelete="CASCADE"))
    point_id: Mapped[int] = mapped_column(ForeignKey("flow_point.id", ondelete="CASCADE"))
    record_key: Mapped[str] = mapped_column(String(200))
    date: Mapped[dt.date] = mapped_column(Date)
    consent: Mapped[bool] = mapped_column(default=False)
    sex: Mapped[str | None] = mapped_column(String(1))  # f | m
    age_group: Mapped[str | None] = mapped_column(String(10))
    nationality: Mapped[str | None] = mapped_column(String(3))
    education: Mapped[str | None] = mapped_column(String(20))
    employment: Mapped[str | None] = mapped_column(String(20))  # before leaving
    origin_country: Mapped[str | None] = mapped_column(String(3))
    origin_area: Mapped[str | None] = mapped_column(String(200))
    departure_country: Mapped[str | None] = mapped_column(String(3))
    destination_country: Mapped[str | None] = mapped_column(String(3))
    destination_area: Mapped[str | None] = mapped_column(String(200))
    reasons: Mapped[str | None] = mapped_column(String(200))  # space-separated choice names
    unpaid_work: Mapped[bool | None] = mapped_column()
    forced_work: Mapped[bool | None] = mapped_column()
    held_against_will: Mapped[bool | None] = mapped_column()
    violence: Mapped[bool | None] = mapped_column()
    marriage_offer: Mapped[bool | None] = mapped_column()
    source: Mapped[str] = mapped_column(String(400), default="")
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class FlowSurveyLeg(Base):
    """One stop of a respondent's route, in order: country, place, days spent there."""

    __tablename__ = "flow_survey_leg"
    __table_args__ = (
        UniqueConstraint("survey_id", "seq"),
        CheckConstraint("days IS NULL OR days >= 0", name="days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("flow_survey.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    country: Mapped[str] = mapped_column(String(3))
    place: Mapped[str | None] = mapped_column(String(200))
    days: Mapped[int | None] = mapped_column(Integer)
