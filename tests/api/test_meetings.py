"""Meeting endpoints: who schedules what, regular dates, the request deadline, screening, the
consent rule, what a 支援会議 member reads (and that it is audited), decisions, minutes with ETags,
and bad input."""

import base64
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from api.clock import today
from api.models import AuditEvent, Case, Meeting, TeamMembership
from conftest import Api, household
from domain.access import Role
from domain.fiscal import fiscal_year
from domain.meetings import MeetingKind, regular_dates, request_deadline

TODAY = today()


# ------------------------------------------------------------------ the world


@dataclass
class World:
    api: Api
    jimu: dict[str, str]  # secretariat (地域共生推進課)
    coord: dict[str, str]  # coordinator, east (the cases are in the east)
    coord_west: dict[str, str]
    staff: dict[str, str]  # 高齢福祉課: opens and leads the cases
    agency: dict[str, str]  # 地域包括支援センター第1: a 支援会議 member
    agency2: dict[str, str]  # a colleague at the same agency
    other_agency: dict[str, str]  # 地域包括支援センター第2: not invited
    outsider: dict[str, str]  # 学務課
    agency_id: str
    agency2_id: str


@pytest.fixture
def w(api: Api) -> World:
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    api.user("coord", "shakyo_east", Role.COORDINATOR, area="east")
    api.user("coordw", "shakyo_west", Role.COORDINATOR, area="west")
    api.user("kourei", "koreifukushi", Role.STAFF)
    agency_id = api.user("hokatsu", "hokatsu_1", Role.AGENCY)
    agency2_id = api.user("hokatsu_b", "hokatsu_1", Role.AGENCY)
    api.user("hokatsu2", "hokatsu_2", Role.AGENCY)
    api.user("gakumu", "gakumu", Role.STAFF)
    return World(
        api=api,
        jimu=api.login("jimu"),
        coord=api.login("coord"),
        coord_west=api.login("coordw"),
        staff=api.login("kourei"),
        agency=api.login("hokatsu"),
        agency2=api.login("hokatsu_b"),
        other_agency=api.login("hokatsu2"),
        outsider=api.login("gakumu"),
        agency_id=agency_id,
        agency2_id=agency2_id,
    )


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


def _case(w: World, *, consent: bool = False, complaint: str | None = None) -> dict[str, Any]:
    """An east household opened and led by 高齢福祉課, with or without the main person's consent."""
    extra: dict[str, Any] = {"mainComplaint": complaint} if complaint else {}
    case: dict[str, Any] = _ok(
        w.api.client.post("/cases", json=household(**extra), headers=w.staff), 201
    )
    if consent:
        _ok(
            w.api.client.post(
                f"/cases/{case['id']}/members/{case['members'][0]['id']}/consents",
                json={
                    "decision": "given",
                    "decidedOn": TODAY.isoformat(),
                    "method": "written",
                    "coversWholeTeam": True,
                },
                headers=w.staff,
            ),
            201,
        )
    return case


def _meeting(
    w: World,
    kind: str = "support",
    day: date = TODAY,
    *,
    headers: dict[str, str] | None = None,
    regular: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    body = {"kind": kind, "day": day.isoformat(), "regular": regular, **extra}
    meeting: dict[str, Any] = _ok(
        w.api.client.post("/meetings", json=body, headers=headers or w.jimu), 201
    )
    return meeting


def _listed(w: World, headers: dict[str, str], **params: str) -> list[int]:
    """The ids of one page of the caller's meetings."""
    page = _ok(w.api.client.get("/meetings", params=params, headers=headers))
    return [m["id"] for m in page["items"]]


def _item(
    w: World, meeting_id: int, case_id: int, headers: dict[str, str] | None = None, **extra: Any
) -> Any:
    body = {"caseId": case_id, "purpose": "information_sharing", "summary": "要約", **extra}
    return w.api.client.post(
        f"/meetings/{meeting_id}/agenda-items", json=body, headers=headers or w.jimu
    )


def _invite(w: World, meeting_id: int, org: str, headers: dict[str, str] | None = None) -> Any:
    return _ok(
        w.api.client.post(
            f"/meetings/{meeting_id}/attendees",
            json={"org": org, "noticeChannel": "email", "email": f"{org}@example.jp"},
            headers=headers or w.jimu,
        ),
        201,
    )


def _decide(
    w: World, meeting_id: int, item_id: int, kind: str, content: dict[str, Any], **kw: Any
) -> Any:
    return w.api.client.post(
        f"/meetings/{meeting_id}/decisions",
        json={"agendaItemId": item_id, "kind": kind, "content": content},
        headers=kw.get("headers") or w.jimu,
    )


def _audit(api: Api, action: str) -> list[AuditEvent]:
    with api.db.sessions() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def _next_regular(after: date) -> date:
    return next(
        d.day
        for fy in (fiscal_year(after), fiscal_year(after) + 1)
        for d in regular_dates(fy)
        if d.day > after
    )


def _set_today(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    monkeypatch.setattr("api.deps.today", lambda: day)


# ------------------------------------------------------------------ schedules


def test_schedules_and_regular_dates_with_holidays_and_deadlines(w: World) -> None:
    schedules = _ok(w.api.client.get("/meeting-schedules", headers=w.agency))
    assert [(s["kind"], s["startTime"], s["endTime"]) for s in schedules] == [
        ("support", "15:00:00", "17:15:00"),
        ("multi_agency", "15:00:00", "17:15:00"),
    ]
    assert schedules[0]["description"] == "毎月第2火曜日 15:00～17:15"
    year = _ok(
        w.api.client.get(
            "/meeting-schedules/support/dates", params={"fiscalYear": 2024}, headers=w.jimu
        )
    )
    dates = year["dates"]
    assert [d["day"] for d in dates][:2] == ["2024-04-09", "2024-05-14"]
    assert dates[0]["requestDeadline"] == "2024-03-12"
    february = next(d for d in dates if d["day"] == "2025-02-11")
    assert february["holidayName"] == "建国記念の日" and february["needsAttention"] is True
    assert not any(d["yearEndBreak"] for d in dates)
    current = _ok(w.api.client.get("/meeting-schedules/multi_agency/dates", headers=w.jimu))
    assert current["fiscalYear"] == fiscal_year(TODAY)
    _problem(w.api.client.get("/meeting-schedules/staff/dates", headers=w.jimu), 404)
    _problem(
        w.api.client.get(
            "/meeting-schedules/support/dates", params={"fiscalYear": 1999}, headers=w.jimu
        ),
        422,
    )


# ------------------------------------------------------------------ who schedules what

S, M, ST, C, E = (k.value for k in MeetingKind)
SCHEDULERS: list[tuple[str, str, tuple[Role, ...], str | None, set[str]]] = [
    ("staff", "koreifukushi", (Role.STAFF,), None, set()),
    ("chief", "koreifukushi", (Role.CHIEF,), None, set()),
    ("manager", "koreifukushi", (Role.MANAGER,), None, set()),
    ("welfare_director", "koreifukushi", (Role.DIRECTOR,), None, set()),
    ("health_manager", "kenko_suishin", (Role.MANAGER,), None, set()),
    ("health_director", "kenko_suishin", (Role.DIRECTOR,), None, {E}),
    ("secretariat", "kyosei", (Role.SECRETARIAT,), None, {S, M, ST, C}),
    ("coordinator", "shakyo_west", (Role.COORDINATOR,), "west", {M}),
    ("agency", "hokatsu_1", (Role.AGENCY,), None, set()),
    ("admin", "it_admin", (Role.ADMIN,), None, set()),
    ("auditor", "it_admin", (Role.AUDITOR,), None, set()),
]


@pytest.mark.parametrize(
    ("name", "org", "roles", "area", "allowed"), SCHEDULERS, ids=[s[0] for s in SCHEDULERS]
)
def test_who_may_schedule_each_kind(
    api: Api, name: str, org: str, roles: tuple[Role, ...], area: str | None, allowed: set[str]
) -> None:
    api.user(name, org, *roles, area=area)
    headers = api.login(name)
    for kind in MeetingKind:
        body = {"kind": kind.value, "day": TODAY.isoformat(), "regular": False}
        response = api.client.post("/meetings", json=body, headers=headers)
        expected = 201 if kind.value in allowed else 403
        assert response.status_code == expected, (kind, response.text)
        if expected == 201:
            meeting = response.json()
            assert (meeting["organiserOrg"], meeting["access"]["organiser"]) == (org, True)
            assert response.headers["location"] == f"/meetings/{meeting['id']}"
    if E not in allowed and Role.ADMIN not in roles and Role.AUDITOR not in roles:
        body = {"kind": E, "day": TODAY.isoformat()}
        problem = _problem(api.client.post("/meetings", json=body, headers=headers), 403)
        assert "健康部長" in problem["detail"]


def test_a_regular_meeting_falls_on_a_regular_date(w: World) -> None:
    regular = _next_regular(TODAY)
    meeting = _meeting(w, "support", regular, regular=True)
    assert (meeting["startTime"], meeting["endTime"], meeting["place"]) == (
        "15:00:00",
        "17:15:00",
        "市役所 会議室",
    )
    assert meeting["requestDeadline"] == request_deadline(regular).isoformat()
    # A second regular 支援会議 that day is refused; a 重層的支援会議 may share the day.
    again = {"kind": "support", "day": regular.isoformat(), "regular": True}
    _problem(w.api.client.post("/meetings", json=again, headers=w.jimu), 409)
    _meeting(w, "multi_agency", regular, regular=True, headers=w.coord)
    off = regular + timedelta(days=1)
    problem = _problem(
        w.api.client.post(
            "/meetings",
            json={"kind": "support", "day": off.isoformat(), "regular": True},
            headers=w.jimu,
        ),
        422,
    )
    assert problem["errors"][0]["field"] == "day"
    assert "臨時開催" in problem["detail"]
    # 担当者会議 has no regular schedule in the data: regular=true is refused, ad hoc is fine.
    staff_regular = {"kind": "staff", "day": regular.isoformat(), "regular": True}
    _problem(w.api.client.post("/meetings", json=staff_regular, headers=w.jimu), 422)
    ad_hoc = _meeting(w, "support", off, startTime="10:00", endTime="11:00", place="福祉センター")
    assert (ad_hoc["regular"], ad_hoc["requestDeadline"], ad_hoc["place"]) == (
        False,
        None,
        "福祉センター",
    )


# ------------------------------------------------------------------ seeing meetings


def test_meetings_are_seen_by_the_organiser_the_invited_and_the_secretariat(w: World) -> None:
    meeting = _meeting(w, "multi_agency", TODAY + timedelta(days=3), headers=w.coord)
    staff_meeting = _meeting(w, "staff", TODAY + timedelta(days=4))
    _invite(w, meeting["id"], "hokatsu_1", headers=w.coord)
    for headers in (w.coord, w.jimu, w.agency, w.agency2):
        got = w.api.client.get(f"/meetings/{meeting['id']}", headers=headers)
        assert got.status_code == 200, got.text
        assert got.headers["etag"] == f'"m{meeting["id"]}.1"'
    for headers in (w.coord_west, w.other_agency, w.outsider, w.staff):
        _problem(w.api.client.get(f"/meetings/{meeting['id']}", headers=headers), 404)
        assert meeting["id"] not in _listed(w, headers)
    assert _listed(w, w.agency) == [meeting["id"]]
    assert _listed(w, w.jimu) == [meeting["id"], staff_meeting["id"]]
    assert _listed(w, w.jimu, kind="staff") == [staff_meeting["id"]]
    window = {"from": (TODAY + timedelta(days=4)).isoformat(), "to": "2100-01-01"}
    assert _listed(w, w.jimu, **window) == [staff_meeting["id"]]
    invited = _ok(w.api.client.get(f"/meetings/{meeting['id']}", headers=w.agency))
    assert invited["access"] == {
        "organiser": False,
        "invited": True,
        "confidentialityAcknowledged": False,
    }


def test_the_meeting_list_comes_a_page_at_a_time_in_calendar_order(w: World) -> None:
    """By day, then start time (a meeting without one first in its day), then id; the pages,
    followed by their cursors, hold every meeting once, on both databases."""
    later, sooner = TODAY + timedelta(days=10), TODAY + timedelta(days=9)
    made = {
        "later 15:00": _meeting(w, "staff", later, startTime="15:00"),
        "later untimed": _meeting(w, "staff", later),
        "later 09:30": _meeting(w, "staff", later, startTime="09:30"),
        "later 15:00 again": _meeting(w, "staff", later, startTime="15:00"),
        "later untimed again": _meeting(w, "staff", later),
        "last": _meeting(w, "staff", later + timedelta(days=1)),
        "first": _meeting(w, "staff", sooner, startTime="13:00"),
    }
    order = [
        "first",
        "later untimed",
        "later untimed again",
        "later 09:30",
        "later 15:00",
        "later 15:00 again",
        "last",
    ]
    expected = [made[name]["id"] for name in order]
    for limit in (1, 2, 3, 7):
        seen: list[int] = []
        cursor: str | None = None
        pages = 0
        while True:
            params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
            page = _ok(w.api.client.get("/meetings", params=params, headers=w.jimu))
            assert len(page["items"]) <= limit
            seen += [m["id"] for m in page["items"]]
            pages += 1
            cursor = page["nextCursor"]
            if cursor is None:
                break
        assert seen == expected, limit
        assert pages == -(-len(expected) // limit)
    # The filters apply on every page.
    first = _ok(w.api.client.get("/meetings", params={"limit": 1, "from": later.isoformat()}, headers=w.jimu))
    assert [m["id"] for m in first["items"]] == [made["later untimed"]["id"]]
    rest = {"limit": 10, "from": later.isoformat(), "cursor": first["nextCursor"]}
    assert _listed(w, w.jimu, **rest) == expected[2:]
    assert _listed(w, w.jimu, to=sooner.isoformat()) == [made["first"]["id"]]


@pytest.mark.parametrize(
    "raw",
    [
        "id:12",  # a case list's cursor
        "meeting:2026-13-01//1",  # no such day
        "meeting:2026-12-01/25:00/1",  # no such time
        "meeting:2026-12-01//x",  # not an id
        "meeting:2026-12-01",  # a part missing
        "meeting:",
    ],
)
def test_a_bad_meeting_cursor_is_400_in_words(w: World, raw: str) -> None:
    for cursor in (base64.urlsafe_b64encode(raw.encode()).decode().rstrip("="), raw + "!"):
        response = w.api.client.get("/meetings", params={"cursor": cursor}, headers=w.jimu)
        assert "最初のページから" in _problem(response, 400)["detail"]


def test_changing_holding_and_cancelling_a_meeting(w: World) -> None:
    later = _meeting(w, "support", TODAY + timedelta(days=7))
    url = f"/meetings/{later['id']}"
    tag = w.api.client.get(url, headers=w.jimu).headers["etag"]
    _problem(w.api.client.patch(url, json={"place": "第1会議室"}, headers=w.jimu), 428)
    _problem(
        w.api.client.patch(url, json={"place": "x"}, headers=w.jimu | {"If-Match": '"m1.99"'}),
        412,
    )
    _invite(w, later["id"], "hokatsu_1")
    _problem(
        w.api.client.patch(url, json={"place": "x"}, headers=w.agency | {"If-Match": tag}), 403
    )
    changed = w.api.client.patch(
        url, json={"place": "第1会議室", "startTime": "14:00"}, headers=w.jimu | {"If-Match": tag}
    )
    assert _ok(changed)["place"] == "第1会議室"
    tag = changed.headers["etag"]
    _problem(  # not before its day
        w.api.client.patch(url, json={"status": "held"}, headers=w.jimu | {"If-Match": tag}), 409
    )
    _problem(
        w.api.client.patch(
            url, json={"startTime": "18:00", "endTime": "17:00"}, headers=w.jimu | {"If-Match": tag}
        ),
        422,
    )
    cancelled = w.api.client.patch(
        url, json={"status": "cancelled"}, headers=w.jimu | {"If-Match": tag}
    )
    assert _ok(cancelled)["status"] == "cancelled"
    _problem(
        w.api.client.patch(
            url, json={"place": "x"}, headers=w.jimu | {"If-Match": cancelled.headers["etag"]}
        ),
        409,
    )
    today = _meeting(w, "support")
    tag = w.api.client.get(f"/meetings/{today['id']}", headers=w.jimu).headers["etag"]
    held = w.api.client.patch(
        f"/meetings/{today['id']}", json={"status": "held"}, headers=w.jimu | {"If-Match": tag}
    )
    assert _ok(held)["statusLabel"] == "開催済み"


# ------------------------------------------------------------------ requests and the deadline


def test_the_request_deadline_on_the_day_a_day_late_and_ad_hoc(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    case, other = _case(w), _case(w)
    february = _meeting(w, "support", date(2024, 2, 13), regular=True)
    ad_hoc = _meeting(w, "support", date(2024, 2, 1))
    body = {"kind": "support", "purpose": "information_sharing", "note": "情報共有したい"}
    url = f"/cases/{case['id']}/meeting-requests"

    _set_today(monkeypatch, date(2024, 1, 9))  # the deadline: 2nd Tuesday of January
    on_time = _ok(
        w.api.client.post(url, json=body | {"meetingId": february["id"]}, headers=w.staff), 201
    )
    assert (on_time["status"], on_time["requestedOn"]) == ("submitted", "2024-01-09")
    # The same case twice for one meeting is refused.
    _problem(
        w.api.client.post(url, json=body | {"meetingId": february["id"]}, headers=w.staff), 409
    )

    _set_today(monkeypatch, date(2024, 1, 10))
    late = _problem(
        w.api.client.post(
            f"/cases/{other['id']}/meeting-requests",
            json=body | {"meetingId": february["id"]},
            headers=w.staff,
        ),
        422,
    )
    assert "2024年1月9日" in late["detail"]
    assert late["errors"][0] == {
        "field": "meetingId",
        "message": late["detail"],
        "code": "past_deadline",
    }
    english = w.api.client.post(
        f"/cases/{other['id']}/meeting-requests",
        json=body | {"meetingId": february["id"]},
        headers=w.staff | {"Accept-Language": "en"},
    )
    assert "2024-01-09" in _problem(english, 422)["detail"]
    # Ad hoc meetings are exempt from the deadline.
    _ok(
        w.api.client.post(
            f"/cases/{other['id']}/meeting-requests",
            json=body | {"meetingId": ad_hoc["id"]},
            headers=w.staff,
        ),
        201,
    )


def test_case_workers_see_the_meetings_that_still_take_requests(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    february = _meeting(w, "support", date(2024, 2, 13), regular=True)  # due by 1/9
    _meeting(w, "support", date(2024, 1, 9), regular=True)  # its deadline was 12/12
    ad_hoc = _meeting(w, "support", date(2024, 1, 20))
    multi = _meeting(w, "multi_agency", date(2024, 1, 25), headers=w.coord)
    _meeting(w, "support", date(2024, 1, 5))  # past
    cancelled = _meeting(w, "support", date(2024, 1, 30))
    with w.api.db.sessions() as session, session.begin():
        session.execute(
            update(Meeting).where(Meeting.id == cancelled["id"]).values(status="cancelled")
        )
    url = "/meetings/open-for-requests"

    _set_today(monkeypatch, date(2024, 1, 9))
    listed = _ok(w.api.client.get(url, headers=w.staff))
    assert [m["id"] for m in listed] == [ad_hoc["id"], multi["id"], february["id"]]
    assert listed[2]["requestDeadline"] == "2024-01-09"
    assert "attendees" not in listed[0] and "agendaItems" not in listed[0]
    only_multi = _ok(w.api.client.get(url, params={"kind": "multi_agency"}, headers=w.staff))
    assert [m["id"] for m in only_multi] == [multi["id"]]
    _problem(w.api.client.get(url, params={"kind": "emergency"}, headers=w.staff), 422)

    _set_today(monkeypatch, date(2024, 1, 10))
    assert [m["id"] for m in _ok(w.api.client.get(url, headers=w.staff))] == [
        ad_hoc["id"],
        multi["id"],
    ]
    assert _ok(w.api.client.get(url, headers=w.agency)) != []  # agencies bring cases too
    w.api.user("kanri", "it_admin", Role.ADMIN)
    _problem(w.api.client.get(url, headers=w.api.login("kanri")), 403)


def test_who_may_request_and_what(w: World) -> None:
    case = _case(w)
    support = _meeting(w, "support", TODAY + timedelta(days=2))
    multi = _meeting(w, "multi_agency", TODAY + timedelta(days=2), headers=w.coord)
    url = f"/cases/{case['id']}/meeting-requests"
    body = {"kind": "support", "meetingId": support["id"], "purpose": "role_assignment"}
    _problem(w.api.client.post(url, json=body, headers=w.outsider), 404)  # may not read the case
    _problem(w.api.client.post(url, json=body, headers=w.agency), 404)
    wrong_kind = _problem(
        w.api.client.post(url, json=body | {"kind": "multi_agency"}, headers=w.staff), 422
    )
    assert wrong_kind["errors"][0]["code"] == "kind_mismatch"
    _problem(w.api.client.post(url, json=body | {"meetingId": 999999}, headers=w.staff), 422)
    # No consent: the 支援会議 takes the case, the 重層的支援会議 refuses it.
    _ok(w.api.client.post(url, json=body, headers=w.staff), 201)
    no_consent = _problem(
        w.api.client.post(
            url, json=body | {"kind": "multi_agency", "meetingId": multi["id"]}, headers=w.staff
        ),
        409,
    )
    assert "同意" in no_consent["detail"]
    consented = _case(w, consent=True)
    _ok(
        w.api.client.post(
            f"/cases/{consented['id']}/meeting-requests",
            json=body | {"kind": "multi_agency", "meetingId": multi["id"]},
            headers=w.staff,
        ),
        201,
    )


def test_screening_puts_accepted_requests_on_the_agenda(w: World) -> None:
    meeting = _meeting(w, "support", TODAY + timedelta(days=2))
    with_note = _case(w)
    without_note = _case(w, complaint="ごみ屋敷の相談。近隣から苦情。")
    rejected = _case(w)
    ids = {}
    for case, note in ((with_note, "ヤングケアラーの疑い"), (without_note, None), (rejected, "x")):
        body = {"kind": "support", "meetingId": meeting["id"], "purpose": "information_sharing"}
        if note:
            body["note"] = note
        made = _ok(
            w.api.client.post(f"/cases/{case['id']}/meeting-requests", json=body, headers=w.staff),
            201,
        )
        ids[case["id"]] = made["id"]
    _problem(w.api.client.get("/meeting-requests", headers=w.staff), 403)
    _problem(w.api.client.get("/meeting-requests", headers=w.agency), 403)
    submitted = _ok(
        w.api.client.get("/meeting-requests", params={"status": "submitted"}, headers=w.coord_west)
    )
    assert sorted(r["id"] for r in submitted["items"]) == sorted(ids.values())
    shown = [e for e in _audit(w.api, "meeting_request.list") if e.outcome == "success"]
    assert sorted(e.case_id or 0 for e in shown) == sorted(ids)  # one entry per case shown

    screen = "/meeting-requests/{}/screening"
    accept = {"decision": "accepted", "note": "次回の支援会議で検討"}
    _problem(
        w.api.client.post(screen.format(ids[with_note["id"]]), json=accept, headers=w.staff), 403
    )
    first = _ok(
        w.api.client.post(screen.format(ids[with_note["id"]]), json=accept, headers=w.coord)
    )
    assert first["status"] == "accepted" and first["agendaItemId"]
    _problem(
        w.api.client.post(screen.format(ids[with_note["id"]]), json=accept, headers=w.coord), 409
    )
    _ok(w.api.client.post(screen.format(ids[without_note["id"]]), json=accept, headers=w.jimu))
    declined = _ok(
        w.api.client.post(
            screen.format(ids[rejected["id"]]),
            json={"decision": "rejected", "note": "担当課で対応"},
            headers=w.coord,
        )
    )
    assert (declined["status"], declined["agendaItemId"]) == ("rejected", None)
    items = _ok(w.api.client.get(f"/meetings/{meeting['id']}/agenda-items", headers=w.jimu))
    assert [(i["caseId"], i["summary"], i["requestId"]) for i in items] == [
        (with_note["id"], "ヤングケアラーの疑い", ids[with_note["id"]]),
        (without_note["id"], "ごみ屋敷の相談。近隣から苦情。", ids[without_note["id"]]),
    ]
    edited = w.api.client.patch(
        f"/meetings/{meeting['id']}/agenda-items/{items[1]['id']}",
        json={"summary": "近隣との関係が悪化している世帯。"},
        headers=w.jimu,
    )
    assert _ok(edited)["summary"] == "近隣との関係が悪化している世帯。"
    left = _ok(
        w.api.client.get("/meeting-requests", params={"status": "submitted"}, headers=w.jimu)
    )
    assert left["items"] == []


def test_accepting_a_multi_agency_request_after_consent_is_withdrawn_is_refused(w: World) -> None:
    case = _case(w, consent=True)
    multi = _meeting(w, "multi_agency", TODAY + timedelta(days=2), headers=w.coord)
    made = _ok(
        w.api.client.post(
            f"/cases/{case['id']}/meeting-requests",
            json={"kind": "multi_agency", "meetingId": multi["id"], "purpose": "plan_review"},
            headers=w.staff,
        ),
        201,
    )
    consent_id = _ok(w.api.client.get(f"/cases/{case['id']}/consents", headers=w.staff))[0]["id"]
    _ok(
        w.api.client.post(
            f"/cases/{case['id']}/consents/{consent_id}/withdrawal",
            json={"reason": "本人から撤回の申し出"},
            headers=w.staff,
        )
    )
    _problem(
        w.api.client.post(
            f"/meeting-requests/{made['id']}/screening",
            json={"decision": "accepted"},
            headers=w.coord,
        ),
        409,
    )


# ------------------------------------------------------------------ the agenda and consent


def test_a_support_meeting_takes_a_case_without_consent_a_multi_agency_one_refuses_it(
    w: World,
) -> None:
    no_consent = _case(w)
    consented = _case(w, consent=True)
    support = _meeting(w, "support")
    multi = _meeting(w, "multi_agency", headers=w.coord)
    assert _ok(_item(w, support["id"], no_consent["id"]), 201)["caseNumber"] == no_consent["number"]
    refused = _problem(_item(w, multi["id"], no_consent["id"], headers=w.coord), 409)
    assert "支援会議" in refused["detail"]
    assert _audit(w.api, "agenda_item.create")[-1].case_id == no_consent["id"]
    _ok(_item(w, multi["id"], consented["id"], headers=w.coord), 201)
    _problem(_item(w, multi["id"], consented["id"], headers=w.coord), 409)  # already on it
    _problem(_item(w, multi["id"], consented["id"], headers=w.coord_west), 404)  # not organiser
    # Other kinds carry items too; an organiser that may not read the case gets 404 for it.
    staff = _meeting(w, "staff")
    _ok(_item(w, staff["id"], no_consent["id"]), 201)
    west_multi = _meeting(w, "multi_agency", headers=w.coord_west)
    _problem(_item(w, west_multi["id"], consented["id"], headers=w.coord_west), 404)


def test_a_support_meeting_member_reads_the_summary_only_after_acknowledging(w: World) -> None:
    case = _case(w)  # no consent
    meeting = _meeting(w, "support")
    item = _ok(
        _item(w, meeting["id"], case["id"], summary="母と長男の世帯。長男は長年ひきこもり。"), 201
    )
    _invite(w, meeting["id"], "hokatsu_1")
    url = f"/meetings/{meeting['id']}/agenda-items"

    refused = _problem(w.api.client.get(url, headers=w.agency), 403)
    assert "守秘義務" in refused["detail"]
    _problem(w.api.client.get(url, headers=w.other_agency), 404)  # not invited at all
    _problem(
        w.api.client.post(
            f"/meetings/{meeting['id']}/confidentiality-acknowledgements", headers=w.other_agency
        ),
        404,
    )

    ack = _ok(
        w.api.client.post(
            f"/meetings/{meeting['id']}/confidentiality-acknowledgements", headers=w.agency
        ),
        201,
    )
    assert ack["acknowledgedAt"]
    [acknowledged] = _audit(w.api, "meeting.confidentiality_acknowledge")
    assert (acknowledged.actor_sub, acknowledged.purpose) == (
        w.agency_id,
        f"meeting:{meeting['id']}",
    )

    items = _ok(w.api.client.get(url, headers=w.agency))
    assert items == [
        {
            "id": item["id"],
            "meetingId": meeting["id"],
            "position": 1,
            "purpose": "information_sharing",
            "purposeLabel": "情報共有",
            "summary": "母と長男の世帯。長男は長年ひきこもり。",
            "restricted": True,
            "caseId": None,
            "caseNumber": None,
            "planId": None,
            "requestId": None,
        }
    ]
    reads = [e for e in _audit(w.api, "agenda_item.read") if e.actor_sub == w.agency_id]
    assert [(e.case_id, e.purpose, e.resource_id, e.detail["basis"]) for e in reads] == [
        (case["id"], f"meeting:{meeting['id']}", str(item["id"]), "meeting_member")
    ]
    # The member reads nothing else of the case.
    _problem(w.api.client.get(f"/cases/{case['id']}", headers=w.agency), 404)
    _problem(w.api.client.get(f"/cases/{case['id']}/timeline", headers=w.agency), 404)
    # The acknowledgement is personal: a colleague of the same agency must make its own.
    _problem(w.api.client.get(url, headers=w.agency2), 403)
    # The organiser and case readers see the item in full.
    full = _ok(w.api.client.get(url, headers=w.jimu))[0]
    assert (full["restricted"], full["caseId"]) == (False, case["id"])

    # Minutes: read by the acknowledged member, audited per case with the meeting as purpose.
    tag = w.api.client.get(f"/meetings/{meeting['id']}", headers=w.jimu).headers["etag"]
    _ok(
        w.api.client.put(
            f"/meetings/{meeting['id']}/minutes",
            json={"minutes": "地域包括が母の見守りを担当する。"},
            headers=w.jimu | {"If-Match": tag},
        )
    )
    assert _ok(w.api.client.get(f"/meetings/{meeting['id']}", headers=w.agency2))["minutes"] is None
    seen = _ok(w.api.client.get(f"/meetings/{meeting['id']}", headers=w.agency))
    assert seen["minutes"] == "地域包括が母の見守りを担当する。"
    minutes_reads = [e for e in _audit(w.api, "meeting.minutes.read") if e.actor_sub == w.agency_id]
    assert [(e.case_id, e.purpose) for e in minutes_reads] == [
        (case["id"], f"meeting:{meeting['id']}")
    ]


def test_an_agency_integration_cannot_acknowledge_for_a_person(w: World) -> None:
    meeting = _meeting(w, "support")
    _invite(w, meeting["id"], "hokatsu_1")
    client_id, secret = w.api.api_client("hokatsu-system", "hokatsu_1")
    headers = w.api.client_login(client_id, secret)
    _ok(w.api.client.get(f"/meetings/{meeting['id']}", headers=headers))
    _problem(
        w.api.client.post(
            f"/meetings/{meeting['id']}/confidentiality-acknowledgements", headers=headers
        ),
        403,
    )
    _problem(w.api.client.get(f"/meetings/{meeting['id']}/agenda-items", headers=headers), 403)


def test_a_multi_agency_member_reads_only_while_consent_covers_it(w: World) -> None:
    case = _case(w, consent=True)
    meeting = _meeting(w, "multi_agency", headers=w.coord)
    _ok(_item(w, meeting["id"], case["id"], headers=w.coord), 201)
    _invite(w, meeting["id"], "hokatsu_1", headers=w.coord)
    url = f"/meetings/{meeting['id']}/agenda-items"
    [item] = _ok(w.api.client.get(url, headers=w.agency))
    assert (item["restricted"], item["caseId"]) == (True, None)
    consent_id = _ok(w.api.client.get(f"/cases/{case['id']}/consents", headers=w.staff))[0]["id"]
    _ok(
        w.api.client.post(
            f"/cases/{case['id']}/consents/{consent_id}/withdrawal",
            json={"reason": "撤回"},
            headers=w.staff,
        )
    )
    assert _ok(w.api.client.get(url, headers=w.agency)) == []
    assert len(_ok(w.api.client.get(url, headers=w.coord))) == 1  # the organiser still does


# ------------------------------------------------------------------ attendees


def test_attendees_and_attendance(w: World) -> None:
    later = _meeting(w, "support", TODAY + timedelta(days=5))
    url = f"/meetings/{later['id']}/attendees"
    posted = _ok(
        w.api.client.post(
            url,
            json={
                "org": "minsei_jido_iin",
                "name": "国分 花子",
                "noticeChannel": "post",
                "postalAddress": "東京都国分寺市本町1-2-3",
            },
            headers=w.jimu,
        ),
        201,
    )
    assert (posted["orgKind"], posted["field"]) == ("agency", "other")
    named = _ok(
        w.api.client.post(
            url,
            json={
                "org": "hokatsu_1",
                "userId": w.agency_id,
                "noticeChannel": "email",
                "email": "a@example.jp",
            },
            headers=w.jimu,
        ),
        201,
    )
    for bad in (
        {"org": "hokatsu_1", "noticeChannel": "post"},  # no address
        {"org": "hokatsu_1", "noticeChannel": "email"},  # nobody to e-mail
        {"org": "atlantis", "noticeChannel": "email", "email": "x@example.jp"},
        {"org": "hokatsu_2", "userId": w.agency_id, "noticeChannel": "email"},  # wrong org
        {"org": "hokatsu_1", "noticeChannel": "fax", "email": "x@example.jp"},
        {"org": "hokatsu_1", "noticeChannel": "email", "email": "not-an-address"},
    ):
        _problem(w.api.client.post(url, json=bad, headers=w.jimu), 422)
    _problem(
        w.api.client.post(
            url,
            json={
                "org": "hokatsu_1",
                "userId": w.agency_id,
                "noticeChannel": "email",
                "email": "a@example.jp",
            },
            headers=w.jimu,
        ),
        409,
    )
    listed = _ok(w.api.client.get(url, headers=w.agency))
    assert {a["id"] for a in listed} == {posted["id"], named["id"]}
    assert all(a["email"] is None and a["postalAddress"] is None for a in listed)
    assert (
        _ok(w.api.client.get(url, headers=w.jimu))[0]["postalAddress"] == "東京都国分寺市本町1-2-3"
    )
    _problem(  # not before the day
        w.api.client.post(
            f"{url}/{named['id']}/attendance", json={"attended": True}, headers=w.jimu
        ),
        409,
    )
    today = _meeting(w, "support")
    seat = _invite(w, today["id"], "hokatsu_2")
    marked = _ok(
        w.api.client.post(
            f"/meetings/{today['id']}/attendees/{seat['id']}/attendance",
            json={"attended": True},
            headers=w.jimu,
        )
    )
    assert marked["attended"] is True
    _problem(
        w.api.client.post(
            f"/meetings/{today['id']}/attendees/{named['id']}/attendance",
            json={"attended": True},
            headers=w.jimu,
        ),
        404,
    )


# ------------------------------------------------------------------ decisions


def test_role_assignment_adds_a_team_membership_from_the_meeting_day(w: World) -> None:
    case = _case(w)
    day = TODAY - timedelta(days=3)
    meeting = _meeting(w, "support", day)
    item = _ok(_item(w, meeting["id"], case["id"]), 201)
    decided = _ok(
        _decide(
            w,
            meeting["id"],
            item["id"],
            "role_assignment",
            {"org": "hokatsu_1", "role": "母の見守り"},
        ),
        201,
    )
    assert decided["content"] == {"org": "hokatsu_1", "role": "母の見守り"}
    assert (decided["planId"], decided["planItemId"]) == (None, None), "the case has no plan"
    team = _ok(w.api.client.get(f"/cases/{case['id']}/team", headers=w.staff))
    assert [(t["id"], t["org"], t["role"], t["startDate"], t["active"]) for t in team] == [
        (decided["teamMembershipId"], "hokatsu_1", "母の見守り", day.isoformat(), True)
    ]
    [added] = _audit(w.api, "team.add")
    assert (added.case_id, added.purpose) == (case["id"], f"meeting:{meeting['id']}")
    # Without consent the agency on the team still cannot read the case (rule 4 needs consent).
    _problem(w.api.client.get(f"/cases/{case['id']}", headers=w.agency), 404)
    decisions = _ok(w.api.client.get(f"/meetings/{meeting['id']}/decisions", headers=w.jimu))
    assert [d["kind"] for d in decisions] == ["role_assignment"]
    bad = _problem(
        _decide(w, meeting["id"], item["id"], "role_assignment", {"org": "hokatsu_1"}), 422
    )
    assert bad["errors"][0]["field"] == "content.role"
    _problem(
        _decide(w, meeting["id"], item["id"], "role_assignment", {"org": "nowhere", "role": "x"}),
        422,
    )
    _problem(
        _decide(
            w, meeting["id"], item["id"], "support_policy", {"policy": "見守り"}, headers=w.staff
        ),
        404,
    )


def test_close_and_suspend_by_a_case_meeting_only(w: World) -> None:
    case = _case(w)
    meeting = _meeting(w, "support")
    item = _ok(_item(w, meeting["id"], case["id"]), 201)
    staff = _meeting(w, "staff")
    staff_item = _ok(_item(w, staff["id"], case["id"]), 201)
    refused = _problem(
        _decide(w, staff["id"], staff_item["id"], "close_case", {"reason": "解決"}), 409
    )
    assert "担当者会議" in refused["detail"]
    suspended = _ok(_decide(w, meeting["id"], item["id"], "suspend_case", {"reason": "入院"}), 201)
    assert suspended["caseStatus"] == "suspended"
    closed = _ok(_decide(w, meeting["id"], item["id"], "close_case", {"reason": "解決"}), 201)
    assert closed["caseStatus"] == "closed"
    assert _ok(w.api.client.get(f"/cases/{case['id']}", headers=w.staff))["status"] == "closed"
    _problem(_decide(w, meeting["id"], item["id"], "suspend_case", {"reason": "x"}), 409)
    status_events = _audit(w.api, "case.status")
    assert [(e.detail["to"], e.purpose) for e in status_events] == [
        ("suspended", f"meeting:{meeting['id']}"),
        ("closed", f"meeting:{meeting['id']}"),
    ]
    history = _ok(w.api.client.get(f"/cases/{case['id']}", headers=w.staff))["statusHistory"]
    assert [(h["toStatus"], h["reason"], h["meetingId"], h["effectiveOn"]) for h in history] == [
        ("suspended", "入院", meeting["id"], meeting["day"]),
        ("closed", "解決", meeting["id"], meeting["day"]),
    ]
    policy = _ok(
        _decide(w, staff["id"], staff_item["id"], "support_policy", {"policy": "月1回訪問"}), 201
    )
    assert policy["content"] == {"policy": "月1回訪問"}
    period = _ok(
        _decide(
            w,
            meeting["id"],
            item["id"],
            "monitoring_period",
            {"everyMonths": 3, "nextMonitoringOn": "2027-03-01"},
        ),
        201,
    )
    assert period["content"] == {"everyMonths": 3, "nextMonitoringOn": "2027-03-01"}


def test_decisions_wait_for_the_meeting_day_and_its_agenda(w: World) -> None:
    case = _case(w)
    later = _meeting(w, "support", TODAY + timedelta(days=1))
    item = _ok(_item(w, later["id"], case["id"]), 201)
    _problem(_decide(w, later["id"], item["id"], "support_policy", {"policy": "x"}), 409)
    now = _meeting(w, "support")
    _problem(_decide(w, now["id"], item["id"], "support_policy", {"policy": "x"}), 404)
    _problem(_decide(w, now["id"], item["id"], "plan_approval", {"planId": 1}), 404)


def test_plan_approval_through_a_multi_agency_decision(w: World) -> None:
    case = _case(w, consent=True)
    plan = _ok(
        w.api.client.post(
            f"/cases/{case['id']}/plans",
            json={
                "assessmentSummary": "母の介護と長男のひきこもり。",
                "goals": [{"term": "long", "text": "母子が安心して暮らす。"}],
                "items": [
                    {"content": "見守り", "responsibleOrg": "hokatsu_1", "isLead": True},
                ],
                "monitoringEveryMonths": 3,
            },
            headers=w.coord,
        ),
        201,
    )
    _ok(w.api.client.post(f"/plans/{plan['id']}/propose", headers=w.coord))
    support = _meeting(w, "support")
    support_item = _ok(_item(w, support["id"], case["id"], planId=plan["id"]), 201)
    refused = _problem(
        _decide(w, support["id"], support_item["id"], "plan_approval", {"planId": plan["id"]}),
        409,
    )
    assert "重層的支援会議" in refused["detail"]
    multi = _meeting(w, "multi_agency", headers=w.coord)
    item = _ok(
        _item(
            w, multi["id"], case["id"], headers=w.coord, purpose="plan_review", planId=plan["id"]
        ),
        201,
    )
    assert item["planId"] == plan["id"]
    other_case = _case(w, consent=True)
    other_item = _ok(_item(w, multi["id"], other_case["id"], headers=w.coord), 201)
    _problem(  # a plan of another case
        _decide(
            w,
            multi["id"],
            other_item["id"],
            "plan_approval",
            {"planId": plan["id"]},
            headers=w.coord,
        ),
        422,
    )
    approved = _ok(
        _decide(
            w, multi["id"], item["id"], "plan_approval", {"planId": plan["id"]}, headers=w.coord
        ),
        201,
    )
    assert approved["content"] == {"planId": plan["id"]}
    read = _ok(w.api.client.get(f"/plans/{plan['id']}", headers=w.coord))
    assert read["status"] == "monitoring"
    assert read["approvedMeetingId"] == multi["id"]
    _problem(  # already approved
        _decide(
            w, multi["id"], item["id"], "plan_approval", {"planId": plan["id"]}, headers=w.coord
        ),
        409,
    )


def test_role_assignment_becomes_an_item_of_the_open_plan(w: World) -> None:
    """Decided at the 重層的支援会議 that reviews the plan: the org joins the team and the plan
    under review gains its item (not 主担当: the plan has one), and the plan's ETag moves."""
    case = _case(w, consent=True)
    plan = _ok(
        w.api.client.post(
            f"/cases/{case['id']}/plans",
            json={
                "assessmentSummary": "母の介護と長男のひきこもり。",
                "goals": [{"term": "long", "text": "母子が安心して暮らす。"}],
                "items": [{"content": "見守り", "responsibleOrg": "hokatsu_1", "isLead": True}],
                "monitoringEveryMonths": 3,
            },
            headers=w.coord,
        ),
        201,
    )
    _ok(w.api.client.post(f"/plans/{plan['id']}/propose", headers=w.coord))
    before = w.api.client.get(f"/plans/{plan['id']}", headers=w.coord).headers["etag"]
    multi = _meeting(w, "multi_agency", headers=w.coord)
    item = _ok(
        _item(
            w,
            multi["id"],
            case["id"],
            headers=w.coord,
            purpose="role_assignment",
            planId=plan["id"],
        ),
        201,
    )
    content = {
        "org": "seikatsufukushi",
        "role": "家計の相談",
        "supportContent": "長男の就労と家計の立て直しを支援する",
        "frequency": "月1回",
        "function": "participation",
    }
    bad = _problem(
        _decide(
            w,
            multi["id"],
            item["id"],
            "role_assignment",
            content | {"function": "no_such_function"},
            headers=w.coord,
        ),
        422,
    )
    assert bad["errors"][0]["field"].startswith("content")
    after_refusal = _ok(w.api.client.get(f"/plans/{plan['id']}", headers=w.coord))
    assert len(after_refusal["items"]) == 1, "a refused decision adds nothing"
    assert _ok(w.api.client.get(f"/cases/{case['id']}/team", headers=w.coord)) == []

    decided = _ok(
        _decide(w, multi["id"], item["id"], "role_assignment", content, headers=w.coord), 201
    )

    assert decided["planId"] == plan["id"]
    read = w.api.client.get(f"/plans/{plan['id']}", headers=w.coord)
    items = read.json()["items"]
    assert [(i["responsibleOrg"], i["isLead"]) for i in items] == [
        ("hokatsu_1", True),
        ("seikatsufukushi", False),
    ]
    added = items[1]
    assert added["id"] == decided["planItemId"]
    assert (added["content"], added["frequency"], added["function"], added["startDate"]) == (
        "長男の就労と家計の立て直しを支援する",
        "月1回",
        "participation",
        multi["day"],
    )
    assert read.headers["etag"] != before
    [audited] = _audit(w.api, "plan.item_add")
    assert (audited.case_id, audited.purpose) == (case["id"], f"meeting:{multi['id']}")


# ------------------------------------------------------------------ minutes and ETags


def test_minutes_need_the_current_etag(w: World) -> None:
    meeting = _meeting(w, "support")
    url = f"/meetings/{meeting['id']}/minutes"
    first = w.api.client.get(f"/meetings/{meeting['id']}", headers=w.jimu).headers["etag"]
    body = {"minutes": "出席者で役割分担を確認した。"}
    _problem(w.api.client.put(url, json=body, headers=w.jimu), 428)
    written = w.api.client.put(url, json=body, headers=w.jimu | {"If-Match": first})
    assert _ok(written)["minutes"] == body["minutes"]
    second = written.headers["etag"]
    assert second != first
    stale = w.api.client.put(url, json={"minutes": "上書き"}, headers=w.jimu | {"If-Match": first})
    assert _problem(stale, 412)
    assert stale.headers["etag"] == second
    _problem(w.api.client.put(url, json=body, headers=w.coord | {"If-Match": second}), 404)
    later = _meeting(w, "support", TODAY + timedelta(days=1))
    tag = w.api.client.get(f"/meetings/{later['id']}", headers=w.jimu).headers["etag"]
    _problem(
        w.api.client.put(
            f"/meetings/{later['id']}/minutes", json=body, headers=w.jimu | {"If-Match": tag}
        ),
        409,
    )
    _ok(w.api.client.put(url, json={"minutes": "改訂版"}, headers=w.jimu | {"If-Match": second}))
    assert (
        _ok(w.api.client.get(f"/meetings/{meeting['id']}", headers=w.jimu))["minutes"] == "改訂版"
    )


# ------------------------------------------------------------------ statistics and bad input


def test_statistics_are_for_the_secretariat(w: World) -> None:
    params = {"from": "2023-04-01", "to": "2023-12-31"}
    for headers in (w.coord, w.staff, w.agency):
        _problem(w.api.client.get("/meetings/statistics", params=params, headers=headers), 403)
    stats = _ok(w.api.client.get("/meetings/statistics", params=params, headers=w.jimu))
    assert [k["kind"] for k in stats["kinds"]] == [k.value for k in MeetingKind]
    assert (stats["from"], stats["to"]) == ("2023-04-01", "2023-12-31")
    _problem(
        w.api.client.get(
            "/meetings/statistics",
            params={"from": "2023-12-31", "to": "2023-04-01"},
            headers=w.jimu,
        ),
        422,
    )
    _problem(w.api.client.get("/meetings/statistics", headers=w.jimu), 422)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "picnic", "day": "2026-01-13"}, "kind"),
        ({"kind": "support", "day": "2026-13-40"}, "day"),
        ({"kind": "support"}, "day"),
        (
            {"kind": "support", "day": "2026-01-13", "startTime": "16:00", "endTime": "15:00"},
            "body",
        ),
        ({"kind": "support", "day": "2026-01-13", "place": ""}, "place"),
        ({"kind": "support", "day": "2026-01-13", "place": "会議室\x00"}, "place"),
        ({"kind": "support", "day": "2026-01-13", "organiser": "me"}, "organiser"),
    ],
)
def test_bad_meetings_are_422(w: World, body: dict[str, Any], field: str) -> None:
    problem = _problem(w.api.client.post("/meetings", json=body, headers=w.jimu), 422)
    assert any(field in e["field"] or field == "body" for e in problem["errors"]), problem
    assert _ok(w.api.client.get("/meetings", headers=w.jimu)) == {"items": [], "nextCursor": None}


def test_other_bad_input_is_422(w: World) -> None:
    case = _case(w)
    meeting = _meeting(w, "support")
    item = _ok(_item(w, meeting["id"], case["id"]), 201)
    bad_requests = [
        {"kind": "staff", "meetingId": meeting["id"], "purpose": "information_sharing"},
        {"kind": "support", "meetingId": meeting["id"], "purpose": "gossip"},
        {"kind": "support", "meetingId": 0, "purpose": "information_sharing"},
        {"kind": "support", "meetingId": meeting["id"], "purpose": "closing", "note": "x" * 4001},
    ]
    for body in bad_requests:
        _problem(
            w.api.client.post(f"/cases/{case['id']}/meeting-requests", json=body, headers=w.staff),
            422,
        )
    for body in (
        {"caseId": case["id"], "purpose": "information_sharing", "summary": ""},
        {"caseId": "one", "purpose": "information_sharing", "summary": "x"},
        {"purpose": "information_sharing", "summary": "x"},
    ):
        _problem(
            w.api.client.post(f"/meetings/{meeting['id']}/agenda-items", json=body, headers=w.jimu),
            422,
        )
    for kind, content in (
        ("vote", {}),
        ("monitoring_period", {"everyMonths": 0}),
        ("plan_approval", {"planId": "x"}),
        ("support_policy", {"policy": "x", "extra": 1}),
    ):
        _problem(_decide(w, meeting["id"], item["id"], kind, content), 422)
    _problem(
        w.api.client.post(
            "/meeting-requests/1/screening", json={"decision": "maybe"}, headers=w.jimu
        ),
        422,
    )
    _problem(w.api.client.get("/meetings/0", headers=w.jimu), 422)
    _problem(w.api.client.get("/meetings/999999", headers=w.jimu), 404)


def test_admins_and_auditors_see_no_meetings(api: Api) -> None:
    api.user("admin", "it_admin", Role.ADMIN)
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    meeting = api.client.post(
        "/meetings", json={"kind": "support", "day": TODAY.isoformat()}, headers=api.login("jimu")
    ).json()
    headers = api.login("admin")
    assert api.client.get("/meetings", headers=headers).status_code == 403
    assert api.client.get(f"/meetings/{meeting['id']}", headers=headers).status_code == 403
    with api.db.sessions() as session:
        assert session.scalar(select(Case.id)) is None
        assert session.scalar(select(TeamMembership.id)) is None


# ------------------------------------------------------------------ a case's meetings, calendar


def test_a_case_lists_the_meetings_it_was_brought_to_with_their_decisions(w: World) -> None:
    case = _case(w)
    later = _meeting(w, "support", TODAY + timedelta(days=20))
    held = _meeting(w, "support")
    item = _ok(_item(w, held["id"], case["id"]), 201)
    _ok(_decide(w, held["id"], item["id"], "support_policy", {"policy": "月1回訪問"}), 201)
    request = _ok(
        w.api.client.post(
            f"/cases/{case['id']}/meeting-requests",
            json={"kind": "support", "meetingId": later["id"], "purpose": "role_assignment"},
            headers=w.staff,
        ),
        201,
    )
    other = _case(w)
    _ok(_item(w, held["id"], other["id"]), 201)

    listed = _ok(w.api.client.get(f"/cases/{case['id']}/meetings", headers=w.staff))

    assert [(m["meetingId"], m["agendaItemId"], m["requestId"]) for m in listed] == [
        (held["id"], item["id"], None),
        (later["id"], None, request["id"]),
    ]
    assert listed[0]["purposeLabel"] == "情報共有"
    assert [(d["kind"], d["content"]) for d in listed[0]["decisions"]] == [
        ("support_policy", {"policy": "月1回訪問"})
    ]
    assert (listed[1]["requestStatus"], listed[1]["decisions"]) == ("submitted", [])
    # A 支援会議 member reads the agenda item there, not the case's list; nor do strangers.
    _problem(w.api.client.get(f"/cases/{case['id']}/meetings", headers=w.agency), 404)
    _problem(w.api.client.get(f"/cases/{case['id']}/meetings", headers=w.outsider), 404)
    _problem(w.api.client.get(f"/cases/{2**31 - 1}/meetings", headers=w.staff), 404)
    assert [(e.case_id, e.outcome) for e in _audit(w.api, "case_meetings.list")] == [
        (case["id"], "success"),
        (case["id"], "denied"),
        (case["id"], "denied"),
        (None, "denied"),
    ]


def test_the_calendar_lists_the_closed_weekdays(w: World) -> None:
    url = "/calendar/closed-days"
    body = _ok(
        w.api.client.get(url, params={"from": "2023-12-25", "to": "2024-01-10"}, headers=w.agency)
    )
    assert body["from"] == "2023-12-25"
    assert [(d["day"], d["holidayName"], d["yearEndBreak"]) for d in body["days"]] == [
        ("2023-12-29", None, True),
        ("2024-01-01", "元日", True),
        ("2024-01-02", None, True),
        ("2024-01-03", None, True),
        ("2024-01-08", "成人の日", False),
    ]
    for params in (
        {"from": "2024-01-10", "to": "2024-01-01"},
        {"from": "2024-01-01", "to": "2026-01-01"},
    ):
        assert _problem(w.api.client.get(url, params=params, headers=w.staff), 422)["errors"]
    _problem(w.api.client.get(url, params={"from": "2024-01-01"}, headers=w.staff), 422)
    assert (
        w.api.client.get(url, params={"from": "2024-01-01", "to": "2024-01-02"}).status_code == 401
    )


def test_a_meeting_day_outside_2000_to_2100_is_refused(w: World) -> None:
    for day in ("1999-12-31", "2101-01-01", "0586-12-31"):
        refused = _problem(
            w.api.client.post(
                "/meetings", json={"kind": "support", "day": day, "regular": False}, headers=w.jimu
            ),
            422,
        )
        assert refused["errors"][0]["field"] == "day"
