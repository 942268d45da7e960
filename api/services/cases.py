"""Case use cases: intake, search, read, edit, status, members, consent, team, timeline.

Every function loads the facts, asks ``domain.access`` and writes an audit entry. A caller that may
not read a case gets the same 404 as for a case that does not exist.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple

from pydantic import TypeAdapter
from sqlalchemy import (
    BindParameter,
    Integer,
    Row,
    Select,
    String,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql import FromClause

from api.clock import now
from api.db import page_limit, plain_rows
from api.errors import AppError, FieldError, forbidden, not_found
from api.models import (
    Case,
    CaseCategory,
    CaseMember,
    CaseNumberCounter,
    CaseSearchGram,
    CaseStatusChange,
    CodeLabel,
    Consent,
    ConsentScopeOrg,
    IssueCategory,
    Organization,
    SupportFunction,
    TeamMembership,
    TimelineEntry,
    Town,
    User,
)
from api.schemas import cases as s
from api.schemas.base import CODE_PATTERN, decode_cursor, encode_cursor
from api.services import concurrency
from api.services.case_access import (
    ReaderShape,
    consent_facts,
    get_case_row,
    load_facts,
    readable_clause,
    reader_of,
    visible_member_clause,
)
from api.services.context import Context
from domain.access import (
    FULL_READ,
    CaseFacts,
    ReadBasis,
    Role,
    can_edit_case,
    can_manage_consent,
    can_open_case,
    can_see_member_details,
    read_basis,
)
from domain.case_status import STATUS_LABELS, CaseStatus, can_transition
from domain.consent import ConsentDecision, ConsentFacts, ConsentRuleError, check_consent_record
from domain.fiscal import case_number, fiscal_year
from domain.names import normalize_for_search, search_grams, term_gram
from domain.organizations import OrgKind, does_support_work
from domain.people import age_band

# ---------------------------------------------------------------- guards


@dataclass
class CaseAccess:
    case: Case
    facts: CaseFacts
    consents: dict[int, ConsentFacts]  # by member: the facts of the consent in effect
    basis: ReadBasis


def _readable(ctx: Context, case_id: int, action: str, *, for_update: bool = False) -> CaseAccess:
    try:
        case = get_case_row(ctx.session, case_id, for_update=for_update)
    except AppError:
        ctx.audit.record_refusal(action, "case", case_id, case_id=None, detail={"exists": False})
        raise
    facts, consents = load_facts(ctx.session, case, ctx.today)
    basis = read_basis(ctx.principal, facts, ctx.today)
    if basis not in FULL_READ:
        ctx.audit.record_refusal(action, "case", case.id, case_id=case.id)
        raise not_found("ケース", "case")
    assert basis is not None
    return CaseAccess(case, facts, consents, basis)


def _editable(ctx: Context, case_id: int, action: str, if_match: str | None) -> CaseAccess:
    access = _readable(ctx, case_id, action, for_update=True)
    if not can_edit_case(ctx.principal, access.facts, ctx.today):
        ctx.audit.record_refusal(action, "case", case_id, case_id=case_id)
        raise forbidden("このケースを編集する権限がありません。", "You may not edit this case.")
    check_if_match(access.case, if_match)
    return access


def etag(case: Case) -> str:
    return concurrency.CASE.etag(case.id, case.version)


def check_if_match(case: Case, if_match: str | None) -> None:
    concurrency.check_if_match(concurrency.CASE, etag(case), if_match)


def _flush(ctx: Context) -> None:
    concurrency.flush(ctx.session, concurrency.CASE)


def _touch(case: Case) -> None:
    """Any change to the aggregate bumps the case's version (and so its ETag)."""
    case.updated_at = now()


# ---------------------------------------------------------------- reference checks


@cache
def _codes_among(column: Any) -> Select[Any]:
    """Which of the bound ``codes`` a master table holds (one statement per column, built once)."""
    return select(column).where(column.in_(bindparam("codes", expanding=True)))


def _missing(session: Session, column: Any, codes: set[str]) -> set[str]:
    if not codes:
        return set()
    found = set(plain_rows(session, _codes_among(column), {"codes": sorted(codes)}).scalars())
    return codes - found


def _check_refs(session: Session, checks: Sequence[tuple[str, Any, set[str]]]) -> None:
    errors = [
        FieldError(
            field=field,
            message=f"存在しないコードです: {', '.join(sorted(bad))}",
            code="unknown_code",
        )
        for field, column, codes in checks
        if (bad := _missing(session, column, {c for c in codes if c}))
    ]
    if errors:
        raise AppError(
            "validation-error",
            "存在しないコードが指定されています。",
            "Unknown codes in the request.",
            errors=errors,
        )


def _check_case_work_orgs(
    session: Session, checks: Sequence[tuple[str, set[str]]]
) -> dict[str, str]:
    """Lead, team and consent scope are units and agencies: a partner business of 参加支援
    (協力事業所) reads no case (domain.organizations). Returns the names of the orgs checked."""
    errors = []
    names: dict[str, str] = {}
    for field, codes in checks:
        rows = session.execute(
            select(Organization.code, Organization.kind, Organization.name).where(
                Organization.code.in_(codes)
            )
        ).all()
        names.update((code, name) for code, _kind, name in rows)
        partners = sorted(
            code for code, kind, _name in rows if not does_support_work(OrgKind(kind))
        )
        if partners:
            errors.append(
                FieldError(
                    field=field,
                    message=f"参加支援の協力事業所は指定できません: {', '.join(partners)}",
                    code="partner_org",
                )
            )
    if errors:
        raise AppError(
            "validation-error",
            "参加支援の協力事業所は、担当・支援チーム・同意の範囲に指定できません。",
            "A partner business of participation support cannot lead a case, join its team or "
            "be covered by a consent.",
            errors=errors,
        )
    return names


_CODE_LABEL = select(CodeLabel.code).where(
    CodeLabel.list_name == bindparam("list_name"), CodeLabel.code == bindparam("code")
)


def _check_code_label(session: Session, list_name: str, code: str, field: str) -> None:
    found = plain_rows(session, _CODE_LABEL, {"list_name": list_name, "code": code}).scalar()
    if found is None:
        raise AppError(
            "validation-error",
            "存在しないコードが指定されています。",
            "Unknown code in the request.",
            errors=[
                FieldError(
                    field=field, message=f"存在しないコードです: {code}", code="unknown_code"
                )
            ],
        )


def _check_coordinator(session: Session, user_id: str | None) -> None:
    if user_id is None:
        return
    user = session.get(User, user_id)
    if user is None or Role.COORDINATOR not in user.roles or not user.active:
        raise AppError(
            "validation-error",
            "担当コーディネーターには有効な地域福祉コーディネーターを指定してください。",
            "coordinatorId must be an active coordinator.",
            errors=[
                FieldError(
                    field="coordinatorId",
                    message="コーディネーターではありません。",
                    code="not_coordinator",
                )
            ],
        )


# ---------------------------------------------------------------- case numbers


def next_case_number(session: Session, year: int) -> int:
    """Take the next number of a fiscal year. The counter row stays locked until commit, so
    concurrent intakes get distinct numbers, and a rolled-back intake leaves no gap."""
    bump = (
        update(CaseNumberCounter)
        .where(CaseNumberCounter.fiscal_year == year)
        .values(last_number=CaseNumberCounter.last_number + 1)
        .returning(CaseNumberCounter.last_number)
    )
    taken = session.scalar(bump)
    if taken is not None:
        return int(taken)
    try:
        with session.begin_nested():
            session.add(CaseNumberCounter(fiscal_year=year, last_number=1))
        return 1
    except IntegrityError:
        taken = session.scalar(bump)
        assert taken is not None
        return int(taken)


# ---------------------------------------------------------------- intake


def _area_of(session: Session, town: str | None) -> str | None:
    if town is None:
        return None
    return session.scalar(select(Town.area_code).where(Town.code == town))


def _add_categories(
    session: Session, case_id: int, member_id: int | None, categories: list[s.CategoryIn]
) -> None:
    session.add_all(
        CaseCategory(
            case_id=case_id, member_id=member_id, category_code=c.code, is_primary=c.primary
        )
        for c in categories
    )


def _new_member(case_id: int, position: int, m: s.MemberIn) -> CaseMember:
    return CaseMember(
        case_id=case_id,
        position=position,
        is_main=m.is_main,
        name=m.name,
        name_kana=m.name_kana,
        name_search=normalize_for_search(m.name),
        kana_search=normalize_for_search(m.name_kana) if m.name_kana else None,
        birth_date=m.birth_date,
        relationship_label=m.relationship,
        notes=m.notes,
    )


_NAME_KEYS = select(CaseMember.name_search, CaseMember.kana_search).where(
    CaseMember.case_id == bindparam("case_id")
)


def _index_names(session: Session, case_id: int) -> None:
    """Rewrite the case's search bigrams (``CaseSearchGram``) from its members' folded names,
    after a member is added or renamed."""
    keys = [key for row in plain_rows(session, _NAME_KEYS, {"case_id": case_id}) for key in row]
    session.execute(delete(CaseSearchGram).where(CaseSearchGram.case_id == case_id))
    grams = search_grams(keys)
    if grams:
        session.execute(
            insert(CaseSearchGram), [{"gram": g, "case_id": case_id} for g in sorted(grams)]
        )


def open_case(ctx: Context, data: s.CaseCreate) -> Case:
    p = ctx.principal
    if not can_open_case(p):
        ctx.audit.record_refusal("case.create", "case")
        raise forbidden("相談受付の権限がありません。", "You may not open cases.")
    if data.intake_date > ctx.today:
        raise AppError(
            "validation-error",
            "受付日に未来の日付は指定できません。",
            "intakeDate is in the future.",
            errors=[FieldError(field="intakeDate", message="未来の日付です。", code="future_date")],
        )
    category_codes = {c.code for c in data.categories} | {
        c.code for m in data.members for c in m.categories
    }
    consent_orgs = {o for m in data.members if m.consent for o in m.consent.covered_orgs}
    _check_refs(
        ctx.session,
        [
            ("town", Town.code, {data.town} if data.town else set()),
            ("leadOrg", Organization.code, {data.lead_org} if data.lead_org else set()),
            ("referrerOrg", Organization.code, {data.referrer_org} if data.referrer_org else set()),
            ("categories", IssueCategory.code, category_codes),
            ("members.consent.coveredOrgs", Organization.code, consent_orgs),
        ],
    )
    _check_case_work_orgs(
        ctx.session,
        [
            ("leadOrg", {data.lead_org} if data.lead_org else set()),
            ("members.consent.coveredOrgs", consent_orgs),
        ],
    )
    _check_code_label(ctx.session, "intake_route", data.intake_route, "intakeRoute")
    _check_coordinator(ctx.session, data.coordinator_id)
    year = fiscal_year(data.intake_date)
    sequence = next_case_number(ctx.session, year)
    case = Case(
        number=case_number(year, sequence),
        fiscal_year=year,
        sequence=sequence,
        status=CaseStatus.RECEIVED.value,
        town_code=data.town,
        area_code=_area_of(ctx.session, data.town),
        address_detail=data.address_detail,
        intake_date=data.intake_date,
        intake_route=data.intake_route,
        referrer=data.referrer,
        referrer_org_code=data.referrer_org,
        main_complaint=data.main_complaint,
        opened_by_org_code=p.org,
        opened_by_sub=p.sub,
        lead_org_code=data.lead_org or p.org,
        coordinator_id=data.coordinator_id,
    )
    ctx.session.add(case)
    ctx.session.flush()
    _add_categories(ctx.session, case.id, None, data.categories)
    members = [_new_member(case.id, i, m) for i, m in enumerate(data.members, start=1)]
    ctx.session.add_all(members)
    ctx.session.flush()
    _index_names(ctx.session, case.id)
    for member, m in zip(members, data.members, strict=True):
        _add_categories(ctx.session, case.id, member.id, m.categories)
    ctx.audit.record("case.create", "case", case.id, case_id=case.id)
    if any(m.consent for m in data.members):
        facts, _ = load_facts(ctx.session, case, ctx.today)
        if not can_manage_consent(p, facts, ctx.today):
            raise forbidden(
                "本人同意を記録できるのは、コーディネーター・事務局・主担当課です。",
                "Only coordinators, the secretariat or the lead unit may record consent.",
            )
        for member, m in zip(members, data.members, strict=True):
            if m.consent:
                _write_consent(ctx, case, member, m.consent)
    ctx.session.flush()
    return case


# ---------------------------------------------------------------- search


@dataclass(frozen=True)
class CaseFilters:
    q: str | None = None
    number: str | None = None
    status: list[CaseStatus] | None = None
    area: str | None = None
    category: str | None = None
    lead_org: str | None = None

    def __post_init__(self) -> None:
        # They are written into the list's statement as literals: codes only (the route refuses
        # anything else with a 422 first).
        for code in (self.area, self.category, self.lead_org):
            if code and not re.fullmatch(CODE_PATTERN, code):
                raise ValueError(f"not a code: {code!r}")


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class _ListShape(NamedTuple):
    """Which parts a case list's statement has: one statement is built per shape, with the
    reader's and the filters' values as bound parameters."""

    reader: ReaderShape
    after: bool
    number: bool
    status: bool
    area: bool
    category: bool
    lead_org: bool
    q: bool
    gram: bool


def _code_literal(name: str) -> BindParameter[str]:
    """A filter on a code (an area, an org, a category), written into the statement as a literal
    when it runs; see ``_case_list``."""
    return bindparam(name, type_=String, literal_execute=True)


_MAIN_MEMBER = CaseMember.__table__.alias("main_member")
_PRIMARY_CATEGORY = CaseCategory.__table__.alias("primary_category")


@cache
def _case_list(shape: _ListShape) -> Select[Any]:
    """The statement of a case list of this shape.

    The page size and the filters on a status or a code are written into the statement as
    literals when it runs (``literal_execute``), the rest are parameters. psycopg prepares a
    statement run five times on a connection, and PostgreSQL then keeps a generic plan (made
    without the parameters' values) once it costs no more than the plans made for the values:
    with the page size a parameter, the generic plan had to assume a tenth of the table would be
    read, and on a large city every list was planned anew on every request (0.6-1.0 ms, more
    than running it). With the size written in, the generic plan is kept and the planning saved.
    The statuses, areas, orgs and categories are few and unevenly spread (0.8% of the cases are
    led by one org, 46% by another), so each gets a statement and a plan of its own rather than
    one generic plan for all. So does the cursor: a generic plan of a later page, guessing that a
    third of the cases lie before it, read and sorted all 4,300 cases a department leads (1 ms
    -> 38 ms); a later page is planned for its own cursor, as every page was before. The
    reader's values and the searched text stay parameters (docs/benchmarks.md)."""
    main, primary = _MAIN_MEMBER, _PRIMARY_CATEGORY
    source: FromClause = Case.__table__
    if shape.gram:
        # A name search walks the cases holding its term's first bigram, newest first (by the
        # index's order), rather than every case the reader may see (docs/benchmarks.md).
        source = source.join(
            CaseSearchGram,
            and_(
                CaseSearchGram.case_id == Case.id,
                CaseSearchGram.gram == bindparam("gram", type_=String),
            ),
        )
    # Plain rows, not Case entities: a page of 50 needs eight columns of each case. Each column
    # is named as the field of ``CaseSummary`` it fills.
    stmt: Select[Any] = (
        select(
            Case.id,
            Case.number,
            Case.status,
            Case.town_code.label("town"),
            Case.area_code.label("area"),
            Case.lead_org_code.label("lead_org"),
            Case.intake_date,
            Case.updated_at,
            main.c.name.label("main_person_name"),
            main.c.name_kana.label("main_person_kana"),
            primary.c.category_code.label("primary_category"),
        )
        .select_from(source)
        .outerjoin(main, and_(main.c.case_id == Case.id, main.c.is_main.is_(True)))
        .outerjoin(
            primary,
            and_(
                primary.c.case_id == Case.id,
                primary.c.member_id.is_(None),
                primary.c.is_primary.is_(True),
            ),
        )
        .where(readable_clause(shape.reader))
        .order_by(Case.id.desc())
        .limit(bindparam("limit", type_=Integer, literal_execute=True))
    )
    if shape.after:
        stmt = stmt.where(Case.id < bindparam("after", type_=Integer, literal_execute=True))
    if shape.number:
        stmt = stmt.where(Case.number.like(bindparam("number", type_=String), escape="\\"))
    if shape.status:
        stmt = stmt.where(
            Case.status.in_(bindparam("statuses", expanding=True, literal_execute=True))
        )
    if shape.area:
        stmt = stmt.where(Case.area_code == _code_literal("area"))
    if shape.lead_org:
        stmt = stmt.where(Case.lead_org_code == _code_literal("lead_org"))
    if shape.category:
        stmt = stmt.where(
            select(CaseCategory.id)
            .where(
                CaseCategory.case_id == Case.id,
                CaseCategory.category_code == _code_literal("category"),
            )
            .exists()
        )
    if shape.q:
        pattern = bindparam("q", type_=String)
        matching_member = select(CaseMember.id).where(
            CaseMember.case_id == Case.id,
            or_(
                CaseMember.name_search.like(pattern, escape="\\"),
                CaseMember.kana_search.like(pattern, escape="\\"),
            ),
            visible_member_clause(shape.reader),
        )
        if shape.gram:
            # A scalar subquery, not EXISTS: PostgreSQL turns an EXISTS into a semi join that
            # walks the members of every case alongside; this checks the candidates one by one.
            stmt = stmt.where(matching_member.limit(1).scalar_subquery().is_not(None))
        else:
            stmt = stmt.where(matching_member.exists())
    return stmt


_SUMMARIES = TypeAdapter(list[s.CaseSummary])
_STATUS_LABEL = {status.value: label for status, label in STATUS_LABELS.items()}


def list_cases(
    ctx: Context, filters: CaseFilters, cursor: str | None, limit: int
) -> tuple[list[s.CaseSummary], str | None]:
    after = decode_cursor(cursor)
    reader, params = reader_of(ctx.principal, ctx.today)
    term = normalize_for_search(filters.q) if filters.q else ""
    values = {
        "limit": limit + 1,
        "after": after,
        "number": _like(filters.number.strip()) if filters.number else None,
        "statuses": [st.value for st in filters.status] if filters.status else None,
        "area": filters.area or None,
        "category": filters.category or None,
        "lead_org": filters.lead_org or None,
        "q": _like(term) if term else None,
        "gram": term_gram(term),
    }
    params.update((name, value) for name, value in values.items() if value is not None)
    stmt = _case_list(
        _ListShape(
            reader,
            after=after is not None,
            number="number" in params,
            status="statuses" in params,
            area="area" in params,
            category="category" in params,
            lead_org="lead_org" in params,
            q="q" in params,
            gram="gram" in params,
        )
    )
    result = plain_rows(ctx.session, stmt, params)
    fields = tuple(result.keys())
    rows = result.all()
    page = rows[:limit]
    # The page is validated in one call of pydantic's core rather than built model by model in
    # Python: 335 → 96 µs for a page of 50 (docs/benchmarks.md).
    items = _SUMMARIES.validate_python(
        [
            dict(zip(fields, row, strict=True), status_label=_STATUS_LABEL[row.status])
            for row in page
        ]
    )
    ctx.audit.record_case_reads("case.list", [item.id for item in items])
    next_cursor = encode_cursor(page[-1].id) if len(rows) > limit else None
    return items, next_cursor


# ---------------------------------------------------------------- detail


# A case's own lists, built once with a bound ``case_id``: the case's detail reads them all, as
# plain rows (``plain_rows``): they are shown, never changed, so they need no entities.
_MEMBERS = (
    select(CaseMember.__table__)
    .where(CaseMember.case_id == bindparam("case_id"))
    .order_by(CaseMember.position)
)
_CATEGORIES = (
    select(CaseCategory.__table__, IssueCategory.name)
    .join(IssueCategory, IssueCategory.code == CaseCategory.category_code)
    .where(CaseCategory.case_id == bindparam("case_id"))
    .order_by(CaseCategory.is_primary.desc(), IssueCategory.sort_order)
)
_TEAM_MEMBERS = (
    select(TeamMembership.__table__, Organization.name.label("org_name"))
    .join(Organization, Organization.code == TeamMembership.org_code)
    .where(TeamMembership.case_id == bindparam("case_id"))
    .order_by(TeamMembership.id)
)
_STATUS_HISTORY = (
    select(CaseStatusChange.__table__)
    .where(CaseStatusChange.case_id == bindparam("case_id"))
    .order_by(CaseStatusChange.at, CaseStatusChange.id)
)
_TOWN_NAME = select(Town.name).where(Town.code == bindparam("code"))


def _team_out(session: Session, case_id: int, today: date) -> list[s.TeamMemberOut]:
    rows = plain_rows(session, _TEAM_MEMBERS, {"case_id": case_id})
    return [_team_member_out(t, t.org_name, today) for t in rows]


def _team_member_out(t: TeamMembership | Row[Any], org_name: str, today: date) -> s.TeamMemberOut:
    return s.TeamMemberOut(
        id=t.id,
        org=t.org_code,
        org_name=org_name,
        role=t.role,
        start_date=t.start_date,
        end_date=t.end_date,
        active=t.start_date <= today and (t.end_date is None or t.end_date >= today),
    )


def _case_out(ctx: Context, access: CaseAccess) -> s.CaseOut:
    case, p, today = access.case, ctx.principal, ctx.today
    by_case = {"case_id": case.id}
    members = plain_rows(ctx.session, _MEMBERS, by_case).all()
    categories = plain_rows(ctx.session, _CATEGORIES, by_case).all()
    town_name = (
        plain_rows(ctx.session, _TOWN_NAME, {"code": case.town_code}).scalar()
        if case.town_code
        else None
    )
    member_out = []
    for m in members:
        facts = access.consents.get(m.id)
        visible = can_see_member_details(access.basis, facts, p.org, today)
        member_out.append(
            s.MemberOut(
                id=m.id,
                position=m.position,
                is_main=m.is_main,
                relationship=m.relationship_label,
                age_band=age_band(m.birth_date, today),
                redacted=not visible,
                name=m.name if visible else None,
                name_kana=m.name_kana if visible else None,
                birth_date=m.birth_date if visible else None,
                notes=m.notes if visible else None,
                categories=[
                    s.CategoryOut(code=c.category_code, name=c.name, primary=c.is_primary)
                    for c in categories
                    if c.member_id == m.id and visible
                ],
                consent_in_force=facts.is_in_force(today) if facts and visible else None,
            )
        )
    main = access.facts.main_consent
    return s.CaseOut(
        id=case.id,
        number=case.number,
        fiscal_year=case.fiscal_year,
        status=CaseStatus(case.status),
        status_label=STATUS_LABELS[CaseStatus(case.status)],
        town=case.town_code,
        town_name=town_name,
        area=case.area_code,
        address_detail=case.address_detail,
        intake_date=case.intake_date,
        intake_route=case.intake_route,
        referrer=case.referrer,
        referrer_org=case.referrer_org_code,
        main_complaint=case.main_complaint,
        opened_by_org=case.opened_by_org_code,
        lead_org=case.lead_org_code,
        coordinator_id=case.coordinator_id,
        categories=[
            s.CategoryOut(code=c.category_code, name=c.name, primary=c.is_primary)
            for c in categories
            if c.member_id is None
        ],
        members=member_out,
        team=_team_out(ctx.session, case.id, today),
        status_history=_status_history(ctx.session, case.id),
        consent_in_force=bool(main and main.is_in_force(today)),
        consent_valid_until=main.valid_until if main else None,
        version=case.version,
        created_at=case.created_at,
        updated_at=case.updated_at,
        access=s.CaseAccessOut(
            basis=str(access.basis),
            can_edit=can_edit_case(p, access.facts, today),
            can_manage_consent=can_manage_consent(p, access.facts, today),
        ),
    )


def get_case(ctx: Context, case_id: int) -> tuple[s.CaseOut, str]:
    access = _readable(ctx, case_id, "case.read")
    ctx.audit.record(
        "case.read", "case", case_id, case_id=case_id, detail={"basis": str(access.basis)}
    )
    return _case_out(ctx, access), etag(access.case)


def _reload(ctx: Context, case_id: int) -> tuple[s.CaseOut, str]:
    access = _readable(ctx, case_id, "case.read")
    return _case_out(ctx, access), etag(access.case)


# ---------------------------------------------------------------- edits


def update_case(
    ctx: Context, case_id: int, if_match: str | None, data: s.CaseUpdate
) -> tuple[s.CaseOut, str]:
    access = _editable(ctx, case_id, "case.update", if_match)
    case = access.case
    changes = data.model_dump(exclude_unset=True)
    _check_refs(
        ctx.session,
        [
            ("town", Town.code, {data.town} if data.town else set()),
            ("leadOrg", Organization.code, {data.lead_org} if data.lead_org else set()),
            ("referrerOrg", Organization.code, {data.referrer_org} if data.referrer_org else set()),
            ("categories", IssueCategory.code, {c.code for c in data.categories or []}),
        ],
    )
    _check_case_work_orgs(ctx.session, [("leadOrg", {data.lead_org} if data.lead_org else set())])
    if data.intake_route:
        _check_code_label(ctx.session, "intake_route", data.intake_route, "intakeRoute")
    if "coordinator_id" in changes:
        _check_coordinator(ctx.session, data.coordinator_id)
    if "main_complaint" in changes and data.main_complaint is None:
        raise AppError(
            "validation-error", "主訴は空にできません。", "mainComplaint cannot be null."
        )
    simple = {
        "intake_route": "intake_route",
        "referrer": "referrer",
        "referrer_org": "referrer_org_code",
        "main_complaint": "main_complaint",
        "address_detail": "address_detail",
        "lead_org": "lead_org_code",
        "coordinator_id": "coordinator_id",
    }
    for field, column in simple.items():
        if field in changes:
            setattr(case, column, changes[field])
    if "town" in changes:
        case.town_code = data.town
        case.area_code = _area_of(ctx.session, data.town)
    if data.categories is not None:
        ctx.session.execute(
            delete(CaseCategory).where(
                CaseCategory.case_id == case.id, CaseCategory.member_id.is_(None)
            )
        )
        _add_categories(ctx.session, case.id, None, data.categories)
    _touch(case)
    _flush(ctx)
    ctx.audit.record(
        "case.update", "case", case.id, case_id=case.id, detail={"fields": sorted(changes)}
    )
    return _reload(ctx, case.id)


def change_status(
    ctx: Context, case_id: int, if_match: str | None, data: s.StatusChange
) -> tuple[s.CaseOut, str]:
    access = _editable(ctx, case_id, "case.status", if_match)
    case = access.case
    current = CaseStatus(case.status)
    if not can_transition(current, data.status):
        raise AppError(
            "conflict",
            f"「{STATUS_LABELS[current]}」から「{STATUS_LABELS[data.status]}」には変更できません。",
            f"A case cannot go from {current} to {data.status}.",
        )
    case.status = data.status.value
    _touch(case)
    record_status_change(ctx, case, current, data.status, data.reason, effective_on=ctx.today)
    _flush(ctx)
    ctx.audit.record(
        "case.status",
        "case",
        case.id,
        case_id=case.id,
        detail={"from": current.value, "to": data.status.value},
    )
    return _reload(ctx, case.id)


def record_status_change(
    ctx: Context,
    case: Case,
    current: CaseStatus,
    target: CaseStatus,
    reason: str | None,
    *,
    effective_on: date,
    meeting_id: int | None = None,
) -> None:
    """Keeps the change in the case's status history (also what the city's counts read)."""
    ctx.session.add(
        CaseStatusChange(
            case_id=case.id,
            from_status=current.value,
            to_status=target.value,
            effective_on=effective_on,
            reason=reason,
            meeting_id=meeting_id,
            changed_by_sub=ctx.principal.sub,
        )
    )


def _status_history(session: Session, case_id: int) -> list[s.StatusChangeOut]:
    rows = plain_rows(session, _STATUS_HISTORY, {"case_id": case_id})
    return [
        s.StatusChangeOut(
            from_status=CaseStatus(r.from_status),
            to_status=CaseStatus(r.to_status),
            to_status_label=STATUS_LABELS[CaseStatus(r.to_status)],
            effective_on=r.effective_on,
            reason=r.reason,
            meeting_id=r.meeting_id,
            changed_by=r.changed_by_sub,
            at=r.at,
        )
        for r in rows
    ]


def add_member(
    ctx: Context, case_id: int, if_match: str | None, data: s.MemberIn
) -> tuple[s.CaseOut, str]:
    access = _editable(ctx, case_id, "member.create", if_match)
    case = access.case
    if data.is_main:
        raise AppError(
            "conflict", "本人は既に登録されています。", "The case already has its main person."
        )
    if data.consent is not None:
        raise AppError(
            "validation-error",
            "同意は世帯員の登録後に記録してください。",
            "Record consent after adding the member.",
            errors=[
                FieldError(field="consent", message="ここでは指定できません。", code="not_allowed")
            ],
        )
    _check_refs(
        ctx.session, [("categories", IssueCategory.code, {c.code for c in data.categories})]
    )
    position = (
        ctx.session.scalar(
            select(func.max(CaseMember.position)).where(CaseMember.case_id == case.id)
        )
        or 0
    ) + 1
    member = _new_member(case.id, position, data)
    ctx.session.add(member)
    ctx.session.flush()
    _index_names(ctx.session, case.id)
    _add_categories(ctx.session, case.id, member.id, data.categories)
    _touch(case)
    _flush(ctx)
    ctx.audit.record("member.create", "member", member.id, case_id=case.id)
    return _reload(ctx, case.id)


def _member_of(ctx: Context, case: Case, member_id: int) -> CaseMember:
    member = ctx.session.get(CaseMember, member_id)
    if member is None or member.case_id != case.id:
        raise not_found("世帯員", "member")
    return member


def update_member(
    ctx: Context, case_id: int, member_id: int, if_match: str | None, data: s.MemberUpdate
) -> tuple[s.CaseOut, str]:
    access = _editable(ctx, case_id, "member.update", if_match)
    case = access.case
    member = _member_of(ctx, case, member_id)
    if not can_see_member_details(
        access.basis, access.consents.get(member.id), ctx.principal.org, ctx.today
    ):
        raise forbidden(
            "この世帯員の情報を編集する権限がありません。", "You may not edit this member."
        )
    changes = data.model_dump(exclude_unset=True)
    for field in ("name", "relationship"):
        if field in changes and changes[field] is None:
            raise AppError(
                "validation-error", "必須項目は空にできません。", f"{field} cannot be null."
            )
    _check_refs(
        ctx.session, [("categories", IssueCategory.code, {c.code for c in data.categories or []})]
    )
    if data.name is not None:
        member.name = data.name
        member.name_search = normalize_for_search(data.name)
    if "name_kana" in changes:
        member.name_kana = data.name_kana
        member.kana_search = normalize_for_search(data.name_kana) if data.name_kana else None
    if data.name is not None or "name_kana" in changes:
        _index_names(ctx.session, case.id)
    if "birth_date" in changes:
        member.birth_date = data.birth_date
    if data.relationship is not None:
        member.relationship_label = data.relationship
    if "notes" in changes:
        member.notes = data.notes
    if data.categories is not None:
        ctx.session.execute(
            delete(CaseCategory).where(
                CaseCategory.case_id == case.id, CaseCategory.member_id == member.id
            )
        )
        _add_categories(ctx.session, case.id, member.id, data.categories)
    _touch(case)
    _flush(ctx)
    ctx.audit.record(
        "member.update", "member", member.id, case_id=case.id, detail={"fields": sorted(changes)}
    )
    return _reload(ctx, case.id)


# ---------------------------------------------------------------- consent


def _consent_out(c: Consent, today: date) -> s.ConsentOut:
    facts = consent_facts(c, (o.org_code for o in c.scope_orgs))
    return s.ConsentOut(
        id=c.id,
        member_id=c.member_id,
        decision=ConsentDecision(c.decision),
        decided_on=c.decided_on,
        method=c.method,
        given_by=c.given_by,
        guardian_name=c.guardian_name,
        covers_whole_team=c.covers_whole_team,
        covered_orgs=sorted(o.org_code for o in c.scope_orgs),
        valid_until=c.valid_until,
        note=c.note,
        recorded_by=c.recorded_by_sub,
        recorded_at=c.recorded_at,
        withdrawn_at=c.withdrawn_at,
        withdrawn_reason=c.withdrawn_reason,
        superseded_at=c.superseded_at,
        in_force=c.superseded_at is None and facts.is_in_force(today),
    )


def _write_consent(ctx: Context, case: Case, member: CaseMember, data: s.ConsentIn) -> Consent:
    try:
        check_consent_record(
            decision=data.decision,
            given_by=data.given_by,
            guardian_name=data.guardian_name,
            decided_on=data.decided_on,
            valid_until=data.valid_until,
            covers_whole_team=data.covers_whole_team,
            covered_orgs=frozenset(data.covered_orgs),
            today=ctx.today,
        )
    except ConsentRuleError as exc:
        raise AppError("validation-error", str(exc), "The consent record is inconsistent.") from exc
    ctx.session.execute(
        update(Consent)
        .where(Consent.member_id == member.id, Consent.superseded_at.is_(None))
        .values(superseded_at=now())
    )
    consent = Consent(
        case_id=case.id,
        member_id=member.id,
        decision=data.decision.value,
        decided_on=data.decided_on,
        method=data.method.value,
        given_by=data.given_by.value,
        guardian_name=data.guardian_name,
        covers_whole_team=data.covers_whole_team,
        valid_until=data.valid_until,
        note=data.note,
        recorded_by_sub=ctx.principal.sub,
        recorded_at=now(),
    )
    ctx.session.add(consent)
    ctx.session.flush()
    ctx.session.add_all(
        ConsentScopeOrg(consent_id=consent.id, org_code=o) for o in set(data.covered_orgs)
    )
    ctx.audit.record(
        "consent.record",
        "consent",
        consent.id,
        case_id=case.id,
        detail={
            "member_id": member.id,
            "decision": data.decision.value,
            "reason": data.reason or "同意の記録",
        },
    )
    return consent


def _consent_guard(ctx: Context, case_id: int, action: str) -> CaseAccess:
    access = _readable(ctx, case_id, action, for_update=True)
    if not can_manage_consent(ctx.principal, access.facts, ctx.today):
        ctx.audit.record_refusal(action, "case", case_id, case_id=case_id)
        raise forbidden(
            "本人同意を記録・撤回できるのは、コーディネーター・事務局・主担当課です。",
            "Only coordinators, the secretariat or the lead unit may record or withdraw consent.",
        )
    return access


def list_consents(ctx: Context, case_id: int) -> list[s.ConsentOut]:
    access = _readable(ctx, case_id, "consent.list")
    rows = ctx.session.scalars(
        select(Consent)
        .where(Consent.case_id == case_id)
        .options(selectinload(Consent.scope_orgs))
        .order_by(Consent.member_id, Consent.id.desc())
    ).all()
    visible = [
        c
        for c in rows
        if can_see_member_details(
            access.basis,
            access.consents.get(c.member_id),
            ctx.principal.org,
            ctx.today,
        )
    ]
    ctx.audit.record("consent.list", "case", case_id, case_id=case_id)
    return [_consent_out(c, ctx.today) for c in visible]


def record_consent(ctx: Context, case_id: int, member_id: int, data: s.ConsentIn) -> s.ConsentOut:
    access = _consent_guard(ctx, case_id, "consent.record")
    member = _member_of(ctx, access.case, member_id)
    _check_refs(ctx.session, [("coveredOrgs", Organization.code, set(data.covered_orgs))])
    _check_case_work_orgs(ctx.session, [("coveredOrgs", set(data.covered_orgs))])
    consent = _write_consent(ctx, access.case, member, data)
    _touch(access.case)
    _flush(ctx)
    return _consent_by_id(ctx, consent.id)


def _consent_by_id(ctx: Context, consent_id: int) -> s.ConsentOut:
    consent = ctx.session.scalar(
        select(Consent).where(Consent.id == consent_id).options(selectinload(Consent.scope_orgs))
    )
    assert consent is not None
    return _consent_out(consent, ctx.today)


def withdraw_consent(
    ctx: Context, case_id: int, consent_id: int, data: s.ConsentWithdrawal
) -> s.ConsentOut:
    access = _consent_guard(ctx, case_id, "consent.withdraw")
    consent = ctx.session.get(Consent, consent_id)
    if consent is None or consent.case_id != access.case.id:
        raise not_found("同意記録", "consent record")
    if consent.superseded_at is not None or consent.withdrawn_at is not None:
        raise AppError(
            "conflict",
            "この同意は既に撤回されたか、新しい記録に置き換えられています。",
            "The consent is already withdrawn or superseded.",
        )
    if consent.decision != ConsentDecision.GIVEN.value:
        raise AppError(
            "conflict",
            "同意していない記録は撤回できません。",
            "Only a given consent can be withdrawn.",
        )
    consent.withdrawn_at = now()
    consent.withdrawn_reason = data.reason
    consent.withdrawn_by_sub = ctx.principal.sub
    _touch(access.case)
    _flush(ctx)
    ctx.audit.record(
        "consent.withdraw",
        "consent",
        consent.id,
        case_id=case_id,
        detail={"member_id": consent.member_id, "reason": data.reason},
    )
    return _consent_by_id(ctx, consent.id)


# ---------------------------------------------------------------- team


def list_team(ctx: Context, case_id: int) -> list[s.TeamMemberOut]:
    _readable(ctx, case_id, "team.list")
    ctx.audit.record("team.list", "case", case_id, case_id=case_id)
    return _team_out(ctx.session, case_id, ctx.today)


def add_team_member(ctx: Context, case_id: int, data: s.TeamMemberIn) -> s.TeamMemberOut:
    access = _readable(ctx, case_id, "team.add", for_update=True)
    if not can_edit_case(ctx.principal, access.facts, ctx.today):
        raise forbidden("支援チームを変更する権限がありません。", "You may not change the team.")
    _check_refs(ctx.session, [("org", Organization.code, {data.org})])
    org_name = _check_case_work_orgs(ctx.session, [("org", {data.org})]).get(data.org)
    membership = TeamMembership(
        case_id=case_id,
        org_code=data.org,
        role=data.role,
        start_date=data.start_date,
        end_date=data.end_date,
        added_by_sub=ctx.principal.sub,
    )
    ctx.session.add(membership)
    _touch(access.case)
    _flush(ctx)
    ctx.audit.record(
        "team.add", "team_membership", membership.id, case_id=case_id, detail={"org": data.org}
    )
    return _team_member_out(membership, org_name or data.org, ctx.today)


def update_team_member(
    ctx: Context, case_id: int, membership_id: int, data: s.TeamMemberUpdate
) -> s.TeamMemberOut:
    access = _readable(ctx, case_id, "team.update", for_update=True)
    if not can_edit_case(ctx.principal, access.facts, ctx.today):
        raise forbidden("支援チームを変更する権限がありません。", "You may not change the team.")
    membership = ctx.session.get(TeamMembership, membership_id)
    if membership is None or membership.case_id != case_id:
        raise not_found("支援チームのメンバー", "team membership")
    changes = data.model_dump(exclude_unset=True)
    if "role" in changes and data.role is None:
        raise AppError("validation-error", "役割は空にできません。", "role cannot be null.")
    if data.role is not None:
        membership.role = data.role
    if "end_date" in changes:
        if data.end_date is not None and data.end_date < membership.start_date:
            raise AppError(
                "validation-error",
                "終了日は開始日以降にしてください。",
                "endDate before startDate.",
            )
        membership.end_date = data.end_date
    _touch(access.case)
    _flush(ctx)
    ctx.audit.record(
        "team.update",
        "team_membership",
        membership.id,
        case_id=case_id,
        detail={"fields": sorted(changes)},
    )
    org_name = ctx.session.scalar(
        select(Organization.name).where(Organization.code == membership.org_code)
    )
    return _team_member_out(membership, org_name or membership.org_code, ctx.today)


# ---------------------------------------------------------------- timeline


def _timeline_members(
    ctx: Context, access: CaseAccess, member_ids: set[int]
) -> dict[int, s.TimelineMemberOut]:
    """The members named on timeline entries, each as the reader may see them (access.md: a
    reader admitted by a consent sees another member's name only where that member consented)."""
    if not member_ids:
        return {}
    members = ctx.session.scalars(
        select(CaseMember).where(
            CaseMember.id.in_(member_ids), CaseMember.case_id == access.case.id
        )
    ).all()
    out = {}
    for m in members:
        facts = access.consents.get(m.id)
        visible = can_see_member_details(access.basis, facts, ctx.principal.org, ctx.today)
        out[m.id] = s.TimelineMemberOut(
            id=m.id,
            relationship=m.relationship_label,
            redacted=not visible,
            name=m.name if visible else None,
        )
    return out


class NewEntry(NamedTuple):
    """A timeline entry as written (``timeline_entries``' columns)."""

    id: int
    case_id: int
    occurred_on: date
    means: str
    function_code: str | None
    member_id: int | None
    content: str
    author_sub: str
    author_name: str
    author_org_code: str | None
    created_at: datetime


_ADD_ENTRY = insert(TimelineEntry).returning(TimelineEntry.id)


def _timeline_out(
    e: TimelineEntry | NewEntry, members: dict[int, s.TimelineMemberOut]
) -> s.TimelineEntryOut:
    return s.TimelineEntryOut(
        id=e.id,
        case_id=e.case_id,
        occurred_on=e.occurred_on,
        means=e.means,
        function=e.function_code,
        member=members.get(e.member_id) if e.member_id is not None else None,
        content=e.content,
        author_sub=e.author_sub,
        author_name=e.author_name,
        author_org=e.author_org_code,
        created_at=e.created_at,
    )


def list_timeline(
    ctx: Context, case_id: int, cursor: str | None, limit: int
) -> tuple[list[s.TimelineEntryOut], str | None]:
    access = _readable(ctx, case_id, "timeline.list")
    after = decode_cursor(cursor)
    stmt = (
        select(TimelineEntry)
        .where(TimelineEntry.case_id == case_id)
        .order_by(TimelineEntry.id.desc())
        .limit(page_limit(limit + 1))
    )
    if after is not None:
        stmt = stmt.where(TimelineEntry.id < after)
    rows = ctx.session.scalars(stmt).all()
    page = rows[:limit]
    ctx.audit.record("timeline.list", "case", case_id, case_id=case_id)
    members = _timeline_members(ctx, access, {e.member_id for e in page if e.member_id})
    return [_timeline_out(e, members) for e in page], (
        encode_cursor(page[-1].id) if len(rows) > limit else None
    )


def _entry_checks() -> Select[Any]:
    """What a new contact refers to, in one statement built once: whether its means and
    function are known codes, the case of the member it names, and the author's display name."""
    return select(
        exists()
        .where(CodeLabel.list_name == "contact_means", CodeLabel.code == bindparam("means"))
        .label("means_known"),
        exists().where(SupportFunction.code == bindparam("function")).label("function_known"),
        select(CaseMember.case_id)
        .where(CaseMember.id == bindparam("member_id", type_=Integer))
        .scalar_subquery()
        .label("member_case"),
        select(User.display_name)
        .where(User.id == bindparam("sub"))
        .scalar_subquery()
        .label("author_name"),
    )


_ENTRY_CHECKS = _entry_checks()


def add_timeline_entry(ctx: Context, case_id: int, data: s.TimelineEntryIn) -> s.TimelineEntryOut:
    access = _readable(ctx, case_id, "timeline.create")
    if not can_edit_case(ctx.principal, access.facts, ctx.today):
        raise forbidden("支援経過を記録する権限がありません。", "You may not add timeline entries.")
    if data.occurred_on > ctx.today:
        raise AppError(
            "validation-error",
            "未来の日付の支援経過は記録できません。",
            "occurredOn is in the future.",
            errors=[FieldError(field="occurredOn", message="未来の日付です。", code="future_date")],
        )
    checks = plain_rows(
        ctx.session,
        _ENTRY_CHECKS,
        {
            "means": data.means,
            "function": data.function,
            "member_id": data.member_id,
            "sub": ctx.principal.sub,
        },
    ).one()
    unknown = [
        FieldError(field=field, message=f"存在しないコードです: {code}", code="unknown_code")
        for field, code, known in (
            ("means", data.means, checks.means_known),
            ("function", data.function, checks.function_known),
        )
        if code and not known
    ]
    if data.member_id is not None and checks.member_case != case_id:
        unknown.append(
            FieldError(
                field="memberId",
                message="このケースの世帯員を指定してください。",
                code="unknown_member",
            )
        )
    if unknown:
        raise AppError(
            "validation-error",
            "存在しないコード、またはこのケースの世帯員ではない人が指定されています。",
            "Unknown codes, or a person who is not a member of this case, in the request.",
            errors=unknown,
        )
    values: dict[str, Any] = {
        "case_id": case_id,
        "occurred_on": data.occurred_on,
        "means": data.means,
        "function_code": data.function,
        "member_id": data.member_id,
        "content": data.content,
        "author_sub": ctx.principal.sub,
        "author_name": ctx.principal.sub if checks.author_name is None else checks.author_name,
        "author_org_code": ctx.principal.org,
        "created_at": now(),
    }
    # A Core insert: the entry is never changed in this request, and the ORM's flush of an entity
    # cost more than the insert itself (docs/benchmarks.md).
    entry = NewEntry(id=plain_rows(ctx.session, _ADD_ENTRY, values).scalar_one(), **values)
    ctx.audit.record("timeline.create", "timeline_entry", entry.id, case_id=case_id)
    members = _timeline_members(ctx, access, {entry.member_id} if entry.member_id else set())
    return _timeline_out(entry, members)
