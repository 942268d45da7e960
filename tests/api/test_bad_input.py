"""Bad input gets a clear 4xx problem and writes nothing; whatever is accepted comes back exactly
as it was sent (異体字, 旧字体, emoji, markup and SQL-looking text alike)."""

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from api.models import Case
from conftest import Api, household
from domain.access import Role


@pytest.fixture
def jimu(api: Api) -> dict[str, str]:
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    return api.login("jimu")


def _cases(api: Api) -> int:
    with api.db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    assert "Traceback" not in response.text
    return body


RAW_BODIES = {
    "malformed_json": b'{"intakeDate": "2026-04-10",',
    "not_utf8": b'{"mainComplaint": "\xe9\xcd"}',
    "deep_nesting": b"[" * 50_000 + b"]" * 50_000,
    "a_bare_string": b'"just a string"',
    "empty": b"",
}


@pytest.mark.parametrize("name", list(RAW_BODIES))
def test_unreadable_bodies_are_422_and_write_nothing(
    api: Api, jimu: dict[str, str], name: str
) -> None:
    response = api.client.post(
        "/cases", content=RAW_BODIES[name], headers=jimu | {"Content-Type": "application/json"}
    )
    _problem(response, 422)
    assert _cases(api) == 0


def _with_member(**member: Any) -> dict[str, Any]:
    body = household()
    body["members"][0].update(member)
    return body


WRONG = {
    "wrong_type": (household(intakeDate=20260410), "intakeDate"),
    "wrong_nested_type": (_with_member(isMain="yes please"), "members.0.isMain"),
    "huge_string": (household(mainComplaint="あ" * 4001), "mainComplaint"),
    "nul_byte": (_with_member(name="国分\x00一郎"), "members.0.name"),
    "control_character": (household(mainComplaint="母\x1b[31mの介護"), "mainComplaint"),
    "unknown_field": (household(caseOwner="me"), "caseOwner"),
    "too_many_members": (
        household(
            others=[
                {"name": f"家族{n}", "nameKana": "かぞく", "relationship": "子"} for n in range(60)
            ]
        ),
        "members",
    ),
}


@pytest.mark.parametrize("name", list(WRONG))
def test_wrong_values_name_their_field(api: Api, jimu: dict[str, str], name: str) -> None:
    body, field = WRONG[name]
    problem = _problem(api.client.post("/cases", json=body, headers=jimu), 422)
    assert any(e["field"].startswith(field) for e in problem["errors"]), problem["errors"]
    assert _cases(api) == 0


def test_a_huge_array_is_stopped_by_the_size_limit(api: Api, jimu: dict[str, str]) -> None:
    members = [{"name": "x" * 100, "nameKana": "かな", "relationship": "子"}] * 10_000
    body = json.dumps(household(others=members)).encode()
    response = api.client.post(
        "/cases", content=body, headers=jimu | {"Content-Type": "application/json"}
    )
    _problem(response, 413)
    assert _cases(api) == 0


EXACT = {
    "itaiji": ("髙橋 﨑子", "たかはし さきこ"),  # 異体字 (はしご高, たつさき)
    "kyujitai": ("國分 澤藏", "こくぶ さわぞう"),  # 旧字体
    "emoji_and_zwj": ("山田 太郎👨‍👩‍👧", "やまだ たろう"),
    "markup": ("<script>alert('x')</script>", "すくりぷと"),
    "sql": ("'; DROP TABLE cases; --", "どろっぷ"),
    "combining_marks": ("か\u3099ん", "がん"),  # か + combining dakuten, kept as sent
}


@pytest.mark.parametrize("name", list(EXACT))
def test_what_is_accepted_is_returned_exactly_as_sent(
    api: Api, jimu: dict[str, str], name: str
) -> None:
    person, kana = EXACT[name]
    complaint = f"主訴: {person} / {kana}"
    created = api.client.post(
        "/cases",
        json=household(main_name=person, main_kana=kana, mainComplaint=complaint),
        headers=jimu,
    )
    assert created.status_code == 201, created.text
    read = api.client.get(f"/cases/{created.json()['id']}", headers=jimu).json()
    assert read["members"][0]["name"] == person
    assert read["members"][0]["nameKana"] == kana
    assert read["mainComplaint"] == complaint
    assert _cases(api) == 1
