"""Referral use cases (つなぐ): send, list, read, answer, report back, withdraw.

A referral is read by the sender side (whoever may read its case, access.md rules 1-4) and by the
unit or agency it addresses (its own record, in every status). The addressed org sees the referral
and the summary the sender wrote, never the rest of the case, until it accepts and the person's
consent covers it (rule 4). Whoever may read neither gets the same 404 as for a referral that does
not exist; whoever may read it but acts for the wrong side gets 403.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Row, Select, String, and_, bindparam, insert, not_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import aliased

from api.clock import now
from api.db import page_limit, plain_rows
from api.errors import AppError, FieldError, forbidden, not_found
from api.models import Case, CaseMember, Organization, Referral, ReferralEvent, TeamMembership
from api.schemas import referrals as s
from api.schemas.base import decode_cursor, encode_cursor
from api.services import concurrency
from api.services.case_access import (
    CaseHead,
    get_case_head,
    get_case_row,
    load_facts,
    readable_filter,
)
from api.services.context import Context
from domain.access import FULL_READ, CaseFacts, Dept, ReadBasis, can_send_referral, read_basis
from domain.organizations import OrgKind, takes_referrals
from domain.referrals import (
    AWAITING_ANSWER,
    OPEN_STATUSES,
    REFERRAL_ACTIONS,
    REFERRAL_STATUS_LABELS,
    Party,
    ReferralAction,
    ReferralFacts,
    ReferralStatus,
    allowed_actions,
    can_read_referral,
    is_overdue,
    needs_reason,
    next_status,
    referral_parties,
)

# The role the addressed org takes on the support team when it accepts.
ACCEPTED_TEAM_ROLE = "つなぎ先（紹介を受諾）"

_ACTION_LABELS: dict[ReferralAction, str] = {
    ReferralAction.ACCEPT: "受諾",
    ReferralAction.DECLINE: "辞退",
    ReferralAction.START: "対応開始",
    ReferralAction.COMPLETE: "完了報告",
    ReferralAction.WITHDRAW: "取り下げ",
}

_REASON_REQUIRED: dict[ReferralAction, str] = {
    ReferralAction.DECLINE: "辞退の理由を入力してください。",
    ReferralAction.WITHDRAW: "取り下げの理由を入力してください。",
    ReferralAction.COMPLETE: "紹介元への報告（対応の結果）を入力してください。",
}


# ---------------------------------------------------------------- guards


@dataclass
class ReferralAccess:
    referral: Referral
    case: Case
    facts: CaseFacts
    basis: ReadBasis | None
    case_readable: bool
    parties: frozenset[Party]


def _parties(ctx: Context, referral: Referral, facts: CaseFacts) -> frozenset[Party]:
    return referral_parties(
        ctx.principal,
        referral.to_org_code,
        can_send=can_send_referral(ctx.principal, facts, ctx.today),
    )


def _readable_case(
    ctx: Context, case_id: int, action: str, *, for_update: bool = False
) -> tuple[CaseHead, CaseFacts]:
    """The case's number and access facts, when the caller may read all of it (rules 1-4); else
    404, audited. Sending and listing referrals change nothing on the case row (sending locks
    it: ``for_update``)."""
    try:
        case = get_case_head(ctx.session, case_id, for_update=for_update)
    except AppError:
        ctx.audit.record_refusal(action, "case", case_id, case_id=None, detail={"exists": False})
        raise
    facts, _ = load_facts(ctx.session, case, ctx.today)
    if read_basis(ctx.principal, facts, ctx.today) not in FULL_READ:
        ctx.audit.record_refusal(action, "case", case.id, case_id=case.id)
        raise not_found("ケース", "case")
    return case, facts


def _load(
    ctx: Context, referral_id: int, action: str, *, for_update: bool = False
) -> ReferralAccess:
    """The referral, when the caller may read it (``can_read_referral``); else 404, audited."""
    referral = ctx.session.get(Referral, referral_id)
    if referral is None:
        ctx.audit.record_refusal(action, "referral", referral_id, detail={"exists": False})
        raise not_found("紹介", "referral")
    # Lock the case before the referral, in the same order as every case edit.
    case = get_case_row(ctx.session, referral.case_id, for_update=for_update)
    if for_update:
        locked = ctx.session.scalar(
            select(Referral)
            .where(Referral.id == referral_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        assert locked is not None
        referral = locked
    facts, _ = load_facts(ctx.session, case, ctx.today)
    basis = read_basis(ctx.principal, facts, ctx.today)
    case_readable = basis in FULL_READ
    if not can_read_referral(ctx.principal, referral.to_org_code, case_readable=case_readable):
        ctx.audit.record_refusal(action, "referral", referral.id, case_id=referral.case_id)
        raise not_found("紹介", "referral")
    return ReferralAccess(
        referral, case, facts, basis, case_readable, _parties(ctx, referral, facts)
    )


def etag(referral: Referral) -> str:
    return concurrency.REFERRAL.etag(referral.id, referral.version)


def check_if_match(referral: Referral, if_match: str | None) -> None:
    concurrency.check_if_match(concurrency.REFERRAL, etag(referral), if_match)


def _flush(ctx: Context) -> None:
    concurrency.flush(ctx.session, concurrency.REFERRAL)


def _invalid(field: str, message: str, code: str, detail_en: str) -> AppError:
    return AppError(
        "validation-error",
        message,
        detail_en,
        errors=[FieldError(field=field, message=message, code=code)],
    )


# ---------------------------------------------------------------- shaping


# Statements a referral's view runs every time, built once with bound parameters.
# The orgs' names, and for sending what the recipient is: one read of their rows.
_ORGS = select(
    Organization.code,
    Organization.name,
    Organization.kind,
    Organization.active,
    Organization.department_code,
).where(Organization.code.in_(bindparam("codes", expanding=True)))
_MAIN_PERSON_NAME = select(CaseMember.name).where(
    CaseMember.case_id == bindparam("case_id"), CaseMember.is_main.is_(True)
)
_HISTORY = (
    select(ReferralEvent.__table__)
    .where(ReferralEvent.referral_id == bindparam("referral_id"))
    .order_by(ReferralEvent.at, ReferralEvent.id)
)
_OPEN_TO = select(Referral.id).where(
    Referral.case_id == bindparam("case_id"),
    Referral.to_org_code == bindparam("to_org"),
    Referral.status.in_(sorted(st.value for st in OPEN_STATUSES)),
)
# Before sending: an open referral to the same org, and the main person's name for the answer.
_BEFORE_SENDING = select(
    _OPEN_TO.limit(1).scalar_subquery().label("open_referral"),
    _MAIN_PERSON_NAME.scalar_subquery().label("main_person_name"),
)


# Sending writes new rows by Core inserts: the answer is built from the values written.
_ADD_REFERRAL = insert(Referral).returning(Referral.id)
_ADD_STEP = insert(ReferralEvent)


class Step(NamedTuple):
    """A step of a referral's history, as written (``referral_events``' columns)."""

    action: str
    from_status: str | None
    to_status: str
    note: str | None
    actor_sub: str
    actor_org_code: str | None
    at: datetime


# code, name, kind, active, department_code
OrgRow = Row[str, str, str, bool, str]


def _orgs(ctx: Context, codes: set[str | None]) -> dict[str, OrgRow]:
    wanted = {c for c in codes if c}
    if not wanted:
        return {}
    return {row.code: row for row in plain_rows(ctx.session, _ORGS, {"codes": sorted(wanted)})}


def _names(orgs: dict[str, OrgRow]) -> dict[str, str]:
    return {code: row.name for code, row in orgs.items()}


def _org_names(ctx: Context, codes: set[str | None]) -> dict[str, str]:
    return _names(_orgs(ctx, codes))


def _main_person_name(ctx: Context, case_id: int) -> str | None:
    return plain_rows(ctx.session, _MAIN_PERSON_NAME, {"case_id": case_id}).scalar()


def _summary_fields(
    r: Referral,
    case_number: str,
    main_name: str | None,
    from_name: str | None,
    to_name: str,
    today: date,
) -> dict[str, Any]:
    status = ReferralStatus(r.status)
    return {
        "id": r.id,
        "case_id": r.case_id,
        "case_number": case_number,
        "main_person_name": main_name,
        "from_org": r.from_org_code,
        "from_org_name": from_name,
        "to_org": r.to_org_code,
        "to_org_name": to_name,
        "urgency": s.ReferralUrgency(r.urgency),
        "due_date": r.due_date,
        "overdue": is_overdue(ReferralFacts(status, r.due_date), today),
        "status": status,
        "status_label": REFERRAL_STATUS_LABELS[status],
        "summary": r.summary,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
    }


def _out(
    ctx: Context,
    r: Referral,
    *,
    case_number: str,
    case_readable: bool,
    parties: frozenset[Party],
    names: dict[str, str],
    main_name: str | None,
) -> s.ReferralOut:
    return s.ReferralOut(
        **_summary_fields(
            r,
            case_number,
            main_name if case_readable else None,
            names.get(r.from_org_code) if r.from_org_code else None,
            names.get(r.to_org_code, r.to_org_code),
            ctx.today,
        ),
        reason=r.reason,
        from_sub=r.from_sub,
        answer_note=r.answer_note,
        report=r.report,
        answered_by=r.answered_by_sub,
        answered_at=r.answered_at,
        completed_at=r.completed_at,
        version=r.version,
        access=s.ReferralAccessOut(
            as_sender=Party.SENDER in parties,
            as_recipient=Party.RECIPIENT in parties,
            case_readable=case_readable,
            allowed_actions=allowed_actions(ReferralStatus(r.status), parties),
        ),
    )


def _view(ctx: Context, referral: Referral, case: CaseHead) -> tuple[s.ReferralOut, str]:
    """The referral as the caller sees it now, read afresh: after a change, access is worked
    out again from the case's facts as they are now."""
    facts, _ = load_facts(ctx.session, case, ctx.today)
    case_readable = read_basis(ctx.principal, facts, ctx.today) in FULL_READ
    return _shown(
        ctx,
        referral,
        case,
        facts,
        names=_org_names(ctx, {referral.from_org_code, referral.to_org_code}),
        main_name=_main_person_name(ctx, case.id) if case_readable else None,
        history=_history(ctx, referral.id),
    )


def _shown(
    ctx: Context,
    referral: Referral,
    case: CaseHead,
    facts: CaseFacts,
    *,
    names: dict[str, str],
    main_name: str | None,
    history: list[s.ReferralEventOut],
) -> tuple[s.ReferralOut, str]:
    """The referral as the caller sees it, from what the caller has at hand: the case's access
    ``facts`` as they are now, the orgs' ``names``, the main person's name (shown only to those
    who may read the case) and the referral's history."""
    out = _out(
        ctx,
        referral,
        case_number=case.number,
        case_readable=read_basis(ctx.principal, facts, ctx.today) in FULL_READ,
        parties=_parties(ctx, referral, facts),
        names=names,
        main_name=main_name,
    )
    out.history = history
    return out, etag(referral)


def _record_step(
    ctx: Context,
    referral: Referral,
    action: str,
    from_status: ReferralStatus | None,
    to_status: ReferralStatus,
    note: str | None,
    *,
    at: datetime,
) -> Step:
    """Add a step to the referral's history. A Core insert, as an audit entry is: the history is
    append-only and the request shows the step from what it wrote (the ORM's flush of an entity
    was about a tenth of sending a referral)."""
    step = Step(
        action=action,
        from_status=from_status.value if from_status else None,
        to_status=to_status.value,
        note=note,
        actor_sub=ctx.principal.sub,
        actor_org_code=ctx.principal.org,
        at=at,
    )
    ctx.session.connection().execute(_ADD_STEP, {"referral_id": referral.id, **step._asdict()})
    return step


def _event_out(e: Step | Row[Any]) -> s.ReferralEventOut:
    return s.ReferralEventOut(
        action=e.action,
        from_status=ReferralStatus(e.from_status) if e.from_status else None,
        to_status=ReferralStatus(e.to_status),
        status_label=REFERRAL_STATUS_LABELS[ReferralStatus(e.to_status)],
        note=e.note,
        actor=e.actor_sub,
        actor_org=e.actor_org_code,
        at=e.at,
    )


def _history(ctx: Context, referral_id: int) -> list[s.ReferralEventOut]:
    return [_event_out(e) for e in plain_rows(ctx.session, _HISTORY, {"referral_id": referral_id})]


# ---------------------------------------------------------------- send


def create_referral(
    ctx: Context, case_id: int, data: s.ReferralCreate
) -> tuple[s.ReferralOut, str]:
    p = ctx.principal
    case, facts = _readable_case(ctx, case_id, "referral.create", for_update=True)
    if not can_send_referral(p, facts, ctx.today):
        ctx.audit.record_refusal("referral.create", "case", case.id, case_id=case.id)
        raise forbidden(
            "このケースから紹介を送る権限がありません。",
            "You may not send referrals from this case.",
        )
    orgs = _orgs(ctx, {data.to_org, p.org})
    to_org = orgs.get(data.to_org)
    if to_org is None or not to_org.active or to_org.department_code == Dept.SYSTEM.value:
        raise _invalid(
            "toOrg",
            f"紹介先に指定できない組織です: {data.to_org}",
            "unknown_code",
            "toOrg is not a unit or agency that takes referrals.",
        )
    if not takes_referrals(OrgKind(to_org.kind)):
        raise _invalid(
            "toOrg",
            f"「{to_org.name}」は参加支援の協力事業所のため、紹介先にできません。"
            "参加支援を担当する課・機関あてに紹介してください。",
            "partner_org",
            "toOrg is a partner business of participation support (kind partner); it takes no "
            "referrals.",
        )
    if data.to_org == p.org:
        raise _invalid(
            "toOrg",
            "自分の組織あてには紹介できません。",
            "own_org",
            "A referral cannot be addressed to the sender's own org.",
        )
    if data.due_date is not None and data.due_date < ctx.today:
        raise _invalid(
            "dueDate",
            "回答期限に過去の日付は指定できません。",
            "past_date",
            "dueDate is in the past.",
        )
    before = plain_rows(
        ctx.session, _BEFORE_SENDING, {"case_id": case.id, "to_org": data.to_org}
    ).one()
    if (duplicate := before.open_referral) is not None:
        raise AppError(
            "conflict",
            f"「{to_org.name}」あての紹介が既に進行中です（紹介ID {duplicate}）。",
            f"An open referral of this case to {data.to_org} already exists (id {duplicate}).",
        )
    stamp = now()
    values: dict[str, Any] = {
        "case_id": case.id,
        "from_org_code": p.org,
        "from_sub": p.sub,
        "to_org_code": data.to_org,
        "reason": data.reason,
        "urgency": data.urgency.value,
        "due_date": data.due_date,
        "summary": data.summary,
        "status": ReferralStatus.SENT.value,
        "version": 1,
        "created_at": stamp,
        "updated_at": stamp,
    }
    # Written by a Core insert (the ORM's flush of a new entity cost about a tenth of sending);
    # the entity below only shows it and is never added to the session.
    new_id = plain_rows(ctx.session, _ADD_REFERRAL, values).scalar_one()
    referral = Referral(id=new_id, **values)
    sending = _record_step(ctx, referral, "send", None, ReferralStatus.SENT, None, at=stamp)
    ctx.audit.record(
        "referral.create",
        "referral",
        referral.id,
        case_id=case.id,
        detail={"to_org": data.to_org, "urgency": data.urgency.value},
    )
    # Sending changed at most one of the case's access facts: a referral awaiting an answer
    # opens the case to to_org (access.md rule 5). Nothing else in this request touched the case.
    awaiting = {data.to_org} if ReferralStatus.SENT in AWAITING_ANSWER else set()
    sent = replace(facts, open_referral_orgs=facts.open_referral_orgs | awaiting)
    return _shown(
        ctx,
        referral,
        case,
        sent,
        names=_names(orgs),
        main_name=before.main_person_name,
        history=[_event_out(sending)],
    )


# ---------------------------------------------------------------- lists


def _overdue_sql(today: date) -> ColumnElement[bool]:
    """The SQL twin of ``domain.referrals.is_overdue``."""
    return and_(
        Referral.status.in_(sorted(st.value for st in AWAITING_ANSWER)),
        Referral.due_date.is_not(None),
        Referral.due_date < today,
    )


@dataclass(frozen=True)
class ReferralFilters:
    box: s.ReferralBox
    status: list[ReferralStatus] | None = None
    overdue: bool | None = None


def list_referrals(
    ctx: Context, filters: ReferralFilters, cursor: str | None, limit: int
) -> tuple[list[s.ReferralSummary], str | None]:
    """The caller's org's inbox (referrals addressed to it) or outbox (sent from it)."""
    p = ctx.principal
    after = decode_cursor(cursor)
    if not p.does_case_work:
        ctx.audit.record_refusal("referral.list", "referral")
        raise forbidden("紹介を閲覧する権限がありません。", "You may not read referrals.")
    if p.org is None:
        return [], None
    main = CaseMember.__table__.alias("main_member")
    sender = aliased(Organization, name="sender_org")
    recipient = aliased(Organization, name="recipient_org")
    # The org, the statuses and the cursor are literals of the statement, like the page size
    # (``page_limit``): an org sends or receives from a handful to 40% of the referrals, and one
    # generic plan for every org read all 200,000 for the few of a clinic (2 ms -> 65 ms); each
    # org gets a plan of its own instead of one planned anew per request (docs/benchmarks.md).
    org = bindparam("box_org", p.org, type_=String, literal_execute=True)
    box = (
        Referral.to_org_code == org
        if filters.box is s.ReferralBox.INBOX
        else Referral.from_org_code == org
    )
    stmt: Select[Any] = (
        select(
            Referral,
            Case.number,
            # Names only where the caller may read the case (rules 1-4); the inbox is how an
            # org without consent learns of a referral, and it must not learn who it concerns.
            sql_case((readable_filter(p, ctx.today), main.c.name), else_=None),
            sender.name,
            recipient.name,
        )
        .join(Case, Case.id == Referral.case_id)
        .outerjoin(main, and_(main.c.case_id == Case.id, main.c.is_main.is_(True)))
        .outerjoin(sender, sender.code == Referral.from_org_code)
        .join(recipient, recipient.code == Referral.to_org_code)
        .where(box)
        .order_by(Referral.id.desc())
        .limit(page_limit(limit + 1))
    )
    if after is not None:
        stmt = stmt.where(Referral.id < bindparam("after", after, literal_execute=True))
    if filters.status:
        statuses = sorted({st.value for st in filters.status})
        stmt = stmt.where(
            Referral.status.in_(
                bindparam("statuses", statuses, expanding=True, literal_execute=True)
            )
        )
    if filters.overdue is True:
        stmt = stmt.where(_overdue_sql(ctx.today))
    elif filters.overdue is False:
        stmt = stmt.where(not_(_overdue_sql(ctx.today)))
    rows = ctx.session.execute(stmt).all()
    page = rows[:limit]
    items = [
        s.ReferralSummary(
            **_summary_fields(r, number, name, from_name, to_name, ctx.today),
        )
        for r, number, name, from_name, to_name in page
    ]
    ctx.audit.record_case_reads("referral.list", list(dict.fromkeys(i.case_id for i in items)))
    next_cursor = encode_cursor(page[-1][0].id) if len(rows) > limit else None
    return items, next_cursor


def list_case_referrals(ctx: Context, case_id: int) -> list[s.ReferralOut]:
    """Every referral of a case, newest first, for those who may read the case."""
    case, facts = _readable_case(ctx, case_id, "referral.list")
    rows = ctx.session.scalars(
        select(Referral).where(Referral.case_id == case.id).order_by(Referral.id.desc())
    ).all()
    names = _org_names(ctx, {r.from_org_code for r in rows} | {r.to_org_code for r in rows})
    main_name = _main_person_name(ctx, case.id)
    ctx.audit.record("referral.list", "case", case.id, case_id=case.id)
    return [
        _out(
            ctx,
            r,
            case_number=case.number,
            case_readable=True,
            parties=_parties(ctx, r, facts),
            names=names,
            main_name=main_name,
        )
        for r in rows
    ]


# ---------------------------------------------------------------- read


def get_referral(ctx: Context, referral_id: int) -> tuple[s.ReferralOut, str]:
    access = _load(ctx, referral_id, "referral.read")
    ctx.audit.record(
        "referral.read",
        "referral",
        referral_id,
        case_id=access.referral.case_id,
        detail={
            "as": "case_reader" if access.case_readable else "recipient",
            "basis": str(access.basis) if access.basis else None,
        },
    )
    return _view(ctx, access.referral, access.case)


# ---------------------------------------------------------------- answer, report, withdraw


def _join_team_on_accept(ctx: Context, access: ReferralAccess) -> TeamMembership | None:
    """The accepting org joins the support team (unless it is on it already). It reads the whole
    case only where the person's consent covers it (access.md rule 4)."""
    if access.referral.to_org_code in access.facts.active_team_orgs:
        return None
    membership = TeamMembership(
        case_id=access.case.id,
        org_code=access.referral.to_org_code,
        role=ACCEPTED_TEAM_ROLE,
        start_date=ctx.today,
        added_by_sub=ctx.principal.sub,
    )
    ctx.session.add(membership)
    access.case.updated_at = now()  # the team is part of the case: its ETag changes
    return membership


def act(
    ctx: Context,
    referral_id: int,
    action: ReferralAction,
    if_match: str | None,
    data: s.ReferralActionIn,
) -> tuple[s.ReferralOut, str]:
    """Take ``action`` on a referral as the side the state machine names for it."""
    audit_action = f"referral.{action.value}"
    access = _load(ctx, referral_id, audit_action, for_update=True)
    referral = access.referral
    party, _, target_status = REFERRAL_ACTIONS[action]
    if party not in access.parties:
        ctx.audit.record_refusal(audit_action, "referral", referral.id, case_id=referral.case_id)
        if party is Party.RECIPIENT:
            raise forbidden(
                f"紹介の{_ACTION_LABELS[action]}ができるのは、紹介先の組織だけです。",
                f"Only the org the referral addresses may {action.value} it.",
            )
        raise forbidden(
            "紹介を取り下げられるのは、紹介元の側（このケースから紹介を送れる人）だけです。",
            "Only the sending side (who may send referrals from the case) may withdraw it.",
        )
    check_if_match(referral, if_match)
    current = ReferralStatus(referral.status)
    if next_status(current, action, party) is None:
        raise AppError(
            "conflict",
            f"「{REFERRAL_STATUS_LABELS[current]}」の紹介は"
            f"「{REFERRAL_STATUS_LABELS[target_status]}」にできません。",
            f"A referral cannot go from {current} to {target_status} ({action.value}).",
        )
    if needs_reason(action) and not data.note:
        message = _REASON_REQUIRED[action]
        raise _invalid("note", message, "required", f"A note is required to {action.value}.")
    stamp = now()
    referral.status = target_status.value
    referral.updated_at = stamp
    if action in (ReferralAction.ACCEPT, ReferralAction.DECLINE):
        referral.answered_by_sub = ctx.principal.sub
        referral.answered_at = stamp
    if action is ReferralAction.COMPLETE:
        referral.report = data.note
        referral.completed_at = stamp
    elif data.note:
        referral.answer_note = data.note
    joined = _join_team_on_accept(ctx, access) if action is ReferralAction.ACCEPT else None
    _flush(ctx)
    _record_step(ctx, referral, action.value, current, target_status, data.note, at=stamp)
    ctx.audit.record(
        audit_action,
        "referral",
        referral.id,
        case_id=referral.case_id,
        detail={"from": current.value, "to": target_status.value},
    )
    if joined is not None:
        ctx.audit.record(
            "team.add",
            "team_membership",
            joined.id,
            case_id=referral.case_id,
            detail={"org": joined.org_code, "referral_id": referral.id},
        )
    return _view(ctx, referral, access.case)
