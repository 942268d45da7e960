"""Support plans: the life cycle, who approves, who writes, and the monitoring calendar."""

import calendar
from datetime import date, timedelta
from itertools import pairwise, product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.access import Dept, Principal, PrincipalKind, Role
from domain.plans import (
    DECIDED_BY_MEETING,
    DUE_SOON_DAYS,
    EDITABLE,
    OPEN_STATUSES,
    PLAN_STATUS_LABELS,
    PLAN_TRANSITIONS,
    REVISABLE,
    GoalTerm,
    MonitoringState,
    PlanStatus,
    add_months,
    can_approve,
    can_record_monitoring,
    can_transition,
    can_write_plan,
    default_plan_end,
    first_monitoring_date,
    goal_problems,
    is_monitoring_overdue,
    lead_problems,
    monitoring_due_dates,
    monitoring_state,
    next_monitoring_after,
)

# Rows: the current status; columns: the target. y = allowed, . = refused.
TRANSITIONS = """
from        draft proposed approved monitoring evaluated closed suspended replaced
draft       .     y        .        .          .         .      .         y
proposed    y     .        y        .          .         .      .         y
approved    .     .        .        y          .         .      y         y
monitoring  .     .        .        .          y         .      y         y
evaluated   .     .        .        .          .         y      .         y
closed      .     .        .        .          .         .      .         .
suspended   .     .        .        .          .         y      .         y
replaced    .     .        .        .          .         .      .         .
"""


def parse_transitions() -> list[tuple[PlanStatus, PlanStatus, bool]]:
    header, *rows = TRANSITIONS.strip().splitlines()
    targets = [PlanStatus(name) for name in header.split()[1:]]
    cells = []
    for row in rows:
        current, *marks = row.split()
        cells += [
            (PlanStatus(current), target, mark == "y")
            for target, mark in zip(targets, marks, strict=True)
        ]
    return cells


CELLS = parse_transitions()


def test_transition_table_covers_the_whole_8_by_8_grid() -> None:
    assert len(CELLS) == len(PlanStatus) ** 2 == 64
    assert {(c, t) for c, t, _ in CELLS} == set(product(PlanStatus, PlanStatus))


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [pytest.param(c, t, a, id=f"{c}->{t}") for c, t, a in CELLS],
)
def test_a_plan_moves_only_along_its_life_cycle(
    current: PlanStatus, target: PlanStatus, allowed: bool
) -> None:
    assert can_transition(current, target) is allowed
    assert (target in PLAN_TRANSITIONS[current]) is allowed


def test_closed_and_replaced_are_final() -> None:
    final = {s for s in PlanStatus if not PLAN_TRANSITIONS[s]}
    assert final == {PlanStatus.CLOSED, PlanStatus.REPLACED}


def test_only_a_draft_is_edited_and_only_a_meeting_approves() -> None:
    assert {PlanStatus.DRAFT} == EDITABLE
    assert {PlanStatus.APPROVED} == DECIDED_BY_MEETING
    # Approval is reachable from one state only: a plan proposed to a meeting.
    assert {c for c, t, a in CELLS if a and t is PlanStatus.APPROVED} == {PlanStatus.PROPOSED}


def test_open_and_revisable_states() -> None:
    assert {
        PlanStatus.DRAFT,
        PlanStatus.PROPOSED,
        PlanStatus.APPROVED,
        PlanStatus.MONITORING,
    } == OPEN_STATUSES
    assert {c for c, t, a in CELLS if a and t is PlanStatus.REPLACED} == REVISABLE
    assert set(PlanStatus) - {PlanStatus.CLOSED, PlanStatus.REPLACED} == REVISABLE


def test_every_status_has_a_japanese_label() -> None:
    assert set(PLAN_STATUS_LABELS) == set(PlanStatus)
    assert all(PLAN_STATUS_LABELS.values())


# ------------------------------------------------------------------ approval


@pytest.mark.parametrize(
    ("status", "consent", "meeting"),
    list(product(PlanStatus, [True, False], [True, False])),
)
def test_approval_needs_a_proposed_plan_consent_and_a_multi_agency_meeting(
    status: PlanStatus, consent: bool, meeting: bool
) -> None:
    expected = status is PlanStatus.PROPOSED and consent and meeting
    assert (
        can_approve(status, consent_in_force=consent, by_multi_agency_meeting=meeting) is expected
    )


# ------------------------------------------------------------------ who writes


def _principal(*roles: Role, org: str = "kyosei", dept: Dept = Dept.HEALTH) -> Principal:
    return Principal(
        sub="u1",
        kind=PrincipalKind.USER,
        org=org,
        dept=dept,
        roles=frozenset(roles),
        scopes=frozenset(),
        area="east" if Role.COORDINATOR in roles else None,
    )


WRITERS = [
    (_principal(Role.SECRETARIAT), True),
    (_principal(Role.COORDINATOR, org="shakyo_east", dept=Dept.SHAKYO), True),
    (_principal(Role.STAFF, org="koreifukushi", dept=Dept.WELFARE), False),
    (_principal(Role.CHIEF, org="koreifukushi", dept=Dept.WELFARE), False),
    (_principal(Role.MANAGER, org="koreifukushi", dept=Dept.WELFARE), False),
    (_principal(Role.DIRECTOR, org="kenko_suishin"), False),
    (_principal(Role.AGENCY, org="hokatsu_1", dept=Dept.AGENCY), False),
    (_principal(Role.ADMIN, org="it_admin", dept=Dept.SYSTEM), False),
    (_principal(Role.AUDITOR, org="it_admin", dept=Dept.SYSTEM), False),
    # A role set the accounts refuse; the rule still refuses case work to it.
    (_principal(Role.SECRETARIAT, Role.ADMIN), False),
]


@pytest.mark.parametrize(("principal", "writer"), WRITERS)
@pytest.mark.parametrize("readable", [True, False])
def test_only_coordinators_and_the_secretariat_write_plans(
    principal: Principal, writer: bool, readable: bool
) -> None:
    assert can_write_plan(principal, readable) is (writer and readable)


@pytest.mark.parametrize(("principal", "writer"), WRITERS)
@pytest.mark.parametrize("readable", [True, False])
@pytest.mark.parametrize("has_item", [True, False])
def test_monitoring_is_recorded_by_writers_and_by_the_plans_units(
    principal: Principal, writer: bool, readable: bool, has_item: bool
) -> None:
    item_orgs = frozenset({principal.org or "", "other"} if has_item else {"other"})
    expected = readable and (writer or (has_item and principal.does_case_work))
    assert can_record_monitoring(principal, readable, item_orgs) is expected


# ------------------------------------------------------------------ content rules


@pytest.mark.parametrize(
    ("terms", "ok"),
    [
        ([GoalTerm.LONG], True),
        ([GoalTerm.SHORT, GoalTerm.LONG], True),
        ([GoalTerm.SHORT], False),
        ([GoalTerm.SHORT, GoalTerm.SHORT], False),
        ([], False),
    ],
)
def test_a_plan_needs_a_long_term_goal(terms: list[GoalTerm], ok: bool) -> None:
    assert (goal_problems(terms) == []) is ok


@pytest.mark.parametrize(
    ("leads", "ok"),
    [
        ([], True),
        ([True], True),
        ([False, True, False], True),
        ([False], False),
        ([True, True], False),
    ],
)
def test_exactly_one_lead_when_there_are_items(leads: list[bool], ok: bool) -> None:
    assert (lead_problems(leads) == []) is ok


# ------------------------------------------------------------------ the monitoring calendar

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
periods = st.integers(min_value=1, max_value=12)


def _shift(day: date, months: int) -> date:
    """Independent of the domain: the same day ``months`` later, clamped to the month's end."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@given(start=dates, every=periods, span=st.integers(min_value=-400, max_value=4000))
def test_due_dates_are_start_plus_k_periods_clamped_increasing_and_bounded(
    start: date, every: int, span: int
) -> None:
    until = start + timedelta(days=span)
    due = monitoring_due_dates(start, every, until)
    assert due == [_shift(start, every * k) for k in range(1, len(due) + 1)]
    assert all(a < b for a, b in pairwise(due))
    assert all(start < d <= until for d in due)
    # Complete: the next one would fall after ``until``.
    assert _shift(start, every * (len(due) + 1)) > until
    for d in due:
        assert d.day == min(start.day, calendar.monthrange(d.year, d.month)[1])


@given(start=dates, every=periods)
def test_first_monitoring_date_is_one_period_after_the_start(start: date, every: int) -> None:
    end = default_plan_end(start)
    first = first_monitoring_date(start, every, end)
    assert first == _shift(start, every)
    assert first is not None and first <= end


def test_month_end_days_fall_on_the_last_day() -> None:
    assert monitoring_due_dates(date(2024, 1, 31), 1, date(2024, 5, 31)) == [
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
    ]
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert default_plan_end(date(2024, 4, 1)) == date(2025, 4, 1)


@pytest.mark.parametrize("every", [0, -1])
def test_monitoring_period_is_at_least_a_month(every: int) -> None:
    with pytest.raises(ValueError):
        monitoring_due_dates(date(2024, 1, 1), every, date(2025, 1, 1))


@given(start=dates, months=st.integers(min_value=-1200, max_value=1200))
def test_add_months_matches_the_independent_shift(start: date, months: int) -> None:
    assert add_months(start, months) == _shift(start, months)


@given(
    start=dates,
    every=periods,
    offset=st.integers(min_value=0, max_value=800),
    current_index=st.integers(min_value=0, max_value=10),
)
def test_next_monitoring_moves_forward_and_stays_on_the_calendar(
    start: date, every: int, offset: int, current_index: int
) -> None:
    until = default_plan_end(start) + timedelta(days=400)
    due = monitoring_due_dates(start, every, until)
    current = due[min(current_index, len(due) - 1)] if due else None
    monitored = start + timedelta(days=offset)
    following = next_monitoring_after(start, every, until, monitored, current)
    if following is None:
        assert not [d for d in due if d > monitored and (current is None or d > current)]
        return
    assert following in due
    if current is not None:
        assert following >= current  # never back
    if current is None or monitored >= current - timedelta(days=DUE_SOON_DAYS):
        assert following > monitored
        assert following == min(d for d in due if d > max(monitored, current or monitored))


def test_next_monitoring_examples() -> None:
    start, until = date(2024, 1, 15), date(2025, 1, 14)
    # Done on the due date, or late: the next one after it.
    assert next_monitoring_after(start, 3, until, date(2024, 4, 15), date(2024, 4, 15)) == date(
        2024, 7, 15
    )
    assert next_monitoring_after(start, 3, until, date(2024, 5, 2), date(2024, 4, 15)) == date(
        2024, 7, 15
    )
    # Long overdue: the first due date after the monitoring, skipping the missed ones.
    assert next_monitoring_after(start, 1, until, date(2024, 6, 20), date(2024, 2, 15)) == date(
        2024, 7, 15
    )
    # Within the 14 days before the date: it counts for that date.
    assert next_monitoring_after(start, 3, until, date(2024, 4, 5), date(2024, 4, 15)) == date(
        2024, 7, 15
    )
    # Well before it: an extra check, the date stays.
    assert next_monitoring_after(start, 3, until, date(2024, 3, 1), date(2024, 4, 15)) == date(
        2024, 4, 15
    )
    # After the last due date: none left.
    assert next_monitoring_after(start, 3, until, date(2024, 10, 15), date(2024, 10, 15)) is None


@pytest.mark.parametrize(
    ("offset", "state"),
    [
        (-30, MonitoringState.OVERDUE),
        (-1, MonitoringState.OVERDUE),
        (0, MonitoringState.DUE),
        (DUE_SOON_DAYS, MonitoringState.DUE),
        (DUE_SOON_DAYS + 1, None),
        (90, None),
    ],
)
def test_monitoring_state_by_days_to_the_date(offset: int, state: MonitoringState | None) -> None:
    today = date(2024, 6, 1)
    assert monitoring_state(today + timedelta(days=offset), today) is state
    assert is_monitoring_overdue(today + timedelta(days=offset), today) is (
        state is MonitoringState.OVERDUE
    )


def test_no_date_is_neither_due_nor_overdue() -> None:
    assert monitoring_state(None, date(2024, 6, 1)) is None
