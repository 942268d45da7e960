"""Support plans (支援プラン): versions, goals, items, monitoring records."""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.models.base import Base, utcnow


class SupportPlan(Base):
    """One version of a case's plan; a revision is a new row pointing at the one it replaces."""

    __tablename__ = "support_plans"
    __table_args__ = (UniqueConstraint("case_id", "version_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    version_number: Mapped[int] = mapped_column(Integer)
    previous_plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_plans.id"), index=True
    )
    status: Mapped[str] = mapped_column(String(20))
    assessment_summary: Mapped[str] = mapped_column(Text)  # 課題
    monitoring_every_months: Mapped[int | None] = mapped_column(Integer)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    next_monitoring_date: Mapped[date | None] = mapped_column(Date, index=True)
    agreed_on: Mapped[date | None] = mapped_column(Date)  # the person's agreement
    agreement_method: Mapped[str | None] = mapped_column(String(20))
    approved_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    evaluation_comment: Mapped[str | None] = mapped_column(Text)
    # Why the plan reached its present status (closed, suspended, replaced by a revision), and when.
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None] = mapped_column()
    created_by_sub: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    goals: Mapped[list["PlanGoal"]] = relationship(lazy="raise", order_by="PlanGoal.position")
    items: Mapped[list["PlanItem"]] = relationship(lazy="raise", order_by="PlanItem.position")

    __mapper_args__ = {"version_id_col": version}


class PlanGoal(Base):
    __tablename__ = "plan_goals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("support_plans.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    term: Mapped[str] = mapped_column(String(10))  # long / short
    text: Mapped[str] = mapped_column(Text)
    achievement: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)


class PlanItem(Base):
    __tablename__ = "plan_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("support_plans.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    responsible_org_code: Mapped[str] = mapped_column(ForeignKey("organizations.code"))
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)  # 主担当
    frequency: Mapped[str | None] = mapped_column(String(100))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    function_code: Mapped[str | None] = mapped_column(ForeignKey("support_functions.code"))
    # 参加支援 only: the partner business (協力事業所, an organisation of kind ``partner``) hosting it.
    partner_org_code: Mapped[str | None] = mapped_column(
        ForeignKey("organizations.code"), index=True
    )


class MonitoringRecord(Base):
    __tablename__ = "monitoring_records"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("support_plans.id", ondelete="CASCADE"), index=True
    )
    monitored_on: Mapped[date] = mapped_column(Date)
    content: Mapped[str] = mapped_column(Text)
    recorded_by_sub: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
