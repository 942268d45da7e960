"""All tables, so that ``Base.metadata`` is complete once this package is imported."""

from api.models.accounts import ApiClient, LoginFailure, RefreshToken, RevokedToken, User
from api.models.audit import AuditEvent
from api.models.base import Base
from api.models.cases import (
    Case,
    CaseCategory,
    CaseMember,
    CaseNumberCounter,
    Consent,
    ConsentScopeOrg,
    TeamMembership,
    TimelineEntry,
)
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

__all__ = [
    "AgencyField",
    "ApiClient",
    "Area",
    "AuditEvent",
    "Base",
    "Case",
    "CaseCategory",
    "CaseMember",
    "CaseNumberCounter",
    "CodeLabel",
    "Consent",
    "ConsentScopeOrg",
    "Department",
    "IssueCategory",
    "LoginFailure",
    "Organization",
    "RefreshToken",
    "RevokedToken",
    "SupportFunction",
    "TeamMembership",
    "TimelineEntry",
    "Town",
    "User",
]
