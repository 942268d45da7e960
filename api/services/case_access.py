"""Loading the facts ``domain.access`` decides on, and the same rules as SQL filters.

``readable_filter`` must agree with ``domain.access.can_read_case``; a test compares the two on
generated data so that list pages show exactly the cases a reader could open one by one.
"""

from collections.abc import Collection, Iterable
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple, Protocol

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Date,
    Exists,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    exists,
    false,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from api.db import plain_rows
from api.errors import not_found
from api.models import Case, CaseMember, Consent, ConsentScopeOrg, Referral, TeamMembership
from domain.access import CaseFacts, Principal, readable_cases
from domain.consent import ConsentDecision, ConsentFacts
from domain.referrals import AWAITING_ANSWER


class ConsentKeys(Protocol):
    """The columns of a consent its facts are read from: an entity or a plain row."""

    @property
    def decision(self) -> str: ...
    @property
    def withdrawn_at(self) -> datetime | None: ...
    @property
    def valid_until(self) -> date | None: ...
    @property
    def covers_whole_team(self) -> bool: ...


def consent_facts(consent: ConsentKeys, covered_orgs: Iterable[str]) -> ConsentFacts:
    """What a consent decides on, from its entity or a plain row, and the orgs it names."""
    return ConsentFacts(
        decision=ConsentDecision(consent.decision),
        withdrawn=consent.withdrawn_at is not None,
        valid_until=consent.valid_until,
        covers_whole_team=consent.covers_whole_team,
        covered_orgs=frozenset(covered_orgs),
    )


_CURRENT_CONSENTS = (
    select(
        Consent.id,
        Consent.case_id,
        Consent.member_id,
        Consent.decision,
        Consent.withdrawn_at,
        Consent.valid_until,
        Consent.covers_whole_team,
        ConsentScopeOrg.org_code,
    )
    .outerjoin(ConsentScopeOrg, ConsentScopeOrg.consent_id == Consent.id)
    .where(
        Consent.case_id.in_(bindparam("case_ids", expanding=True)),
        Consent.superseded_at.is_(None),
    )
    .order_by(Consent.id)
)


def _current_consents_many(
    session: Session, case_ids: Collection[int]
) -> dict[int, dict[int, ConsentFacts]]:
    """Per case, the facts of the consent in effect per member, with the orgs it names (one
    statement of plain rows, one per consent and org, whatever the number of cases)."""
    rows = plain_rows(session, _CURRENT_CONSENTS, {"case_ids": list(case_ids)}).all()
    orgs: dict[int, set[str]] = {row.id: set() for row in rows}
    for row in rows:
        if row.org_code is not None:
            orgs[row.id].add(row.org_code)
    latest = {(row.case_id, row.member_id): row for row in rows}  # in id order: the last wins
    out: dict[int, dict[int, ConsentFacts]] = {case_id: {} for case_id in case_ids}
    for (case_id, member_id), c in latest.items():
        out[case_id][member_id] = consent_facts(c, orgs[c.id])
    return out


class CaseKeys(Protocol):
    """The columns of a case its access facts start from: an entity or a plain row."""

    @property
    def id(self) -> int: ...
    @property
    def opened_by_org_code(self) -> str | None: ...
    @property
    def lead_org_code(self) -> str | None: ...
    @property
    def coordinator_id(self) -> str | None: ...
    @property
    def area_code(self) -> str | None: ...


def load_facts(
    session: Session, case: CaseKeys, today: date
) -> tuple[CaseFacts, dict[int, ConsentFacts]]:
    """Access facts of a case, and the facts of each member's current consent."""
    return load_facts_many(session, [case], today)[case.id]


def load_facts_many(
    session: Session, cases: Iterable[CaseKeys], today: date
) -> dict[int, tuple[CaseFacts, dict[int, ConsentFacts]]]:
    """``load_facts`` of several cases at once, by case id, in two queries however many cases:
    a list that decides on each of its cases runs no N+1."""
    by_id = {case.id: case for case in cases}
    if not by_id:
        return {}
    ids = sorted(by_id)
    team_orgs: dict[int, set[str]] = {case_id: set() for case_id in ids}
    referral_orgs: dict[int, set[str]] = {case_id: set() for case_id in ids}
    main_ids: dict[int, int] = {}
    for kind, case_id, org, member_id in plain_rows(
        session, _CASE_TIES, {"case_ids": ids, "today": today}
    ):
        if org is not None:
            (team_orgs if kind == _TEAM else referral_orgs)[case_id].add(org)
        elif member_id is not None:
            main_ids[case_id] = member_id
    consents = _current_consents_many(session, ids)
    out: dict[int, tuple[CaseFacts, dict[int, ConsentFacts]]] = {}
    for case_id, case in by_id.items():
        main_id = main_ids.get(case_id)
        facts = CaseFacts(
            opened_by_org=case.opened_by_org_code,
            lead_org=case.lead_org_code,
            coordinator_sub=case.coordinator_id,
            area=case.area_code,
            active_team_orgs=frozenset(team_orgs[case_id]),
            main_consent=consents[case_id].get(main_id) if main_id is not None else None,
            open_referral_orgs=frozenset(referral_orgs[case_id]),
        )
        out[case_id] = (facts, consents[case_id])
    return out


_CASE_ROW = select(Case).where(Case.id == bindparam("case_id"))
_CASE_ROW_FOR_UPDATE = _CASE_ROW.with_for_update()


class CaseHead(CaseKeys, Protocol):
    """A case's number and the columns its access facts start from: an entity or a plain row."""

    @property
    def number(self) -> str: ...


# The columns of a ``CaseHead``.
CASE_HEAD_COLUMNS = (
    Case.id,
    Case.number,
    Case.opened_by_org_code,
    Case.lead_org_code,
    Case.coordinator_id,
    Case.area_code,
)
_CASE_HEAD = select(*CASE_HEAD_COLUMNS).where(Case.id == bindparam("case_id"))
_CASE_HEAD_FOR_UPDATE = _CASE_HEAD.with_for_update()


def get_case_head(session: Session, case_id: int, *, for_update: bool = False) -> CaseHead:
    """``get_case_row``'s plain-row sibling, for a request that does not change the case (it may
    still lock it against concurrent changes: ``for_update``)."""
    stmt = _CASE_HEAD_FOR_UPDATE if for_update else _CASE_HEAD
    head: CaseHead | None = plain_rows(session, stmt, {"case_id": case_id}).one_or_none()
    if head is None:
        raise not_found("ケース", "case")
    return head


def get_case_row(session: Session, case_id: int, *, for_update: bool = False) -> Case:
    stmt = _CASE_ROW_FOR_UPDATE if for_update else _CASE_ROW
    case = session.scalar(stmt, {"case_id": case_id})
    if case is None:
        raise not_found("ケース", "case")
    return case


def _active_membership(today: date | BindParameter[date]) -> ColumnElement[bool]:
    return and_(
        TeamMembership.start_date <= today,
        or_(TeamMembership.end_date.is_(None), TeamMembership.end_date >= today),
    )


_TEAM, _MAIN, _REFERRAL = "team", "main", "referral"


def _case_ties() -> CompoundSelect[str, int, str | None, int | None]:
    """Per case: the orgs on its team today, its main person, and (access.md rule 5) the orgs a
    referral still waits on an answer from; one statement, built once with bound parameters
    (``case_ids``, ``today``), where three statements cost three round trips."""
    case_ids: BindParameter[int] = bindparam("case_ids", expanding=True)
    today: BindParameter[date] = bindparam("today", type_=Date)
    no_org = null().cast(String)
    no_member = null().cast(Integer)
    return union_all(
        select(literal(_TEAM), TeamMembership.case_id, TeamMembership.org_code, no_member).where(
            TeamMembership.case_id.in_(case_ids), _active_membership(today)
        ),
        select(literal(_MAIN), CaseMember.case_id, no_org, CaseMember.id).where(
            CaseMember.case_id.in_(case_ids), CaseMember.is_main
        ),
        select(literal(_REFERRAL), Referral.case_id, Referral.to_org_code, no_member).where(
            Referral.case_id.in_(case_ids),
            Referral.status.in_(sorted(st.value for st in AWAITING_ANSWER)),
        ),
    )


_CASE_TIES = _case_ties()


def _consent_in_force_covering(
    org: BindParameter[str], today: BindParameter[date]
) -> ColumnElement[bool]:
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


def _consent_exists(consents: Select[int]) -> Exists:
    """Whether the row at hand has a consent of ``consents``, checked for that row only.

    ``OFFSET 0`` keeps PostgreSQL from turning the check into a set of every consenting row,
    worked out before the first row: for rule 4 that meant the consents of every main person in
    the city (100,000, 170 ms) before a department's first page (docs/benchmarks.md)."""
    return exists(consents.offset(0))


def _consented_team_member(
    org: BindParameter[str], today: BindParameter[date]
) -> ColumnElement[bool]:
    """Rule 4: the org is on the case's team today and the main person's consent in force covers
    it. PostgreSQL looks the case up in the org's team cases (a set it works out once per
    statement) and only then checks that case's consent (``_consent_exists``)."""
    on_team = exists().where(
        TeamMembership.case_id == Case.id, TeamMembership.org_code == org, _active_membership(today)
    )
    main_consented = _consent_exists(
        select(Consent.id)
        .join(CaseMember, CaseMember.id == Consent.member_id)
        .where(
            CaseMember.case_id == Case.id,
            CaseMember.is_main.is_(True),
            _consent_in_force_covering(org, today),
        )
    )
    return and_(on_team, main_consented)


class ReaderShape(NamedTuple):
    """Which of the rules' conditions apply to a reader (``ReadableCases`` without its values):
    the access filters are built once per shape, with the values as bound parameters."""

    everything: bool
    coordinator: bool
    area: bool
    org: bool

    @property
    def nothing(self) -> bool:
        return not any(self)


def reader_of(p: Principal, today: date) -> tuple[ReaderShape, dict[str, Any]]:
    """The reader's shape and the values of its filter's bound parameters."""
    scope = readable_cases(p)
    shape = ReaderShape(
        scope.everything, bool(scope.coordinator_sub), bool(scope.area), bool(scope.org)
    )
    values = {
        "reader_sub": scope.coordinator_sub,
        "reader_area": scope.area,
        "reader_org": scope.org,
        "reader_today": today,
    }
    return shape, {name: value for name, value in values.items() if value is not None}


class _Binds(NamedTuple):
    """The bound parameters of a reader's filter: named ones without values (a statement built
    once per shape) or unique ones holding the reader's values (a statement built per use)."""

    sub: BindParameter[str]
    area: BindParameter[str]
    org: BindParameter[str]
    today: BindParameter[date]

    @classmethod
    def named(cls) -> "_Binds":
        return cls(
            bindparam("reader_sub", type_=String),
            bindparam("reader_area", type_=String),
            bindparam("reader_org", type_=String),
            bindparam("reader_today", type_=Date),
        )

    @classmethod
    def holding(cls, values: dict[str, Any]) -> "_Binds":
        def bind(name: str, type_: Any) -> Any:
            return bindparam(name, values.get(name), type_=type_, unique=True)

        return cls(
            bind("reader_sub", String),
            bind("reader_area", String),
            bind("reader_org", String),
            bind("reader_today", Date),
        )


def _strong_conditions(shape: ReaderShape, b: _Binds) -> list[ColumnElement[bool]]:
    """Rules 1-3: readers who see every member of the household."""
    conditions: list[ColumnElement[bool]] = []
    if shape.everything:
        conditions.append(true())
    if shape.coordinator:
        conditions.append(Case.coordinator_id == b.sub)
    if shape.area:
        conditions.append(Case.area_code == b.area)
    if shape.org:
        conditions.append(Case.opened_by_org_code == b.org)
        conditions.append(Case.lead_org_code == b.org)
    return conditions


def _readable(shape: ReaderShape, b: _Binds) -> ColumnElement[bool]:
    if shape.nothing:
        return false()
    conditions = _strong_conditions(shape, b)
    if shape.org:
        conditions.append(_consented_team_member(b.org, b.today))
    return or_(*conditions)


@cache
def readable_clause(shape: ReaderShape) -> ColumnElement[bool]:
    """The SQL twin of ``domain.access.can_read_case`` for readers of ``shape``, with the
    parameters ``reader_of`` gives (built once per shape)."""
    return _readable(shape, _Binds.named())


def readable_filter(p: Principal, today: date) -> ColumnElement[bool]:
    """``readable_clause`` holding the reader's values, for a statement built per use."""
    shape, values = reader_of(p, today)
    return _readable(shape, _Binds.holding(values))


@cache
def visible_member_clause(shape: ReaderShape) -> ColumnElement[bool]:
    """Which members' names a reader may match in a search (rule 4 readers: consenting ones),
    with the parameters ``reader_of`` gives."""
    if shape.nothing:
        return false()
    b = _Binds.named()
    conditions = _strong_conditions(shape, b)
    if shape.org:
        member_consents = _consent_exists(
            select(Consent.id).where(
                Consent.member_id == CaseMember.id, _consent_in_force_covering(b.org, b.today)
            )
        )
        conditions.append(member_consents)
    return or_(*conditions)
