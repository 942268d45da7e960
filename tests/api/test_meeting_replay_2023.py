"""Kokubunji's meetings of April-December 2023, replayed through the API, give the city's figures.

From the 2024-02-26 presentation (docs/domain.md "Meetings"): 支援会議 held 7/11, 9/12, 11/14,
12/12 and, ad hoc, 6/14, 9/19, 10/10, 12/11 → 7 cases (10 reviews); 重層的支援会議 5/9, 6/13,
10/10 → 1 case (3 reviews); agencies attending (cumulative) by field: 保健医療 5, 生活困窮 5,
障害福祉 18, 高齢福祉 16, 児童福祉 14, その他 6. The secretariat runs the 支援会議, the coordinators
the 重層的支援会議 (its case has the person's consent). Meetings that were cancelled, not held,
outside the period or of another kind, absent or duplicate attendees and city units must not
change the figures.
"""

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import select

from api.clock import today
from api.models import Organization
from conftest import Api, household
from domain.access import Role

TODAY = today()

SUPPORT_REGULAR = [date(2023, 7, 11), date(2023, 9, 12), date(2023, 11, 14), date(2023, 12, 12)]
SUPPORT_AD_HOC = [date(2023, 6, 14), date(2023, 9, 19), date(2023, 10, 10), date(2023, 12, 11)]
MULTI_AGENCY_REGULAR = [date(2023, 5, 9), date(2023, 6, 13), date(2023, 10, 10)]

# The 支援会議 agendas: case numbers 1-7 over 10 reviews (cases 1, 3 and 4 came back).
SUPPORT_AGENDAS: dict[date, list[int]] = {
    date(2023, 6, 14): [1],
    date(2023, 7, 11): [1, 2],
    date(2023, 9, 12): [3],
    date(2023, 9, 19): [4],
    date(2023, 10, 10): [5],
    date(2023, 11, 14): [3, 6],
    date(2023, 12, 11): [7],
    date(2023, 12, 12): [4],
}

FIGURES = [  # 関係機関参加状況（のべ）, in the slide's order
    ("health_medical", "保健医療", 5),
    ("poverty", "生活困窮", 5),
    ("disability", "障害福祉", 18),
    ("elderly", "高齢福祉", 16),
    ("child", "児童福祉", 14),
    ("other", "その他", 6),
]


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


class Replay:
    def __init__(self, api: Api) -> None:
        self.api = api
        api.user("jimu", "kyosei", Role.SECRETARIAT)
        api.user("coord", "shakyo_east", Role.COORDINATOR, area="east")
        self.jimu = api.login("jimu")
        self.coord = api.login("coord")

    def case(self, n: int, *, consent: bool = False) -> int:
        body = household(
            main_name=f"国分 {n}郎",
            intake_date=date(2023, 4, 20),
            mainComplaint=f"事例{n}: 本人の同意が得られないが、関係機関で情報共有が必要。",
        )
        case = _ok(self.api.client.post("/cases", json=body, headers=self.jimu), 201)
        if consent:
            _ok(
                self.api.client.post(
                    f"/cases/{case['id']}/members/{case['members'][0]['id']}/consents",
                    json={
                        "decision": "given",
                        "decidedOn": TODAY.isoformat(),
                        "method": "written",
                        "coversWholeTeam": True,
                    },
                    headers=self.jimu,
                ),
                201,
            )
        case_id: int = case["id"]
        return case_id

    def meeting(self, kind: str, day: date, *, regular: bool, headers: dict[str, str]) -> int:
        body = {"kind": kind, "day": day.isoformat(), "regular": regular}
        if not regular:
            body |= {"startTime": "10:00", "endTime": "11:30", "place": "福祉センター"}
        meeting_id: int = _ok(self.api.client.post("/meetings", json=body, headers=headers), 201)[
            "id"
        ]
        return meeting_id

    def item(self, meeting_id: int, case_id: int, headers: dict[str, str]) -> None:
        _ok(
            self.api.client.post(
                f"/meetings/{meeting_id}/agenda-items",
                json={"caseId": case_id, "purpose": "information_sharing", "summary": "事例の概要"},
                headers=headers,
            ),
            201,
        )

    def invite(
        self,
        meeting_id: int,
        org: str,
        headers: dict[str, str],
        attended: bool | None,
        name: str | None = None,
    ) -> None:
        body: dict[str, Any] = {"org": org, "noticeChannel": "email", "email": f"{org}@example.jp"}
        if name:
            body["name"] = name
        attendee = _ok(
            self.api.client.post(f"/meetings/{meeting_id}/attendees", json=body, headers=headers),
            201,
        )
        if attended is not None:
            _ok(
                self.api.client.post(
                    f"/meetings/{meeting_id}/attendees/{attendee['id']}/attendance",
                    json={"attended": attended},
                    headers=headers,
                )
            )

    def set_status(self, meeting_id: int, status: str, headers: dict[str, str]) -> None:
        tag = self.api.client.get(f"/meetings/{meeting_id}", headers=headers).headers["etag"]
        _ok(
            self.api.client.patch(
                f"/meetings/{meeting_id}",
                json={"status": status},
                headers=headers | {"If-Match": tag},
            )
        )

    def statistics(self, start: str, end: str) -> dict[str, Any]:
        stats: dict[str, Any] = _ok(
            self.api.client.get(
                "/meetings/statistics", params={"from": start, "to": end}, headers=self.jimu
            )
        )
        return stats


def _agencies_by_field(api: Api) -> dict[str, list[str]]:
    with api.db.sessions() as session:
        rows = session.execute(
            select(Organization.field_code, Organization.code)
            .where(Organization.kind == "agency", Organization.active.is_(True))
            .order_by(Organization.code)
        ).all()
    by_field: dict[str, list[str]] = defaultdict(list)
    for field, code in rows:
        by_field[field or "other"].append(code)
    return by_field


def test_april_to_december_2023_gives_the_citys_figures(api: Api) -> None:
    r = Replay(api)
    support_cases = {n: r.case(n) for n in range(1, 8)}  # no consent: 支援会議 only
    consented = r.case(8, consent=True)

    held: list[tuple[date, int, dict[str, str]]] = []
    for day in sorted(SUPPORT_REGULAR + SUPPORT_AD_HOC):
        meeting_id = r.meeting("support", day, regular=day in SUPPORT_REGULAR, headers=r.jimu)
        for n in SUPPORT_AGENDAS[day]:
            r.item(meeting_id, support_cases[n], r.jimu)
        held.append((day, meeting_id, r.jimu))
    for day in MULTI_AGENCY_REGULAR:
        meeting_id = r.meeting("multi_agency", day, regular=True, headers=r.coord)
        r.item(meeting_id, consented, r.coord)
        held.append((day, meeting_id, r.coord))
    held.sort()
    assert len(held) == 11

    for _day, meeting_id, headers in held:
        r.set_status(meeting_id, "held", headers)
        r.invite(meeting_id, "koreifukushi", headers, attended=True)  # a city unit: not counted

    # Agency attendance: spread each field's count over the held meetings, one seat per agency
    # and meeting, so that the cumulative counts are the city's.
    agencies = _agencies_by_field(api)
    first_at: dict[int, str] = {}
    for field, _name, count in FIGURES:
        for k in range(count):
            _day, meeting_id, headers = held[k % len(held)]
            org = agencies[field][(k // len(held)) % len(agencies[field])]
            r.invite(meeting_id, org, headers, attended=True)
            first_at.setdefault(meeting_id, org)

    # Noise that must not move the figures.
    _day, first_meeting, headers = held[0]
    r.invite(first_meeting, first_at[first_meeting], headers, attended=True, name="同行者")
    r.invite(held[1][1], "kenri_yogo_center", held[1][2], attended=False, name="欠席")
    r.invite(held[2][1], "hello_work_fuchu", held[2][2], attended=None, name="未記録")
    cancelled = r.meeting("support", date(2023, 8, 8), regular=True, headers=r.jimu)
    r.item(cancelled, support_cases[1], r.jimu)
    r.invite(cancelled, "hokatsu_1", r.jimu, attended=True)
    r.set_status(cancelled, "cancelled", r.jimu)
    never_held = r.meeting("multi_agency", date(2023, 11, 14), regular=True, headers=r.coord)
    r.item(never_held, consented, r.coord)
    r.invite(never_held, "hokatsu_2", r.coord, attended=True)
    january = r.meeting("support", date(2024, 1, 9), regular=True, headers=r.jimu)
    r.item(january, support_cases[2], r.jimu)
    r.set_status(january, "held", r.jimu)
    r.invite(january, "kikan_sodan", r.jimu, attended=True)
    staff = r.meeting("staff", date(2023, 10, 17), regular=False, headers=r.jimu)
    r.item(staff, support_cases[5], r.jimu)
    r.set_status(staff, "held", r.jimu)
    r.invite(staff, "hokatsu_3", r.jimu, attended=True)

    stats = r.statistics("2023-04-01", "2023-12-31")
    kinds = {k["kind"]: k for k in stats["kinds"]}
    support, multi = kinds["support"], kinds["multi_agency"]
    assert (support["heldRegular"], support["heldAdHoc"], support["heldTotal"]) == (4, 4, 8)
    assert (support["distinctCases"], support["reviews"]) == (7, 10)
    assert (multi["heldRegular"], multi["heldAdHoc"], multi["heldTotal"]) == (3, 0, 3)
    assert (multi["distinctCases"], multi["reviews"]) == (1, 3)
    assert [(f["field"], f["name"], f["count"]) for f in stats["agenciesByField"]] == FIGURES
    # Per kind, the attendance adds up to the total; the 担当者会議 is counted on its own.
    for field, _name, count in FIGURES:
        per_kind = sum(
            next(f["count"] for f in k["agenciesByField"] if f["field"] == field)
            for k in stats["kinds"]
            if k["kind"] != "staff"
        )
        assert per_kind == count
    assert (kinds["staff"]["heldAdHoc"], kinds["staff"]["reviews"]) == (1, 1)
    assert sum(f["count"] for f in kinds["staff"]["agenciesByField"]) == 1
    assert all(kinds[k]["heldTotal"] == 0 for k in ("coordination", "emergency"))

    # The fiscal year 2023 as a whole takes in the January meeting too.
    year = r.statistics("2023-04-01", "2024-03-31")
    year_support = next(k for k in year["kinds"] if k["kind"] == "support")
    assert (
        year_support["heldRegular"],
        year_support["distinctCases"],
        year_support["reviews"],
    ) == (
        5,
        7,
        11,
    )
    disability = next(f for f in year["agenciesByField"] if f["field"] == "disability")
    assert disability["count"] == 18 + 1
