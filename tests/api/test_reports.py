"""The statistics report (実績報告): the city's April-December 2023 figures in JSON, .xlsx and .csv,
who may run it, publication masking, the fiscal-year edges, and bad input.

The 2023 history is built as tests/api/test_meeting_replay_2023.py builds it, through the API:
支援会議 held 4 times regularly and 4 times ad hoc (7 cases, 10 reviews), 重層的支援会議 3 times
(1 case, 3 reviews), agencies attending 5 / 5 / 18 / 16 / 14 / 6 by field, with the noise that
must not move the figures (a cancelled meeting, one never held, January 2024, a 担当者会議, city
units, absent and duplicate attendees). Facts the API cannot back-date (a referral's sending time,
a status change) are written to the database directly, as the fixtures write users.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from test_meeting_replay_2023 import (
    FIGURES,
    MULTI_AGENCY_REGULAR,
    SUPPORT_AD_HOC,
    SUPPORT_AGENDAS,
    SUPPORT_REGULAR,
    Replay,
    _agencies_by_field,
)

from api.clock import today
from api.models import (
    AgendaItem,
    AuditEvent,
    Case,
    CaseMember,
    CaseStatusChange,
    Decision,
    Meeting,
    PlanItem,
    Referral,
    SupportPlan,
    TeamMembership,
    TimelineEntry,
)
from conftest import Api
from domain.access import Role
from domain.reports import (
    MASK,
    AnswerBucket,
    Run,
    answer_bucket,
    count_partners,
    tally,
    tally_people,
    tally_reviews,
)

TODAY = today()
FY2023 = {"fiscalYear": 2023}
APR_DEC_2023 = {"from": "2023-04-01", "to": "2023-12-31"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _table(report: dict[str, Any], table_id: str) -> dict[str, dict[str, Any]]:
    """A table's rows by key, each its values by column key."""
    table = next(t for t in report["tables"] if t["id"] == table_id)
    return {row["key"]: row["values"] for row in table["rows"]}


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


# ---------------------------------------------------------------- the 2023 history


def build_2023(api: Api) -> Replay:
    """The city's meetings of April-December 2023, replayed through the API, with the noise."""
    r = Replay(api)
    support_cases = {n: r.case(n) for n in range(1, 8)}
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
    for _day, meeting_id, headers in held:
        r.set_status(meeting_id, "held", headers)
        r.invite(meeting_id, "koreifukushi", headers, attended=True)  # a city unit
    agencies = _agencies_by_field(api)
    first_at: dict[int, str] = {}
    for field, _name, count in FIGURES:
        for k in range(count):
            _day, meeting_id, headers = held[k % len(held)]
            org = agencies[field][(k // len(held)) % len(agencies[field])]
            r.invite(meeting_id, org, headers, attended=True)
            first_at.setdefault(meeting_id, org)
    # Noise that must not move the April-December figures.
    r.invite(held[0][1], first_at[held[0][1]], held[0][2], attended=True, name="同行者")
    r.invite(held[1][1], "kenri_yogo_center", held[1][2], attended=False, name="欠席")
    r.invite(held[2][1], "hello_work_fuchu", held[2][2], attended=None, name="未記録")
    cancelled = r.meeting("support", date(2023, 8, 8), regular=True, headers=r.jimu)
    r.item(cancelled, support_cases[1], r.jimu)
    r.invite(cancelled, "hokatsu_1", r.jimu, attended=True)
    r.set_status(cancelled, "cancelled", r.jimu)
    never_held = r.meeting("multi_agency", date(2023, 11, 14), regular=True, headers=r.coord)
    r.item(never_held, consented, r.coord)
    january = r.meeting("support", date(2024, 1, 9), regular=True, headers=r.jimu)
    r.item(january, support_cases[2], r.jimu)
    r.set_status(january, "held", r.jimu)
    r.invite(january, "kikan_sodan", r.jimu, attended=True)
    staff = r.meeting("staff", date(2023, 10, 17), regular=False, headers=r.jimu)
    r.item(staff, support_cases[5], r.jimu)
    r.set_status(staff, "held", r.jimu)
    return r


SEED_FIELDS = [(code, count) for code, _name, count in FIGURES]


def _assert_seed_figures(report: dict[str, Any]) -> None:
    meetings = _table(report, "meetings")
    support, multi = meetings["support"], meetings["multi_agency"]
    assert (support["regular"], support["ad_hoc"], support["held"]) == (4, 4, 8)
    assert (support["cases"], support["reviews"]) == (7, 10)
    assert (multi["regular"], multi["ad_hoc"], multi["held"]) == (3, 0, 3)
    assert (multi["cases"], multi["reviews"]) == (1, 3)
    agencies = _table(report, "agencies")["case_meetings"]
    assert [(code, agencies[code]) for code, _ in SEED_FIELDS] == SEED_FIELDS
    assert agencies["total"] == 64


def test_april_to_december_2023_gives_the_citys_figures_in_json_xlsx_and_csv(api: Api) -> None:
    r = build_2023(api)
    report = _ok(api.client.get("/reports/statistics", params=APR_DEC_2023, headers=r.jimu))
    assert report["fiscalYearLabel"] == "令和5年度"
    assert report["periodLabel"] == "令和5年4月1日～令和5年12月31日"
    assert report["scopeLabel"] == "全市"
    _assert_seed_figures(report)
    meetings = _table(report, "meetings")
    print(
        "\n2023-04..12 支援会議 定例/臨時/計/実件数/延べ件数:",
        [meetings["support"][k] for k in ("regular", "ad_hoc", "held", "cases", "reviews")],
        "重層的支援会議:",
        [meetings["multi_agency"][k] for k in ("regular", "ad_hoc", "held", "cases", "reviews")],
        "関係機関（のべ）:",
        {k: v for k, v in _table(report, "agencies")["case_meetings"].items()},
    )
    # The 担当者会議 counts on its own row; the other kinds were not held.
    assert (meetings["staff"]["ad_hoc"], meetings["staff"]["reviews"]) == (1, 1)
    assert meetings["coordination"]["held"] == meetings["emergency"]["held"] == 0

    # The overview: all eight households lie in 東部 (本町).
    overview = _table(report, "overview")
    assert overview["support_meeting_cases"] == {"east": 7, "west": 0, "unknown": 0, "total": 7}
    assert overview["support_meeting_reviews"]["total"] == 10
    assert overview["multi_agency_meeting_reviews"]["total"] == 3
    assert overview["multi_agency_taken_on"]["total"] == 8  # first at a case meeting in the period
    assert overview["new_consultations"]["total"] == 8  # intake 2023-04-20
    # By month: reviews add up to 10, distinct cases do not add up (7 in the period).
    monthly = _table(report, "monthly")
    cases = monthly["support_meeting_cases"]
    reviews = monthly["support_meeting_reviews"]
    assert [cases[m] for m in ("2023-06", "2023-07", "2023-09", "2023-11", "2023-12")] == [
        1,
        2,
        2,
        2,
        2,
    ]
    assert cases["total"] == 7 and sum(v for k, v in cases.items() if k != "total") == 10
    assert reviews["total"] == sum(v for k, v in reviews.items() if k != "total") == 10
    held = monthly["support_meetings_held"]
    assert (held["2023-08"], held["2023-09"], held["total"]) == (0, 2, 8)  # August was cancelled
    assert monthly["multi_agency_meetings_held"]["2023-11"] == 0  # never held

    # The workbook, read back.
    response = api.client.get("/reports/statistics.xlsx", params=APR_DEC_2023, headers=r.jimu)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    assert "attachment" in response.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == [
        "総括",
        "月別",
        "相談経路別",
        "課題別",
        "機能別",
        "会議開催状況",
        "関係機関参加状況",
        "つなぎ",
    ]
    assert all(str(wb[name]["A1"].value).startswith("令和5年度") for name in wb.sheetnames)
    sheet = wb["会議開催状況"]
    header = [c.value for c in sheet[4]]
    assert header == ["会議", "定例開催", "臨時開催", "開催回数計", "検討実件数", "検討延べ件数"]
    rows = {row[0]: list(row[1:]) for row in sheet.iter_rows(min_row=5, values_only=True) if row[0]}
    assert rows["支援会議"] == [4, 4, 8, 7, 10]
    assert rows["重層的支援会議"] == [3, 0, 3, 1, 3]
    sheet = wb["関係機関参加状況"]
    assert [c.value for c in sheet[4]] == [
        "会議",
        "保健医療",
        "生活困窮",
        "障害福祉",
        "高齢福祉",
        "児童福祉",
        "その他",
        "計",
    ]
    rows = {row[0]: list(row[1:]) for row in sheet.iter_rows(min_row=5, values_only=True) if row[0]}
    assert rows["計（支援会議・重層的支援会議）"] == [5, 5, 18, 16, 14, 6, 64]
    assert sheet.column_dimensions["A"].width >= 30  # the longest label fits
    assert wb.properties.title == "令和5年度 重層的支援体制整備事業 実績報告"

    # The CSV, one table per file, parsed back.
    for table, label, expected in (
        ("meetings", "支援会議", ["4", "4", "8", "7", "10"]),
        ("agencies", "計（支援会議・重層的支援会議）", ["5", "5", "18", "16", "14", "6", "64"]),
    ):
        response = api.client.get(
            "/reports/statistics.csv", params={**APR_DEC_2023, "table": table}, headers=r.jimu
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
        lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert lines[0][0] == "会議"
        assert {line[0]: line[1:] for line in lines[1:]}[label] == expected

    # The whole fiscal year takes in the January meeting too.
    year = _ok(api.client.get("/reports/statistics", params=FY2023, headers=r.jimu))
    support = _table(year, "meetings")["support"]
    assert (support["regular"], support["cases"], support["reviews"]) == (5, 7, 11)
    assert _table(year, "agencies")["case_meetings"]["disability"] == 18 + 1
    # And one month of it.
    december = _ok(
        api.client.get("/reports/statistics", params={"month": "2023-12"}, headers=r.jimu)
    )
    support = _table(december, "meetings")["support"]
    assert (support["regular"], support["ad_hoc"], support["cases"], support["reviews"]) == (
        1,
        1,
        2,
        2,
    )

    # Every view and export is audited, naming no case.
    with api.db.sessions() as session:
        events = session.execute(
            select(AuditEvent.action, AuditEvent.detail, AuditEvent.case_id)
            .where(AuditEvent.resource_type == "report")
            .order_by(AuditEvent.id)
        ).all()
    assert [a for a, _d, _c in events].count("report.view") == 3
    exports = [d for a, d, _c in events if a == "report.export"]
    assert [d["format"] for d in exports] == ["xlsx", "csv", "csv"]
    assert exports[1]["table"] == "meetings" and exports[0]["from"] == "2023-04-01"
    assert all(c is None for _a, _d, c in events)


# ---------------------------------------------------------------- the other figures


SEQ = iter(range(1, 10_000))


def _case(
    session: Any,
    *,
    intake: date,
    town: str = "honcho",
    area: str | None = "east",
    route: str = "window",
    opened_by: str = "kyosei",
    lead: str | None = None,
) -> int:
    n = next(SEQ)
    case = Case(
        number=f"T-{n:05d}",
        fiscal_year=2000 + n % 50,
        sequence=n,
        status="received",
        town_code=town if area else None,
        area_code=area,
        intake_date=intake,
        intake_route=route,
        main_complaint="集計テスト",
        opened_by_org_code=opened_by,
        opened_by_sub="test",
        lead_org_code=lead or opened_by,
    )
    session.add(case)
    session.flush()
    return case.id


def _entry(
    session: Any,
    case_id: int,
    day: date,
    means: str,
    function: str | None,
    member: int | None = None,
) -> None:
    session.add(
        TimelineEntry(
            case_id=case_id,
            occurred_on=day,
            means=means,
            function_code=function,
            member_id=member,
            content="記録",
            author_sub="test",
            author_name="test",
        )
    )


def _member(session: Any, case_id: int, position: int, relationship: str) -> int:
    member = CaseMember(
        case_id=case_id,
        position=position,
        is_main=position == 1,
        name=f"世帯員{position}",
        name_search=f"世帯員{position}",
        relationship_label=relationship,
    )
    session.add(member)
    session.flush()
    return member.id


def _meeting(session: Any, day: date, kind: str = "multi_agency", status: str = "held") -> int:
    m = Meeting(
        kind=kind,
        regular=True,
        day=day,
        status=status,
        organiser_sub="test",
        organiser_org_code="kyosei",
    )
    session.add(m)
    session.flush()
    return m.id


def _item(session: Any, meeting_id: int, case_id: int) -> int:
    item = AgendaItem(
        meeting_id=meeting_id, case_id=case_id, position=1, purpose="closing", summary="要旨"
    )
    session.add(item)
    session.flush()
    return item.id


def _referral(
    session: Any, case_id: int, sent: datetime, answered: datetime | None, status: str
) -> None:
    session.add(
        Referral(
            case_id=case_id,
            from_org_code="kyosei",
            from_sub="test",
            to_org_code="hokatsu_1",
            reason="理由",
            urgency="normal",
            summary="要旨",
            status=status,
            answered_at=answered,
            created_at=sent,
            updated_at=sent,
        )
    )


def _jst(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC) - timedelta(hours=9)


@dataclass
class Facts:
    api: Api
    jimu: dict[str, str]

    def report(self, params: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        report: dict[str, Any] = _ok(
            self.api.client.get(
                "/reports/statistics", params={**(params or FY2023), **kw}, headers=self.jimu
            )
        )
        return report


@pytest.fixture
def facts(api: Api) -> Iterator[Facts]:
    """FY2023 facts written directly: contacts, plans, closures, referrals, across the edges."""
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    with api.db.sessions() as session, session.begin():
        a = _case(session, intake=date(2023, 4, 1), route="phone")  # first day of FY2023
        b = _case(session, intake=date(2024, 3, 31), town="tokura", area="west")  # last day
        c = _case(session, intake=date(2023, 3, 31))  # FY2022: its intake is not counted
        d = _case(session, intake=date(2024, 4, 1), area=None)  # FY2024
        session.add(
            TeamMembership(
                case_id=b,
                org_code="shogaifukushi",
                role="訪問",
                start_date=date(2023, 5, 1),
                added_by_sub="t",
            )
        )
        # Contacts: untagged and 相談支援 count as consultation; outreach and participation apart.
        _entry(session, a, date(2023, 4, 3), "phone", None)
        _entry(session, a, date(2023, 5, 8), "visit", "consultation")
        _entry(session, c, date(2023, 4, 10), "visit", "outreach")
        _entry(session, c, date(2023, 5, 10), "phone", "outreach")
        _entry(session, c, date(2023, 6, 10), "visit", "outreach")
        _entry(session, b, date(2023, 6, 1), "visit", "outreach")
        _entry(session, b, date(2023, 7, 1), "accompany", "participation")
        _entry(session, d, date(2024, 4, 2), "visit", "outreach")  # FY2024
        _entry(session, c, date(2023, 3, 31), "visit", "outreach")  # FY2022
        # Plans, counted on the day of the 重層的支援会議 that approved them.
        may = _meeting(session, date(2023, 5, 9))
        first = SupportPlan(
            case_id=a,
            version_number=1,
            status="replaced",
            assessment_summary="課題",
            created_by_sub="t",
            approved_meeting_id=may,
        )
        session.add(first)
        session.flush()
        oct_ = _meeting(session, date(2023, 10, 10))
        session.add(
            SupportPlan(
                case_id=a,
                version_number=2,
                previous_plan_id=first.id,
                status="approved",
                assessment_summary="課題",
                created_by_sub="t",
                approved_meeting_id=oct_,
            )
        )
        session.add(
            SupportPlan(
                case_id=b,
                version_number=1,
                status="draft",
                assessment_summary="課題",
                created_by_sub="t",
            )
        )
        # Closing decided at a meeting (its day), suspension recorded outside one (its time).
        session.add(
            Decision(
                meeting_id=oct_,
                agenda_item_id=_item(session, oct_, c),
                kind="close_case",
                content={},
                decided_by_sub="t",
            )
        )
        # The status history: the closing takes the meeting's day, the others their own day.
        for case_id, day, to, meeting_id in (
            (c, date(2023, 10, 10), "closed", oct_),
            (b, date(2023, 11, 1), "suspended", None),
            (b, date(2024, 3, 31), "suspended", None),  # last day of FY2023
            (b, date(2024, 4, 1), "closed", None),  # FY2024
        ):
            session.add(
                CaseStatusChange(
                    case_id=case_id,
                    from_status="in_support",
                    to_status=to,
                    effective_on=day,
                    meeting_id=meeting_id,
                    changed_by_sub="t",
                )
            )
        # Referrals, by Tokyo day and answer time.
        _referral(session, a, _jst(2023, 4, 1, 0, 30), _jst(2023, 4, 1, 12), "accepted")
        _referral(session, a, _jst(2023, 6, 1, 9), _jst(2023, 6, 3, 9), "completed")
        _referral(session, b, _jst(2023, 6, 1, 9), _jst(2023, 6, 8, 9, 1), "declined")
        _referral(session, b, _jst(2023, 7, 1, 9), None, "sent")
        _referral(session, b, _jst(2023, 3, 31, 23, 59), None, "sent")  # FY2022
        _referral(session, b, _jst(2024, 4, 1, 0, 0), None, "sent")  # FY2024
    yield Facts(api, api.login("jimu"))


def test_consultations_outreach_and_participation_count_households_and_contacts(
    facts: Facts,
) -> None:
    report = facts.report()
    overview = _table(report, "overview")
    assert overview["new_consultations"] == {"east": 1, "west": 1, "unknown": 0, "total": 2}
    # Consultation: a's intake and two contacts, b's intake → 2 households, 4 contacts.
    expected = tally([1, 1, 1, 2])
    assert (
        overview["consultation_households"]["total"],
        overview["consultation_contacts"]["total"],
    ) == (expected.distinct, expected.total)
    # Outreach: c three times (FY2022's visit left out), b once; visits 3.
    assert overview["outreach_households"] == {"east": 1, "west": 1, "unknown": 0, "total": 2}
    assert (overview["outreach_contacts"]["total"], overview["outreach_visits"]["total"]) == (4, 3)
    assert (
        overview["participation_households"]["total"],
        overview["participation_contacts"]["total"],
    ) == (1, 1)
    functions = _table(report, "functions")
    assert functions["outreach"] == {"households": 2, "people": 2, "contacts": 4, "visits": 3}
    assert functions["consultation"]["contacts"] == 4
    assert functions["community"] == {"households": 0, "people": 0, "contacts": 0, "visits": 0}
    # No contact names a member: each household is one person.
    assert overview["outreach_people"]["total"] == overview["outreach_households"]["total"] == 2
    assert overview["participation_people"]["total"] == 1
    assert overview["participation_partners"]["total"] == 0  # no plan names a partner
    routes = _table(report, "consultation_routes")
    assert routes["phone"] == {"new": 1, "households": 1, "contacts": 3}
    assert routes["total"] == {"new": 2, "households": 2, "contacts": 4}
    # By month: outreach households per month, and once in the year.
    monthly = _table(report, "monthly")["outreach_households"]
    assert (monthly["2023-04"], monthly["2023-05"], monthly["2023-06"], monthly["total"]) == (
        1,
        1,
        2,
        2,
    )
    # The 8050 category of the intake form (household level, primary).
    categories = _table(report, "consultation_categories")
    assert categories["c8050"] == {"households": 0, "primary": 0, "contacts": 0}


def test_plans_closures_and_referrals(facts: Facts) -> None:
    report = facts.report()
    overview = _table(report, "overview")
    assert (overview["plans_new"]["total"], overview["plans_revised"]["total"]) == (1, 1)
    assert overview["cases_closed"]["total"] == 1  # decided at the meeting, counted once
    assert overview["cases_suspended"] == {"east": 0, "west": 1, "unknown": 0, "total": 1}
    monthly = _table(report, "monthly")
    assert (monthly["cases_suspended"]["2023-11"], monthly["cases_suspended"]["2024-03"]) == (1, 1)
    assert monthly["plans_new"]["2023-05"] == 1 and monthly["plans_revised"]["2023-10"] == 1
    assert overview["referrals_sent"]["total"] == 4
    assert monthly["referrals_sent"]["2023-04"] == 1  # 00:30 Tokyo on 1 April
    referrals = _table(report, "referrals")
    assert referrals["accepted"]["sent_total"] == 1
    assert referrals["accepted"][answer_bucket(11.5)] == 1
    assert referrals["completed"][answer_bucket(48)] == 1
    assert referrals["declined"][AnswerBucket.OVER_7_DAYS] == 1  # 7 days and a minute
    assert referrals["sent"][AnswerBucket.UNANSWERED] == 1
    assert referrals["total"]["sent_total"] == 4
    # The next fiscal year has what this one left out.
    fy2024 = _table(facts.report({"fiscalYear": 2024}), "overview")
    assert fy2024["new_consultations"] == {"east": 0, "west": 0, "unknown": 1, "total": 1}
    assert (fy2024["referrals_sent"]["total"], fy2024["cases_closed"]["total"]) == (1, 1)
    assert fy2024["outreach_visits"]["total"] == 1


def test_the_fiscal_year_edges_31_march_and_1_april(facts: Facts) -> None:
    april = _table(facts.report({"month": "2023-04"}), "overview")
    assert april["new_consultations"]["total"] == 1  # 1 April 2023
    assert april["referrals_sent"]["total"] == 1
    march = _table(facts.report({"month": "2024-03", "fiscalYear": 2023}), "overview")
    assert march["new_consultations"]["total"] == 1  # 31 March 2024
    assert march["cases_suspended"]["total"] == 1  # 23:59 Tokyo on 31 March
    fy2022 = _table(facts.report({"fiscalYear": 2022}), "overview")
    assert fy2022["new_consultations"]["total"] == 1  # 31 March 2023
    assert fy2022["referrals_sent"]["total"] == 1  # 23:59 Tokyo on 31 March 2023
    assert fy2022["outreach_visits"]["total"] == 1
    days = _table(facts.report({"from": "2023-04-01", "to": "2023-04-01"}), "overview")
    assert (days["new_consultations"]["total"], days["consultation_contacts"]["total"]) == (1, 1)


def test_a_department_sees_the_households_its_units_opened_lead_or_support(api: Api) -> None:
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    api.user("fukushi_kacho", "koreifukushi", Role.MANAGER)
    api.user("kodomo_bucho", "kosodate_sodan", Role.DIRECTOR)
    with api.db.sessions() as session, session.begin():
        _case(session, intake=date(2023, 5, 1), opened_by="koreifukushi")  # 福祉部 opened
        led = _case(session, intake=date(2023, 5, 2), opened_by="kyosei", lead="seikatsufukushi")
        supported = _case(session, intake=date(2023, 5, 3), opened_by="kyosei")
        session.add(
            TeamMembership(
                case_id=supported,
                org_code="shogaifukushi",
                role="支援",
                start_date=date(2023, 5, 3),
                added_by_sub="t",
            )
        )
        _case(session, intake=date(2023, 5, 4), opened_by="kosodate_sodan")  # 子ども家庭部
        _referral(session, led, _jst(2023, 6, 1, 9), None, "sent")  # 健康部 → agency
    assert led
    city = _table(
        _ok(api.client.get("/reports/statistics", params=FY2023, headers=api.login("jimu"))),
        "overview",
    )
    assert city["new_consultations"]["total"] == 4
    welfare = _ok(
        api.client.get("/reports/statistics", params=FY2023, headers=api.login("fukushi_kacho"))
    )
    assert (welfare["department"], welfare["scopeLabel"]) == ("welfare", "福祉部")
    assert _table(welfare, "overview")["new_consultations"]["total"] == 3
    assert (
        _table(welfare, "overview")["referrals_sent"]["total"] == 0
    )  # sent by 健康部 to an agency
    children = _ok(
        api.client.get(
            "/reports/statistics",
            params={**FY2023, "department": "children_family"},
            headers=api.login("kodomo_bucho"),
        )
    )
    assert _table(children, "overview")["new_consultations"]["total"] == 1
    health = _ok(
        api.client.get(
            "/reports/statistics",
            params={**FY2023, "department": "health"},
            headers=api.login("jimu"),
        )
    )
    assert _table(health, "overview")["new_consultations"]["total"] == 2  # opened by 地域共生推進課
    assert _table(health, "overview")["referrals_sent"]["total"] == 1


# ---------------------------------------------------------------- 参加支援 and アウトリーチ: people, partners

PARTNERS = {
    "partner_bakery": ("ベーカリー本町", "べーかりーほんちょう"),
    "partner_farm": ("ひがしとくら農園", "ひがしとくらのうえん"),
    "partner_cafe": ("カフェひかり（社会福祉法人ひかり会）", "かふぇひかり"),
    "partner_shop": ("本多商店", "ほんだしょうてん"),
    "partner_library": ("まちの図書室", "まちのとしょしつ"),
}


def _plan(
    session: Any,
    case_id: int,
    items: list[tuple[str, str | None, date | None, date | None]],
    *,
    status: str = "monitoring",
    approved: int | None = None,
    start: date | None = None,
    end: date | None = None,
    changed_at: datetime | None = None,
    version: int = 1,
) -> None:
    """A plan with items (function, partner, start, end), as the meetings module leaves it."""
    plan = SupportPlan(
        case_id=case_id,
        version_number=version,
        status=status,
        assessment_summary="課題",
        created_by_sub="t",
        approved_meeting_id=approved,
        start_date=start,
        end_date=end,
        status_changed_at=changed_at,
    )
    session.add(plan)
    session.flush()
    for n, (function, partner, first, last) in enumerate(items, start=1):
        session.add(
            PlanItem(
                plan_id=plan.id,
                position=n,
                content="支援内容",
                responsible_org_code="kyosei",
                is_lead=n == 1,
                function_code=function,
                partner_org_code=partner,
                start_date=first,
                end_date=last,
            )
        )


def test_participation_and_outreach_people_and_partner_businesses_in_json_xlsx_and_csv(
    api: Api,
) -> None:
    """People count each member a contact names once (a household whose contacts name nobody is
    one person); partner businesses count once however many plans name them, and only while an
    approved plan's 参加支援 item runs."""
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    api.user("admin", "it_admin", Role.ADMIN)
    admin = api.login("admin")
    for code, (name, kana) in PARTNERS.items():
        _ok(
            api.client.post(
                "/organizations",
                json={"code": code, "kind": "partner", "name": name, "kana": kana},
                headers=admin,
            ),
            201,
        )
    with api.db.sessions() as session, session.begin():
        a = _case(session, intake=date(2023, 4, 10))  # east
        b = _case(session, intake=date(2023, 5, 1), town="tokura", area="west")
        c = _case(session, intake=date(2022, 9, 1))  # east, FY2022
        a_son, a_mother = _member(session, a, 1, "本人"), _member(session, a, 2, "母")
        c_son = _member(session, c, 1, "本人")
        # 参加支援: a's son three times, the mother once, the household once; b's household twice.
        participation = [
            (a, date(2023, 6, 5), a_son),
            (a, date(2023, 6, 12), a_son),
            (a, date(2023, 7, 3), a_son),
            (a, date(2023, 7, 10), a_mother),
            (a, date(2023, 7, 17), None),
            (b, date(2023, 6, 20), None),
            (b, date(2023, 8, 1), None),
        ]
        for case_id, day, member in participation:
            _entry(session, case_id, day, "accompany", "participation", member)
        # アウトリーチ: c's son twice and the household once; a's household on 31 March 2024; a's
        # son on 1 April 2024 (FY2024).
        outreach = [
            (c, date(2023, 4, 1), "visit", c_son),
            (c, date(2023, 4, 20), "phone", c_son),
            (c, date(2023, 5, 2), "phone", None),
            (a, date(2024, 3, 31), "visit", None),
        ]
        for case_id, day, means, member in outreach:
            _entry(session, case_id, day, means, "outreach", member)
        _entry(session, a, date(2024, 4, 1), "visit", "outreach", a_son)
        # Plans: a's (approved in May 2023, running into FY2024) names the bakery and the farm;
        # b's (approved in June, no dates: from the meeting day on) the bakery again and, from
        # 1 April 2024, the café; c's plan replaced at 23:59 Tokyo on 31 March 2023 named the
        # shop; c's draft names the library but was never approved.
        may, june = _meeting(session, date(2023, 5, 9)), _meeting(session, date(2023, 6, 13))
        _plan(
            session,
            a,
            [
                ("outreach", None, None, None),
                ("participation", "partner_bakery", None, None),
                ("participation", "partner_farm", date(2023, 7, 1), None),
            ],
            approved=may,
            start=date(2023, 5, 10),
            end=date(2024, 5, 9),
        )
        _plan(
            session,
            b,
            [
                ("consultation", None, None, None),
                ("participation", "partner_bakery", None, None),
                ("participation", "partner_cafe", date(2024, 4, 1), None),
            ],
            approved=june,
        )
        _plan(
            session,
            c,
            [("participation", "partner_shop", None, None)],
            status="replaced",
            approved=_meeting(session, date(2022, 10, 11)),
            start=date(2022, 10, 12),
            end=date(2023, 10, 11),
            changed_at=_jst(2023, 3, 31, 23, 59),
        )
        _plan(
            session,
            c,
            [("participation", "partner_library", date(2023, 4, 1), None)],
            status="draft",
            version=2,
        )
    jimu = api.login("jimu")
    facts = Facts(api, jimu)
    report = facts.report()
    overview = _table(report, "overview")

    # People versus households and contacts (the domain's rule, from the same facts).
    expected_people = tally_people([(case_id, member) for case_id, _day, member in participation])
    assert expected_people == 3
    assert overview["participation_people"] == {"east": 2, "west": 1, "unknown": 0, "total": 3}
    assert overview["participation_households"]["total"] == 2
    assert overview["participation_contacts"]["total"] == len(participation) == 7
    assert overview["outreach_people"] == {"east": 2, "west": 0, "unknown": 0, "total": 2}
    assert (overview["outreach_households"]["total"], overview["outreach_contacts"]["total"]) == (
        2,
        4,
    )
    assert overview["outreach_visits"]["total"] == 2

    # Partner businesses: the bakery (named by a and b) and the farm, once each; by area they
    # are the east's two and the west's one, and the city's two (not the areas' sum).
    runs = [
        ("partner_bakery", Run(date(2023, 5, 10), date(2024, 5, 9))),
        ("partner_farm", Run(date(2023, 7, 1), date(2024, 5, 9))),
        ("partner_bakery", Run(date(2023, 6, 13), None)),
        ("partner_cafe", Run(date(2024, 4, 1), None)),
        ("partner_shop", Run(date(2022, 10, 12), date(2023, 3, 31))),
        ("partner_library", None),
    ]
    assert count_partners(runs, date(2023, 4, 1), date(2024, 3, 31)) == 2
    assert overview["participation_partners"] == {"east": 2, "west": 1, "unknown": 0, "total": 2}
    monthly = _table(report, "monthly")
    partners = monthly["participation_partners"]
    assert (partners["2023-04"], partners["2023-05"], partners["2023-06"]) == (0, 1, 1)
    assert (partners["2023-07"], partners["2024-03"], partners["total"]) == (2, 2, 2)
    people = monthly["participation_people"]
    assert (people["2023-06"], people["2023-07"], people["2023-08"], people["total"]) == (
        2,
        2,
        1,
        3,
    )
    assert sum(v for k, v in people.items() if k != "total") == 5 != people["total"]
    functions = _table(report, "functions")
    assert functions["participation"] == {"households": 2, "people": 3, "contacts": 7, "visits": 0}
    assert functions["outreach"] == {"households": 2, "people": 2, "contacts": 4, "visits": 2}

    # The fiscal-year edges: FY2024 has the café and a's plan until May; FY2022 the shop (its
    # plan replaced at 23:59 on 31 March 2023), which FY2023 does not count.
    fy2024 = _table(facts.report({"fiscalYear": 2024}), "overview")
    assert fy2024["participation_partners"]["total"] == 3
    assert fy2024["outreach_people"]["total"] == 1  # a's son on 1 April
    fy2022 = _table(facts.report({"fiscalYear": 2022}), "overview")
    assert fy2022["participation_partners"] == {"east": 1, "west": 0, "unknown": 0, "total": 1}
    march = _table(facts.report({"month": "2024-03", "fiscalYear": 2023}), "overview")
    assert (march["outreach_people"]["total"], march["participation_partners"]["total"]) == (1, 2)
    first_day = _table(facts.report({"from": "2023-04-01", "to": "2023-04-01"}), "overview")
    assert (
        first_day["outreach_people"]["total"],
        first_day["participation_partners"]["total"],
    ) == (
        1,
        0,
    )

    # The workbook, read back: the new rows with their Japanese headings.
    response = api.client.get("/reports/statistics.xlsx", params=FY2023, headers=jimu)
    assert response.status_code == 200, response.text
    wb = load_workbook(io.BytesIO(response.content))
    sheet = wb["総括"]
    assert [c.value for c in sheet[4]] == ["項目", "東部", "西部", "地区未設定", "計"]
    rows = {row[0]: list(row[1:]) for row in sheet.iter_rows(min_row=5, values_only=True) if row[0]}
    assert rows["参加支援 実人数"] == [2, 1, 0, 3]
    assert rows["参加支援 協力事業所数"] == [2, 1, 0, 2]
    assert rows["アウトリーチ 実人数"] == [2, 0, 0, 2]
    assert rows["参加支援 実世帯数"] == [1, 1, 0, 2]
    notes = [row[0] for row in sheet.iter_rows(values_only=True) if str(row[0]).startswith("注:")]
    assert "協力事業所" in notes[0] and "世帯員の記録がない" in notes[0]
    sheet = wb["機能別"]
    assert [c.value for c in sheet[4]] == ["機能", "実世帯数", "実人数", "延べ件数", "うち訪問"]
    monthly_rows = {
        row[0]: list(row[1:]) for row in wb["月別"].iter_rows(min_row=5, values_only=True) if row[0]
    }
    assert monthly_rows["参加支援 協力事業所数"][-1] == 2

    # The CSV of the overview and of the functions, parsed back.
    def csv_rows(table: str, **params: Any) -> dict[str, list[str]]:
        response = api.client.get(
            "/reports/statistics.csv", params={**FY2023, "table": table, **params}, headers=jimu
        )
        assert response.status_code == 200, response.text
        lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        return {line[0]: line[1:] for line in lines[1:]}

    overview_csv = csv_rows("overview")
    assert overview_csv["参加支援 実人数"] == ["2", "1", "0", "3"]
    assert overview_csv["参加支援 協力事業所数"] == ["2", "1", "0", "2"]
    assert overview_csv["アウトリーチ 実人数"] == ["2", "0", "0", "2"]
    assert csv_rows("functions")["第2号 参加支援"] == ["2", "3", "7", "0"]

    # Publication: the small counts are masked everywhere, zero stays zero.
    public = _table(facts.report(publication="true"), "overview")
    assert public["participation_partners"] == {
        "east": MASK,
        "west": MASK,
        "unknown": 0,
        "total": MASK,
    }
    assert public["participation_contacts"]["total"] == 7
    assert csv_rows("overview", publication="true")["参加支援 協力事業所数"] == [
        MASK,
        MASK,
        "0",
        MASK,
    ]
    wb = load_workbook(
        io.BytesIO(
            api.client.get(
                "/reports/statistics.xlsx", params={**FY2023, "publication": "true"}, headers=jimu
            ).content
        )
    )
    rows = {
        row[0]: list(row[1:]) for row in wb["総括"].iter_rows(min_row=5, values_only=True) if row[0]
    }
    assert rows["参加支援 実人数"] == [MASK, MASK, 0, MASK]

    # A department sees its households' partners only: 福祉部 supports none of them.
    api.user("kacho", "koreifukushi", Role.MANAGER)
    welfare = _ok(api.client.get("/reports/statistics", params=FY2023, headers=api.login("kacho")))
    assert _table(welfare, "overview")["participation_partners"]["total"] == 0


# ---------------------------------------------------------------- masking


def test_publication_masks_small_counts_and_keeps_zero(api: Api) -> None:
    r = build_2023(api)
    params = {**APR_DEC_2023, "publication": "true"}
    report = _ok(api.client.get("/reports/statistics", params=params, headers=r.jimu))
    assert (report["publication"], report["threshold"]) == (True, 5)
    meetings = _table(report, "meetings")
    assert meetings["support"] == {
        "regular": MASK,
        "ad_hoc": MASK,
        "held": 8,
        "cases": 7,
        "reviews": 10,
    }
    assert meetings["multi_agency"]["ad_hoc"] == 0  # zero identifies nobody
    assert meetings["multi_agency"]["reviews"] == MASK
    assert all(t["masked"] for t in report["tables"])
    fields = _table(report, "agencies")["case_meetings"]
    assert (fields["health_medical"], fields["disability"]) == (5, 18)  # 5 is not below 5
    stricter = _ok(
        api.client.get("/reports/statistics", params={**params, "threshold": 11}, headers=r.jimu)
    )
    assert _table(stricter, "meetings")["support"]["reviews"] == MASK
    assert _table(stricter, "agencies")["case_meetings"]["disability"] == 18
    # The exports are masked alike.
    wb = load_workbook(
        io.BytesIO(
            api.client.get("/reports/statistics.xlsx", params=params, headers=r.jimu).content
        )
    )
    sheet = wb["会議開催状況"]
    assert "公表用" in str(sheet["A2"].value)
    rows = {row[0]: list(row[1:]) for row in sheet.iter_rows(min_row=5, values_only=True) if row[0]}
    assert rows["支援会議"] == [MASK, MASK, 8, 7, 10]
    text = api.client.get(
        "/reports/statistics.csv", params={**params, "table": "meetings"}, headers=r.jimu
    ).content.decode("utf-8-sig")
    assert "支援会議,＊,＊,8,7,10" in text.splitlines()
    # Without publication mode nothing is masked.
    plain = _ok(api.client.get("/reports/statistics", params=APR_DEC_2023, headers=r.jimu))
    assert not any(t["masked"] for t in plain["tables"])


# ---------------------------------------------------------------- who may run reports


@dataclass(frozen=True)
class Who:
    name: str
    org: str
    roles: tuple[Role, ...]
    allowed: bool
    department: str | None = None
    area: str | None = None


PRINCIPALS = [
    Who("secretariat", "kyosei", (Role.SECRETARIAT,), True),
    Who("welfare_manager", "koreifukushi", (Role.MANAGER,), True, "welfare"),
    Who("health_director", "kenko_suishin", (Role.DIRECTOR,), True, "health"),
    Who("education_manager", "gakko_shido", (Role.MANAGER,), True, "education"),
    Who("children_director", "kosodate_sodan", (Role.DIRECTOR,), True, "children_family"),
    Who("staff", "koreifukushi", (Role.STAFF,), False),
    Who("chief", "seikatsufukushi", (Role.CHIEF,), False),
    Who("coordinator", "shakyo_east", (Role.COORDINATOR,), False, area="east"),
    Who("agency", "hokatsu_1", (Role.AGENCY,), False),
    Who("admin", "it_admin", (Role.ADMIN,), False),
    Who("auditor", "it_admin", (Role.AUDITOR,), False),
]
ENDPOINTS = [
    ("/reports/statistics", {}),
    ("/reports/statistics.xlsx", {}),
    ("/reports/statistics.csv", {"table": "overview"}),
]


@pytest.fixture(scope="module")
def people(module_api: Api) -> dict[str, dict[str, str]]:
    headers = {}
    for who in PRINCIPALS:
        module_api.user(f"rep_{who.name}", who.org, *who.roles, area=who.area)
        headers[who.name] = module_api.login(f"rep_{who.name}")
    client_id, secret = module_api.api_client("reports-agency", "hokatsu_2")
    headers["agency_client"] = module_api.client_login(client_id, secret)
    return headers


@pytest.mark.parametrize(("path", "extra"), ENDPOINTS, ids=["json", "xlsx", "csv"])
@pytest.mark.parametrize("who", PRINCIPALS, ids=[w.name for w in PRINCIPALS])
def test_who_may_run_reports(
    module_api: Api,
    people: dict[str, dict[str, str]],
    who: Who,
    path: str,
    extra: dict[str, str],
) -> None:
    response = module_api.client.get(path, params={**FY2023, **extra}, headers=people[who.name])
    if not who.allowed:
        _problem(response, 403)
        return
    assert response.status_code == 200, response.text
    if path.endswith("statistics"):
        assert response.json()["department"] == who.department


@pytest.mark.parametrize(
    ("who", "department", "status"),
    [
        ("secretariat", "education", 200),
        ("welfare_manager", "welfare", 200),
        ("welfare_manager", "health", 403),
        ("children_director", "education", 403),
    ],
)
def test_managers_and_directors_report_on_their_own_department_only(
    module_api: Api, people: dict[str, dict[str, str]], who: str, department: str, status: int
) -> None:
    response = module_api.client.get(
        "/reports/statistics", params={**FY2023, "department": department}, headers=people[who]
    )
    assert response.status_code == status, response.text
    if status == 200:
        assert response.json()["department"] == department


def test_partner_integrations_and_anonymous_callers_cannot_run_reports(
    module_api: Api, people: dict[str, dict[str, str]]
) -> None:
    _problem(module_api.client.get("/reports/statistics", headers=people["agency_client"]), 403)
    _problem(module_api.client.get("/reports/statistics.xlsx"), 401)


def test_refusals_are_audited(module_api: Api, people: dict[str, dict[str, str]]) -> None:
    _problem(
        module_api.client.get(
            "/reports/statistics.csv", params={"table": "meetings"}, headers=people["staff"]
        ),
        403,
    )
    with module_api.db.sessions() as session:
        outcomes = session.execute(
            select(AuditEvent.action, AuditEvent.outcome).where(
                AuditEvent.resource_type == "report", AuditEvent.actor_org == "koreifukushi"
            )
        ).all()
    assert ("report.export", "denied") in outcomes


def test_a_report_names_no_household(module_api: Api, people: dict[str, dict[str, str]]) -> None:
    with module_api.db.sessions() as session, session.begin():
        case_id = _case(session, intake=TODAY)
    response = module_api.client.get("/reports/statistics", headers=people["secretariat"])
    text = response.text
    assert "集計テスト" not in text and f"T-{case_id:05d}" not in text
    assert response.json()["fiscalYear"] == (TODAY.year if TODAY.month >= 4 else TODAY.year - 1)


def test_the_workbook_as_octet_stream_for_clients_that_accept_only_that(
    module_api: Api, people: dict[str, dict[str, str]]
) -> None:
    response = module_api.client.get(
        "/reports/statistics.xlsx",
        params=FY2023,
        headers={**people["secretariat"], "Accept": "application/octet-stream"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert load_workbook(io.BytesIO(response.content)).sheetnames[0] == "総括"


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"fiscalYear": 2023, "month": "2023-03"}, "month", "month_outside_fiscal_year"),
        ({"fiscalYear": 2023, "month": "2024-04"}, "month", "month_outside_fiscal_year"),
        ({"month": "2023-13"}, "month", "string_pattern_mismatch"),
        ({"from": "2023-04-01", "to": "2024-04-01"}, "to", "crosses_fiscal_year"),
        ({"from": "2023-03-31", "to": "2023-04-01"}, "to", "crosses_fiscal_year"),
        ({"from": "2023-05-01", "to": "2023-04-30"}, "to", "range"),
        ({"from": "2023-05-01"}, "to", "missing"),
        ({"from": "2023-05-01", "to": "2023-05-31", "fiscalYear": 2023}, "from", "period_conflict"),
        ({"fiscalYear": 1999}, "fiscalYear", "greater_than_equal"),
        ({"publication": "true", "threshold": 1}, "threshold", "greater_than_equal"),
        ({"department": "shakyo"}, "department", "literal_error"),
    ],
)
def test_bad_periods_and_parameters_are_422_problems(
    module_api: Api,
    people: dict[str, dict[str, str]],
    params: dict[str, Any],
    field: str,
    code: str,
) -> None:
    body = _problem(
        module_api.client.get("/reports/statistics", params=params, headers=people["secretariat"]),
        422,
    )
    assert [(e["field"], e["code"]) for e in body["errors"]] == [(field, code)]


def test_an_unknown_table_is_a_422_problem(
    module_api: Api, people: dict[str, dict[str, str]]
) -> None:
    for params in ({"table": "names"}, {}):
        body = _problem(
            module_api.client.get(
                "/reports/statistics.csv", params=params, headers=people["secretariat"]
            ),
            422,
        )
        assert body["errors"][0]["field"] == "table"


def test_reviews_count_once_per_meeting_and_case(api: Api) -> None:
    """Two agenda items on one case at one meeting are one review (the domain's rule in SQL)."""
    api.user("jimu", "kyosei", Role.SECRETARIAT)
    with api.db.sessions() as session, session.begin():
        one, two = _case(session, intake=date(2023, 4, 3)), _case(session, intake=date(2023, 4, 3))
        first = _meeting(session, date(2023, 6, 13), kind="support")
        second = _meeting(session, date(2023, 7, 11), kind="support")
        pairs = [(first, one), (first, one), (first, two), (second, one)]
        for meeting_id, case_id in pairs:
            _item(session, meeting_id, case_id)
        _item(session, _meeting(session, date(2023, 8, 8), kind="support", status="scheduled"), two)
    expected = tally_reviews(pairs)
    report = _ok(api.client.get("/reports/statistics", params=FY2023, headers=api.login("jimu")))
    support = _table(report, "meetings")["support"]
    assert (support["cases"], support["reviews"]) == (expected.distinct, expected.total) == (2, 3)
    assert (support["regular"], support["held"]) == (2, 2)
