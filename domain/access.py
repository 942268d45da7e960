"""Who may see and do what (access.md). Every decision the API enforces is made here.

A case holds 要配慮個人情報; Social Welfare Act Art. 106-4 / 106-6 and the Personal Information
Protection Act decide who may read it. These functions take plain facts and return decisions;
the API loads the facts, asks, and answers 404 when a case may not be read.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from domain.consent import ConsentFacts, consent_covers


class Role(StrEnum):
    STAFF = "staff"  # 担当者
    CHIEF = "chief"  # 係長
    MANAGER = "manager"  # 課長
    DIRECTOR = "director"  # 部長
    SECRETARIAT = "secretariat"  # 地域共生推進課
    COORDINATOR = "coordinator"  # 地域福祉コーディネーター（社協）
    AGENCY = "agency"  # 支援関係機関
    ADMIN = "admin"  # IT administration, no case content
    AUDITOR = "auditor"  # audit log, no case content


class Dept(StrEnum):
    HEALTH = "health"
    WELFARE = "welfare"
    CHILDREN_FAMILY = "children_family"
    EDUCATION = "education"
    SHAKYO = "shakyo"
    AGENCY = "agency"
    SYSTEM = "system"
    OTHER = "other"


class PrincipalKind(StrEnum):
    USER = "user"
    CLIENT = "client"  # a partner agency's integration (OAuth2 client credentials)


class Scope(StrEnum):
    CASES_READ = "cases:read"
    CASES_WRITE = "cases:write"
    CONSENT_WRITE = "consent:write"
    REFERRALS_WRITE = "referrals:write"
    MASTER_READ = "master:read"
    ADMIN = "admin"
    AUDIT_READ = "audit:read"


SCOPE_DESCRIPTIONS: dict[Scope, str] = {
    Scope.CASES_READ: "ケースの閲覧 / read cases the caller may see",
    Scope.CASES_WRITE: "相談受付・ケース編集・支援経過 / intake, case edits, timeline",
    Scope.CONSENT_WRITE: "本人同意の記録・撤回 / record or withdraw consent",
    Scope.REFERRALS_WRITE: "つなぎ（紹介）/ send and answer referrals",
    Scope.MASTER_READ: "マスタの閲覧 / read master data",
    Scope.ADMIN: "利用者・組織・マスタの管理 / administer users, units, agencies, towns",
    Scope.AUDIT_READ: "監査ログの閲覧 / read the audit log",
}

CITY_STAFF_ROLES = frozenset({Role.STAFF, Role.CHIEF, Role.MANAGER, Role.DIRECTOR})
CASE_ROLES = CITY_STAFF_ROLES | {Role.SECRETARIAT, Role.COORDINATOR, Role.AGENCY}
NO_CASE_CONTENT_ROLES = frozenset({Role.ADMIN, Role.AUDITOR})
CASE_WORK_SCOPES = frozenset(
    {Scope.CASES_READ, Scope.CASES_WRITE, Scope.REFERRALS_WRITE, Scope.MASTER_READ}
)


@dataclass(frozen=True)
class Principal:
    """Who a request acts as, taken from a verified token and the current user record."""

    sub: str
    kind: PrincipalKind
    org: str | None
    dept: Dept
    roles: frozenset[Role]
    scopes: frozenset[str]
    area: str | None = None  # a coordinator's area (east / west)

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def does_case_work(self) -> bool:
        """Admins and auditors never read case content, whatever else they hold."""
        return bool(self.roles & CASE_ROLES) and not (self.roles & NO_CASE_CONTENT_ROLES)


@dataclass(frozen=True)
class CaseFacts:
    """What access to one case depends on."""

    opened_by_org: str | None
    lead_org: str | None
    coordinator_sub: str | None
    area: str | None
    active_team_orgs: frozenset[str]
    main_consent: ConsentFacts | None
    open_referral_orgs: frozenset[str] = field(default_factory=frozenset)


class ReadBasis(StrEnum):
    """Why a principal may read a case (access.md rules 1-5), strongest first."""

    SECRETARIAT = "secretariat"  # rule 1
    COORDINATOR = "coordinator"  # rule 2
    OPENER_OR_LEAD = "opener_or_lead"  # rule 3
    CONSENTED_TEAM = "consented_team"  # rule 4
    OPEN_REFERRAL = "open_referral"  # rule 5: the referral and its summary only


FULL_READ = frozenset(
    {
        ReadBasis.SECRETARIAT,
        ReadBasis.COORDINATOR,
        ReadBasis.OPENER_OR_LEAD,
        ReadBasis.CONSENTED_TEAM,
    }
)


def read_basis(p: Principal, case: CaseFacts, today: date) -> ReadBasis | None:
    """The strongest rule under which ``p`` may read ``case``, or None."""
    if not p.does_case_work:
        return None
    if p.has(Role.SECRETARIAT):
        return ReadBasis.SECRETARIAT
    if p.has(Role.COORDINATOR) and (
        case.coordinator_sub == p.sub or (p.area is not None and case.area == p.area)
    ):
        return ReadBasis.COORDINATOR
    if p.org is not None and p.org in (case.opened_by_org, case.lead_org):
        return ReadBasis.OPENER_OR_LEAD
    if p.org in case.active_team_orgs and consent_covers(case.main_consent, p.org, today):
        return ReadBasis.CONSENTED_TEAM
    if p.org is not None and p.org in case.open_referral_orgs:
        return ReadBasis.OPEN_REFERRAL
    return None


def can_read_case(p: Principal, case: CaseFacts, today: date) -> bool:
    """Rules 1-4: the household, members, consent, timeline, plans and referrals."""
    return read_basis(p, case, today) in FULL_READ


def can_edit_case(p: Principal, case: CaseFacts, today: date) -> bool:
    """Edit a case or add a timeline entry: whoever may read it by rules 1-4."""
    return can_read_case(p, case, today)


def can_send_referral(p: Principal, case: CaseFacts, today: date) -> bool:
    return can_edit_case(p, case, today)


def can_manage_consent(p: Principal, case: CaseFacts, today: date) -> bool:
    """Record or withdraw consent: a coordinator, the secretariat, or the case's lead unit."""
    if not can_read_case(p, case, today):
        return False
    return (
        p.has(Role.SECRETARIAT)
        or p.has(Role.COORDINATOR)
        or (p.org is not None and p.org == case.lead_org)
    )


def can_open_case(p: Principal) -> bool:
    """Intake: city staff of any level, the secretariat, coordinators, agencies (own consultations)."""
    return p.does_case_work


def can_see_member_details(
    basis: ReadBasis, member_consent: ConsentFacts | None, org: str | None, today: date
) -> bool:
    """A reader admitted only by rule 4 sees a member only where that member consented too."""
    if basis is ReadBasis.CONSENTED_TEAM:
        return consent_covers(member_consent, org, today)
    return basis in FULL_READ


def can_administer(p: Principal) -> bool:
    return p.has(Role.ADMIN)


class AuditView(StrEnum):
    ALL = "all"
    READABLE_CASES = "readable_cases"


def audit_view(p: Principal) -> AuditView | None:
    """Auditors read the whole log; the secretariat reads entries of the cases it can read."""
    if p.has(Role.AUDITOR):
        return AuditView.ALL
    if p.has(Role.SECRETARIAT) and p.does_case_work:
        return AuditView.READABLE_CASES
    return None


@dataclass(frozen=True)
class ReadableCases:
    """The same rules as ``can_read_case``, in a shape a query can filter by.

    A case is readable when ``everything`` holds, or the case's coordinator is ``coordinator_sub``,
    or its area is ``area``, or ``org`` opened or leads it, or ``org`` is on its active support
    team and the main person's consent in force covers ``org``.
    """

    everything: bool = False
    coordinator_sub: str | None = None
    area: str | None = None
    org: str | None = None

    @property
    def nothing(self) -> bool:
        return not (self.everything or self.coordinator_sub or self.area or self.org)


def readable_cases(p: Principal) -> ReadableCases:
    if not p.does_case_work:
        return ReadableCases()
    if p.has(Role.SECRETARIAT):
        return ReadableCases(everything=True)
    if p.has(Role.COORDINATOR):
        return ReadableCases(coordinator_sub=p.sub, area=p.area, org=p.org)
    return ReadableCases(org=p.org)


class RoleSetError(ValueError):
    """A combination of roles an account may not hold."""


def check_role_set(roles: Iterable[Role], dept: Dept, area: str | None) -> frozenset[Role]:
    """Separation of duties: the roles an account may hold together, given its department."""
    role_set = frozenset(roles)
    if not role_set:
        raise RoleSetError("少なくとも1つのロールが必要です。")
    if role_set & NO_CASE_CONTENT_ROLES and role_set & CASE_ROLES:
        raise RoleSetError("管理者・監査担当はケースを扱うロールと兼ねられません。")
    if role_set >= NO_CASE_CONTENT_ROLES:
        # Separation of duties: whoever administers accounts must not audit their own actions.
        raise RoleSetError("管理者と監査担当は兼ねられません。")
    if Role.AGENCY in role_set and (role_set - {Role.AGENCY} or dept is not Dept.AGENCY):
        raise RoleSetError(
            "agency ロールは支援関係機関の利用者だけが持ち、他のロールと兼ねられません。"
        )
    if dept is Dept.AGENCY and role_set != {Role.AGENCY}:
        raise RoleSetError("支援関係機関の利用者は agency ロールだけを持ちます。")
    if Role.COORDINATOR in role_set:
        if dept is not Dept.SHAKYO:
            raise RoleSetError("地域福祉コーディネーターは社協の利用者です。")
        if area is None:
            raise RoleSetError("地域福祉コーディネーターには担当圏域が必要です。")
    if role_set & CITY_STAFF_ROLES and dept not in CITY_DEPTS:
        raise RoleSetError("担当者・係長・課長・部長は4部の職員のロールです。")
    if Role.SECRETARIAT in role_set and dept is not Dept.HEALTH:
        raise RoleSetError("事務局（地域共生推進課）は健康部の所属です。")
    return role_set


CITY_DEPTS = frozenset({Dept.HEALTH, Dept.WELFARE, Dept.CHILDREN_FAMILY, Dept.EDUCATION})


def scopes_for(roles: Iterable[Role]) -> frozenset[str]:
    """The OAuth2 scopes a staff login is granted for its roles."""
    scopes: set[str] = set()
    role_set = frozenset(roles)
    if role_set & CASE_ROLES and not role_set & NO_CASE_CONTENT_ROLES:
        scopes |= CASE_WORK_SCOPES
        if role_set & (CITY_STAFF_ROLES | {Role.SECRETARIAT, Role.COORDINATOR}):
            scopes.add(Scope.CONSENT_WRITE)
    if Role.ADMIN in role_set:
        scopes |= {Scope.ADMIN, Scope.MASTER_READ}
    if Role.AUDITOR in role_set:
        scopes |= {Scope.AUDIT_READ, Scope.MASTER_READ}
    if Role.SECRETARIAT in role_set:
        scopes.add(Scope.AUDIT_READ)
    return frozenset(str(s) for s in scopes)


AGENCY_CLIENT_SCOPES = frozenset(str(s) for s in CASE_WORK_SCOPES)
