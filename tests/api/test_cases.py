"""Case endpoints: intake, search, redaction, consent, status, optimistic concurrency, bad input."""

import random
import threading
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.clock import today
from api.models import (
    AuditEvent,
    Case,
    CaseMember,
    CaseSearchGram,
    Consent,
    TimelineEntry,
    User,
)
from api.services.case_access import load_facts
from api.services.cases import CaseFilters, next_case_number
from conftest import Api, household
from domain.access import Dept, Principal, PrincipalKind, Role, can_read_case, scopes_for
from domain.names import search_grams

TODAY = today()  # the service's day (Asia/Tokyo), not the machine's


def _secretariat(api: Api) -> dict[str, str]:
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    return api.login("jimu")


def _create(api: Api, headers: dict[str, str], **kwargs: Any) -> dict[str, Any]:
    response = api.client.post("/cases", json=household(**kwargs), headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _case_count(api: Api) -> int:
    with api.db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)


# ------------------------------------------------------------------ intake


def test_case_numbers_run_per_fiscal_year(api: Api) -> None:
    headers = _secretariat(api)
    first = _create(api, headers, intake_date=date(2025, 3, 31))
    second = _create(api, headers, intake_date=date(2025, 4, 1))
    third = _create(api, headers, intake_date=date(2025, 4, 2))
    assert [first["number"], second["number"], third["number"]] == [
        "2024-0001",
        "2025-0001",
        "2025-0002",
    ]


@pytest.mark.parametrize(
    ("org", "roles", "area", "status"),
    [
        ("koreifukushi", (Role.STAFF,), None, 201),
        ("koreifukushi", (Role.CHIEF,), None, 201),
        ("koreifukushi", (Role.MANAGER,), None, 201),
        ("kenko_suishin", (Role.DIRECTOR,), None, 201),
        ("kyosei", (Role.SECRETARIAT,), None, 201),
        ("shakyo_west", (Role.COORDINATOR,), "west", 201),
        ("hokatsu_1", (Role.AGENCY,), None, 201),
        ("it_admin", (Role.ADMIN,), None, 403),
        ("it_admin", (Role.AUDITOR,), None, 403),
    ],
)
def test_who_may_open_a_case(
    api: Api, org: str, roles: tuple[Role, ...], area: str | None, status: int
) -> None:
    api.user("intake", org, *roles, area=area)
    response = api.client.post("/cases", json=household(), headers=api.login("intake"))
    assert response.status_code == status, response.text
    if status == 201:
        body = response.json()
        assert body["openedByOrg"] == org
        assert body["leadOrg"] == org  # the opener leads until someone else is named
        assert response.headers["location"] == f"/cases/{body['id']}"


def test_agency_that_opens_its_own_consultation_reads_it(api: Api) -> None:
    api.user("hokatsu", "hokatsu_1", Role.AGENCY)
    case = _create(api, api.login("hokatsu"))
    assert api.client.get(f"/cases/{case['id']}", headers=api.login("hokatsu")).status_code == 200


def test_consent_at_intake_by_someone_who_may_not_record_it_writes_nothing(api: Api) -> None:
    api.user("kourei", "koreifukushi", Role.STAFF)
    body = household(leadOrg="kyosei")
    body["members"][0]["consent"] = {
        "decision": "given",
        "decidedOn": TODAY.isoformat(),
        "method": "written",
        "coversWholeTeam": True,
    }
    response = api.client.post("/cases", json=body, headers=api.login("kourei"))
    assert response.status_code == 403
    assert _case_count(api) == 0  # no case, no member, no half-written intake


def test_intake_with_consent_by_the_lead_unit_records_it(api: Api) -> None:
    api.user("kourei", "koreifukushi", Role.STAFF)
    body = household()
    body["members"][0]["consent"] = {
        "decision": "given",
        "decidedOn": TODAY.isoformat(),
        "method": "written",
        "coversWholeTeam": True,
    }
    case = api.client.post("/cases", json=body, headers=api.login("kourei")).json()
    assert case["consentInForce"] is True
    consents = api.client.get(f"/cases/{case['id']}/consents", headers=api.login("kourei")).json()
    assert [c["decision"] for c in consents] == ["given"]


def test_failed_intake_does_not_use_up_a_case_number(api: Api) -> None:
    headers = _secretariat(api)
    bad = household(categories=[{"code": "no_such_category", "primary": True}])
    assert api.client.post("/cases", json=bad, headers=headers).status_code == 422
    assert _create(api, headers)["number"].endswith("-0001")


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.update(unknownField=1), "unknownField"),
        (lambda b: b.update(intakeDate="2024-13-45"), "intakeDate"),
        (lambda b: b.update(intakeDate=(TODAY + timedelta(days=1)).isoformat()), "intakeDate"),
        (lambda b: b["members"][0].update(isMain=False), "body"),
        (lambda b: b["members"][1].update(isMain=True) if len(b["members"]) > 1 else None, "body"),
        (lambda b: b.update(town="atlantis"), "town"),
        (lambda b: b.update(intakeRoute="pigeon"), "intakeRoute"),
        (lambda b: b.update(mainComplaint=""), "mainComplaint"),
        (lambda b: b.update(mainComplaint="x" * 4001), "mainComplaint"),
        (lambda b: b["members"][0].update(name="国分\x00太郎"), "members.0.name"),
        (lambda b: b.update(members=[]), "members"),
        (
            lambda b: b.update(
                categories=[{"code": "c8050", "primary": True}, {"code": "debt", "primary": True}]
            ),
            "categories",
        ),
        (lambda b: b.update(members="nope"), "members"),
    ],
)
def test_bad_intake_is_refused_with_field_errors_and_nothing_written(
    api: Api, mutate: Any, field: str
) -> None:
    headers = _secretariat(api)
    body = household(others=[{"name": "国分 ハル", "relationship": "母"}])
    mutate(body)
    response = api.client.post("/cases", json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 422
    assert problem["errors"], problem
    assert any(field in e["field"] or field == "body" for e in problem["errors"]), problem
    assert all(e["message"] for e in problem["errors"])
    assert _case_count(api) == 0


def test_malformed_json_is_a_clear_422(api: Api) -> None:
    headers = _secretariat(api) | {"Content-Type": "application/json"}
    response = api.client.post("/cases", content=b'{"intakeDate": ', headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "json_invalid"


def test_oversized_body_is_413(api: Api) -> None:
    headers = _secretariat(api)
    body = household(mainComplaint="あ" * 600_000)
    response = api.client.post("/cases", json=body, headers=headers)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    assert _case_count(api) == 0


def test_english_problem_details_on_request(api: Api) -> None:
    headers = _secretariat(api) | {"Accept-Language": "en-GB,en;q=0.9"}
    response = api.client.get("/cases/999999", headers=headers)
    assert response.status_code == 404
    assert response.json()["title"] == "Not found"
    assert response.headers["content-language"] == "en"


def test_names_round_trip_exactly(api: Api) -> None:
    headers = _secretariat(api)
    name = "髙橋 𠮷子 🌸 <script>'; DROP TABLE cases;--"
    case = _create(api, headers, main_name=name, main_kana="たかはし よしこ")
    read = api.client.get(f"/cases/{case['id']}", headers=headers).json()
    assert read["members"][0]["name"] == name
    found = api.client.get("/cases", params={"q": "𠮷子"}, headers=headers).json()["items"]
    assert [c["id"] for c in found] == [case["id"]]


# ------------------------------------------------------------------ search and pages


def test_search_by_name_folds_kana_and_width(api: Api) -> None:
    headers = _secretariat(api)
    target = _create(api, headers, main_name="山田 花子", main_kana="やまだ はなこ")
    _create(api, headers, main_name="国分 一郎", main_kana="こくぶ いちろう")
    for query in ["山田", "山田　花子", "やまだ", "ヤマダ", "ﾔﾏﾀﾞ ﾊﾅｺ", "はなこ", "ハナコ"]:
        items = api.client.get("/cases", params={"q": query}, headers=headers).json()["items"]
        assert [c["id"] for c in items] == [target["id"]], query


def test_search_treats_like_wildcards_literally(api: Api) -> None:
    headers = _secretariat(api)
    _create(api, headers)
    for query in ["%", "_", "\\"]:
        items = api.client.get("/cases", params={"q": query}, headers=headers).json()["items"]
        assert items == [], query


def test_a_list_item_summarises_its_case_as_the_detail_shows_it(api: Api) -> None:
    headers = _secretariat(api)
    shown = _create(
        api,
        headers,
        main_name="戸倉 花子",
        main_kana="とくら はなこ",
        town="tokura",
        others=[{"name": "戸倉 次郎", "nameKana": "とくら じろう", "relationship": "長男"}],
        categories=[{"code": "c8050", "primary": False}, {"code": "hoarding", "primary": True}],
    )
    _create(api, headers, main_name="国分 一郎")
    detail = api.client.get(f"/cases/{shown['id']}", headers=headers).json()
    items = api.client.get("/cases", headers=headers).json()["items"]
    [item] = [c for c in items if c["id"] == shown["id"]]
    main = next(m for m in detail["members"] if m["isMain"])
    primary = next(c for c in detail["categories"] if c["primary"])
    assert item == {
        "id": detail["id"],
        "number": detail["number"],
        "status": detail["status"],
        "statusLabel": detail["statusLabel"],
        "mainPersonName": main["name"],
        "mainPersonKana": main["nameKana"],
        "town": "tokura",
        "area": detail["area"],
        "leadOrg": detail["leadOrg"],
        "primaryCategory": primary["code"],
        "intakeDate": detail["intakeDate"],
        "updatedAt": detail["updatedAt"],
    }
    assert (main["name"], primary["code"], detail["statusLabel"]) == (
        "戸倉 花子",
        "hoarding",
        "受付",
    )


def test_filters_by_number_status_area_category_and_lead(api: Api) -> None:
    headers = _secretariat(api)
    east = _create(api, headers, town="honcho")
    west = _create(api, headers, town="tokura", categories=[{"code": "hoarding", "primary": True}])
    etag = api.client.get(f"/cases/{west['id']}", headers=headers).headers["etag"]
    api.client.post(
        f"/cases/{west['id']}/status",
        json={"status": "screening"},
        headers=headers | {"If-Match": etag},
    )

    def ids(**params: Any) -> list[int]:
        response = api.client.get("/cases", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["items"]]

    assert ids(number=east["number"]) == [east["id"]]
    assert ids(status="screening") == [west["id"]]
    assert sorted(ids(status=["screening", "received"])) == sorted([east["id"], west["id"]])
    assert ids(area="east") == [east["id"]]
    assert ids(category="hoarding") == [west["id"]]
    assert ids(leadOrg="kyosei") == [west["id"], east["id"]]
    assert ids(leadOrg="koreifukushi") == []


@pytest.mark.parametrize("name", ["area", "category", "leadOrg"])
@pytest.mark.parametrize("value", ["east' OR '1'='1", "Kyosei", "本町", "a b"])
def test_a_code_filter_refuses_what_is_not_a_code(api: Api, name: str, value: str) -> None:
    """The code filters are written into the list's statement as literals (so that PostgreSQL
    keeps its plan): anything but a code is a 422 naming the parameter, and nothing is listed."""
    headers = _secretariat(api)
    _create(api, headers)
    response = api.client.get("/cases", params={name: value}, headers=headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["status"] == 422 and "items" not in problem
    assert any(name in error["field"] for error in problem["errors"]), problem
    # An empty filter is no filter, as before.
    listed = api.client.get("/cases", params={name: ""}, headers=headers)
    assert listed.status_code == 200 and len(listed.json()["items"]) == 1, listed.text


@pytest.mark.parametrize("field", ["area", "category", "lead_org"])
def test_the_case_filters_take_codes_only(field: str) -> None:
    with pytest.raises(ValueError, match="not a code"):
        CaseFilters(**{field: "east'--"})
    assert getattr(CaseFilters(**{field: "hoarding_2"}), field) == "hoarding_2"
    assert getattr(CaseFilters(**{field: ""}), field) == ""


def test_cursor_pages_cover_every_case_once(api: Api) -> None:
    headers = _secretariat(api)
    created = [_create(api, headers)["id"] for _ in range(7)]
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = api.client.get("/cases", params=params, headers=headers).json()
        seen += [c["id"] for c in page["items"]]
        pages += 1
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert pages == 3
    assert seen == sorted(created, reverse=True)


def test_a_name_search_pages_through_every_match_once(api: Api) -> None:
    headers = _secretariat(api)
    matches = [_create(api, headers, main_name="山田 花子")["id"] for _ in range(5)]
    _create(api, headers, main_name="国分 一郎")
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"q": "山田", "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = api.client.get("/cases", params=params, headers=headers).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert seen == sorted(matches, reverse=True)


def _add_brother(api: Api, headers: dict[str, str], url: str) -> httpx.Response:
    """Add 国分 次郎 (こくぶ じろう) to the case at ``url``; the response."""
    etag = api.client.get(url, headers=headers).headers["etag"]
    added = api.client.post(
        f"{url}/members",
        json={"name": "国分 次郎", "nameKana": "こくぶ じろう", "relationship": "弟"},
        headers=headers | {"If-Match": etag},
    )
    assert added.status_code == 201, added.text
    return added


def _search_grams_of(api: Api, case_id: int) -> tuple[set[str], set[str]]:
    """The case's rows in the search index, and what its members' names say they should be."""
    with api.db.sessions() as session:
        stored = session.scalars(
            select(CaseSearchGram.gram).where(CaseSearchGram.case_id == case_id)
        ).all()
        keys = session.execute(
            select(CaseMember.name_search, CaseMember.kana_search).where(
                CaseMember.case_id == case_id
            )
        ).all()
    return set(stored), search_grams(k for row in keys for k in row)


def test_the_search_index_follows_the_members_names(api: Api) -> None:
    headers = _secretariat(api)
    case = _create(api, headers, main_name="山田 花子", main_kana="やまだ はなこ")
    stored, expected = _search_grams_of(api, case["id"])
    assert stored == expected and {"山田", "ヤマ", "ハナ"} <= stored
    url = f"/cases/{case['id']}"
    added = _add_brother(api, headers, url)
    stored, expected = _search_grams_of(api, case["id"])
    assert stored == expected and "ジロ" in stored
    main = added.json()["members"][0]
    renamed = api.client.patch(
        f"{url}/members/{main['id']}",
        json={"name": "川口 花子", "nameKana": "かわぐち はなこ"},
        headers=headers | {"If-Match": added.headers["etag"]},
    )
    assert renamed.status_code == 200
    stored, expected = _search_grams_of(api, case["id"])
    assert stored == expected and "山田" not in stored and "川口" in stored
    for query, found in (("山田", []), ("川口", [case["id"]]), ("カワグチ", [case["id"]])):
        items = api.client.get("/cases", params={"q": query}, headers=headers).json()["items"]
        assert [c["id"] for c in items] == found, query


@pytest.mark.parametrize("cursor", ["garbage!", "aWQ6eA", "Zm9vOjE"])
def test_invalid_cursor_is_400(api: Api, cursor: str) -> None:
    response = api.client.get("/cases", params={"cursor": cursor}, headers=_secretariat(api))
    assert response.status_code == 400
    assert "cursor" in response.json()["detail"]


@pytest.mark.parametrize("limit", [0, 101, -1])
def test_page_size_is_bounded(api: Api, limit: int) -> None:
    response = api.client.get("/cases", params={"limit": limit}, headers=_secretariat(api))
    assert response.status_code == 422


def test_list_records_one_audit_entry_per_case_shown(api: Api) -> None:
    headers = _secretariat(api)
    ids = {_create(api, headers)["id"] for _ in range(3)}
    api.client.get("/cases", headers=headers)
    with api.db.sessions() as session:
        listed = session.scalars(
            select(AuditEvent.case_id).where(AuditEvent.action == "case.list")
        ).all()
    assert sorted(listed) == sorted(ids)


# ------------------------------------------------------------------ consent and redaction


def _team_case_for_agency(api: Api) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """A case with 本人 (consent covering the team) and 母 (no consent), hokatsu_1 on the team."""
    headers = _secretariat(api)
    api.user("hokatsu", "hokatsu_1", Role.AGENCY)
    agency = api.login("hokatsu")
    case = _create(
        api,
        headers,
        others=[
            {
                "name": "国分 ハル",
                "nameKana": "こくぶ はる",
                "birthDate": "1943-02-11",
                "relationship": "母",
                "notes": "物忘れあり",
            }
        ],
    )
    main_id = case["members"][0]["id"]
    consent = api.client.post(
        f"/cases/{case['id']}/members/{main_id}/consents",
        json={
            "decision": "given",
            "decidedOn": TODAY.isoformat(),
            "method": "written",
            "coversWholeTeam": True,
            "reason": "面談で同意",
        },
        headers=headers,
    )
    assert consent.status_code == 201, consent.text
    team = api.client.post(
        f"/cases/{case['id']}/team",
        json={"org": "hokatsu_1", "role": "見守り", "startDate": TODAY.isoformat()},
        headers=headers,
    )
    assert team.status_code == 201, team.text
    return case | {"consentId": consent.json()["id"]}, headers, agency


def test_team_agency_sees_members_only_where_they_consented(api: Api) -> None:
    case, headers, agency = _team_case_for_agency(api)
    seen = api.client.get(f"/cases/{case['id']}", headers=agency).json()
    main, mother = seen["members"]
    assert main["name"] == "国分 一郎" and main["redacted"] is False
    assert mother["redacted"] is True
    assert mother["name"] is None and mother["notes"] is None and mother["birthDate"] is None
    assert mother["relationship"] == "母" and mother["ageBand"].endswith("代")
    assert seen["access"]["basis"] == "consented_team"
    full = api.client.get(f"/cases/{case['id']}", headers=headers).json()
    assert full["members"][1]["name"] == "国分 ハル"


def test_a_timeline_entry_names_a_member_as_the_reader_may_see_them(api: Api) -> None:
    """The member a contact was with is shown like the case's members: an agency admitted by the
    main person's consent sees the mother (who did not consent) by relationship only."""
    case, headers, agency = _team_case_for_agency(api)
    main_id, mother_id = (m["id"] for m in case["members"])
    url = f"/cases/{case['id']}/timeline"
    entries = [
        {"memberId": mother_id, "function": "outreach", "content": "母と面談"},
        {"memberId": main_id, "function": "participation", "content": "本人と就労体験に同行"},
        {"content": "世帯への訪問"},
    ]
    for body in entries:
        created = api.client.post(
            url,
            json={"occurredOn": TODAY.isoformat(), "means": "visit", **body},
            headers=headers,
        )
        assert created.status_code == 201, created.text
    assert created.json()["member"] is None
    full = api.client.get(url, headers=headers).json()["items"]
    assert [e["member"] for e in full] == [
        None,
        {"id": main_id, "relationship": "本人", "redacted": False, "name": "国分 一郎"},
        {"id": mother_id, "relationship": "母", "redacted": False, "name": "国分 ハル"},
    ]
    seen = api.client.get(url, headers=agency)
    assert seen.status_code == 200, seen.text
    members = [e["member"] for e in seen.json()["items"]]
    assert members[1] == {
        "id": main_id,
        "relationship": "本人",
        "redacted": False,
        "name": "国分 一郎",
    }
    assert members[2] == {"id": mother_id, "relationship": "母", "redacted": True, "name": None}
    assert "国分 ハル" not in seen.text and "ハル" not in seen.text
    # An agency on the team may record a contact with the mother too, and still not see her name.
    own = api.client.post(
        url,
        json={
            "occurredOn": TODAY.isoformat(),
            "means": "phone",
            "memberId": mother_id,
            "content": "電話",
        },
        headers=agency,
    )
    assert own.status_code == 201, own.text
    assert own.json()["member"] == {
        "id": mother_id,
        "relationship": "母",
        "redacted": True,
        "name": None,
    }


def test_a_timeline_entry_names_only_a_member_of_its_own_case(api: Api) -> None:
    headers = _secretariat(api)
    case = _create(api, headers)
    other = _create(api, headers, main_name="日吉 さくら", main_kana="ひよし さくら")
    for member_id in (other["members"][0]["id"], 2**31 - 1):
        response = api.client.post(
            f"/cases/{case['id']}/timeline",
            json={
                "occurredOn": TODAY.isoformat(),
                "means": "visit",
                "memberId": member_id,
                "content": "訪問",
            },
            headers=headers,
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
            ("memberId", "unknown_member")
        ]
    with api.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(TimelineEntry)) == 0


def test_a_timeline_entry_with_several_bad_references_names_them_all_at_once(api: Api) -> None:
    headers = _secretariat(api)
    case = _create(api, headers)
    other = _create(api, headers, main_name="日吉 さくら", main_kana="ひよし さくら")
    response = api.client.post(
        f"/cases/{case['id']}/timeline",
        json={
            "occurredOn": TODAY.isoformat(),
            "means": "telepathy",
            "function": "magic",
            "memberId": other["members"][0]["id"],
            "content": "訪問",
        },
        headers=headers,
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [
        ("means", "unknown_code"),
        ("function", "unknown_code"),
        ("memberId", "unknown_member"),
    ]
    assert "telepathy" in problem["errors"][0]["message"]
    with api.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(TimelineEntry)) == 0


def test_search_does_not_reveal_a_redacted_members_name(api: Api) -> None:
    case, headers, agency = _team_case_for_agency(api)
    assert api.client.get("/cases", params={"q": "ハル"}, headers=agency).json()["items"] == []
    found = api.client.get("/cases", params={"q": "ハル"}, headers=headers).json()["items"]
    assert [c["id"] for c in found] == [case["id"]]


def test_withdrawn_consent_ends_team_access_at_once(api: Api) -> None:
    case, headers, agency = _team_case_for_agency(api)
    assert api.client.get(f"/cases/{case['id']}", headers=agency).status_code == 200
    withdrawn = api.client.post(
        f"/cases/{case['id']}/consents/{case['consentId']}/withdrawal",
        json={"reason": "本人から撤回の申し出"},
        headers=headers,
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["inForce"] is False
    assert api.client.get(f"/cases/{case['id']}", headers=agency).status_code == 404
    assert api.client.get("/cases", headers=agency).json()["items"] == []
    with api.db.sessions() as session:
        reasons = session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "consent.withdraw")
        ).all()
    assert reasons == [{"member_id": case["members"][0]["id"], "reason": "本人から撤回の申し出"}]


def test_consent_cannot_be_withdrawn_twice(api: Api) -> None:
    case, headers, _ = _team_case_for_agency(api)
    url = f"/cases/{case['id']}/consents/{case['consentId']}/withdrawal"
    assert api.client.post(url, json={"reason": "撤回"}, headers=headers).status_code == 200
    assert api.client.post(url, json={"reason": "撤回"}, headers=headers).status_code == 409


def test_a_new_consent_supersedes_the_old_one(api: Api) -> None:
    case, headers, agency = _team_case_for_agency(api)
    main_id = case["members"][0]["id"]
    refused = api.client.post(
        f"/cases/{case['id']}/members/{main_id}/consents",
        json={"decision": "refused", "decidedOn": TODAY.isoformat(), "method": "oral"},
        headers=headers,
    )
    assert refused.status_code == 201
    assert api.client.get(f"/cases/{case['id']}", headers=agency).status_code == 404
    history = api.client.get(f"/cases/{case['id']}/consents", headers=headers).json()
    assert [(c["decision"], c["supersededAt"] is None) for c in history] == [
        ("refused", True),
        ("given", False),
    ]


@pytest.mark.parametrize(
    "body",
    [
        {
            "decision": "given",
            "decidedOn": (TODAY + timedelta(days=1)).isoformat(),
            "method": "written",
            "coversWholeTeam": True,
        },
        {"decision": "given", "decidedOn": TODAY.isoformat(), "method": "written"},
        {
            "decision": "given",
            "decidedOn": TODAY.isoformat(),
            "method": "written",
            "coversWholeTeam": True,
            "givenBy": "guardian",
        },
        {
            "decision": "refused",
            "decidedOn": TODAY.isoformat(),
            "method": "oral",
            "coversWholeTeam": True,
        },
        {
            "decision": "given",
            "decidedOn": TODAY.isoformat(),
            "method": "written",
            "coveredOrgs": ["no_such_org"],
        },
    ],
)
def test_inconsistent_consent_is_refused(api: Api, body: dict[str, Any]) -> None:
    headers = _secretariat(api)
    case = _create(api, headers)
    response = api.client.post(
        f"/cases/{case['id']}/members/{case['members'][0]['id']}/consents",
        json=body,
        headers=headers,
    )
    assert response.status_code == 422, response.text
    with api.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Consent)) == 0


# ------------------------------------------------------------------ edits


def test_edits_need_the_current_etag(api: Api) -> None:
    headers = _secretariat(api)
    case = _create(api, headers)
    url = f"/cases/{case['id']}"
    missing = api.client.patch(url, json={"referrer": "a"}, headers=headers)
    assert missing.status_code == 428
    etag = api.client.get(url, headers=headers).headers["etag"]
    first = api.client.patch(url, json={"referrer": "a"}, headers=headers | {"If-Match": etag})
    assert first.status_code == 200
    assert first.headers["etag"] != etag
    stale = api.client.patch(url, json={"referrer": "b"}, headers=headers | {"If-Match": etag})
    assert stale.status_code == 412
    assert stale.headers["etag"] == first.headers["etag"]
    assert api.client.get(url, headers=headers).json()["referrer"] == "a"


def test_case_edit_changes_fields_and_area(api: Api) -> None:
    headers = _secretariat(api)
    case = _create(api, headers, town="honcho")
    url = f"/cases/{case['id']}"
    etag = api.client.get(url, headers=headers).headers["etag"]
    response = api.client.patch(
        url,
        json={"town": "kitamachi", "categories": [{"code": "debt", "primary": True}]},
        headers=headers | {"If-Match": etag},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["town"], body["area"]) == ("kitamachi", "west")
    assert [c["code"] for c in body["categories"]] == ["debt"]


def test_status_follows_the_allowed_transitions(api: Api) -> None:
    headers = _secretariat(api)
    case = _create(api, headers)
    url = f"/cases/{case['id']}"

    def move(status: str, reason: str | None = None) -> int:
        etag = api.client.get(url, headers=headers).headers["etag"]
        body = {"status": status} | ({"reason": reason} if reason else {})
        return api.client.post(
            f"{url}/status", json=body, headers=headers | {"If-Match": etag}
        ).status_code

    assert move("in_support") == 409
    for step in ["screening", "assessment", "in_support", "monitoring"]:
        assert move(step) == 200, step
    assert move("closed", reason="課題が解消し、本人も終結に同意") == 200
    assert move("screening") == 409
    read = api.client.get(url, headers=headers).json()
    assert read["statusLabel"] == "終結"
    history = read["statusHistory"]
    assert [(h["fromStatus"], h["toStatus"]) for h in history] == [
        ("received", "screening"),
        ("screening", "assessment"),
        ("assessment", "in_support"),
        ("in_support", "monitoring"),
        ("monitoring", "closed"),
    ]
    assert history[-1]["reason"] == "課題が解消し、本人も終結に同意"
    assert history[-1]["toStatusLabel"] == "終結"
    assert {h["effectiveOn"] for h in history} == {today().isoformat()}
    assert all(h["meetingId"] is None and h["reason"] is None for h in history[:-1])


def test_members_are_added_and_edited_with_search_keys(api: Api) -> None:
    headers = _secretariat(api)
    case = _create(api, headers)
    url = f"/cases/{case['id']}"
    added = _add_brother(api, headers, url)
    member = added.json()["members"][-1]
    edited = api.client.patch(
        f"{url}/members/{member['id']}",
        json={"nameKana": "こくぶ じろー"},
        headers=headers | {"If-Match": added.headers["etag"]},
    )
    assert edited.status_code == 200
    found = api.client.get("/cases", params={"q": "ジロー"}, headers=headers).json()["items"]
    assert [c["id"] for c in found] == [case["id"]]


def test_timeline_entries_are_recorded_and_paged(api: Api) -> None:
    headers = _secretariat(api)
    case = _create(api, headers)
    url = f"/cases/{case['id']}/timeline"
    for day in range(5):
        response = api.client.post(
            url,
            json={
                "occurredOn": (TODAY - timedelta(days=day)).isoformat(),
                "means": "visit",
                "function": "outreach",
                "content": f"訪問 {day}",
            },
            headers=headers,
        )
        assert response.status_code == 201, response.text
    first = api.client.get(url, params={"limit": 3}, headers=headers).json()
    second = api.client.get(
        url, params={"limit": 3, "cursor": first["nextCursor"]}, headers=headers
    ).json()
    assert [e["content"] for e in first["items"] + second["items"]] == [
        f"訪問 {i}" for i in range(4, -1, -1)
    ]
    assert second["nextCursor"] is None
    assert first["items"][0]["authorName"] == "jimu"


@pytest.mark.parametrize(
    "body",
    [
        {"occurredOn": (TODAY + timedelta(days=1)).isoformat(), "means": "visit", "content": "x"},
        {"occurredOn": TODAY.isoformat(), "means": "telepathy", "content": "x"},
        {"occurredOn": TODAY.isoformat(), "means": "visit", "function": "magic", "content": "x"},
        {"occurredOn": TODAY.isoformat(), "means": "visit", "content": ""},
    ],
)
def test_bad_timeline_entries_are_refused(api: Api, body: dict[str, Any]) -> None:
    headers = _secretariat(api)
    case = _create(api, headers)
    assert (
        api.client.post(f"/cases/{case['id']}/timeline", json=body, headers=headers).status_code
        == 422
    )


def test_team_membership_is_active_through_its_last_day_and_cannot_end_before_it_starts(
    api: Api,
) -> None:
    case, headers, agency = _team_case_for_agency(api)
    team = api.client.get(f"/cases/{case['id']}/team", headers=headers).json()
    membership = next(t for t in team if t["org"] == "hokatsu_1")
    ended = api.client.patch(
        f"/cases/{case['id']}/team/{membership['id']}",
        json={"endDate": (TODAY - timedelta(days=1)).isoformat()},
        headers=headers,
    )
    assert ended.status_code == 422  # ends before it started (it started today)
    ended = api.client.patch(
        f"/cases/{case['id']}/team/{membership['id']}",
        json={"endDate": TODAY.isoformat()},
        headers=headers,
    )
    assert ended.status_code == 200 and ended.json()["active"] is True  # through its last day
    assert api.client.get(f"/cases/{case['id']}", headers=agency).status_code == 200


# ------------------------------------------------------------------ concurrency


def test_concurrent_intakes_get_distinct_numbers_without_gaps(api: Api) -> None:
    errors: list[BaseException] = []
    numbers: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        try:
            with api.db.sessions() as session, session.begin():
                number = next_case_number(session, 2030)
            with lock:
                numbers.append(number)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=take) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, 21))


# ------------------------------------------------------------------ SQL filter = domain rule


def test_list_filter_agrees_with_the_domain_rule_on_random_cases(api: Api) -> None:
    """The SQL twin of can_read_case shows exactly the cases the rule admits, one by one."""
    rng = random.Random(20240226)
    orgs = ["koreifukushi", "hokatsu_1", "shakyo_east", "kyosei", "nozei"]
    headers = _secretariat(api)
    api.user("coord.east", "shakyo_east", Role.COORDINATOR, area="east")
    api.user("staff.k", "koreifukushi", Role.STAFF)
    api.user("agency.h", "hokatsu_1", Role.AGENCY)
    with api.db.sessions() as session:
        coordinator_id = session.scalar(select(User.id).where(User.username == "coord.east"))
    for _ in range(40):
        lead = rng.choice(orgs)
        body = household(
            town=rng.choice(["honcho", "tokura"]),
            leadOrg=lead,
            coordinatorId=coordinator_id if rng.random() < 0.2 else None,
        )
        case = _create(
            api,
            headers,
            **{k: v for k, v in body.items() if k in ("leadOrg", "coordinatorId")},
            town=body["town"],
        )
        cid, main_id = case["id"], case["members"][0]["id"]
        for org in rng.sample(orgs, rng.randint(0, 2)):
            start = TODAY - timedelta(days=rng.randint(0, 5))
            end = rng.choice([None, TODAY - timedelta(days=1), TODAY + timedelta(days=3)])
            if end is not None and end < start:
                end = start
            api.client.post(
                f"/cases/{cid}/team",
                json={
                    "org": org,
                    "role": "支援",
                    "startDate": start.isoformat(),
                    "endDate": end.isoformat() if end else None,
                },
                headers=headers,
            )
        kind = rng.choice(["none", "whole", "named", "refused", "withdrawn", "expired"])
        if kind != "none":
            consent = api.client.post(
                f"/cases/{cid}/members/{main_id}/consents",
                json={
                    "decision": "refused" if kind == "refused" else "given",
                    "decidedOn": (TODAY - timedelta(days=10)).isoformat(),
                    "method": "written",
                    "coversWholeTeam": kind in ("whole", "withdrawn", "expired"),
                    "coveredOrgs": rng.sample(orgs, 2) if kind == "named" else [],
                    "validUntil": (TODAY - timedelta(days=1)).isoformat()
                    if kind == "expired"
                    else None,
                },
                headers=headers,
            )
            assert consent.status_code == 201, consent.text
            if kind == "withdrawn":
                api.client.post(
                    f"/cases/{cid}/consents/{consent.json()['id']}/withdrawal",
                    json={"reason": "撤回"},
                    headers=headers,
                )
    listed = {
        username: {
            c["id"]
            for c in api.client.get(
                "/cases", params={"limit": 100}, headers=api.login(username)
            ).json()["items"]
        }
        for username in ("coord.east", "staff.k", "agency.h")
    }
    with api.db.sessions() as session:
        users = {u.username: u for u in session.scalars(select(User))}
        all_cases = session.scalars(select(Case)).all()
        for username, shown in listed.items():
            user = users[username]
            roles = frozenset(Role(r) for r in user.roles)
            dept = (
                Dept.SHAKYO
                if Role.COORDINATOR in roles
                else (Dept.AGENCY if Role.AGENCY in roles else Dept.WELFARE)
            )
            principal = Principal(
                sub=user.id,
                kind=PrincipalKind.USER,
                org=user.org_code,
                dept=dept,
                roles=roles,
                scopes=scopes_for(roles),
                area=user.area_code,
            )
            expected = {
                c.id
                for c in all_cases
                if can_read_case(principal, load_facts(session, c, TODAY)[0], TODAY)
            }
            assert shown == expected, username
            assert 0 < len(expected) < len(all_cases), "the random world should admit some, not all"


def test_intake_stores_every_member(api: Api) -> None:
    headers = _secretariat(api)
    case = _create(api, headers, others=[{"name": "国分 ハル", "relationship": "母"}])
    with api.db.sessions() as session:
        count = session.scalar(
            select(func.count()).select_from(CaseMember).where(CaseMember.case_id == case["id"])
        )
    assert count == 2
