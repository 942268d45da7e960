"""Meetings in the domain: the calendar of regular dates and deadlines, counting, and who may
schedule, organise, see and read what."""

from datetime import date, timedelta

import jpholiday
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.access import Dept, Principal, PrincipalKind, Role
from domain.fiscal import fiscal_year
from domain.meetings import (
    CASE_MEETINGS,
    MAX_CALENDAR_DAYS,
    TUESDAY,
    ClosedDay,
    DecisionKind,
    MeetingKind,
    MeetingStatus,
    Review,
    agenda_refusal,
    can_change_meeting_status,
    can_schedule,
    closed_weekdays,
    count_by_field,
    count_cases,
    is_closed_day,
    is_organiser,
    is_schedule_day,
    is_year_end_break,
    japanese_date,
    may_record_decision,
    may_see_meeting,
    member_may_read_agenda_item,
    member_may_read_item,
    member_may_read_minutes,
    regular_dates,
    request_deadline,
    request_on_time,
    schedule_dates,
    takes_requests,
)

fiscal_years = st.integers(min_value=2000, max_value=2100)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
# jpholiday is slow on a busy machine: no deadline; and no example database in the tree.
PROPERTIES = settings(max_examples=100, deadline=None, database=None)


# ------------------------------------------------------------------ the calendar


@PROPERTIES
@given(fiscal_years)
def test_every_regular_date_is_the_second_tuesday_of_a_month_of_the_fiscal_year(fy: int) -> None:
    dates = regular_dates(fy)
    assert len(dates) == 12
    months = [(d.day.year, d.day.month) for d in dates]
    assert months == [(fy, m) for m in range(4, 13)] + [(fy + 1, m) for m in range(1, 4)]
    for d in dates:
        assert d.day.weekday() == TUESDAY
        assert 8 <= d.day.day <= 14  # the second one: one Tuesday before it in the month
        assert is_schedule_day(d.day, week_of_month=2, weekday=TUESDAY)


@PROPERTIES
@given(fiscal_years)
def test_the_deadline_is_the_previous_months_second_tuesday_before_the_meeting(fy: int) -> None:
    for d in regular_dates(fy):
        deadline = d.request_deadline
        assert deadline == request_deadline(d.day)
        previous = d.day.replace(day=1) - timedelta(days=1)
        assert (deadline.year, deadline.month) == (previous.year, previous.month)
        assert deadline.weekday() == TUESDAY and 8 <= deadline.day <= 14
        assert deadline < d.day
        assert 27 <= (d.day - deadline).days <= 35


@PROPERTIES
@given(fiscal_years, st.integers(min_value=-40, max_value=40))
def test_requests_are_on_time_through_the_deadline_and_ad_hoc_meetings_take_them_always(
    fy: int, offset: int
) -> None:
    meeting = regular_dates(fy)[offset % 12].day
    deadline = request_deadline(meeting)
    requested = deadline + timedelta(days=offset)
    assert request_on_time(requested, meeting, regular=True) is (offset <= 0)
    assert request_on_time(requested, meeting, regular=False) is True


def test_the_deadline_of_the_january_meeting_is_in_december_of_the_year_before() -> None:
    assert request_deadline(date(2024, 2, 13)) == date(2024, 1, 9)
    assert request_deadline(date(2024, 1, 9)) == date(2023, 12, 12)


@PROPERTIES
@given(days)
def test_the_year_end_break_is_exactly_29_december_to_3_january(day: date) -> None:
    expected = (day.month, day.day) in {(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)}
    assert is_year_end_break(day) is expected


@PROPERTIES
@given(fiscal_years)
def test_regular_dates_flag_the_year_end_break_and_holidays_as_jpholiday_says(fy: int) -> None:
    for d in regular_dates(fy):
        assert d.year_end_break is is_year_end_break(d.day)
        assert d.holiday_name == jpholiday.is_holiday_name(d.day)
        assert d.needs_attention is (d.holiday_name is not None or d.year_end_break)


def _second_tuesday_by_hand(year: int, month: int) -> date:
    eighth = date(year, month, 8)  # the 2nd Tuesday is the first Tuesday from the 8th on
    return eighth + timedelta(days=(TUESDAY - eighth.weekday()) % 7)


def test_second_tuesday_holidays_2019_to_2035_are_flagged() -> None:
    months = [(2019 + (3 + i) // 12, (3 + i) % 12 + 1) for i in range(12 * 17)]  # FY2019-2035
    expected = {
        day: jpholiday.is_holiday_name(day)
        for day in (_second_tuesday_by_hand(y, m) for y, m in months)
        if jpholiday.is_holiday(day)
    }
    # 建国記念の日 fell on the 2nd Tuesday in 2020, 2025 and 2031, 山の日 in 2026.
    assert date(2020, 2, 11) in expected and date(2026, 8, 11) in expected
    flagged = {
        d.day: d.holiday_name
        for fy in range(2019, 2036)
        for d in regular_dates(fy)
        if d.holiday_name
    }
    assert flagged == expected
    assert flagged[date(2020, 2, 11)] == "建国記念の日"


@PROPERTIES
@given(fiscal_years)
def test_the_kokubunji_schedule_as_data_gives_the_regular_dates(fy: int) -> None:
    assert schedule_dates(fy, week_of_month=2, weekday=TUESDAY) == regular_dates(fy)


@PROPERTIES
@given(fiscal_years, st.integers(min_value=1, max_value=5), st.integers(min_value=0, max_value=6))
def test_schedule_dates_are_the_nth_weekday(fy: int, week: int, weekday: int) -> None:
    dates = schedule_dates(fy, week_of_month=week, weekday=weekday)
    if week <= 4:
        assert len(dates) == 12
    for d in dates:
        assert d.day.weekday() == weekday
        assert (d.day.day - 1) // 7 + 1 == week
        assert is_schedule_day(d.day, week_of_month=week, weekday=weekday)


@PROPERTIES
@given(days)
def test_is_schedule_day_agrees_with_the_regular_dates(day: date) -> None:
    regular = {d.day for d in regular_dates(fiscal_year(day))}
    assert is_schedule_day(day, week_of_month=2, weekday=TUESDAY) is (day in regular)


def test_japanese_dates() -> None:
    assert japanese_date(date(2024, 1, 9)) == "2024年1月9日"
    assert japanese_date(date(2023, 12, 12)) == "2023年12月12日"


# ------------------------------------------------------------------ counting

reviews_strategy = st.lists(
    st.builds(
        Review,
        meeting_id=st.integers(min_value=1, max_value=8),
        kind=st.sampled_from(list(MeetingKind)),
        case_id=st.integers(min_value=1, max_value=6),
    ),
    max_size=40,
)


@PROPERTIES
@given(reviews_strategy, st.sampled_from(list(MeetingKind)))
def test_count_cases_counts_distinct_cases_and_case_reviews(
    reviews: list[Review], kind: MeetingKind
) -> None:
    counted = count_cases(reviews, kind)
    mine = [r for r in reviews if r.kind is kind]
    assert counted.reviews == len({(r.meeting_id, r.case_id) for r in mine})
    assert counted.distinct_cases == len({r.case_id for r in mine})
    assert counted.distinct_cases <= counted.reviews <= len(mine)
    assert count_cases(reviews + reviews, kind) == counted  # a case twice on one agenda is once


def test_count_cases_on_the_2023_figures() -> None:
    pairs = [(1, 1), (2, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 3), (6, 6), (7, 7), (8, 4)]
    reviews = [Review(m, MeetingKind.SUPPORT, c) for m, c in pairs]
    reviews += [Review(10 + m, MeetingKind.MULTI_AGENCY, 99) for m in range(3)]
    assert count_cases(reviews, MeetingKind.SUPPORT).distinct_cases == 7
    assert count_cases(reviews, MeetingKind.SUPPORT).reviews == 10
    assert count_cases(reviews, MeetingKind.MULTI_AGENCY).distinct_cases == 1
    assert count_cases(reviews, MeetingKind.MULTI_AGENCY).reviews == 3
    assert count_cases(reviews, MeetingKind.STAFF).reviews == 0


@PROPERTIES
@given(st.lists(st.tuples(st.integers(1, 9), st.sampled_from(["poverty", "elderly", "child"]))))
def test_count_by_field_counts_every_attendance(attendances: list[tuple[int, str]]) -> None:
    counts = count_by_field(attendances)
    assert sum(counts.values()) == len(attendances)
    for field, n in counts.items():
        assert n == sum(1 for _, f in attendances if f == field)


# ------------------------------------------------------------------ who may do what


def principal(
    org: str, dept: Dept, *roles: Role, kind: PrincipalKind = PrincipalKind.USER, sub: str = "u1"
) -> Principal:
    return Principal(
        sub=sub,
        kind=kind,
        org=org,
        dept=dept,
        roles=frozenset(roles),
        scopes=frozenset(),
        area="east" if Role.COORDINATOR in roles else None,
    )


S, M, ST, C, E = (
    MeetingKind.SUPPORT,
    MeetingKind.MULTI_AGENCY,
    MeetingKind.STAFF,
    MeetingKind.COORDINATION,
    MeetingKind.EMERGENCY,
)

# principal → the kinds it may schedule (access.md "Changing things")
SCHEDULE_TABLE: list[tuple[str, Principal, set[MeetingKind]]] = [
    ("health staff", principal("kenko_suishin", Dept.HEALTH, Role.STAFF), set()),
    ("health chief", principal("kenko_suishin", Dept.HEALTH, Role.CHIEF), set()),
    ("health manager", principal("kenko_suishin", Dept.HEALTH, Role.MANAGER), set()),
    ("健康部長", principal("kenko_suishin", Dept.HEALTH, Role.DIRECTOR), {E}),
    ("福祉部長", principal("koreifukushi", Dept.WELFARE, Role.DIRECTOR), set()),
    ("子ども家庭部長", principal("kosodate_sodan", Dept.CHILDREN_FAMILY, Role.DIRECTOR), set()),
    ("教育部長", principal("gakko_shido", Dept.EDUCATION, Role.DIRECTOR), set()),
    ("welfare staff", principal("koreifukushi", Dept.WELFARE, Role.STAFF), set()),
    ("secretariat", principal("kyosei", Dept.HEALTH, Role.SECRETARIAT), {S, M, ST, C}),
    ("coordinator", principal("shakyo_east", Dept.SHAKYO, Role.COORDINATOR), {M}),
    ("agency", principal("hokatsu_1", Dept.AGENCY, Role.AGENCY), set()),
    (
        "agency client",
        principal("hokatsu_1", Dept.AGENCY, Role.AGENCY, kind=PrincipalKind.CLIENT),
        set(),
    ),
    ("admin", principal("it_admin", Dept.SYSTEM, Role.ADMIN), set()),
    ("auditor", principal("it_admin", Dept.SYSTEM, Role.AUDITOR), set()),
    # An admin role on a director of 健康部 still takes every case-work right away.
    ("健康部長 + admin", principal("kenko_suishin", Dept.HEALTH, Role.DIRECTOR, Role.ADMIN), set()),
]


@pytest.mark.parametrize(
    ("who", "p", "kinds"), SCHEDULE_TABLE, ids=[w for w, _, _ in SCHEDULE_TABLE]
)
@pytest.mark.parametrize("kind", list(MeetingKind))
def test_can_schedule_table(
    who: str, p: Principal, kinds: set[MeetingKind], kind: MeetingKind
) -> None:
    assert can_schedule(p, kind) is (kind in kinds)


def test_the_table_covers_every_role() -> None:
    assert {r for _, p, _ in SCHEDULE_TABLE for r in p.roles} == set(Role)


def test_the_organiser_is_its_person_or_a_colleague_who_may_schedule_the_kind() -> None:
    jimu = principal("kyosei", Dept.HEALTH, Role.SECRETARIAT, sub="jimu2")
    east = principal("shakyo_east", Dept.SHAKYO, Role.COORDINATOR, sub="east2")
    bucho = principal("kenko_suishin", Dept.HEALTH, Role.DIRECTOR, sub="bucho")
    staff = principal("kenko_suishin", Dept.HEALTH, Role.STAFF, sub="staff")
    assert is_organiser(jimu, S, organiser_org="kyosei", organiser_sub="jimu1")
    assert is_organiser(east, M, organiser_org="shakyo_east", organiser_sub="east1")
    assert not is_organiser(east, M, organiser_org="shakyo_west", organiser_sub="west1")
    assert not is_organiser(east, S, organiser_org="shakyo_east", organiser_sub="jimu1")
    assert is_organiser(bucho, E, organiser_org="kenko_suishin", organiser_sub="bucho")
    assert not is_organiser(staff, E, organiser_org="kenko_suishin", organiser_sub="bucho")
    admin = principal("kyosei", Dept.HEALTH, Role.ADMIN, sub="jimu1")
    assert not is_organiser(admin, S, organiser_org="kyosei", organiser_sub="jimu1")


def test_who_sees_a_meeting() -> None:
    agency = principal("hokatsu_1", Dept.AGENCY, Role.AGENCY)
    jimu = principal("kyosei", Dept.HEALTH, Role.SECRETARIAT)
    auditor = principal("it_admin", Dept.SYSTEM, Role.AUDITOR)
    assert may_see_meeting(agency, organiser=False, invited=True)
    assert not may_see_meeting(agency, organiser=False, invited=False)
    assert may_see_meeting(jimu, organiser=False, invited=False)
    assert not may_see_meeting(auditor, organiser=True, invited=True)


@PROPERTIES
@given(st.sampled_from(list(MeetingKind)), st.booleans(), st.booleans(), st.booleans())
def test_members_read_items_of_a_support_meeting_only_after_acknowledging(
    kind: MeetingKind, invited: bool, acknowledged: bool, covers: bool
) -> None:
    may = member_may_read_item(
        kind, invited=invited, acknowledged_confidentiality=acknowledged, consent_covers=covers
    )
    assert may <= member_may_read_agenda_item(
        kind, invited=invited, acknowledged_confidentiality=acknowledged
    )
    if kind is MeetingKind.SUPPORT:
        assert may is (invited and acknowledged)  # consent plays no part (Art. 106-6)
    else:
        assert may is (invited and covers)  # elsewhere: only what consent allows


@PROPERTIES
@given(st.sampled_from(list(MeetingKind)), st.booleans())
def test_only_a_multi_agency_meeting_refuses_a_case_without_consent(
    kind: MeetingKind, consent: bool
) -> None:
    refused = agenda_refusal(kind, consent_in_force=consent) is not None
    assert refused is (kind is MeetingKind.MULTI_AGENCY and not consent)


@pytest.mark.parametrize("kind", list(MeetingKind))
@pytest.mark.parametrize("decision", list(DecisionKind))
def test_which_meetings_decide_what(kind: MeetingKind, decision: DecisionKind) -> None:
    expected = {
        DecisionKind.CLOSE_CASE: kind in CASE_MEETINGS,
        DecisionKind.SUSPEND_CASE: kind in CASE_MEETINGS,
        DecisionKind.PLAN_APPROVAL: kind is MeetingKind.MULTI_AGENCY,
    }.get(decision, True)
    assert may_record_decision(kind, decision) is expected


def test_meeting_status_moves() -> None:
    today = date(2024, 3, 12)
    sched, held, cancelled = MeetingStatus.SCHEDULED, MeetingStatus.HELD, MeetingStatus.CANCELLED
    assert can_change_meeting_status(sched, held, day=today, today=today)
    assert not can_change_meeting_status(sched, held, day=today + timedelta(days=1), today=today)
    assert can_change_meeting_status(sched, cancelled, day=today + timedelta(days=9), today=today)
    for final in (held, cancelled):
        for target in MeetingStatus:
            assert not can_change_meeting_status(final, target, day=today, today=today)
    assert not can_change_meeting_status(sched, sched, day=today, today=today)


# ---------------------------------------------------------------- closed days (calendar)


def test_closed_weekdays_name_the_holidays_and_the_year_end_break() -> None:
    days = {d.day: d for d in closed_weekdays(date(2023, 11, 1), date(2024, 2, 29))}
    assert days[date(2023, 11, 3)].holiday_name == "文化の日"
    assert days[date(2023, 11, 23)].holiday_name == "勤労感謝の日"
    assert days[date(2023, 12, 29)] == ClosedDay(date(2023, 12, 29), None, True)
    assert days[date(2024, 1, 1)] == ClosedDay(date(2024, 1, 1), "元日", True)
    assert days[date(2024, 1, 8)].holiday_name == "成人の日"
    assert date(2024, 2, 11) not in days  # 建国記念の日 fell on a Sunday
    assert days[date(2024, 2, 12)].holiday_name is not None  # its substitute Monday
    assert date(2023, 12, 30) not in days  # a Saturday: weekends are left out
    assert date(2024, 1, 4) not in days  # the first working day


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)), st.integers(0, 120))
def test_every_closed_weekday_is_a_closed_day_and_none_is_missed(first: date, span: int) -> None:
    last = first + timedelta(days=span)
    found = {d.day for d in closed_weekdays(first, last)}
    every = {first + timedelta(days=n) for n in range(span + 1)}
    expected = {d for d in every if d.weekday() < 5 and is_closed_day(d)}
    assert found == expected


def test_closed_weekdays_refuse_a_reversed_or_too_long_range() -> None:
    with pytest.raises(ValueError, match="before"):
        closed_weekdays(date(2024, 1, 2), date(2024, 1, 1))
    with pytest.raises(ValueError, match="at most"):
        closed_weekdays(date(2024, 1, 1), date(2024, 1, 1) + timedelta(days=MAX_CALENDAR_DAYS))
    with pytest.raises(ValueError, match="only the years"):
        closed_weekdays(date(9999, 12, 1), date(9999, 12, 31))


# ---------------------------------------------------------------- minutes


@pytest.mark.parametrize("kind", list(MeetingKind))
def test_minutes_need_every_agenda_item_readable(kind: MeetingKind) -> None:
    def may(items: list[bool], *, invited: bool = True, acknowledged: bool = True) -> bool:
        return member_may_read_minutes(
            kind,
            invited=invited,
            acknowledged_confidentiality=acknowledged,
            agenda_items_readable=items,
        )

    assert may([True, True]) and may([])
    assert not may([True, False]), "one case the member may not read closes the minutes"
    assert not may([True], invited=False)
    assert may([True], acknowledged=False) is (kind is not MeetingKind.SUPPORT)


def test_which_meetings_take_requests() -> None:
    today = date(2024, 1, 9)  # the deadline of the February regular meeting

    def takes(
        kind: MeetingKind, day: date, *, regular: bool = True, status: str = "scheduled"
    ) -> bool:
        return takes_requests(kind, MeetingStatus(status), day, regular=regular, today=today)

    assert takes(MeetingKind.SUPPORT, date(2024, 2, 13))
    assert takes(MeetingKind.MULTI_AGENCY, date(2024, 2, 13))
    assert not takes(MeetingKind.SUPPORT, date(2024, 1, 9)), "its deadline was in December"
    assert takes(MeetingKind.SUPPORT, date(2024, 1, 9), regular=False), "ad hoc: until the day"
    assert not takes(MeetingKind.SUPPORT, date(2024, 1, 8), regular=False), "past"
    assert not takes(MeetingKind.SUPPORT, date(2024, 2, 13), status="cancelled")
    for kind in (MeetingKind.STAFF, MeetingKind.COORDINATION, MeetingKind.EMERGENCY):
        assert not takes(kind, date(2024, 2, 13), regular=False)
