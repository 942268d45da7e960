"""The small demo set of the embedded default: three households that show the consent rules,
and the 8050 household's support plan, approved at a 重層的支援会議, whose 参加支援 items name
partner businesses (協力事業所) so that the report shows participation figures."""

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import Case, CaseMember, Organization, User
from api.schemas import cases as s
from api.schemas import master as master_schemas
from api.schemas import meetings as meeting_schemas
from api.schemas import plans as plan_schemas
from api.services import cases as case_service
from api.services import master as master_service
from api.services import meetings as meeting_service
from api.services import plans as plan_service
from api.services.audit import AuditTrail
from api.services.context import Context
from domain.access import Dept, Principal, PrincipalKind, Role, scopes_for
from domain.consent import ConsentDecision, ConsentGivenBy, ConsentMethod
from domain.meetings import AgendaPurpose, DecisionKind, MeetingKind
from domain.plans import AgreementMethod, GoalTerm

# Partner businesses of 参加支援 as a city like Kokubunji might work with (fictional names).
DEMO_PARTNERS: tuple[tuple[str, str, str], ...] = (
    ("partner_bakery_honcho", "ベーカリーこくぶんじ本町", "べーかりーこくぶんじほんちょう"),
    ("partner_farm_higashitokura", "ひがしとくら農園", "ひがしとくらのうえん"),
    (
        "partner_cafe_hikari",
        "カフェひかり（社会福祉法人ひかり会）",
        "かふぇひかり（しゃかいふくしほうじんひかりかい）",
    ),
)


def _principal(session: Session, username: str) -> Principal:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None, username
    org = session.get(Organization, user.org_code)
    assert org is not None
    roles = frozenset(Role(r) for r in user.roles)
    return Principal(
        sub=user.id,
        kind=PrincipalKind.USER,
        org=user.org_code,
        dept=Dept(org.department_code),
        roles=roles,
        scopes=scopes_for(roles),
        area=user.area_code,
    )


def _ctx(session: Session, username: str, today: date) -> Context:
    principal = _principal(session, username)
    return Context(session, principal, AuditTrail(session, principal, "demo"), today)


def seed_demo_cases(session: Session, today: date) -> None:
    """An 8050 household with consent, a young-carer household, a hoarding case without consent."""
    if session.scalar(select(Case.id).limit(1)) is not None:
        return
    intake = today - timedelta(days=45)
    coordinator = session.scalar(select(User.id).where(User.username == "coordinator.east"))

    east = _ctx(session, "coordinator.east", today)
    household_8050 = case_service.open_case(
        east,
        s.CaseCreate(
            intake_date=intake,
            intake_route="commissioner",
            referrer="民生委員（本町地区）",
            main_complaint="80代の母と50代の長男の二人暮らし。長男は20年ほど自室からほとんど出ていない。"
            "母の物忘れが進み、今後の生活を心配している。",
            town="honcho",
            lead_org="kyosei",
            coordinator_id=coordinator,
            categories=[
                s.CategoryIn(code="c8050", primary=True),
                s.CategoryIn(code="nursing_care"),
            ],
            members=[
                s.MemberIn(
                    name="国分 一郎",
                    name_kana="こくぶ いちろう",
                    birth_date=date(1974, 6, 3),
                    relationship="本人",
                    is_main=True,
                    categories=[s.CategoryIn(code="social_isolation", primary=True)],
                    consent=s.ConsentIn(
                        decision=ConsentDecision.GIVEN,
                        decided_on=intake + timedelta(days=14),
                        method=ConsentMethod.WRITTEN,
                        covers_whole_team=True,
                        valid_until=date(today.year + 1, 3, 31),
                        reason="訪問時に書面で同意を得た",
                    ),
                ),
                s.MemberIn(
                    name="国分 ハル",
                    name_kana="こくぶ はる",
                    birth_date=date(1943, 2, 11),
                    relationship="母",
                    categories=[s.CategoryIn(code="nursing_care", primary=True)],
                    consent=s.ConsentIn(
                        decision=ConsentDecision.GIVEN,
                        decided_on=intake + timedelta(days=14),
                        method=ConsentMethod.WRITTEN,
                        covers_whole_team=True,
                        valid_until=date(today.year + 1, 3, 31),
                    ),
                ),
            ],
        ),
    )
    for org, role in (
        ("koreifukushi", "介護保険サービスの調整"),
        ("hokatsu_1", "母の見守り・介護相談"),
    ):
        case_service.add_team_member(
            east,
            household_8050.id,
            s.TeamMemberIn(org=org, role=role, start_date=intake + timedelta(days=15)),
        )
    case_service.add_timeline_entry(
        east,
        household_8050.id,
        s.TimelineEntryIn(
            occurred_on=intake + timedelta(days=7),
            means="visit",
            function="outreach",
            content="民生委員と同行訪問。母と面談。長男とはドア越しに挨拶のみ。",
        ),
    )

    kodomo = _ctx(session, "kodomo.staff", today)
    case_service.open_case(
        kodomo,
        s.CaseCreate(
            intake_date=today - timedelta(days=20),
            intake_route="agency",
            referrer="市立中学校 スクールソーシャルワーカー",
            main_complaint="中学2年の長女が、病気の母の世話と弟の送迎のため欠席が続いている。",
            town="hiyoshicho",
            categories=[
                s.CategoryIn(code="young_carer", primary=True),
                s.CategoryIn(code="truancy"),
            ],
            members=[
                s.MemberIn(
                    name="日吉 さくら",
                    name_kana="ひよし さくら",
                    birth_date=date(today.year - 14, 9, 1),
                    relationship="本人",
                    is_main=True,
                    categories=[s.CategoryIn(code="young_carer", primary=True)],
                ),
                s.MemberIn(
                    name="日吉 由美",
                    name_kana="ひよし ゆみ",
                    birth_date=date(today.year - 44, 1, 20),
                    relationship="母",
                    categories=[s.CategoryIn(code="illness", primary=True)],
                ),
                s.MemberIn(
                    name="日吉 蓮",
                    name_kana="ひよし れん",
                    birth_date=date(today.year - 7, 4, 12),
                    relationship="弟",
                ),
            ],
        ),
    )

    secretariat = _ctx(session, "secretariat", today)
    hoarding = case_service.open_case(
        secretariat,
        s.CaseCreate(
            intake_date=today - timedelta(days=10),
            intake_route="resident",
            referrer="近隣住民",
            main_complaint="戸建て住宅の庭と玄関にごみが積まれ、悪臭がする。本人は支援を拒んでいる。",
            town="tokura",
            categories=[
                s.CategoryIn(code="hoarding", primary=True),
                s.CategoryIn(code="lack_of_insight"),
            ],
            members=[
                s.MemberIn(
                    name="戸倉 正",
                    name_kana="とくら ただし",
                    birth_date=date(1950, 11, 30),
                    relationship="本人",
                    is_main=True,
                    consent=s.ConsentIn(
                        decision=ConsentDecision.REFUSED,
                        decided_on=today - timedelta(days=5),
                        method=ConsentMethod.ORAL,
                        given_by=ConsentGivenBy.SELF,
                        reason="訪問時に情報共有を断られた",
                    ),
                )
            ],
        ),
    )
    case_service.add_team_member(
        secretariat,
        hoarding.id,
        s.TeamMemberIn(org="hokatsu_2", role="見守り", start_date=today - timedelta(days=5)),
    )
    _seed_participation(session, today, household_8050.id)


def _seed_partners(session: Session, today: date) -> None:
    admin = _ctx(session, "admin", today)
    for code, name, kana in DEMO_PARTNERS:
        if session.get(Organization, code) is None:
            master_service.create_organization(
                admin,
                master_schemas.OrganizationCreate(code=code, kind="partner", name=name, kana=kana),
            )


def _seed_participation(session: Session, today: date, case_id: int) -> None:
    """The 8050 household's plan: outreach to the son, and 参加支援 at a bakery and a café run by
    a social welfare corporation; proposed, approved at a 重層的支援会議 held today, and the
    contacts that name the son."""
    _seed_partners(session, today)
    son = session.scalar(
        select(CaseMember.id).where(CaseMember.case_id == case_id, CaseMember.is_main.is_(True))
    )
    east = _ctx(session, "coordinator.east", today)
    plan, plan_etag = plan_service.create_plan(
        east,
        case_id,
        plan_schemas.PlanCreate(
            assessment_summary="80代の母と50代の長男の世帯。長男は20年ほどひきこもり、母は物忘れが"
            "進み家計管理が難しくなっている。",
            goals=[
                plan_schemas.GoalIn(
                    term=GoalTerm.LONG, text="母子が地域とのつながりを保ちながら暮らし続ける。"
                ),
                plan_schemas.GoalIn(
                    term=GoalTerm.SHORT, text="長男が週1回、家の外で過ごす場を持つ。"
                ),
            ],
            items=[
                plan_schemas.ItemIn(
                    content="長男への訪問（アウトリーチ）と関係づくり",
                    responsible_org="kyosei",
                    is_lead=True,
                    frequency="隔週",
                    function="outreach",
                ),
                plan_schemas.ItemIn(
                    content="長男のパン工房での就労体験",
                    responsible_org="kyosei",
                    frequency="週1回",
                    function="participation",
                    partner_org="partner_bakery_honcho",
                ),
                plan_schemas.ItemIn(
                    content="長男の居場所（カフェでの短時間の手伝い）",
                    responsible_org="kyosei",
                    frequency="月2回",
                    function="participation",
                    partner_org="partner_cafe_hikari",
                ),
                plan_schemas.ItemIn(
                    content="母の介護保険申請と見守り",
                    responsible_org="hokatsu_1",
                    frequency="月1回",
                    function="consultation",
                ),
            ],
            monitoring_every_months=3,
            agreed_on=today - timedelta(days=2),
            agreement_method=AgreementMethod.WRITTEN,
        ),
    )
    plan_service.propose_plan(east, plan.id, plan_etag)
    meeting, meeting_etag = meeting_service.schedule_meeting(
        east,
        meeting_schemas.MeetingCreate(kind=MeetingKind.MULTI_AGENCY, day=today, regular=False),
    )
    item = meeting_service.add_agenda_item(
        east,
        meeting.id,
        meeting_schemas.AgendaItemCreate(
            case_id=case_id,
            purpose=AgendaPurpose.PLAN_REVIEW,
            summary="80代の母と50代の長男の世帯。参加支援を含む支援プランの確認。",
            plan_id=plan.id,
        ),
    )
    meeting_service.update_meeting(
        east, meeting.id, meeting_etag, meeting_schemas.MeetingUpdate(status="held")
    )
    meeting_service.record_decision(
        east,
        meeting.id,
        meeting_schemas.DecisionCreate(
            agenda_item_id=item.id, kind=DecisionKind.PLAN_APPROVAL, content={"planId": plan.id}
        ),
    )
    for means, function, content in (
        ("visit", "outreach", "長男と玄関先で10分ほど話せた。パン工房の見学に関心を示した。"),
        ("accompany", "participation", "長男とパン工房の就労体験に同行。1時間作業できた。"),
    ):
        case_service.add_timeline_entry(
            east,
            case_id,
            s.TimelineEntryIn(
                occurred_on=today,
                means=means,
                function=function,
                member_id=son,
                content=content,
            ),
        )
