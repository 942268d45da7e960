"""Meetings: requests and screening, agenda items, attendees, notices, minutes and decisions."""

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, utcnow


class MeetingSchedule(Base):
    """A regular schedule as data (Kokubunji: 2nd Tuesday, 15:00-17:15, city hall)."""

    __tablename__ = "meeting_schedules"
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    week_of_month: Mapped[int] = mapped_column(Integer)
    weekday: Mapped[int] = mapped_column(Integer)  # Monday = 0
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    place: Mapped[str] = mapped_column(String(200))


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_kind_day", "kind", "day"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    regular: Mapped[bool] = mapped_column(Boolean)
    day: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    place: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))  # scheduled / held / cancelled
    organiser_org_code: Mapped[str | None] = mapped_column(ForeignKey("organizations.code"))
    organiser_sub: Mapped[str] = mapped_column(String(64))
    minutes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __mapper_args__ = {"version_id_col": version}


class MeetingRequest(Base):
    """A request to discuss a case, screened by a coordinator before it reaches an agenda."""

    __tablename__ = "meeting_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    requested_on: Mapped[date] = mapped_column(Date)
    requested_by_sub: Mapped[str] = mapped_column(String(64))
    requested_by_org_code: Mapped[str | None] = mapped_column(ForeignKey("organizations.code"))
    status: Mapped[str] = mapped_column(String(20))  # submitted / accepted / rejected
    screened_by_sub: Mapped[str | None] = mapped_column(String(64))
    screening_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AgendaItem(Base):
    __tablename__ = "agenda_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(40))
    # What members of a 支援会議 may read of the case: this summary, nothing more.
    summary: Mapped[str] = mapped_column(Text)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("support_plans.id"))
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_requests.id"), index=True
    )


class Attendee(Base):
    """An invited user, unit or agency; attendance and the confidentiality acknowledgement."""

    __tablename__ = "attendees"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    org_code: Mapped[str] = mapped_column(ForeignKey("organizations.code"), index=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))  # for a person without an account
    email: Mapped[str | None] = mapped_column(String(320))
    postal_address: Mapped[str | None] = mapped_column(Text)
    notice_channel: Mapped[str] = mapped_column(String(10))  # email / post
    attended: Mapped[bool | None] = mapped_column(Boolean)
    confidentiality_acknowledged_at: Mapped[datetime | None] = mapped_column()
    notice_sent_at: Mapped[datetime | None] = mapped_column()


class Decision(Base):
    """A decision in the minutes: roles, support policy, monitoring period, plan approval, closing."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    decided_by_sub: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
