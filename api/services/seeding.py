"""Loading the master data and the demo set into a database (used by the CLI and the tests)."""

import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth.passwords import hash_password
from api.models import (
    AgencyField,
    ApiClient,
    Area,
    CodeLabel,
    Department,
    IssueCategory,
    MeetingSchedule,
    Organization,
    SupportFunction,
    Town,
    User,
)
from api.seed import kokubunji as k
from domain.access import AGENCY_CLIENT_SCOPES, Dept, Role, check_role_set


def seed_master_data(session: Session) -> None:
    """Insert Kokubunji's master data; rows that exist already are left as admins edited them."""

    def add(model: type, key: object, **values: object) -> None:
        if session.get(model, key) is None:
            session.add(model(**values))

    for d in k.DEPARTMENTS:
        add(
            Department, d.code, code=d.code, name=d.name, name_en=d.name_en, sort_order=d.sort_order
        )
    for f in k.AGENCY_FIELDS:
        add(
            AgencyField,
            f.code,
            code=f.code,
            name=f.name,
            name_en=f.name_en,
            sort_order=f.sort_order,
        )
    for a in k.AREAS:
        add(Area, a.code, code=a.code, name=a.name, name_en=a.name_en)
    session.flush()
    for t in k.TOWNS:
        add(Town, t.code, code=t.code, name=t.name, kana=t.kana, area_code=t.area)
    for u in k.ORG_UNITS:
        add(
            Organization,
            u.code,
            code=u.code,
            kind="unit",
            name=u.name,
            kana=u.kana,
            department_code=u.department,
            field_code=None,
        )
    for g in k.AGENCIES:
        add(
            Organization,
            g.code,
            code=g.code,
            kind="agency",
            name=g.name,
            kana=g.kana,
            department_code=Dept.AGENCY.value,
            field_code=g.field,
        )
    for c in k.ISSUE_CATEGORIES:
        add(
            IssueCategory,
            c.code,
            code=c.code,
            name=c.name,
            name_en=c.name_en,
            national=c.national,
            sort_order=c.sort_order,
        )
    for fn in k.SUPPORT_FUNCTIONS:
        add(
            SupportFunction,
            fn.code,
            code=fn.code,
            article_item=fn.article_item,
            name=fn.name,
            name_en=fn.name_en,
            lead_units=list(fn.lead_units),
        )
    for sc in k.MEETING_SCHEDULES:
        add(
            MeetingSchedule,
            sc.kind,
            kind=sc.kind,
            week_of_month=sc.week_of_month,
            weekday=sc.weekday,
            start_time=time.fromisoformat(sc.start),
            end_time=time.fromisoformat(sc.end),
            place=sc.place,
        )
    for list_name, labels in (
        ("intake_route", k.INTAKE_ROUTES),
        ("contact_means", k.CONTACT_MEANS),
    ):
        for order, label in enumerate(labels, start=1):
            add(
                CodeLabel,
                (list_name, label.code),
                list_name=list_name,
                code=label.code,
                name=label.name,
                name_en=label.name_en,
                sort_order=order,
            )
    session.flush()


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    org_code: str,
    roles: list[Role],
    area_code: str | None = None,
    email: str | None = None,
) -> User:
    org = session.get(Organization, org_code)
    if org is None:
        raise ValueError(f"unknown org unit {org_code}")
    check_role_set(roles, Dept(org.department_code), area_code)
    user = User(
        id=str(uuid.uuid4()),
        username=username,
        display_name=display_name,
        email=email,
        password_hash=hash_password(password),
        org_code=org_code,
        roles=[r.value for r in roles],
        area_code=area_code,
    )
    session.add(user)
    session.flush()
    return user


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    org: str


DEMO_PASSWORD = "tsunagu-demo-2026"

DEMO_USERS: tuple[tuple[str, str, str, tuple[Role, ...], str | None], ...] = (
    ("secretariat", "地域共生 花子", "kyosei", (Role.SECRETARIAT,), None),
    ("coordinator.east", "東部 コーディネーター", "shakyo_east", (Role.COORDINATOR,), "east"),
    ("coordinator.west", "西部 コーディネーター", "shakyo_west", (Role.COORDINATOR,), "west"),
    ("koreifukushi.staff", "高齢 太郎", "koreifukushi", (Role.STAFF,), None),
    ("shogaifukushi.chief", "障害 次郎", "shogaifukushi", (Role.CHIEF,), None),
    ("seikatsufukushi.manager", "生活 三郎", "seikatsufukushi", (Role.MANAGER,), None),
    ("kodomo.staff", "子ども 桜", "kodomo_katei_center", (Role.STAFF,), None),
    ("kenko.director", "健康 部長", "kenko_suishin", (Role.DIRECTOR,), None),
    ("hokatsu1.agency", "包括 一郎", "hokatsu_1", (Role.AGENCY,), None),
    ("admin", "システム 管理者", "it_admin", (Role.ADMIN,), None),
    ("auditor", "監査 担当", "it_admin", (Role.AUDITOR,), None),
)


def seed_demo_users(session: Session) -> list[DemoLogin]:
    logins = []
    for username, name, org, roles, area in DEMO_USERS:
        if session.scalar(select(User).where(User.username == username)) is None:
            create_user(
                session,
                username=username,
                display_name=name,
                password=DEMO_PASSWORD,
                org_code=org,
                roles=list(roles),
                area_code=area,
            )
        logins.append(DemoLogin(username, "+".join(r.value for r in roles), org))
    return logins


def create_api_client(
    session: Session, *, name: str, org_code: str, scopes: Iterable[str] | None = None
) -> tuple[ApiClient, str]:
    """A partner agency's integration; the secret is returned once and stored only hashed."""
    org = session.get(Organization, org_code)
    if org is None or org.kind != "agency":
        raise ValueError("API clients belong to partner agencies")
    secret = secrets.token_urlsafe(32)
    client = ApiClient(
        client_id=f"agc_{secrets.token_hex(8)}",
        name=name,
        secret_hash=hash_password(secret),
        org_code=org_code,
        scopes=sorted(AGENCY_CLIENT_SCOPES if scopes is None else set(scopes)),
    )
    session.add(client)
    session.flush()
    return client, secret


def demo_dates(today: date) -> dict[str, date]:
    return {"intake": today - timedelta(days=60), "recent": today - timedelta(days=7)}
