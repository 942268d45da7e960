"""The rows of each table, spelt out from the world (one generator per table, in id order)."""

import json
import random
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from api.datagen import texts
from api.datagen.loader import RawJson
from api.datagen.master import CONTACT_MEANS_WEIGHTS
from api.datagen.names import full_name, search_key
from api.datagen.world import CaseSpec, MeetingSpec, UserSpec, Weighted, World, stamp
from domain.case_status import CaseStatus
from domain.names import search_grams
from domain.plans import PlanStatus

Row = tuple[Any, ...]


@dataclass
class Table:
    """One table's columns, row count (or how to count them, once their parents are written)
    and row generator."""

    name: str
    columns: list[str]
    total: int | Callable[[], int]
    rows: Iterator[Row]

    def count(self) -> int:
        return self.total if isinstance(self.total, int) else self.total()


def _t(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo


# ---------------------------------------------------------------------- orgs and users


def organizations(world: World) -> Table:
    new = [a for a in world.agencies if a.code not in world.existing_orgs]
    rows = ((a.code, "agency", a.name, a.kana, "agency", a.field, True) for a in new)
    cols = ["code", "kind", "name", "kana", "department_code", "field_code", "active"]
    return Table("organizations", cols, len(new), iter(rows))


def users(world: World, password_hash: str) -> Table:
    new = [u for u in world.users if u.new]
    created = _t(world.start)

    def gen() -> Iterator[Row]:
        for u in new:
            email = f"{u.username}@example.jp"
            yield (
                u.id,
                u.username,
                u.display_name,
                email,
                password_hash,
                u.org,
                list(u.roles),
                u.area,
                True,
                0,
                created,
                created,
            )

    cols = [
        "id",
        "username",
        "display_name",
        "email",
        "password_hash",
        "org_code",
        "roles",
        "area_code",
        "active",
        "token_generation",
        "created_at",
        "updated_at",
    ]
    return Table("users", cols, len(new), gen())


# ---------------------------------------------------------------------- the case aggregate


def cases(world: World) -> Table:
    rng = world.rng("rows:cases")

    def gen() -> Iterator[Row]:
        for c in world.cases:
            created = stamp(rng, c.intake)
            updated = stamp(rng, c.changes[-1][2]) if c.changes else created
            address = (
                f"{rng.randint(1, 8)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}" if c.town else None
            )
            yield (
                c.id,
                c.number,
                c.fiscal_year,
                c.sequence,
                c.status.value,
                c.town,
                c.area,
                address,
                c.intake,
                c.route,
                c.referrer,
                c.referrer_org,
                c.complaint,
                c.opener_org,
                c.opener_sub,
                c.lead_org,
                c.coordinator,
                1 + len(c.changes),
                created,
                max(created, updated),
            )

    cols = [
        "id",
        "number",
        "fiscal_year",
        "sequence",
        "status",
        "town_code",
        "area_code",
        "address_detail",
        "intake_date",
        "intake_route",
        "referrer",
        "referrer_org_code",
        "main_complaint",
        "opened_by_org_code",
        "opened_by_sub",
        "lead_org_code",
        "coordinator_id",
        "version",
        "created_at",
        "updated_at",
    ]
    return Table("cases", cols, len(world.cases), gen())


def case_members(world: World) -> Table:
    def gen() -> Iterator[Row]:
        for c in world.cases:
            for m in c.members:
                yield (
                    m.id,
                    c.id,
                    m.position,
                    m.position == 1,
                    m.name,
                    m.kana,
                    search_key(m.name),
                    search_key(m.kana) if m.kana else None,
                    m.birth,
                    m.relationship,
                    m.note,
                )

    cols = [
        "id",
        "case_id",
        "position",
        "is_main",
        "name",
        "name_kana",
        "name_search",
        "kana_search",
        "birth_date",
        "relationship_label",
        "notes",
    ]
    return Table("case_members", cols, sum(len(c.members) for c in world.cases), gen())


def case_search_grams(world: World) -> Table:
    """The name search's bigrams of each household (``domain.names.search_grams``)."""

    def keys(c: CaseSpec) -> list[str | None]:
        return [k for m in c.members for k in (search_key(m.name), m.kana and search_key(m.kana))]

    per_case = [sorted(search_grams(keys(c))) for c in world.cases]

    def gen() -> Iterator[Row]:
        for c, grams in zip(world.cases, per_case, strict=True):
            for gram in grams:
                yield (gram, c.id)

    return Table("case_search_grams", ["gram", "case_id"], sum(map(len, per_case)), gen())


def case_categories(world: World) -> Table:
    first = world.next_ids("case_categories")
    total = sum(len(c.categories) + sum(1 for m in c.members if m.category) for c in world.cases)

    def gen() -> Iterator[Row]:
        i = first
        for c in world.cases:
            for n, code in enumerate(c.categories):
                yield (i, c.id, None, code, n == 0)
                i += 1
            for m in c.members:
                if m.category:
                    yield (i, c.id, m.id, m.category, True)
                    i += 1

    cols = ["id", "case_id", "member_id", "category_code", "is_primary"]
    return Table("case_categories", cols, total, gen())


def team_memberships(world: World) -> Table:
    rng = world.rng("rows:team")
    first = world.next_ids("team_memberships")

    def gen() -> Iterator[Row]:
        i = first
        for c in world.cases:
            for org, start, end, role, by in c.team:
                yield (i, c.id, org, role, start, end, by, stamp(rng, start))
                i += 1

    cols = [
        "id",
        "case_id",
        "org_code",
        "role",
        "start_date",
        "end_date",
        "added_by_sub",
        "created_at",
    ]
    return Table("team_memberships", cols, sum(len(c.team) for c in world.cases), gen())


def consents(world: World) -> Table:
    rng = world.rng("rows:consents")

    def gen() -> Iterator[Row]:
        for c in world.cases:
            for k in c.consents:
                recorded = stamp(rng, k.decided_on)
                withdrawn = stamp(rng, k.withdrawn_on) if k.withdrawn_on else None
                superseded = stamp(rng, k.superseded_on) if k.superseded_on else None
                yield (
                    k.id,
                    c.id,
                    k.member_id,
                    k.decision,
                    k.decided_on,
                    k.method,
                    k.given_by,
                    k.guardian_name,
                    k.whole_team,
                    k.valid_until,
                    "訪問時に書面で同意を得た。" if k.method == "written" else None,
                    k.recorded_by,
                    recorded,
                    withdrawn,
                    "本人から同意撤回の申し出があった。" if withdrawn else None,
                    k.recorded_by if withdrawn else None,
                    superseded,
                )

    cols = [
        "id",
        "case_id",
        "member_id",
        "decision",
        "decided_on",
        "method",
        "given_by",
        "guardian_name",
        "covers_whole_team",
        "valid_until",
        "note",
        "recorded_by_sub",
        "recorded_at",
        "withdrawn_at",
        "withdrawn_reason",
        "withdrawn_by_sub",
        "superseded_at",
    ]
    return Table("consents", cols, sum(len(c.consents) for c in world.cases), gen())


def consent_scope_orgs(world: World) -> Table:
    def gen() -> Iterator[Row]:
        for c in world.cases:
            for k in c.consents:
                for org in k.scope:
                    yield (k.id, org)

    total = sum(len(k.scope) for c in world.cases for k in c.consents)
    return Table("consent_scope_orgs", ["consent_id", "org_code"], total, gen())


def case_status_changes(world: World) -> Table:
    rng = world.rng("rows:status")
    first = world.next_ids("case_status_changes")
    organisers = {m.id: m.organiser_sub for m in world.meetings}

    def gen() -> Iterator[Row]:
        i = first
        for c in world.cases:
            for frm, to, day, meeting_id, reason in c.changes:
                by = organisers[meeting_id] if meeting_id else (c.coordinator or c.opener_sub)
                yield (i, c.id, frm, to, day, reason, meeting_id, by, stamp(rng, day))
                i += 1

    cols = [
        "id",
        "case_id",
        "from_status",
        "to_status",
        "effective_on",
        "reason",
        "meeting_id",
        "changed_by_sub",
        "at",
    ]
    return Table("case_status_changes", cols, sum(len(c.changes) for c in world.cases), gen())


# ---------------------------------------------------------------------- meetings


@dataclass
class MeetingRows:
    requests: list[Row]
    agenda: list[Row]
    decisions: list[Row]


def meetings(world: World) -> Table:
    rng = world.rng("rows:meetings")

    def gen() -> Iterator[Row]:
        for m in world.meetings:
            held = m.status == "held"
            created = stamp(rng, max(world.start, m.day - timedelta(days=rng.randint(20, 40))))
            updated = stamp(rng, m.day) if held else created
            minutes = texts.pick(rng, texts.MINUTES) if held else None
            yield (
                m.id,
                m.kind,
                m.regular,
                m.day,
                m.start,
                m.end,
                m.place,
                m.status,
                m.organiser_org,
                m.organiser_sub,
                minutes,
                2 if held else 1,
                created,
                max(created, updated),
            )

    cols = [
        "id",
        "kind",
        "regular",
        "day",
        "start_time",
        "end_time",
        "place",
        "status",
        "organiser_org_code",
        "organiser_sub",
        "minutes",
        "version",
        "created_at",
        "updated_at",
    ]
    return Table("meetings", cols, len(world.meetings), gen())


def meeting_rows(world: World) -> MeetingRows:
    """Requests, agenda items and decisions: tens of thousands of rows, built in one pass."""
    rng = world.rng("rows:agenda")
    request_id = world.next_ids("meeting_requests")
    agenda_id = world.next_ids("agenda_items")
    decision_id = world.next_ids("decisions")
    screeners = world.with_role("coordinator") or world.users
    out = MeetingRows([], [], [])
    for m in world.meetings:
        for position, item in enumerate(m.items, start=1):
            case = world.cases[item.case_idx]
            request = None
            if item.request:
                requested = max(case.intake, m.day - timedelta(days=rng.randint(20, 60)))
                requested = min(requested, world.yesterday)
                by = world.actor(rng, case.lead_org)
                request = request_id
                out.requests.append(
                    (
                        request_id,
                        case.id,
                        m.kind,
                        m.id,
                        item.purpose,
                        texts.REQUEST_NOTES[rng.randrange(2)],
                        requested,
                        by.id,
                        by.org,
                        "accepted",
                        rng.choice(screeners).id,
                        None,
                        stamp(rng, requested),
                    )
                )
                request_id += 1
            out.agenda.append(
                (
                    agenda_id,
                    m.id,
                    case.id,
                    position,
                    item.purpose,
                    item.summary,
                    item.plan_id,
                    request,
                )
            )
            if m.status == "held":
                for kind, content in item.decisions:
                    out.decisions.append(
                        (
                            decision_id,
                            m.id,
                            agenda_id,
                            kind,
                            content,
                            m.organiser_sub,
                            stamp(rng, m.day),
                        )
                    )
                    decision_id += 1
            agenda_id += 1
    # Requests still waiting for screening, from open cases of the last weeks.
    recent = world.yesterday - timedelta(days=40)
    for case in world.cases:
        if case.intake < recent or case.status is CaseStatus.CLOSED or rng.random() > 0.3:
            continue
        kind = "multi_agency" if world.consent_in_force(case, world.yesterday) else "support"
        requested = case.intake + timedelta(
            days=rng.randint(0, (world.yesterday - case.intake).days)
        )
        by = world.actor(rng, case.lead_org)
        out.requests.append(
            (
                request_id,
                case.id,
                kind,
                None,
                "information_sharing",
                texts.REQUEST_NOTES[0],
                requested,
                by.id,
                by.org,
                "submitted",
                None,
                None,
                stamp(rng, requested),
            )
        )
        request_id += 1
    return out


def meeting_requests(rows: MeetingRows) -> Table:
    cols = [
        "id",
        "case_id",
        "kind",
        "meeting_id",
        "purpose",
        "note",
        "requested_on",
        "requested_by_sub",
        "requested_by_org_code",
        "status",
        "screened_by_sub",
        "screening_note",
        "created_at",
    ]
    return Table("meeting_requests", cols, len(rows.requests), iter(rows.requests))


def agenda_items(rows: MeetingRows) -> Table:
    cols = [
        "id",
        "meeting_id",
        "case_id",
        "position",
        "purpose",
        "summary",
        "plan_id",
        "request_id",
    ]
    return Table("agenda_items", cols, len(rows.agenda), iter(rows.agenda))


def decisions(rows: MeetingRows) -> Table:
    cols = ["id", "meeting_id", "agenda_item_id", "kind", "content", "decided_by_sub", "created_at"]
    return Table("decisions", cols, len(rows.decisions), iter(rows.decisions))


def _attendee_orgs(
    world: World, rng: random.Random, m: MeetingSpec
) -> list[tuple[str, UserSpec | None]]:
    if m.kind in ("support", "multi_agency"):
        orgs = [m.organiser_org, "kyosei"]
        for item in m.items:
            orgs += [t[0] for t in world.cases[item.case_idx].team]
        if len(orgs) < 4:
            orgs += [world.coordinator_org(rng.choice(world.master.areas))]
        unique = list(
            dict.fromkeys(o for o in orgs if o in world.master.orgs or o in world.users_by_org)
        )
        return [
            (
                org,
                world.actor(rng, org) if org in world.users_by_org and rng.random() < 0.7 else None,
            )
            for org in unique[:10]
        ]
    role = {"staff": "chief", "coordination": "manager", "emergency": "director"}[m.kind]
    people = world.with_role(role)
    if m.kind == "coordination":
        people = people + world.with_role("director")
    chosen = people if len(people) <= 10 else rng.sample(people, 10)
    return [(u.org, u) for u in chosen]


def attendees(world: World) -> Table:
    rng = world.rng("rows:attendees")
    plan = [(m, _attendee_orgs(world, rng, m)) for m in world.meetings]
    first = world.next_ids("attendees")

    def gen() -> Iterator[Row]:
        i = first
        for m, people in plan:
            held = m.status == "held"
            for org, user in people:
                name = None
                if user is None:
                    female = rng.random() < 0.5
                    name, _ = full_name(
                        rng, world.names.surname(rng), world.names.given(rng, female)
                    )
                by_post = user is None and rng.random() < 0.2
                email = None if by_post else f"{user.username if user else org}@example.jp"
                postal = "東京都国分寺市戸倉4-14" if by_post else None
                ack = None
                if m.kind == "support" and (held or rng.random() < 0.5):
                    ack = stamp(rng, min(m.day, world.yesterday))
                sent_day = m.day - timedelta(days=rng.randint(7, 14))
                sent = stamp(rng, sent_day) if sent_day <= world.yesterday else None
                attended = (rng.random() < 0.92) if held else None
                yield (
                    i,
                    m.id,
                    org,
                    user.id if user else None,
                    name,
                    email,
                    postal,
                    "post" if by_post else "email",
                    attended,
                    ack,
                    sent,
                )
                i += 1

    cols = [
        "id",
        "meeting_id",
        "org_code",
        "user_id",
        "name",
        "email",
        "postal_address",
        "notice_channel",
        "attended",
        "confidentiality_acknowledged_at",
        "notice_sent_at",
    ]
    return Table("attendees", cols, sum(len(p) for _m, p in plan), gen())


# ---------------------------------------------------------------------- plans


def support_plans(world: World) -> Table:
    rng = world.rng("rows:plans")
    total = sum(len(c.plans) for c in world.cases)

    def gen() -> Iterator[Row]:
        for c in world.cases:
            previous = None
            for p in c.plans:
                created = stamp(rng, p.created)
                changed = stamp(rng, p.changed) if p.changed else None
                closed = p.status == PlanStatus.CLOSED.value
                reason = {
                    "replaced": "見直しのため新しい版に置き換え。",
                    "closed": "目標を達成し終結。",
                    "suspended": "支援の中断に伴い中断。",
                }.get(p.status)
                agreed = None
                if p.start is not None:
                    agreed = max(p.created, p.start - timedelta(days=rng.randint(0, 14)))
                yield (
                    p.id,
                    c.id,
                    p.version,
                    previous,
                    p.status,
                    texts.pick(rng, texts.ASSESSMENTS),
                    p.every,
                    p.start,
                    p.end,
                    p.next_due,
                    agreed,
                    ("written" if rng.random() < 0.8 else "oral") if agreed else None,
                    p.meeting_id,
                    texts.pick(rng, texts.EVALUATIONS) if closed else None,
                    reason,
                    changed if reason else None,
                    p.author,
                    1 + (p.meeting_id is not None) + bool(reason),
                    created,
                    max(created, changed) if changed else created,
                )
                previous = p.id

    cols = [
        "id",
        "case_id",
        "version_number",
        "previous_plan_id",
        "status",
        "assessment_summary",
        "monitoring_every_months",
        "start_date",
        "end_date",
        "next_monitoring_date",
        "agreed_on",
        "agreement_method",
        "approved_meeting_id",
        "evaluation_comment",
        "status_reason",
        "status_changed_at",
        "created_by_sub",
        "version",
        "created_at",
        "updated_at",
    ]
    return Table("support_plans", cols, total, gen())


def _plan_sizes(world: World) -> tuple[int, int]:
    goals = items = 0
    for c in world.cases:
        for p in c.plans:
            goals += 1 + 1 + p.id % 2
            items += 2 + p.id % 3
    return goals, items


def plan_goals(world: World) -> Table:
    rng = world.rng("rows:goals")
    first = world.next_ids("plan_goals")

    def gen() -> Iterator[Row]:
        i = first
        for c in world.cases:
            for p in c.plans:
                evaluated = p.status == PlanStatus.CLOSED.value
                terms = ["long"] + ["short"] * (1 + p.id % 2)
                for position, term in enumerate(terms, start=1):
                    text = texts.pick(
                        rng, texts.GOALS_LONG if term == "long" else texts.GOALS_SHORT
                    )
                    achievement = (
                        rng.choice(("achieved", "achieved", "partly", "not_achieved"))
                        if evaluated
                        else None
                    )
                    yield (i, p.id, position, term, text, achievement, None)
                    i += 1

    return Table(
        "plan_goals",
        ["id", "plan_id", "position", "term", "text", "achievement", "comment"],
        _plan_sizes(world)[0],
        gen(),
    )


def plan_items(world: World) -> Table:
    rng = world.rng("rows:items")
    first = world.next_ids("plan_items")
    functions = world.master.functions
    frequencies = [f for f in texts.FREQUENCIES if f]

    def gen() -> Iterator[Row]:
        i = first
        for c in world.cases:
            orgs = list(dict.fromkeys([c.lead_org] + [t[0] for t in c.team]))
            for p in c.plans:
                for position in range(1, 3 + p.id % 3):
                    org = orgs[(position - 1) % len(orgs)]
                    end = p.end if rng.random() < 0.5 else None
                    yield (
                        i,
                        p.id,
                        position,
                        texts.pick(rng, texts.PLAN_ITEMS),
                        org,
                        position == 1,
                        rng.choice(frequencies) if rng.random() < 0.8 else None,
                        p.start,
                        end,
                        rng.choice(functions) if functions and rng.random() < 0.8 else None,
                    )
                    i += 1

    cols = [
        "id",
        "plan_id",
        "position",
        "content",
        "responsible_org_code",
        "is_lead",
        "frequency",
        "start_date",
        "end_date",
        "function_code",
    ]
    return Table("plan_items", cols, _plan_sizes(world)[1], gen())


def monitoring_records(world: World) -> Table:
    rng = world.rng("rows:monitoring")
    first = world.next_ids("monitoring_records")
    total = sum(len(p.monitored) for c in world.cases for p in c.plans)

    def gen() -> Iterator[Row]:
        i = first
        for c in world.cases:
            for p in c.plans:
                for day in p.monitored:
                    yield (
                        i,
                        p.id,
                        day,
                        texts.pick(rng, texts.MONITORING_NOTES),
                        p.author,
                        stamp(rng, day),
                    )
                    i += 1

    cols = ["id", "plan_id", "monitored_on", "content", "recorded_by_sub", "created_at"]
    return Table("monitoring_records", cols, total, gen())


# ---------------------------------------------------------------------- referrals


def _event_keys(world: World, topic: str, counts: list[int]) -> list[int]:
    """(day << 32 | case index) of every referral or contact, in the order they happened."""
    rng = world.rng(topic)
    keys: list[int] = []
    for case, n in zip(world.cases, counts, strict=True):
        if not n:
            continue
        first = case.intake.toordinal()
        span = max(0, world.window_end(case).toordinal() - first)
        keys.extend(((first + rng.randint(0, span)) << 32) | case.idx for _ in range(n))
    keys.sort()
    return keys


def _referral(world: World, rng: random.Random, case: CaseSpec, day: date) -> tuple[Row, list[Row]]:
    """A referral and its events (without ids: the caller numbers them)."""
    team = [t[0] for t in case.team]
    roll = rng.random()
    if roll < 0.4:
        from_org = case.lead_org
    elif roll < 0.6:
        from_org = case.opener_org
    elif roll < 0.8:
        from_org = world.coordinator_org(case.area)
    else:
        from_org = "kyosei"
    if from_org not in world.users_by_org:
        from_org = "kyosei"
    candidates = [o for o in team if o != from_org]
    if not candidates or rng.random() < 0.4:
        units = [u for u in world.master.units_for(case.categories[0]) if u != from_org]
        candidates += units or [
            o for o in ("kyosei", world.coordinator_org(case.area)) if o != from_org
        ]
    to_org = rng.choice(candidates)
    if to_org not in world.users_by_org:
        to_org = (
            world.coordinator_org(case.area)
            if from_org != world.coordinator_org(case.area)
            else "kyosei"
        )
    sender = world.actor(rng, from_org)
    answerer = world.actor(rng, to_org)
    horizon = case.end or world.yesterday
    must_finish = case.end is not None
    sent_at = stamp(rng, day)
    events: list[tuple[str, str | None, str, str | None, UserSpec, datetime]] = [
        ("send", None, "sent", None, sender, sent_at)
    ]
    status = "sent"
    t = day

    def step(low: int, high: int) -> date | None:
        nonlocal t
        nxt = t + timedelta(days=rng.randint(low, high))
        if nxt > horizon:
            if not must_finish or t >= horizon:
                return None
            nxt = horizon
        t = nxt
        return nxt

    answered_by = answered_at = completed_at = answer_note = report = None
    r = rng.random()
    if r < 0.12:
        when = step(1, 10)
        if when:
            answer_note = texts.pick(rng, texts.DECLINE_NOTES)
            answered_by, answered_at = answerer.id, stamp(rng, when)
            events.append(("decline", status, "declined", answer_note, answerer, answered_at))
            status = "declined"
    elif r < 0.17:
        when = step(3, 30)
        if when:
            answer_note = texts.pick(rng, texts.WITHDRAW_NOTES)
            events.append(("withdraw", status, "withdrawn", answer_note, sender, stamp(rng, when)))
            status = "withdrawn"
    else:
        when = step(1, 10)
        if when:
            answered_by, answered_at = answerer.id, stamp(rng, when)
            events.append(("accept", status, "accepted", None, answerer, answered_at))
            status = "accepted"
            if rng.random() < 0.8 and (when := step(1, 20)):
                events.append(("start", status, "in_progress", None, answerer, stamp(rng, when)))
                status = "in_progress"
            roll = rng.random()
            if roll < 0.85 and (when := step(14, 180)):
                report = texts.pick(rng, texts.REFERRAL_REPORTS)
                completed_at = stamp(rng, when)
                events.append(("complete", status, "completed", report, answerer, completed_at))
                status = "completed"
            elif must_finish and (when := step(0, 30)):
                answer_note = texts.pick(rng, texts.WITHDRAW_NOTES)
                events.append(
                    ("withdraw", status, "withdrawn", answer_note, sender, stamp(rng, when))
                )
                status = "withdrawn"
    # Keep the history in time order even where two steps fell on one day.
    times = sorted(e[5] for e in events)
    events = [(*e[:5], at) for e, at in zip(events, times, strict=True)]
    due = day + timedelta(days=rng.randint(14, 60)) if rng.random() < 0.5 else None
    referral = (
        case.id,
        from_org,
        sender.id,
        to_org,
        texts.pick(rng, texts.REFERRAL_REASONS),
        "urgent" if rng.random() < 0.1 else "normal",
        due,
        case.complaint,
        status,
        answer_note,
        report,
        answered_by,
        answered_at,
        completed_at,
        len(events),
        times[0],
        times[-1],
    )
    rows = [
        (action, frm, to, note, actor.id, actor.org, at)
        for action, frm, to, note, actor, at in events
    ]
    return referral, rows


def referral_tables(world: World) -> tuple[Table, Table]:
    """Referrals and their events: two passes over the same random stream, so that neither
    table has to be held in memory."""
    keys = _event_keys(world, "referral-days", [c.referrals for c in world.cases])
    mask = (1 << 32) - 1

    def walk() -> Iterator[tuple[Row, list[Row]]]:
        rng = world.rng("rows:referrals")
        for key in keys:
            yield _referral(world, rng, world.cases[key & mask], date.fromordinal(key >> 32))

    first = world.next_ids("referrals")
    first_event = world.next_ids("referral_events")
    event_counts = array("b")

    def referral_rows() -> Iterator[Row]:
        for i, (row, events) in enumerate(walk()):
            event_counts.append(len(events))
            yield (first + i, *row)

    def event_rows() -> Iterator[Row]:
        n = first_event
        for i, (_row, events) in enumerate(walk()):
            for event in events:
                yield (n, first + i, *event)
                n += 1

    def total_events() -> int:
        if len(event_counts) != len(keys):
            raise RuntimeError("the referrals are written before their events")
        return sum(event_counts)

    referral_cols = [
        "id",
        "case_id",
        "from_org_code",
        "from_sub",
        "to_org_code",
        "reason",
        "urgency",
        "due_date",
        "summary",
        "status",
        "answer_note",
        "report",
        "answered_by_sub",
        "answered_at",
        "completed_at",
        "version",
        "created_at",
        "updated_at",
    ]
    event_cols = [
        "id",
        "referral_id",
        "action",
        "from_status",
        "to_status",
        "note",
        "actor_sub",
        "actor_org_code",
        "at",
    ]
    return (
        Table("referrals", referral_cols, len(keys), referral_rows()),
        Table("referral_events", event_cols, total_events, event_rows()),
    )


# ---------------------------------------------------------------------- timeline


def timeline_entries(world: World) -> Table:
    keys = _event_keys(world, "timeline-days", [c.timeline for c in world.cases])
    mask = (1 << 32) - 1
    rng = world.rng("rows:timeline")
    first = world.next_ids("timeline_entries")
    means = Weighted({m: CONTACT_MEANS_WEIGHTS.get(m, 1.0) for m in world.master.contact_means})
    functions = world.master.functions
    names = world.org_names
    for a in world.agencies:
        names[a.code] = a.name
    users_by_id = {u.id: u for u in world.users}

    def gen() -> Iterator[Row]:
        for i, key in enumerate(keys):
            case = world.cases[key & mask]
            day = date.fromordinal(key >> 32)
            orgs = [case.lead_org] + [t[0] for t in case.team if t[1] <= day]
            if case.coordinator and rng.random() < 0.3:
                author = users_by_id[case.coordinator]
            else:
                author = world.actor(rng, orgs[rng.randrange(len(orgs))])
            how = means(rng)
            topic = texts.pick(rng, texts.TOPICS.get(case.categories[0], texts.DEFAULT_TOPICS))
            partner = names.get(orgs[rng.randrange(len(orgs))], "関係機関")
            content = texts.pick(rng, texts.CONTACTS.get(how, texts.CONTACTS["other"])).format(
                topic=topic, org=partner
            )
            function = rng.choice(functions) if functions and rng.random() < 0.6 else None
            yield (
                first + i,
                case.id,
                day,
                how,
                function,
                content,
                author.id,
                author.display_name,
                author.org,
                stamp(rng, day),
            )

    cols = [
        "id",
        "case_id",
        "occurred_on",
        "means",
        "function_code",
        "content",
        "author_sub",
        "author_name",
        "author_org_code",
        "created_at",
    ]
    return Table("timeline_entries", cols, len(keys), gen())


# ---------------------------------------------------------------------- audit log


def audit_events(world: World, per_case_reads: int = 1) -> Table:
    """The log of what the generated history would have written: each intake, each consent
    record, and reads of the case by the people who work on it."""
    rng = world.rng("rows:audit")
    users_by_id = {u.id: u for u in world.users}
    roles = {u.id: RawJson(json.dumps(sorted(u.roles))) for u in world.users}
    empty = RawJson("{}")
    secretariat = world.with_role("secretariat") or world.users
    # (day << 40 | case index << 8 | what) in time order; what: 0 intake, 1.. consents, 200+ reads
    keys: list[int] = []
    for c in world.cases:
        keys.append((c.intake.toordinal() << 40) | (c.idx << 8))
        for n, k in enumerate(c.consents[:150], start=1):
            keys.append((k.decided_on.toordinal() << 40) | (c.idx << 8) | n)
        span = max(0, (world.window_end(c) - c.intake).days)
        for n in range(per_case_reads):
            day = c.intake.toordinal() + rng.randint(0, span)
            keys.append((day << 40) | (c.idx << 8) | (200 + n))
    keys.sort()
    first = world.next_ids("audit_events")

    def gen() -> Iterator[Row]:
        for i, key in enumerate(keys):
            what = key & 0xFF
            case = world.cases[(key >> 8) & ((1 << 32) - 1)]
            day = date.fromordinal(key >> 40)
            at = stamp(rng, day)
            if what == 0:
                actor = users_by_id[case.opener_sub]
                action, rtype, rid, detail = "case.create", "case", str(case.id), empty
            elif what < 200:
                k = case.consents[what - 1]
                actor = users_by_id[k.recorded_by]
                action, rtype, rid = "consent.record", "consent", str(k.id)
                detail = RawJson(
                    json.dumps(
                        {"member_id": k.member_id, "decision": k.decision, "reason": "同意の記録"},
                        ensure_ascii=False,
                    )
                )
            else:
                if case.coordinator and rng.random() < 0.5:
                    actor = users_by_id[case.coordinator]
                elif rng.random() < 0.5:
                    actor = rng.choice(secretariat)
                else:
                    actor = world.actor(rng, case.lead_org)
                action, rtype, rid, detail = "case.read", "case", str(case.id), empty
            yield (
                first + i,
                at,
                actor.id,
                "user",
                actor.org,
                roles[actor.id],
                action,
                rtype,
                rid,
                case.id,
                "success",
                None,
                None,
                detail,
            )

    cols = [
        "id",
        "at",
        "actor_sub",
        "actor_kind",
        "actor_org",
        "actor_roles",
        "action",
        "resource_type",
        "resource_id",
        "case_id",
        "outcome",
        "purpose",
        "request_id",
        "detail",
    ]
    return Table("audit_events", cols, len(keys), gen())
