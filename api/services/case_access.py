"""Loading the facts ``domain.access`` decides on, and the same rules as SQL filters.

``readable_filter`` must agree with ``domain.access.can_read_case``; a test compares the two on
generated data so that list pages show exactly the cases a reader could open one by one.
"""

from datetime import date

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session, selectinload

from api.errors import not_found
from api.models import Case, CaseMember, Consent, ConsentScopeOrg, Referral, TeamMembership
from domain.access import CaseFacts, Principal, ReadableCases, readable_cases
from domain.consent import ConsentDecision, ConsentFacts
from domain.referrals import AWAITING_ANSWER


def consent_facts(consent: Consent | None) -> ConsentFacts | None:
    if consent is None:
        return None
    return ConsentFacts(
        decision=ConsentDecision(consent.decision),
        withdrawn=consent.withdrawn_at is not None,
        valid_until=consent.valid_until,
        covers_whole_team=consent.covers_whole_team,
        covered_orgs=frozenset(s.org_code for s in consent.scope_orgs),
    )


def current_consents(session: Session, case_id: int) -> dict[int, Consent]:
    """The consent in effect (not superseded) per member of a case, with its scope."""
    rows = session.scalars(
        select(Consent)
        .where(Consent.case_id == case_id, Consent.superseded_at.is_(None))
        .options(selectinload(Consent.scope_orgs))
    )
    return {c.member_id: c for c in rows}


def load_facts(session: Session, case: Case, today: date) -> tuple[CaseFacts, dict[int, Consent]]:
    """Access facts of a case, and the current consent of each member (one query each)."""
    team_orgs = frozenset(
        session.scalars(
            select(TeamMembership.org_code).where(
                TeamMembership.case_id == case.id, _active_membership(today)
            )
        )
    )
    consents = current_consents(session, case.id)
    main_id = session.scalar(
        select(CaseMember.id).where(CaseMember.case_id == case.id, CaseMember.is_main)
    )
    # access.md rule 5: the orgs a referral of this case still waits on an answer from.
    referral_orgs = frozenset(
        session.scalars(
            select(Referral.to_org_code)
            .where(
                Referral.case_id == case.id,
                Referral.status.in_(sorted(st.value for st in AWAITING_ANSWER)),
            )
            .distinct()
        )
    )
    facts = CaseFacts(
        opened_by_org=case.opened_by_org_code,
        lead_org=case.lead_org_code,
        coordinator_sub=case.coordinator_id,
        area=case.area_code,
        active_team_orgs=team_orgs,
        main_consent=consent_facts(consents.get(main_id)) if main_id is not None else None,
        open_referral_orgs=referral_orgs,
    )
    return facts, consents


def get_case_row(session: Session, case_id: int, *, for_update: bool = False) -> Case:
    stmt = select(Case).where(Case.id == case_id)
    if for_update:
        stmt = stmt.with_for_update()
    case = session.scalar(stmt)
    if case is None:
        raise not_found("ケース", "case")
    return case


def _active_membership(today: date) -> ColumnElement[bool]:
    return and_(
        TeamMembership.start_date <= today,
        or_(TeamMembership.end_date.is_(None), TeamMembership.end_date >= today),
    )


def _consent_in_force_covering(org: str, today: date) -> ColumnElement[bool]:
    return and_(
        Consent.superseded_at.is_(None),
        Consent.decision == ConsentDecision.GIVEN.value,
        Consent.withdrawn_at.is_(None),
        or_(Consent.valid_until.is_(None), Consent.valid_until >= today),
        or_(
            Consent.covers_whole_team.is_(True),
            exists().where(
                ConsentScopeOrg.consent_id == Consent.id, ConsentScopeOrg.org_code == org
            ),
        ),
    )


def _consented_team_member(org: str, today: date) -> ColumnElement[bool]:
    on_team = exists().where(
        TeamMembership.case_id == Case.id, TeamMembership.org_code == org, _active_membership(today)
    )
    main_consented = exists(
        select(Consent.id)
        .join(CaseMember, CaseMember.id == Consent.member_id)
        .where(
            CaseMember.case_id == Case.id,
            CaseMember.is_main.is_(True),
            _consent_in_force_covering(org, today),
        )
    )
    return and_(on_team, main_consented)


def _strong_conditions(scope: ReadableCases) -> list[ColumnElement[bool]]:
    """Rules 1-3: readers who see every member of the household."""
    conditions: list[ColumnElement[bool]] = []
    if scope.everything:
        conditions.append(true())
    if scope.coordinator_sub:
        conditions.append(Case.coordinator_id == scope.coordinator_sub)
    if scope.area:
        conditions.append(Case.area_code == scope.area)
    if scope.org:
        conditions.append(Case.opened_by_org_code == scope.org)
        conditions.append(Case.lead_org_code == scope.org)
    return conditions


def readable_filter(p: Principal, today: date) -> ColumnElement[bool]:
    """The SQL twin of ``domain.access.can_read_case`` for ``p``."""
    scope = readable_cases(p)
    if scope.nothing:
        return false()
    conditions = _strong_conditions(scope)
    if scope.org:
        conditions.append(_consented_team_member(scope.org, today))
    return or_(*conditions)


def visible_member_filter(p: Principal, today: date) -> ColumnElement[bool]:
    """Which members' names a reader may match in a search (rule 4 readers: consenting ones)."""
    scope = readable_cases(p)
    if scope.nothing:
        return false()
    conditions = _strong_conditions(scope)
    if scope.org:
        member_consents = exists(
            select(Consent.id).where(
                Consent.member_id == CaseMember.id, _consent_in_force_covering(scope.org, today)
            )
        )
        conditions.append(member_consents)
    return or_(*conditions)
