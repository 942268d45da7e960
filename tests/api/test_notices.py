"""Meeting notices (開催通知 / 出席依頼): e-mailed through a real SMTP server, printed as PDF.

The SMTP server is aiosmtpd on a free local port; the app under test is configured for it through
``Settings``. A notice goes outside the city hall, so it must never carry a case.
"""

import asyncio
import email
import re
import signal
import socket
import threading
import time as clock
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, time
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from api.clock import today
from api.db import Database
from api.main import create_app
from api.models import AgendaItem, Attendee, AuditEvent, Meeting
from api.settings import Settings
from conftest import (
    TEST_PASSWORD,
    TEST_SECRET,
    Api,
    Template,
    household,
    server_env,
    start_uvicorn,
    stop_uvicorn,
)
from domain.access import Role

MEETING_DAY = date(2024, 1, 9)  # the regular 支援会議 of January 2024 (2nd Tuesday)
CASE_NAME = "山田 太郎"
CASE_KANA = "やまだ たろう"
CASE_SUMMARY = "80代の母と50代の長男の世帯。長男がひきこもり、母の介護が必要。"
CONFIDENTIALITY = "社会福祉法第106条の6により守秘義務が課されます"
POSTAL_ADDRESS = "〒185-0003\n東京都国分寺市戸倉4-14 福祉センター"


# ---------------------------------------------------------------- a real SMTP server


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Inbox:
    """An aiosmtpd handler: keeps what it accepts, refuses recipients starting with 'refuse'."""

    messages: list[Received] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)
    mechanisms: list[str] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.startswith("refuse"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.logins.append((auth_data.login, auth_data.password))
        self.mechanisms.append(mechanism)
        ok = (auth_data.login, auth_data.password) == (b"tsunagu", b"s3cret")
        return AuthResult(success=ok, handled=False)  # handled=False: answer 535 on failure


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class SmtpServer:
    inbox: Inbox
    port: int


def _start_smtp(**kwargs: Any) -> tuple[Controller, SmtpServer]:
    inbox = Inbox()
    if kwargs.pop("with_auth", False):
        kwargs.update(authenticator=inbox.authenticate, auth_require_tls=False)
    for _ in range(5):
        port = _free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
        try:
            controller.start()
        except (OSError, RuntimeError):  # the port was taken meanwhile
            continue
        return controller, SmtpServer(inbox, port)
    raise RuntimeError("no free port for the SMTP server")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    controller, server = _start_smtp()
    yield server
    controller.stop()


@pytest.fixture
def smtp_with_login() -> Iterator[SmtpServer]:
    controller, server = _start_smtp(with_auth=True)
    yield server
    controller.stop()


def _app_with(template: Template, tmp: Path, **smtp_settings: Any) -> Api:
    """Like conftest's ``api``, with the SMTP settings given."""
    url = template.clone()
    settings = Settings(database_url=url, jwt_secret=TEST_SECRET, data_dir=tmp, **smtp_settings)
    db = Database(url)
    app = create_app(settings, db)
    client = TestClient(app, raise_server_exceptions=False)
    return Api(url=url, backend=template.backend, app=app, db=db, client=client, settings=settings)


@pytest.fixture
def make_api(template: Template, tmp_path: Path) -> Iterator[Any]:
    made: list[Api] = []

    def make(**smtp_settings: Any) -> Api:
        handle = _app_with(template, tmp_path, **smtp_settings)
        made.append(handle)
        return handle

    yield make
    for handle in made:
        handle.client.close()
        handle.db.dispose()
        template.drop(handle.url)


@pytest.fixture
def mail_api(make_api: Any, smtp: SmtpServer) -> Api:
    """The app, sending through the test SMTP server."""
    handle: Api = make_api(
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_from="shien-kaigi@city.kokubunji.example",
        smtp_timeout_seconds=5,
    )
    return handle


# ---------------------------------------------------------------- meetings, made in the database


@dataclass
class Setup:
    meeting_id: int
    case_id: int
    case_number: str
    attendees: dict[str, int]  # label -> attendee id
    users: dict[str, str]  # username -> user id


PEOPLE: dict[str, tuple[str, Role]] = {
    "jimu": ("kyosei", Role.SECRETARIAT),  # the organiser
    "jimu2": ("kyosei", Role.SECRETARIAT),  # a colleague in the organiser's unit
    "kyosei_staff": ("kyosei", Role.STAFF),  # same unit, but may not schedule a 支援会議
    "korei": ("koreifukushi", Role.STAFF),  # invited
    "kosodate": ("kosodate_sodan", Role.STAFF),  # not invited
    "admin": ("it_admin", Role.ADMIN),
    "kansa": ("it_admin", Role.AUDITOR),
}


def _people(api: Api, *names: str) -> dict[str, str]:
    """Accounts (user ids by username); each costs a password hash, so only those needed."""
    return {name: api.user(name, *PEOPLE[name]) for name in names}


def _meeting(
    api: Api,
    organiser_sub: str,
    *,
    day: date = MEETING_DAY,
    kind: str = "support",
    status: str = "scheduled",
    regular: bool = True,
    organiser_org: str = "kyosei",
    attendees: list[dict[str, Any]] | None = None,
    case_id: int | None = None,
) -> tuple[int, list[int]]:
    with api.db.sessions() as session, session.begin():
        meeting = Meeting(
            kind=kind,
            regular=regular,
            day=day,
            start_time=time(15, 0),
            end_time=time(17, 15),
            place="市役所 第一委員会室",
            status=status,
            organiser_org_code=organiser_org,
            organiser_sub=organiser_sub,
        )
        session.add(meeting)
        session.flush()
        rows = [Attendee(meeting_id=meeting.id, **a) for a in attendees or []]
        session.add_all(rows)
        if case_id is not None:
            session.add(
                AgendaItem(
                    meeting_id=meeting.id,
                    case_id=case_id,
                    position=1,
                    purpose="information_sharing",
                    summary=f"{CASE_NAME}さんの世帯。{CASE_SUMMARY}",
                )
            )
        session.flush()
        return meeting.id, [r.id for r in rows]


def _setup(api: Api, *others: str) -> Setup:
    users = _people(api, "jimu", "korei", *others)
    response = api.client.post(
        "/cases",
        json=household(main_name=CASE_NAME, main_kana=CASE_KANA, mainComplaint=CASE_SUMMARY),
        headers=api.login("jimu"),
    )
    assert response.status_code == 201, response.text
    case = response.json()
    # Earlier meetings of the fiscal year number this one: 第2回 (the cancelled one and the one of
    # the previous fiscal year do not count).
    _meeting(api, users["jimu"], day=date(2023, 12, 12))
    _meeting(api, users["jimu"], day=date(2023, 11, 14), status="cancelled")
    _meeting(api, users["jimu"], day=date(2023, 3, 14))
    labels = ["korei", "agency", "post", "refused"]
    meeting_id, ids = _meeting(
        api,
        users["jimu"],
        case_id=case["id"],
        attendees=[
            {
                "org_code": "koreifukushi",
                "user_id": users["korei"],
                "email": "korei@city.kokubunji.example",
                "notice_channel": "email",
            },
            {
                "org_code": "hokatsu_1",
                "name": "佐藤 花子",
                "email": "sato@hokatsu1.example",
                "notice_channel": "email",
            },
            {
                "org_code": "shakyo_east",
                "postal_address": POSTAL_ADDRESS,
                "notice_channel": "post",
            },
            {
                "org_code": "seikatsufukushi",
                "email": "refused@city.kokubunji.example",
                "notice_channel": "email",
            },
        ],
    )
    return Setup(meeting_id, case["id"], case["number"], dict(zip(labels, ids, strict=True)), users)


def _send(api: Api, meeting_id: int, username: str = "jimu", **body: Any) -> Any:
    return api.client.post(
        f"/meetings/{meeting_id}/notices", json=body or None, headers=api.login(username)
    )


def _attendee(api: Api, attendee_id: int) -> Attendee:
    with api.db.sessions() as session:
        row = session.get(Attendee, attendee_id)
        assert row is not None
        return row


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


def _assert_no_case(text: str, setup: Setup) -> None:
    for leaked in (CASE_NAME, "山田", CASE_KANA, CASE_SUMMARY, "ひきこもり", setup.case_number):
        assert leaked not in text


# ---------------------------------------------------------------- e-mail


def test_organiser_emails_a_japanese_notice_that_carries_no_case(
    mail_api: Api, smtp: SmtpServer
) -> None:
    setup = _setup(mail_api)

    response = _send(mail_api, setup.meeting_id)

    assert response.status_code == 200, response.text
    results = {r["attendeeId"]: r for r in response.json()["results"]}
    assert response.json()["meetingId"] == setup.meeting_id
    korei = results[setup.attendees["korei"]]
    assert (korei["channel"], korei["status"]) == ("email", "sent")
    assert korei["sentAt"].endswith("Z")
    arrived = {r.rcpt_tos[0]: r for r in smtp.inbox.messages}
    assert set(arrived) == {"korei@city.kokubunji.example", "sato@hokatsu1.example"}
    assert all(len(r.rcpt_tos) == 1 for r in smtp.inbox.messages)
    received = arrived["korei@city.kokubunji.example"]
    assert received.mail_from == "shien-kaigi@city.kokubunji.example"

    message = received.message
    assert message["Subject"] == "令和5年度 第2回 支援会議 開催通知（令和6年1月9日（火））"
    raw_subject = received.message.as_bytes().split(b"Subject:", 1)[1].split(b"\n", 1)[0]
    assert b"=?utf-8?" in raw_subject.lower(), "the Japanese subject travels MIME-encoded"
    assert message.get_content_charset() == "utf-8"
    body = _body(message)
    assert "令和6年1月9日（火）" in body
    assert "15:00～17:15" in body
    assert "市役所 第一委員会室" in body
    assert "高齢福祉課 korei 様" in body
    assert "国分寺市 健康部 地域共生推進課" in body
    assert CONFIDENTIALITY in body
    assert "事案の情報提供及び情報共有" in body
    _assert_no_case(body, setup)
    _assert_no_case(message["Subject"], setup)
    agency_body = _body(arrived["sato@hokatsu1.example"].message)
    assert "国分寺市地域包括支援センター第1 佐藤 花子 様" in agency_body

    assert _attendee(mail_api, setup.attendees["korei"]).notice_sent_at is not None
    post = results[setup.attendees["post"]]
    assert post == {
        "attendeeId": setup.attendees["post"],
        "channel": "post",
        "status": "pdf_ready",
        "errorCode": None,
        "error": None,
        "sentAt": None,
        "pdfUrl": f"/meetings/{setup.meeting_id}/attendees/{setup.attendees['post']}/notice.pdf",
    }
    assert _attendee(mail_api, setup.attendees["post"]).notice_sent_at is None


def test_a_refused_address_fails_alone_and_stays_unsent(mail_api: Api, smtp: SmtpServer) -> None:
    setup = _setup(mail_api)

    response = _send(mail_api, setup.meeting_id)

    assert response.status_code == 200, response.text
    statuses = {r["attendeeId"]: r["status"] for r in response.json()["results"]}
    assert statuses == {
        setup.attendees["korei"]: "sent",
        setup.attendees["agency"]: "sent",
        setup.attendees["post"]: "pdf_ready",
        setup.attendees["refused"]: "failed",
    }
    refused = next(
        r for r in response.json()["results"] if r["attendeeId"] == setup.attendees["refused"]
    )
    assert refused["errorCode"] == "recipient_refused"
    assert "550" in refused["error"]
    assert refused["sentAt"] is None
    assert len(smtp.inbox.messages) == 2
    assert _attendee(mail_api, setup.attendees["refused"]).notice_sent_at is None
    assert _attendee(mail_api, setup.attendees["agency"]).notice_sent_at is not None


def test_attendee_ids_choose_who_is_notified_and_unsent_only_skips_the_sent(
    mail_api: Api, smtp: SmtpServer
) -> None:
    setup = _setup(mail_api)

    first = _send(mail_api, setup.meeting_id, attendeeIds=[setup.attendees["korei"]])
    assert [r["attendeeId"] for r in first.json()["results"]] == [setup.attendees["korei"]]
    assert len(smtp.inbox.messages) == 1

    again = _send(mail_api, setup.meeting_id, unsentOnly=True)
    sent_to = [r.rcpt_tos[0] for r in smtp.inbox.messages[1:]]
    assert sent_to == ["sato@hokatsu1.example"]
    assert setup.attendees["korei"] not in {r["attendeeId"] for r in again.json()["results"]}

    unknown = _send(mail_api, setup.meeting_id, attendeeIds=[setup.attendees["korei"], 999999])
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "attendeeIds"


def test_no_body_is_the_same_as_an_empty_one(mail_api: Api, smtp: SmtpServer) -> None:
    setup = _setup(mail_api)

    response = mail_api.client.post(
        f"/meetings/{setup.meeting_id}/notices", headers=mail_api.login("jimu")
    )

    assert response.status_code == 200, response.text
    assert len(response.json()["results"]) == 4


def test_an_ad_hoc_meeting_is_marked_as_such_and_only_support_meetings_carry_the_duty(
    mail_api: Api, smtp: SmtpServer
) -> None:
    users = _people(mail_api, "jimu")
    meeting_id, _ = _meeting(
        mail_api,
        users["jimu"],
        day=date(2024, 5, 1),
        kind="multi_agency",
        regular=False,
        attendees=[{"org_code": "koreifukushi", "email": "k@x.example", "notice_channel": "email"}],
    )

    assert _send(mail_api, meeting_id).status_code == 200

    message = smtp.inbox.messages[0].message
    assert (
        message["Subject"]
        == "令和6年度 第1回 重層的支援会議（臨時） 開催通知（令和6年5月1日（水））"
    )
    body = _body(message)
    assert "高齢福祉課 御中" in body
    assert "支援プランの内容の確認" in body
    assert CONFIDENTIALITY not in body


def test_login_to_the_smtp_server_when_configured(
    make_api: Any, smtp_with_login: SmtpServer
) -> None:
    api = make_api(
        smtp_host="127.0.0.1",
        smtp_port=smtp_with_login.port,
        smtp_username="tsunagu",
        smtp_password="s3cret",
    )
    setup = _setup(api)

    response = _send(api, setup.meeting_id, attendeeIds=[setup.attendees["korei"]])

    assert response.json()["results"][0]["status"] == "sent", response.text
    assert smtp_with_login.inbox.logins == [(b"tsunagu", b"s3cret")]
    assert len(smtp_with_login.inbox.messages) == 1


def test_wrong_smtp_password_fails_every_email_without_marking(
    make_api: Any, smtp_with_login: SmtpServer
) -> None:
    api = make_api(
        smtp_host="127.0.0.1",
        smtp_port=smtp_with_login.port,
        smtp_username="tsunagu",
        smtp_password="wrong",
    )
    setup = _setup(api)

    response = _send(api, setup.meeting_id)

    codes = {r["attendeeId"]: r.get("errorCode") for r in response.json()["results"]}
    assert codes[setup.attendees["korei"]] == "smtp_login_failed"
    assert codes[setup.attendees["agency"]] == "smtp_login_failed"
    mechanisms = smtp_with_login.inbox.mechanisms
    assert len(mechanisms) == len(set(mechanisms)), "one log-in attempt, not one per attendee"
    assert smtp_with_login.inbox.messages == []
    assert _attendee(api, setup.attendees["korei"]).notice_sent_at is None


def test_unreachable_smtp_server_fails_every_email(make_api: Any) -> None:
    api = make_api(smtp_host="127.0.0.1", smtp_port=_free_port(), smtp_timeout_seconds=2)
    setup = _setup(api)

    response = _send(api, setup.meeting_id)

    assert response.status_code == 200
    failed = [r for r in response.json()["results"] if r["channel"] == "email"]
    assert {r["errorCode"] for r in failed} == {"smtp_unavailable"}
    assert _attendee(api, setup.attendees["korei"]).notice_sent_at is None


def test_email_not_configured_is_refused_with_a_clear_problem(api: Api) -> None:
    setup = _setup(api)

    response = _send(api, setup.meeting_id)

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "urn:tsunagu:problem:service-unavailable"
    assert "メール送信が設定されていない" in problem["detail"]
    english = api.client.post(
        f"/meetings/{setup.meeting_id}/notices",
        headers={**api.login("jimu"), "Accept-Language": "en"},
    )
    assert "E-mail is not configured" in english.json()["detail"]
    assert _attendee(api, setup.attendees["korei"]).notice_sent_at is None
    with api.db.sessions() as session:
        refusal = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "meeting.notice")
        ).first()
    assert refusal is not None
    assert (refusal.outcome, refusal.detail) == ("failed", {"reason": "smtp_not_configured"})


def test_post_only_notices_need_no_email_server(api: Api) -> None:
    setup = _setup(api)

    response = _send(api, setup.meeting_id, attendeeIds=[setup.attendees["post"]])

    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["status"] == "pdf_ready"


def test_cancelled_or_held_meeting_has_no_notice(mail_api: Api, smtp: SmtpServer) -> None:
    users = _people(mail_api, "jimu")
    attendee = {"org_code": "koreifukushi", "email": "k@x.example", "notice_channel": "email"}
    cancelled, (cancelled_attendee,) = _meeting(
        mail_api, users["jimu"], status="cancelled", attendees=[attendee]
    )
    held, _ = _meeting(mail_api, users["jimu"], status="held", attendees=[attendee])
    empty, _ = _meeting(mail_api, users["jimu"])

    assert _send(mail_api, cancelled).status_code == 409
    assert _send(mail_api, held).status_code == 409
    assert _send(mail_api, empty).status_code == 409
    pdf = mail_api.client.get(
        f"/meetings/{cancelled}/attendees/{cancelled_attendee}/notice.pdf",
        headers=mail_api.login("jimu"),
    )
    assert pdf.status_code == 409
    assert smtp.inbox.messages == []


# ---------------------------------------------------------------- the PDF


def _pdf_strings(pdf: bytes) -> str:
    """The text drawn on the pages: ReportLab writes CID-font strings as UTF-16BE literals."""
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}

    def unescape(raw: bytes) -> bytes:
        out = bytearray()
        i = 0
        while i < len(raw):
            ch = raw[i : i + 1]
            if ch != b"\\":
                out += ch
                i += 1
                continue
            nxt = raw[i + 1 : i + 2]
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(), 8) & 0xFF)
                i += 1 + len(octal.group())
            else:
                out += escapes.get(nxt, nxt)
                i += 2
        return bytes(out)

    texts = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", stream, re.S):
            texts.append(unescape(literal).decode("utf-16-be"))
    return "\n".join(texts)


def test_pdf_notice_for_post_is_an_a4_japanese_letter(mail_api: Api, smtp: SmtpServer) -> None:
    setup = _setup(mail_api)

    response = mail_api.client.get(
        f"/meetings/{setup.meeting_id}/attendees/{setup.attendees['post']}/notice.pdf",
        headers=mail_api.login("jimu"),
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    assert "attachment" in response.headers["content-disposition"]
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf, "A4"
    assert b"/HeiseiMin-W3" in pdf
    text = _pdf_strings(pdf)
    assert "令和5年度 第2回 支援会議 開催通知" in text
    assert "令和6年1月9日（火） 15:00～17:15" in text
    assert "〒185-0003" in text
    assert "東京都国分寺市戸倉4-14 福祉センター" in text
    assert "地域福祉コーディネーター（東部） 御中" in text
    assert "国分寺市 健康部 地域共生推進課" in text
    assert CONFIDENTIALITY in text.replace("\n", "")
    _assert_no_case(text, setup)
    _assert_no_case(pdf.decode("latin-1"), setup)  # nor in the metadata or anywhere else
    # Printing marks nothing.
    assert _attendee(mail_api, setup.attendees["post"]).notice_sent_at is None
    assert smtp.inbox.messages == []


def test_pdf_for_an_email_attendee_is_the_same_notice(mail_api: Api, smtp: SmtpServer) -> None:
    setup = _setup(mail_api)

    response = mail_api.client.get(
        f"/meetings/{setup.meeting_id}/attendees/{setup.attendees['agency']}/notice.pdf",
        headers=mail_api.login("jimu"),
    )

    assert response.status_code == 200, response.text
    text = _pdf_strings(response.content)
    assert "国分寺市地域包括支援センター第1" in text
    assert "佐藤 花子 様" in text


def test_pdf_of_an_attendee_of_another_meeting_is_not_found(
    mail_api: Api, smtp: SmtpServer
) -> None:
    setup = _setup(mail_api)
    other, _ = _meeting(mail_api, setup.users["jimu"], day=date(2024, 2, 13))

    response = mail_api.client.get(
        f"/meetings/{other}/attendees/{setup.attendees['post']}/notice.pdf",
        headers=mail_api.login("jimu"),
    )

    assert response.status_code == 404


# ---------------------------------------------------------------- who may


def test_only_the_organisers_unit_sends_or_prints_notices(mail_api: Api, smtp: SmtpServer) -> None:
    setup = _setup(mail_api, "jimu2", "kyosei_staff", "kosodate", "admin", "kansa")
    pdf = f"/meetings/{setup.meeting_id}/attendees/{setup.attendees['post']}/notice.pdf"

    def both(username: str) -> tuple[int, int]:
        sent = _send(mail_api, setup.meeting_id, username)
        printed = mail_api.client.get(pdf, headers=mail_api.login(username))
        for response in (sent, printed):
            assert response.headers["content-type"] == "application/problem+json"
        return sent.status_code, printed.status_code

    assert both("korei") == (403, 403), "an invited unit knows the meeting: 403"
    assert both("kosodate") == (404, 404), "anyone else: the meeting does not exist"
    assert both("kyosei_staff") == (404, 404), "the unit alone does not make an organiser"
    assert both("admin") == (403, 403), "no case-work scope"
    assert both("kansa") == (403, 403), "no case-work scope"
    assert smtp.inbox.messages == []
    assert _attendee(mail_api, setup.attendees["korei"]).notice_sent_at is None

    unknown = _send(mail_api, 999999)
    assert unknown.status_code == 404
    assert mail_api.client.post("/meetings/1/notices").status_code == 401

    colleague = _send(mail_api, setup.meeting_id, "jimu2", attendeeIds=[setup.attendees["korei"]])
    assert colleague.status_code == 200, "a colleague who may schedule it organises it too"


def test_a_coordinator_sends_the_notices_of_its_multi_agency_meeting_not_the_secretariat(
    mail_api: Api, smtp: SmtpServer
) -> None:
    users = _people(mail_api, "jimu", "kosodate")
    users["coord"] = mail_api.user("coord", "shakyo_east", Role.COORDINATOR, area="east")
    attendee = {"org_code": "koreifukushi", "email": "k@x.example", "notice_channel": "email"}
    meeting_id, _ = _meeting(
        mail_api,
        users["coord"],
        kind="multi_agency",
        organiser_org="shakyo_east",
        attendees=[attendee],
    )

    assert _send(mail_api, meeting_id, "jimu").status_code == 403, "the secretariat sees it"
    assert _send(mail_api, meeting_id, "kosodate").status_code == 404
    response = _send(mail_api, meeting_id, "coord")

    assert response.status_code == 200, response.text
    body = _body(smtp.inbox.messages[0].message)
    assert "国分寺市社会福祉協議会 地域福祉コーディネーター（東部）" in body
    assert "（担当: coord）" in body


def test_refusals_are_audited(mail_api: Api, smtp: SmtpServer) -> None:
    setup = _setup(mail_api, "kosodate")

    _send(mail_api, setup.meeting_id, "kosodate")

    with mail_api.db.sessions() as session:
        rows = list(
            session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "meeting.notice",
                    AuditEvent.actor_sub == setup.users["kosodate"],
                )
            )
        )
    assert [(r.outcome, r.resource_id) for r in rows] == [("denied", str(setup.meeting_id))]


def test_sending_and_printing_are_audited_with_attendee_ids_only(
    mail_api: Api, smtp: SmtpServer
) -> None:
    setup = _setup(mail_api)

    _send(mail_api, setup.meeting_id)
    mail_api.client.get(
        f"/meetings/{setup.meeting_id}/attendees/{setup.attendees['post']}/notice.pdf",
        headers=mail_api.login("jimu"),
    )

    with mail_api.db.sessions() as session:
        rows = {
            r.action: r
            for r in session.scalars(
                select(AuditEvent).where(AuditEvent.action.startswith("meeting.notice"))
            )
        }
    sent = rows["meeting.notice"]
    assert (sent.outcome, sent.resource_type, sent.resource_id, sent.actor_sub) == (
        "success",
        "meeting",
        str(setup.meeting_id),
        setup.users["jimu"],
    )
    assert sent.detail == {
        "sent": [setup.attendees["korei"], setup.attendees["agency"]],
        "failed": [setup.attendees["refused"]],
        "pdf_ready": [setup.attendees["post"]],
    }
    printed = rows["meeting.notice_pdf"]
    assert printed.detail == {"attendee_id": setup.attendees["post"]}
    for row in (sent, printed):
        assert "@" not in str(row.detail)
        assert row.case_id is None


# ---------------------------------------------------------------- post: recording that it went


def _posted(api: Api, setup: Setup, label: str, username: str = "jimu", **body: Any) -> Any:
    return api.client.post(
        f"/meetings/{setup.meeting_id}/attendees/{setup.attendees[label]}/notice-posted",
        json=body or None,
        headers=api.login(username),
    )


def test_a_posted_notice_is_recorded_once_with_the_day_it_was_posted(
    mail_api: Api, smtp: SmtpServer
) -> None:
    setup = _setup(mail_api)

    first = _posted(mail_api, setup, "post", postedOn="2024-01-05")
    again = _posted(mail_api, setup, "post", postedOn="2024-01-06")

    assert first.status_code == 200, first.text
    assert first.json() == {
        "attendeeId": setup.attendees["post"],
        "channel": "post",
        "status": "sent",
        "errorCode": None,
        "error": None,
        "sentAt": "2024-01-05T00:00:00Z",  # 9:00 in Tokyo on the day it was posted
        "pdfUrl": None,
    }
    assert again.json()["sentAt"] == "2024-01-05T00:00:00Z", "the first record stands"
    assert _attendee(mail_api, setup.attendees["post"]).notice_sent_at is not None
    resend = _send(mail_api, setup.meeting_id, unsentOnly=True)
    assert setup.attendees["post"] not in {r["attendeeId"] for r in resend.json()["results"]}
    with mail_api.db.sessions() as session:
        rows = list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == "meeting.notice_posted"))
        )
    assert [r.detail for r in rows] == [
        {"attendee_id": setup.attendees["post"], "posted_on": "2024-01-05"}
    ]


def test_posting_without_a_day_is_today_and_a_future_day_is_refused(
    mail_api: Api, smtp: SmtpServer
) -> None:
    setup = _setup(mail_api)
    tomorrow = date.fromordinal(today().toordinal() + 1)

    future = _posted(mail_api, setup, "post", postedOn=tomorrow.isoformat())
    assert future.status_code == 422
    assert future.json()["errors"][0]["field"] == "postedOn"
    assert _attendee(mail_api, setup.attendees["post"]).notice_sent_at is None

    posted = _posted(mail_api, setup, "post")
    assert posted.status_code == 200, posted.text
    assert posted.json()["sentAt"] == f"{today().isoformat()}T00:00:00Z"


def test_posting_is_refused_without_an_address_and_to_anyone_but_the_organiser(
    mail_api: Api, smtp: SmtpServer
) -> None:
    setup = _setup(mail_api, "kosodate")

    no_address = _posted(mail_api, setup, "korei")
    invited = _posted(mail_api, setup, "post", username="korei")
    stranger = _posted(mail_api, setup, "post", username="kosodate")
    elsewhere = mail_api.client.post(
        f"/meetings/{setup.meeting_id}/attendees/{2**31 - 1}/notice-posted",
        headers=mail_api.login("jimu"),
    )

    assert no_address.status_code == 409
    assert invited.status_code == 403
    assert stranger.status_code == 404
    assert elsewhere.status_code == 404
    for label in ("korei", "post"):
        assert _attendee(mail_api, setup.attendees[label]).notice_sent_at is None


# ---------------------------------------------------------------- no lock while SMTP talks


@dataclass
class SlowInbox(Inbox):
    """Holds each message until released, as a slow mail server would."""

    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.arrived.set()
        await asyncio.to_thread(self.release.wait, 30)
        return await super().handle_DATA(server, session, envelope)


def test_the_database_is_free_while_the_mail_server_talks(
    make_api: Any, template: Template
) -> None:
    """The request's transaction ends before the e-mails go out: another writer (here one that
    edits the same meeting) gets through while the mail server is still busy with the notice."""
    inbox = SlowInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        api: Api = make_api(
            smtp_host="127.0.0.1", smtp_port=controller.port, smtp_timeout_seconds=30
        )
        setup = _setup(api)
        headers = api.login("jimu")
        outcome: dict[str, Any] = {}
        sender = threading.Thread(
            target=lambda: outcome.update(
                response=api.client.post(
                    f"/meetings/{setup.meeting_id}/notices",
                    json={"attendeeIds": [setup.attendees["korei"]]},
                    headers=headers,
                )
            )
        )
        sender.start()
        assert inbox.arrived.wait(30), "the notice never reached the mail server"

        with api.db.sessions() as session, session.begin():
            session.execute(
                update(Meeting).where(Meeting.id == setup.meeting_id).values(place="別室")
            )
        written_while_sending = not inbox.release.is_set()

        inbox.release.set()
        sender.join(30)
    finally:
        inbox.release.set()
        controller.stop()
    assert written_while_sending
    assert outcome["response"].status_code == 200, outcome["response"].text
    assert outcome["response"].json()["results"][0]["status"] == "sent"
    assert _attendee(api, setup.attendees["korei"]).notice_sent_at is not None


def _serve(api: Api, tmp_path: Path, smtp_port: int) -> tuple[Any, str]:
    """The service in a uvicorn process of its own (one process), mailing to ``smtp_port``."""
    env = server_env(api, tmp_path, TSUNAGU_SMTP_HOST="127.0.0.1", TSUNAGU_SMTP_PORT=str(smtp_port))
    return start_uvicorn(env, tmp_path / "uvicorn.log")


def _jimu(base_url: str) -> dict[str, str]:
    token = httpx.post(
        f"{base_url}/auth/token",
        data={"grant_type": "password", "username": "jimu", "password": TEST_PASSWORD},
        timeout=30,
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


@dataclass
class InFlight:
    """A notice to 高齢 sent through a real server and held by a slow mail server."""

    api: Api
    setup: Setup
    proc: Any
    base_url: str
    inbox: SlowInbox
    sender: threading.Thread
    outcome: dict[str, Any]  # the send's answer lands in ["response"]


@contextmanager
def _a_notice_in_flight(make_api: Any, tmp_path: Path) -> Iterator[InFlight]:
    """Yields once the notice has reached the mail server, which holds it until
    ``inbox.release`` is set; afterwards the server and the mail server are stopped."""
    inbox = SlowInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    api: Api = make_api()
    setup = _setup(api)
    proc, base_url = _serve(api, tmp_path, controller.port)
    outcome: dict[str, Any] = {}
    try:
        headers = _jimu(base_url)
        sender = threading.Thread(
            target=lambda: outcome.update(
                response=httpx.post(
                    f"{base_url}/meetings/{setup.meeting_id}/notices",
                    json={"attendeeIds": [setup.attendees["korei"]]},
                    headers=headers,
                    timeout=60,
                )
            )
        )
        sender.start()
        assert inbox.arrived.wait(30), "the notice reached the mail server"
        yield InFlight(api, setup, proc, base_url, inbox, sender, outcome)
    finally:
        inbox.release.set()
        stop_uvicorn(proc)
        controller.stop()


def test_a_graceful_shutdown_lets_the_notices_in_flight_finish(
    make_api: Any, template: Template, tmp_path: Path
) -> None:
    """SIGTERM while the mail server is still talking: the server stops accepting, the request
    in flight finishes (its e-mail marked as sent), then the process exits cleanly."""
    with _a_notice_in_flight(make_api, tmp_path) as notice:
        notice.proc.send_signal(signal.SIGTERM)
        clock.sleep(0.5)
        assert notice.proc.poll() is None, "it waits for the request in flight"
        notice.inbox.release.set()
        notice.sender.join(60)
        # uvicorn re-raises the signal once it has shut down: the exit is "terminated by SIGTERM".
        assert notice.proc.wait(timeout=30) in (0, -signal.SIGTERM)
    response = notice.outcome["response"]
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["status"] == "sent"
    assert _attendee(notice.api, notice.setup.attendees["korei"]).notice_sent_at is not None


def test_the_server_answers_others_while_the_mail_server_talks(
    make_api: Any, template: Template, tmp_path: Path
) -> None:
    """The notice's route runs in a worker thread (api/routes/__init__.py): while its e-mail waits
    at a slow mail server, the one server process still answers a read of the meeting, which runs
    on the event loop."""
    with _a_notice_in_flight(make_api, tmp_path) as notice:
        meeting_id = notice.setup.meeting_id
        read = httpx.get(
            f"{notice.base_url}/meetings/{meeting_id}", headers=_jimu(notice.base_url), timeout=10
        )
        answered_while_sending = not notice.inbox.release.is_set() and notice.sender.is_alive()
        notice.inbox.release.set()
        notice.sender.join(60)
    assert read.status_code == 200, read.text
    assert read.json()["id"] == meeting_id
    assert answered_while_sending
    assert notice.outcome["response"].status_code == 200, notice.outcome["response"].text
