"""The small demo set of the embedded default: three households that show the consent rules."""

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import Case, Organization, User
from api.schemas import cases as s
from api.services import cases as case_service
from api.services.audit import AuditTrail
from api.services.context import Context
from domain.access import Dept, Principal, PrincipalKind, Role, scopes_for
from domain.consent import ConsentDecision, ConsentGivenBy, ConsentMethod


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
