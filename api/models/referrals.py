"""Referrals (つなぎ) from a case to a unit or agency."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, utcnow


class Referral(Base):
    __tablename__ = "referrals"
    __table_args__ = (
        Index("ix_referrals_to_org_status", "to_org_code", "status", "id"),
        Index("ix_referrals_from_org_status", "from_org_code", "status", "id"),
        Index("ix_referrals_created_at", "created_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    from_org_code: Mapped[str | None] = mapped_column(ForeignKey("organizations.code"))
    from_sub: Mapped[str] = mapped_column(String(64))
    to_org_code: Mapped[str] = mapped_column(ForeignKey("organizations.code"))
    reason: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(20))
    due_date: Mapped[date | None] = mapped_column(Date)
    # What the recipient may read before accepting (access.md rule 5), written by the sender.
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    answer_note: Mapped[str | None] = mapped_column(Text)  # reason for declining / withdrawing
    report: Mapped[str | None] = mapped_column(Text)  # the report back on completion
    answered_by_sub: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __mapper_args__ = {"version_id_col": version}


class ReferralEvent(Base):
    """One step of a referral's life (sent, accepted, declined, started, completed, withdrawn),
    with who took it and its note: the closed loop stays readable step by step."""

    __tablename__ = "referral_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(20))  # send / accept / decline / ... / withdraw
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    actor_sub: Mapped[str] = mapped_column(String(64))
    actor_org_code: Mapped[str | None] = mapped_column(String(60))
    at: Mapped[datetime] = mapped_column(default=utcnow)
