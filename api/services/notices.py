"""Meeting notices (開催通知 / 出席依頼): written by the organiser, sent by e-mail or by post.

A notice goes outside the city hall by e-mail and by post, so it names the meeting, its day,
time and place, the organiser and the addressee, and never a case: no case number, no household,
no name of a person discussed, no agenda summary. For a 支援会議 it reminds the members of their
statutory duty of confidentiality.

Only the meeting's organiser (``domain.meetings.is_organiser``) sends notices or prints them.
Those who may see the meeting get 403, anyone else 404.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from api.clock import TOKYO, now
from api.errors import AppError, FieldError, forbidden, not_found
from api.models import Attendee, Department, Meeting, MeetingSchedule, Organization, User
from api.schemas import notices as s
from api.services import mail, pdf_notice
from api.services.audit import AuditTrail, Outcome
from api.services.context import Context
from api.settings import Settings
from domain.access import CITY_DEPTS, Dept
from domain.era import to_wareki, to_wareki_with_weekday, wareki_fiscal_year
from domain.fiscal import fiscal_year, fiscal_year_bounds
from domain.meetings import (
    MEETING_KIND_LABELS,
    MeetingKind,
    MeetingStatus,
    is_organiser,
    may_see_meeting,
)

# What a kind of meeting does, as the city's own outline puts it: a description of the meeting,
# never of a case.
MEETING_PURPOSES: dict[MeetingKind, str] = {
    MeetingKind.SUPPORT: "事案の情報提供及び情報共有、支援関係機関等の役割分担及び支援方針の設定",
    MeetingKind.MULTI_AGENCY: "支援プランの内容の確認、役割分担、モニタリング期間の設定",
}
NO_CASE_DETAILS = (
    "検討する事案の内容は、個人情報保護のため本通知には記載していません。"
    "会議当日に資料でお示しします。"
)
SUPPORT_MEETING_CONFIDENTIALITY = (
    "本会議は非公開です。",
    "本会議の構成員には、社会福祉法第106条の6により守秘義務が課されます。"
    "正当な理由なく、会議で知り得た秘密を漏らしてはなりません（構成員でなくなった後も同様です）。",
)
TO_BE_ANNOUNCED = "未定（追ってお知らせします）"


# ---------------------------------------------------------------- the notice


@dataclass(frozen=True)
class Notice:
    """One attendee's notice: the same content on paper and in the e-mail."""

    title: str  # 令和5年度 第10回 支援会議 開催通知
    kind_label: str
    issued_on: str  # 令和6年1月5日
    organiser: str  # 国分寺市 健康部 地域共生推進課
    addressee_org: str
    addressee_name: str | None
    postal_address: str | None
    day: str  # 令和6年1月9日（火）
    hours: str  # 15:00～17:15
    place: str
    purpose: str | None
    notes: tuple[str, ...] = ()
    confidentiality: tuple[str, ...] = ()
    contact: str | None = None

    @property
    def addressee(self) -> str:
        """A person is addressed 様, a unit or agency 御中."""
        if self.addressee_name:
            return f"{self.addressee_org} {self.addressee_name} 様"
        return f"{self.addressee_org} 御中"

    @property
    def subject(self) -> str:
        return f"{self.title}（{self.day}）"

    @property
    def opening(self) -> tuple[str, ...]:
        return (
            "日頃より、重層的支援体制整備事業の推進にご協力いただき、ありがとうございます。",
            f"下記のとおり{self.kind_label}を開催しますので、ご出席くださいますようお願いいたします。",
        )

    @property
    def items(self) -> list[tuple[str, str]]:
        """The 記 section: (heading, text)."""
        rows = [("日時", f"{self.day} {self.hours}"), ("場所", self.place)]
        if self.purpose:
            rows.append(("内容", self.purpose))
        return rows

    def text(self) -> str:
        """The e-mail body."""
        lines = [self.addressee, "", self.issued_on, self.organiser, "", self.title, ""]
        lines += [*self.opening, "", "記", ""]
        for number, (heading, value) in enumerate(self.items, start=1):
            lines.append(f"{number}. {heading}: {value}")
        if self.notes:
            lines += ["", *(f"※ {note}" for note in self.notes)]
        if self.confidentiality:
            lines += ["", "【守秘義務】", *self.confidentiality]
        lines += ["", "以上"]
        if self.contact:
            lines += ["", f"問合せ先: {self.contact}"]
        return "\n".join(lines) + "\n"


def _hours(start: time | None, end: time | None) -> str:
    if start is None:
        return TO_BE_ANNOUNCED
    if end is None:
        return f"{start:%H:%M}～"
    return f"{start:%H:%M}～{end:%H:%M}"


@dataclass(frozen=True)
class MeetingFacts:
    """What every notice of one meeting shares."""

    kind: MeetingKind | None
    regular: bool
    day: date
    number: int  # the meeting's ordinal among this kind's meetings of the fiscal year
    start: time | None
    end: time | None
    place: str | None
    organiser: str
    contact: str | None


def compose_notice(
    meeting: MeetingFacts,
    *,
    addressee_org: str,
    addressee_name: str | None,
    postal_address: str | None,
    issued_on: date,
) -> Notice:
    """The notice for one addressee. It takes no case, so it cannot carry one."""
    label = MEETING_KIND_LABELS[meeting.kind] if meeting.kind else "会議"
    ad_hoc = "" if meeting.regular else "（臨時）"
    title = (
        f"{wareki_fiscal_year(fiscal_year(meeting.day))} 第{meeting.number}回 "
        f"{label}{ad_hoc} 開催通知"
    )
    case_meeting = meeting.kind in (MeetingKind.SUPPORT, MeetingKind.MULTI_AGENCY)
    return Notice(
        title=title,
        kind_label=label,
        issued_on=to_wareki(issued_on),
        organiser=meeting.organiser,
        addressee_org=addressee_org,
        addressee_name=addressee_name,
        postal_address=postal_address,
        day=to_wareki_with_weekday(meeting.day),
        hours=_hours(meeting.start, meeting.end),
        place=meeting.place or TO_BE_ANNOUNCED,
        purpose=MEETING_PURPOSES.get(meeting.kind) if meeting.kind else None,
        notes=(NO_CASE_DETAILS,) if case_meeting else (),
        confidentiality=SUPPORT_MEETING_CONFIDENTIALITY
        if meeting.kind is MeetingKind.SUPPORT
        else (),
        contact=meeting.contact,
    )


# ---------------------------------------------------------------- loading


def _kind(value: str) -> MeetingKind | None:
    try:
        return MeetingKind(value)
    except ValueError:
        return None


def _invited(ctx: Context, meeting_id: int) -> bool:
    """Whether the caller, or its unit or agency, is among the meeting's attendees."""
    p = ctx.principal
    conditions = [Attendee.user_id == p.sub]
    if p.org is not None:
        conditions.append(Attendee.org_code == p.org)
    found = ctx.session.scalar(
        select(Attendee.id).where(Attendee.meeting_id == meeting_id, or_(*conditions)).limit(1)
    )
    return found is not None


def _organiser_meeting(
    ctx: Context, meeting_id: int, action: str, *, for_update: bool = False
) -> Meeting:
    """The meeting, if the caller organises it. Whoever may see the meeting (the invited, the
    secretariat) gets 403; anyone else 404, as for a meeting that does not exist."""
    meeting = ctx.session.get(Meeting, meeting_id, with_for_update=for_update)
    if meeting is None:
        ctx.audit.record_refusal(action, "meeting", meeting_id, detail={"exists": False})
        raise not_found("会議", "meeting")
    kind = _kind(meeting.kind)
    p = ctx.principal
    organiser = kind is not None and is_organiser(
        p, kind, organiser_org=meeting.organiser_org_code, organiser_sub=meeting.organiser_sub
    )
    if organiser:
        return meeting
    ctx.audit.record_refusal(action, "meeting", meeting_id)
    if may_see_meeting(p, organiser=False, invited=p.does_case_work and _invited(ctx, meeting_id)):
        raise forbidden(
            "開催通知を送付・印刷できるのは、会議の主催者だけです。",
            "Only the meeting's organiser may send or print its notices.",
        )
    raise not_found("会議", "meeting")


def _refuse_cancelled(meeting: Meeting, *, held_too: bool) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise AppError(
            "conflict",
            "中止された会議の開催通知は送付・印刷できません。",
            "The meeting was cancelled; it has no notice.",
        )
    if held_too and meeting.status == MeetingStatus.HELD:
        raise AppError(
            "conflict",
            "開催済みの会議の開催通知は送付できません。",
            "The meeting has already been held.",
        )


@dataclass(frozen=True)
class _Org:
    name: str
    department_code: str
    department_name: str


def _orgs(ctx: Context, codes: Iterable[str | None]) -> dict[str, _Org]:
    wanted = {c for c in codes if c}
    if not wanted:
        return {}
    rows = ctx.session.execute(
        select(Organization.code, Organization.name, Department.code, Department.name)
        .join(Department, Department.code == Organization.department_code)
        .where(Organization.code.in_(wanted))
    )
    return {code: _Org(name, dept, dept_name) for code, name, dept, dept_name in rows}


def _issuer(settings: Settings, org: _Org | None) -> str:
    """国分寺市 健康部 地域共生推進課 for a city unit; 社協 and agencies by their own names."""
    if org is None:
        return settings.municipality_name
    if org.department_code in {str(d) for d in CITY_DEPTS}:
        return f"{settings.municipality_name} {org.department_name} {org.name}"
    if org.department_code == Dept.SHAKYO:
        return f"{org.department_name} {org.name}"
    return org.name


def _number(ctx: Context, meeting: Meeting) -> int:
    """第N回: the meetings of this kind held or planned in the fiscal year, up to this one."""
    first, _last = fiscal_year_bounds(fiscal_year(meeting.day))
    earlier = ctx.session.scalar(
        select(func.count())
        .select_from(Meeting)
        .where(
            Meeting.kind == meeting.kind,
            Meeting.status != MeetingStatus.CANCELLED.value,
            Meeting.day >= first,
            or_(
                Meeting.day < meeting.day,
                and_(Meeting.day == meeting.day, Meeting.id < meeting.id),
            ),
        )
    )
    return int(earlier or 0) + 1


@dataclass
class _MeetingContext:
    facts: MeetingFacts
    orgs: dict[str, _Org]
    users: dict[str, User]
    reply_to: str | None
    issued_on: date


def _load(
    ctx: Context, settings: Settings, meeting: Meeting, attendees: Sequence[Attendee]
) -> _MeetingContext:
    orgs = _orgs(ctx, [meeting.organiser_org_code, *(a.org_code for a in attendees)])
    user_ids = {a.user_id for a in attendees if a.user_id} | {meeting.organiser_sub}
    users = {u.id: u for u in ctx.session.scalars(select(User).where(User.id.in_(user_ids)))}
    organiser_org = orgs.get(meeting.organiser_org_code or "")
    organiser_user = users.get(meeting.organiser_sub)
    contact = None
    if organiser_org is not None:
        contact = organiser_org.name
        if organiser_user is not None:
            contact += f"（担当: {organiser_user.display_name}）"
    start, end, place = meeting.start_time, meeting.end_time, meeting.place
    if meeting.regular and (start is None or place is None):
        schedule = ctx.session.get(MeetingSchedule, meeting.kind)
        if schedule is not None:
            if start is None:
                start, end = schedule.start_time, end or schedule.end_time
            place = place or schedule.place
    facts = MeetingFacts(
        kind=_kind(meeting.kind),
        regular=meeting.regular,
        day=meeting.day,
        number=_number(ctx, meeting),
        start=start,
        end=end,
        place=place,
        organiser=_issuer(settings, organiser_org),
        contact=contact,
    )
    return _MeetingContext(
        facts=facts,
        orgs=orgs,
        users=users,
        reply_to=organiser_user.email if organiser_user else None,
        issued_on=ctx.today,
    )


def _notice_for(loaded: _MeetingContext, attendee: Attendee) -> Notice:
    org = loaded.orgs.get(attendee.org_code)
    user = loaded.users.get(attendee.user_id or "")
    return compose_notice(
        loaded.facts,
        addressee_org=org.name if org else attendee.org_code,
        addressee_name=attendee.name or (user.display_name if user else None),
        postal_address=attendee.postal_address,
        issued_on=loaded.issued_on,
    )


def pdf_path(meeting_id: int, attendee_id: int) -> str:
    return f"/meetings/{meeting_id}/attendees/{attendee_id}/notice.pdf"


# ---------------------------------------------------------------- use cases


def _targets(attendees: Sequence[Attendee], body: s.SendNotices) -> list[Attendee]:
    if body.attendee_ids is None:
        chosen = list(attendees)
    else:
        by_id = {a.id: a for a in attendees}
        unknown = sorted({i for i in body.attendee_ids if i not in by_id})
        if unknown:
            raise AppError(
                "validation-error",
                "この会議の出席者ではない ID が指定されています。",
                "Some ids are not attendees of this meeting.",
                errors=[
                    FieldError(
                        field="attendeeIds",
                        message="この会議の出席者ではありません: "
                        + ", ".join(str(i) for i in unknown),
                        code="unknown_attendee",
                    )
                ],
            )
        chosen = [by_id[i] for i in dict.fromkeys(body.attendee_ids)]
    if body.unsent_only:
        chosen = [a for a in chosen if a.notice_sent_at is None]
    return chosen


def _channel(attendee: Attendee) -> s.NoticeChannel:
    by_email = attendee.notice_channel == s.NoticeChannel.EMAIL
    return s.NoticeChannel.EMAIL if by_email else s.NoticeChannel.POST


def _failed(attendee: Attendee, code: str, message: str) -> s.NoticeResult:
    return s.NoticeResult(
        attendee_id=attendee.id,
        channel=_channel(attendee),
        status=s.NoticeStatus.FAILED,
        error_code=code,
        error=message,
    )


def _email(loaded: _MeetingContext, attendee: Attendee) -> mail.OutgoingMail:
    notice = _notice_for(loaded, attendee)
    assert attendee.email is not None
    return mail.OutgoingMail(
        to=attendee.email,
        to_name=notice.addressee_name or notice.addressee_org,
        subject=notice.subject,
        body=notice.text(),
        reply_to=loaded.reply_to,
    )


def _post(attendee: Attendee) -> s.NoticeResult:
    if not attendee.postal_address:
        return _failed(attendee, "no_postal_address", "郵送先の住所が登録されていません。")
    return s.NoticeResult(
        attendee_id=attendee.id,
        channel=s.NoticeChannel.POST,
        status=s.NoticeStatus.PDF_READY,
        pdf_url=pdf_path(attendee.meeting_id, attendee.id),
        sent_at=attendee.notice_sent_at,
    )


def _deliver(
    settings: Settings, outgoing: dict[int, mail.OutgoingMail]
) -> dict[int, datetime | mail.MailDeliveryError]:
    """Hands each e-mail to the mail server: the time it was accepted, or why it was refused."""
    outcome: dict[int, datetime | mail.MailDeliveryError] = {}
    if not outgoing:
        return outcome
    sender = mail.Mailer(settings)
    try:
        for attendee_id, message in outgoing.items():
            try:
                sender.send(message)
            except mail.MailDeliveryError as exc:
                outcome[attendee_id] = exc
            else:
                outcome[attendee_id] = now()
    finally:
        sender.close()
    return outcome


def send_meeting_notices(
    ctx: Context, settings: Settings, meeting_id: int, body: s.SendNotices
) -> s.NoticeReport:
    """E-mail each attendee notified by e-mail and mark it sent; for those notified by post, the
    PDF is ready to print. One refused address does not stop the others.

    Three steps, so that no database lock is held while the mail server talks (on the embedded
    SQLite a write transaction locks the whole database): the request's transaction checks and
    composes, then ends; the e-mails go out; a short transaction of its own marks those the mail
    server accepted and writes the audit entry.
    """
    action = "meeting.notice"
    meeting = _organiser_meeting(ctx, meeting_id, action)
    _refuse_cancelled(meeting, held_too=True)
    attendees = list(
        ctx.session.scalars(
            select(Attendee).where(Attendee.meeting_id == meeting.id).order_by(Attendee.id)
        )
    )
    if not attendees:
        raise AppError(
            "conflict",
            "出席者が登録されていないため、開催通知を送付できません。",
            "The meeting has no attendees to notify.",
        )
    targets = _targets(attendees, body)
    by_email = any(_channel(a) is s.NoticeChannel.EMAIL for a in targets)
    if by_email and not settings.smtp_host:
        ctx.audit.record_refusal(
            action,
            "meeting",
            meeting.id,
            outcome=Outcome.FAILED,
            detail={"reason": "smtp_not_configured"},
        )
        raise AppError(
            "service-unavailable",
            "メール送信が設定されていないため、開催通知をメールで送付できません。"
            "システム管理者に連絡してください（TSUNAGU_SMTP_HOST）。通知は送付していません。",
            "E-mail is not configured (TSUNAGU_SMTP_HOST); no notice was sent.",
        )
    loaded = _load(ctx, settings, meeting, targets)
    results: dict[int, s.NoticeResult] = {}
    outgoing: dict[int, mail.OutgoingMail] = {}
    for attendee in targets:
        if _channel(attendee) is s.NoticeChannel.POST:
            results[attendee.id] = _post(attendee)
        elif not attendee.email:
            results[attendee.id] = _failed(
                attendee, "no_email_address", "メールアドレスが登録されていません。"
            )
        else:
            outgoing[attendee.id] = _email(loaded, attendee)
    by_id = {a.id: a for a in targets}
    engine = ctx.session.get_bind()
    ctx.session.commit()  # the request's transaction ends here; the session is not used again

    for attendee_id, delivery in _deliver(settings, outgoing).items():
        attendee = by_id[attendee_id]
        if isinstance(delivery, mail.MailDeliveryError):
            results[attendee_id] = _failed(attendee, delivery.code, delivery.message)
        else:
            results[attendee_id] = s.NoticeResult(
                attendee_id=attendee_id,
                channel=s.NoticeChannel.EMAIL,
                status=s.NoticeStatus.SENT,
                sent_at=delivery,
            )
    ordered = [results[a.id] for a in targets]
    sent = [
        {"id": r.attendee_id, "notice_sent_at": r.sent_at}
        for r in ordered
        if r.status is s.NoticeStatus.SENT
    ]
    with Session(engine) as own, own.begin():
        if sent:
            own.execute(update(Attendee), sent)  # by primary key: one statement for them all
        AuditTrail(own, ctx.principal, ctx.audit.request_id).record(
            action,
            "meeting",
            meeting_id,
            detail={
                str(status): [r.attendee_id for r in ordered if r.status is status]
                for status in s.NoticeStatus
            },
        )
    return s.NoticeReport(meeting_id=meeting_id, results=ordered)


def mark_notice_posted(
    ctx: Context, meeting_id: int, attendee_id: int, data: s.NoticePostedIn
) -> s.NoticeResult:
    """The organiser records that an attendee's printed notice was posted (投函). Marking it again
    keeps the first date; an attendee without a postal address has nothing to post (409)."""
    action = "meeting.notice_posted"
    meeting = _organiser_meeting(ctx, meeting_id, action)
    _refuse_cancelled(meeting, held_too=True)
    attendee = _attendee_of(ctx, meeting, attendee_id, action)
    if not attendee.postal_address:
        raise AppError(
            "conflict",
            "郵送先の住所が登録されていない出席者には、郵送済みを記録できません。",
            "The attendee has no postal address; nothing was posted.",
        )
    posted_on = data.posted_on or ctx.today
    if posted_on > ctx.today:
        raise AppError(
            "validation-error",
            "投函日に未来の日付は指定できません。",
            "postedOn cannot be in the future.",
            errors=[FieldError(field="postedOn", message="未来の日付です。", code="future_date")],
        )
    if attendee.notice_sent_at is None:
        attendee.notice_sent_at = datetime.combine(posted_on, time(9), tzinfo=TOKYO).astimezone(UTC)
        ctx.session.flush()
        ctx.audit.record(
            action,
            "meeting",
            meeting.id,
            detail={"attendee_id": attendee.id, "posted_on": posted_on.isoformat()},
        )
    return s.NoticeResult(
        attendee_id=attendee.id,
        channel=s.NoticeChannel.POST,
        status=s.NoticeStatus.SENT,
        sent_at=attendee.notice_sent_at,
    )


def _attendee_of(ctx: Context, meeting: Meeting, attendee_id: int, action: str) -> Attendee:
    attendee = ctx.session.get(Attendee, attendee_id)
    if attendee is None or attendee.meeting_id != meeting.id:
        ctx.audit.record_refusal(
            action, "meeting", meeting.id, detail={"attendee_id": attendee_id, "exists": False}
        )
        raise not_found("出席者", "attendee")
    return attendee


@dataclass(frozen=True)
class NoticePdf:
    content: bytes
    filename: str


def get_meeting_notice_pdf(
    ctx: Context, settings: Settings, meeting_id: int, attendee_id: int
) -> NoticePdf:
    """The notice of one attendee as an A4 PDF, to print and post. Marks nothing as sent."""
    action = "meeting.notice_pdf"
    meeting = _organiser_meeting(ctx, meeting_id, action)
    _refuse_cancelled(meeting, held_too=False)
    attendee = _attendee_of(ctx, meeting, attendee_id, action)
    loaded = _load(ctx, settings, meeting, [attendee])
    content = pdf_notice.render_notice_pdf(_notice_for(loaded, attendee))
    ctx.audit.record(action, "meeting", meeting.id, detail={"attendee_id": attendee.id})
    return NoticePdf(content, f"meeting-{meeting.id}-notice-{attendee.id}.pdf")
