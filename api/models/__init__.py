"""All tables, so that ``Base.metadata`` is complete once this package is imported."""

from api.models.accounts import ApiClient, LoginFailure, RefreshToken, RevokedToken, User
from api.models.audit import AuditEvent
from api.models.base import Base
from api.models.cases import (
    Case,
    CaseCategory,
    CaseMember,
    CaseNumberCounter,
    CaseSearchGram,
    CaseStatusChange,
    Consent,
    ConsentScopeOrg,
    TeamMembership,
    TimelineEntry,
)
from api.models.idempotency import IdempotencyKey
from api.models.master import (
    AgencyField,
    Area,
    CodeLabel,
    Department,
    IssueCategory,
    Organization,
    SupportFunction,
    Town,
)
from api.models.meetings import (
    AgendaItem,
    Attendee,
    Decision,
    Meeting,
    MeetingRequest,
    MeetingSchedule,
)
from api.models.plans import MonitoringRecord, PlanGoal, PlanItem, SupportPlan
from api.models.referrals import Referral, ReferralEvent

__all__ = [
    "AgencyField",
    "AgendaItem",
    "ApiClient",
    "Area",
    "Attendee",
    "AuditEvent",
    "Base",
    "Case",
    "CaseCategory",
    "CaseMember",
    "CaseNumberCounter",
    "CaseSearchGram",
    "CaseStatusChange",
    "CodeLabel",
    "Consent",
    "ConsentScopeOrg",
    "Decision",
    "Department",
    "IdempotencyKey",
    "IssueCategory",
    "LoginFailure",
    "Meeting",
    "MeetingRequest",
    "MeetingSchedule",
    "MonitoringRecord",
    "Organization",
    "PlanGoal",
    "PlanItem",
    "Referral",
    "ReferralEvent",
    "RefreshToken",
    "RevokedToken",
    "SupportFunction",
    "SupportPlan",
    "TeamMembership",
    "TimelineEntry",
    "Town",
    "User",
]
