"""The case (世帯) aggregate: members, categories, consent, support team, timeline."""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.models.base import Base, utcnow


class CaseNumberCounter(Base):
    """The last case number given out per fiscal year (row-locked while a number is taken)."""

    __tablename__ = "case_number_counters"
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("fiscal_year", "sequence"),
        Index("ix_cases_status_id", "status", "id"),
        Index("ix_cases_intake_date", "intake_date"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    town_code: Mapped[str | None] = mapped_column(ForeignKey("towns.code"))
    area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), index=True)
    address_detail: Mapped[str | None] = mapped_column(String(200))
    intake_date: Mapped[date] = mapped_column(Date)
    intake_route: Mapped[str] = mapped_column(String(40))
    referrer: Mapped[str | None] = mapped_column(String(200))
    referrer_org_code: Mapped[str | None] = mapped_column(ForeignKey("organizations.code"))
    main_complaint: Mapped[str] = mapped_column(Text)
    opened_by_org_code: Mapped[str | None] = mapped_column(
        ForeignKey("organizations.code"), index=True
    )
    opened_by_sub: Mapped[str] = mapped_column(String(64))
    lead_org_code: Mapped[str | None] = mapped_column(ForeignKey("organizations.code"), index=True)
    coordinator_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list["CaseMember"]] = relationship(
        back_populates="case", lazy="raise", order_by="CaseMember.position"
    )
    categories: Mapped[list["CaseCategory"]] = relationship(lazy="raise")
    team: Mapped[list["TeamMembership"]] = relationship(lazy="raise", order_by="TeamMembership.id")

    # Optimistic concurrency: every UPDATE checks and bumps the version (exposed as the ETag).
    __mapper_args__ = {"version_id_col": version}


class CaseMember(Base):
    __tablename__ = "case_members"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    is_main: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(100))
    name_kana: Mapped[str | None] = mapped_column(String(200))
    # Folded copies for search (domain.names.normalize_for_search).
    name_search: Mapped[str] = mapped_column(String(100), index=True)
    kana_search: Mapped[str | None] = mapped_column(String(200), index=True)
    birth_date: Mapped[date | None] = mapped_column(Date)
    relationship_label: Mapped[str] = mapped_column(String(40))
    notes: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="members", lazy="raise")


class CaseSearchGram(Base):
    """One bigram of a household's folded names (``domain.names.search_grams``): the name
    search walks the cases holding its term's first bigram, newest first, instead of every case.
    Rewritten with the members' names (``api.services.cases``)."""

    __tablename__ = "case_search_grams"
    gram: Mapped[str] = mapped_column(String(2), primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CaseCategory(Base):
    """An issue category of the household (member_id NULL) or of one member."""

    __tablename__ = "case_categories"
    __table_args__ = (
        UniqueConstraint("case_id", "member_id", "category_code"),
        Index("ix_case_categories_category_case", "category_code", "case_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("case_members.id", ondelete="CASCADE"))
    category_code: Mapped[str] = mapped_column(ForeignKey("issue_categories.code"))
    is_primary: Mapped[bool] = mapped_column(Boolean)


class TeamMembership(Base):
    """A unit or agency on the case's support team (支援チーム), with its role and period."""

    __tablename__ = "team_memberships"
    __table_args__ = (Index("ix_team_memberships_org_case", "org_code", "case_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    org_code: Mapped[str] = mapped_column(ForeignKey("organizations.code"))
    role: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    added_by_sub: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseStatusChange(Base):
    """Each change of a case's status, with its reason and the day it took effect: the day of the
    meeting that decided it, or the day it was changed. The city's counts of cases closed and
    suspended (終結・中断) are read from here."""

    __tablename__ = "case_status_changes"
    __table_args__ = (Index("ix_case_status_changes_to_day", "to_status", "effective_on"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    effective_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    changed_by_sub: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Consent(Base):
    """本人同意 of one member. A new record supersedes the previous one; none is ever deleted."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_member_current", "member_id", "superseded_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("case_members.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(20))
    decided_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(20))
    given_by: Mapped[str] = mapped_column(String(20))
    guardian_name: Mapped[str | None] = mapped_column(String(100))
    covers_whole_team: Mapped[bool] = mapped_column(Boolean)
    valid_until: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_sub: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_by_sub: Mapped[str | None] = mapped_column(String(64))
    superseded_at: Mapped[datetime | None] = mapped_column()

    scope_orgs: Mapped[list["ConsentScopeOrg"]] = relationship(lazy="raise")


class ConsentScopeOrg(Base):
    """The orgs a consent covers, as rows so that access filters can join on them."""

    __tablename__ = "consent_scope_orgs"
    consent_id: Mapped[int] = mapped_column(
        ForeignKey("consents.id", ondelete="CASCADE"), primary_key=True
    )
    org_code: Mapped[str] = mapped_column(ForeignKey("organizations.code"), primary_key=True)


class TimelineEntry(Base):
    """支援経過: one contact with the household."""

    __tablename__ = "timeline_entries"
    __table_args__ = (
        Index("ix_timeline_entries_case_occurred", "case_id", "occurred_on", "id"),
        # The report: a fiscal year's contacts, and each case's first 重層的支援 contact.
        Index("ix_timeline_entries_occurred_on", "occurred_on"),
        Index("ix_timeline_entries_function_case", "function_code", "case_id", "occurred_on"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    occurred_on: Mapped[date] = mapped_column(Date)
    means: Mapped[str] = mapped_column(String(40))
    function_code: Mapped[str | None] = mapped_column(ForeignKey("support_functions.code"))
    # The household member the contact was with (None: the household as a whole).
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_members.id", ondelete="SET NULL")
    )
    content: Mapped[str] = mapped_column(Text)
    author_sub: Mapped[str] = mapped_column(String(64))
    author_name: Mapped[str] = mapped_column(String(200))
    author_org_code: Mapped[str | None] = mapped_column(ForeignKey("organizations.code"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
