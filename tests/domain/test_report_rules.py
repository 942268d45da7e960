"""The counting rules of the statistics report (domain.reports): periods and fiscal-year edges,
month buckets, distinct versus total, regular versus ad hoc, answer times, who may run reports,
and masking for publication."""

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.access import Dept, Principal, PrincipalKind, Role
from domain.fiscal import fiscal_year, fiscal_year_bounds
from domain.reports import (
    MASK,
    AnswerBucket,
    Figure,
    FunctionTally,
    HeldCount,
    Label,
    Period,
    PeriodError,
    ReportRefusal,
    TableId,
    Tally,
    agencies_table,
    answer_bucket,
    contact_function,
    functions_table,
    held_count,
    is_plan_revision,
    mask_cell,
    mask_table,
    meetings_table,
    month_buckets,
    month_of,
    monthly_table,
    overview_table,
    publish,
    referrals_table,
    report_access,
    report_period,
    routes_table,
    tally,
    tally_reviews,
)

TODAY = date(2024, 2, 26)
days = st.dates(min_value=date(2019, 4, 1), max_value=date(2035, 3, 31))


# ---------------------------------------------------------------- periods


def test_a_fiscal_year_runs_from_1_april_to_31_march() -> None:
    period = report_period(fiscal_year_param=2023, today=TODAY)
    assert (period.first, period.last) == (date(2023, 4, 1), date(2024, 3, 31))
    assert period.fiscal_year_label == "令和5年度"
    assert period.label == "令和5年4月1日～令和6年3月31日"
    assert period.month is None


def test_without_a_period_the_report_covers_the_current_fiscal_year() -> None:
    assert report_period(today=date(2024, 3, 31)).fiscal_year == 2023
    assert report_period(today=date(2024, 4, 1)).fiscal_year == 2024


def test_fiscal_year_2019_is_reiwa_gannen_and_2018_heisei_30() -> None:
    assert report_period(fiscal_year_param=2019, today=TODAY).fiscal_year_label == "令和元年度"
    assert report_period(fiscal_year_param=2018, today=TODAY).fiscal_year_label == "平成30年度"


def test_january_to_march_belong_to_the_fiscal_year_before() -> None:
    january = report_period(month="2024-01", today=TODAY)
    assert (january.fiscal_year, january.first, january.last) == (
        2023,
        date(2024, 1, 1),
        date(2024, 1, 31),
    )
    assert report_period(month="2024-02", fiscal_year_param=2023, today=TODAY).last == date(
        2024, 2, 29
    )
    assert report_period(month="2023-04", today=TODAY).fiscal_year == 2023


@pytest.mark.parametrize("month", ["2023-03", "2024-04", "2022-12"])
def test_a_month_outside_the_given_fiscal_year_is_refused(month: str) -> None:
    with pytest.raises(PeriodError) as error:
        report_period(fiscal_year_param=2023, month=month, today=TODAY)
    assert (error.value.field, error.value.code) == ("month", "month_outside_fiscal_year")
    assert "令和5年度" in error.value.detail_ja


@pytest.mark.parametrize("month", ["2023-13", "2023-00", "202306", "23-06", "2023-6"])
def test_a_malformed_month_is_refused(month: str) -> None:
    with pytest.raises(PeriodError) as error:
        report_period(month=month, today=TODAY)
    assert error.value.code == "month_format"


@pytest.mark.parametrize(
    ("first", "last", "code"),
    [
        (date(2024, 3, 31), date(2024, 4, 1), "crosses_fiscal_year"),  # the edge itself
        (date(2023, 4, 1), date(2024, 4, 1), "crosses_fiscal_year"),
        (date(2023, 5, 2), date(2023, 5, 1), "range"),
    ],
)
def test_a_range_must_lie_in_one_fiscal_year_and_in_order(
    first: date, last: date, code: str
) -> None:
    with pytest.raises(PeriodError) as error:
        report_period(date_from=first, date_to=last, today=TODAY)
    assert (error.value.field, error.value.code) == ("to", code)


def test_a_range_and_a_fiscal_year_or_month_do_not_mix() -> None:
    for extra in ({"fiscal_year_param": 2023}, {"month": "2023-05"}):
        with pytest.raises(PeriodError) as error:
            report_period(
                date_from=date(2023, 5, 1), date_to=date(2023, 5, 2), today=TODAY, **extra
            )
        assert error.value.code == "period_conflict"
    with pytest.raises(PeriodError) as error:
        report_period(date_to=date(2023, 5, 2), today=TODAY)
    assert (error.value.field, error.value.code) == ("from", "missing")


def test_the_whole_fiscal_year_as_a_range_and_a_single_day() -> None:
    whole = report_period(date_from=date(2023, 4, 1), date_to=date(2024, 3, 31), today=TODAY)
    assert whole.fiscal_year == 2023
    one = report_period(date_from=date(2024, 3, 31), date_to=date(2024, 3, 31), today=TODAY)
    assert (one.fiscal_year, len(month_buckets(one))) == (2023, 1)


@given(days, days)
def test_any_range_inside_one_fiscal_year_is_accepted(a: date, b: date) -> None:
    first, last = min(a, b), max(a, b)
    if fiscal_year(first) != fiscal_year(last):
        with pytest.raises(PeriodError):
            report_period(date_from=first, date_to=last, today=TODAY)
        return
    period = report_period(date_from=first, date_to=last, today=TODAY)
    assert period.fiscal_year == fiscal_year(first)
    fy_first, fy_last = fiscal_year_bounds(period.fiscal_year)
    assert fy_first <= period.first <= period.last <= fy_last


# ---------------------------------------------------------------- month buckets


def test_a_fiscal_year_has_twelve_months_april_to_march() -> None:
    buckets = month_buckets(report_period(fiscal_year_param=2023, today=TODAY))
    assert [b.key for b in buckets][:2] == ["2023-04", "2023-05"]
    assert [b.label for b in buckets][-3:] == ["1月", "2月", "3月"]
    assert len(buckets) == 12
    assert buckets[-1].last == date(2024, 3, 31)


def test_month_buckets_are_clipped_to_the_range() -> None:
    period = report_period(date_from=date(2023, 6, 14), date_to=date(2023, 8, 8), today=TODAY)
    buckets = month_buckets(period)
    assert [(b.key, b.first, b.last) for b in buckets] == [
        ("2023-06", date(2023, 6, 14), date(2023, 6, 30)),
        ("2023-07", date(2023, 7, 1), date(2023, 7, 31)),
        ("2023-08", date(2023, 8, 1), date(2023, 8, 8)),
    ]


@given(days, st.integers(min_value=0, max_value=120), st.integers(min_value=-5, max_value=400))
def test_every_day_of_a_period_lies_in_exactly_one_bucket(
    start: date, length: int, probe: int
) -> None:
    last = min(start + timedelta(days=length), fiscal_year_bounds(fiscal_year(start))[1])
    period = report_period(date_from=start, date_to=last, today=TODAY)
    buckets = month_buckets(period)
    assert buckets[0].first == period.first and buckets[-1].last == period.last
    for before, after in itertools.pairwise(buckets):
        assert after.first == before.last + timedelta(days=1)
    day = start + timedelta(days=probe)
    holding = [b.key for b in buckets if b.first <= day <= b.last]
    assert holding == ([month_of(day, period)] if month_of(day, period) else [])


def test_the_31_march_and_1_april_edges() -> None:
    fy2023 = report_period(fiscal_year_param=2023, today=TODAY)
    assert month_of(date(2024, 3, 31), fy2023) == "2024-03"
    assert month_of(date(2024, 4, 1), fy2023) is None
    assert month_of(date(2023, 3, 31), fy2023) is None
    assert month_of(date(2023, 4, 1), fy2023) == "2023-04"


# ---------------------------------------------------------------- counting


def test_distinct_households_and_total_contacts() -> None:
    assert tally([7, 7, 7, 8]) == Tally(distinct=2, total=4)
    assert tally([]) == Tally(0, 0)


@given(st.lists(st.integers(min_value=1, max_value=20)))
def test_distinct_never_exceeds_total(ids: list[int]) -> None:
    t = tally(ids)
    assert t.distinct <= t.total == len(ids)
    assert (t.distinct == 0) == (t.total == 0)


def test_a_case_twice_on_one_meeting_is_one_review() -> None:
    assert tally_reviews([(1, 10), (1, 10), (1, 11), (2, 10)]) == Tally(distinct=2, total=3)


@given(st.lists(st.tuples(st.integers(1, 8), st.integers(1, 8))))
def test_reviews_count_pairs_and_cases(pairs: list[tuple[int, int]]) -> None:
    t = tally_reviews(pairs)
    assert t.distinct == len({c for _, c in pairs})
    assert t.total == len(set(pairs))
    assert t.distinct <= t.total


def test_distinct_households_do_not_add_up_across_months() -> None:
    april, may = tally([1, 2]), tally([1])
    year = tally([1, 2, 1])
    assert april.distinct + may.distinct == 3 != year.distinct == 2
    assert april.total + may.total == year.total  # contacts do add up


def test_regular_and_ad_hoc_meetings() -> None:
    held = held_count([True, False, True, True, False, True, False, False])
    assert (held.regular, held.ad_hoc, held.total) == (4, 4, 8)
    assert held_count([]) == HeldCount(0, 0)


def test_an_untagged_contact_is_a_consultation() -> None:
    assert contact_function(None) == "consultation"
    assert contact_function("outreach") == "outreach"


def test_a_plan_made_from_an_earlier_version_is_a_revision() -> None:
    assert not is_plan_revision(None)
    assert is_plan_revision(41)


@pytest.mark.parametrize(
    ("hours", "bucket"),
    [
        (None, AnswerBucket.UNANSWERED),
        (0, AnswerBucket.WITHIN_1_DAY),
        (24, AnswerBucket.WITHIN_1_DAY),
        (24.01, AnswerBucket.WITHIN_3_DAYS),
        (72, AnswerBucket.WITHIN_3_DAYS),
        (168, AnswerBucket.WITHIN_7_DAYS),
        (168.02, AnswerBucket.OVER_7_DAYS),
    ],
)
def test_answer_time_buckets(hours: float | None, bucket: AnswerBucket) -> None:
    assert answer_bucket(hours) is bucket


@given(st.floats(min_value=0, max_value=10_000), st.floats(min_value=0, max_value=10_000))
def test_a_later_answer_never_falls_in_an_earlier_bucket(a: float, b: float) -> None:
    order = list(AnswerBucket)
    assert order.index(answer_bucket(min(a, b))) <= order.index(answer_bucket(max(a, b)))


# ---------------------------------------------------------------- who may run reports


def _p(
    *roles: Role, dept: Dept = Dept.WELFARE, kind: PrincipalKind = PrincipalKind.USER
) -> Principal:
    return Principal(
        sub="u", kind=kind, org="x", dept=dept, roles=frozenset(roles), scopes=frozenset()
    )


def test_the_secretariat_reports_on_the_city_or_any_department() -> None:
    jimu = _p(Role.SECRETARIAT, dept=Dept.HEALTH)
    assert report_access(jimu, None).department is None
    for dept in (Dept.HEALTH, Dept.WELFARE, Dept.CHILDREN_FAMILY, Dept.EDUCATION):
        access = report_access(jimu, dept)
        assert access.allowed and access.department is dept


@pytest.mark.parametrize("role", [Role.MANAGER, Role.DIRECTOR])
@pytest.mark.parametrize("dept", [Dept.HEALTH, Dept.WELFARE, Dept.CHILDREN_FAMILY, Dept.EDUCATION])
def test_managers_and_directors_report_on_their_department(role: Role, dept: Dept) -> None:
    assert report_access(_p(role, dept=dept), None).department is dept
    assert report_access(_p(role, dept=dept), dept).allowed
    other = next(d for d in (Dept.HEALTH, Dept.WELFARE) if d is not dept)
    refused = report_access(_p(role, dept=dept), other)
    assert (refused.allowed, refused.refusal) == (False, ReportRefusal.OTHER_DEPARTMENT)


@pytest.mark.parametrize(
    "principal",
    [
        _p(Role.STAFF),
        _p(Role.CHIEF),
        _p(Role.COORDINATOR, dept=Dept.SHAKYO),
        _p(Role.AGENCY, dept=Dept.AGENCY),
        _p(Role.AGENCY, dept=Dept.AGENCY, kind=PrincipalKind.CLIENT),
        _p(Role.ADMIN, dept=Dept.SYSTEM),
        _p(Role.AUDITOR, dept=Dept.SYSTEM),
        _p(Role.MANAGER, dept=Dept.OTHER),
    ],
)
def test_nobody_else_runs_reports(principal: Principal) -> None:
    access = report_access(principal, None)
    assert (access.allowed, access.refusal) == (False, ReportRefusal.NOT_ALLOWED)


# ---------------------------------------------------------------- masking


@pytest.mark.parametrize(("value", "shown"), [(0, 0), (1, MASK), (4, MASK), (5, 5), (64, 64)])
def test_small_counts_are_masked_and_zero_stays_zero(value: int, shown: object) -> None:
    assert mask_cell(value, 5) == shown


@given(st.integers(min_value=0, max_value=1000), st.integers(min_value=2, max_value=100))
def test_masking_hides_exactly_one_to_threshold_minus_one(value: int, threshold: int) -> None:
    shown = mask_cell(value, threshold)
    assert (shown == MASK) == (0 < value < threshold)
    if shown != MASK:
        assert shown == value


def test_a_threshold_below_two_masks_nothing_and_is_refused() -> None:
    with pytest.raises(ValueError):
        mask_cell(1, 1)


# ---------------------------------------------------------------- tables

AREAS = [Label("east", "東部", "East"), Label("west", "西部", "West")]
KINDS = [
    Label("support", "支援会議", "s"),
    Label("multi_agency", "重層的支援会議", "m"),
    Label("staff", "担当者会議", "t"),
]
FIELDS = [Label("disability", "障害福祉", "d"), Label("other", "その他", "o")]


def test_the_overview_splits_by_area_and_totals_them() -> None:
    table = overview_table(AREAS, {Figure.OUTREACH_HOUSEHOLDS: {"east": 2, "unknown": 1}})
    row = next(r for r in table.rows if r.key == "outreach_households")
    assert dict(row.values) == {"east": 2, "west": 0, "unknown": 1, "total": 3}
    assert [c.code for c in table.columns] == ["east", "west", "unknown", "total"]
    assert "support_meetings_held" not in {r.key for r in table.rows}


def test_the_monthly_total_of_a_distinct_figure_is_its_own_count() -> None:
    period = report_period(date_from=date(2023, 4, 1), date_to=date(2023, 5, 31), today=TODAY)
    table = monthly_table(
        month_buckets(period),
        {Figure.OUTREACH_HOUSEHOLDS: {"2023-04": 1, "2023-05": 1}},
        {Figure.OUTREACH_HOUSEHOLDS: 1},
    )
    row = next(r for r in table.rows if r.key == "outreach_households")
    assert dict(row.values) == {"2023-04": 1, "2023-05": 1, "total": 1}


def test_meetings_agencies_routes_functions_and_referrals_tables() -> None:
    meetings = meetings_table(KINDS, {"support": HeldCount(4, 4)}, {"support": Tally(7, 10)})
    support = meetings.rows[0].values
    assert dict(support) == {"regular": 4, "ad_hoc": 4, "held": 8, "cases": 7, "reviews": 10}
    agencies = agencies_table(
        KINDS,
        FIELDS,
        {("support", "disability"): 10, ("multi_agency", "disability"): 8, ("staff", "other"): 3},
    )
    total = {r.key: dict(r.values) for r in agencies.rows}["case_meetings"]
    assert total == {"disability": 18, "other": 0, "total": 18}  # the 担当者会議 is not in it
    routes = routes_table(
        [Label("window", "窓口", "w"), Label("phone", "電話", "p")],
        {"window": 1},
        {"window": Tally(1, 3), "phone": Tally(2, 2)},
    )
    assert dict(routes.rows[-1].values) == {"new": 1, "households": 3, "contacts": 5}
    functions = functions_table(
        [Label("outreach", "第4号 アウトリーチ", "o")], {"outreach": FunctionTally(2, 4, 3, 3)}
    )
    assert dict(functions.rows[0].values) == {
        "households": 2,
        "people": 3,
        "contacts": 4,
        "visits": 3,
    }
    assert [c.name for c in functions.columns] == ["実世帯数", "実人数", "延べ件数", "うち訪問"]
    referrals = referrals_table(
        [Label("sent", "依頼中", "s"), Label("accepted", "受諾", "a")],
        {("sent", AnswerBucket.UNANSWERED): 2, ("accepted", AnswerBucket.WITHIN_1_DAY): 1},
    )
    rows = {r.key: dict(r.values) for r in referrals.rows}
    assert rows["total"]["sent_total"] == 3 and rows["total"]["unanswered"] == 2
    assert rows["accepted"]["within_1_day"] == 1


def test_publishing_masks_every_cell_and_keeps_the_labels() -> None:
    table = meetings_table(KINDS, {"support": HeldCount(4, 4)}, {"support": Tally(7, 10)})
    (masked,) = publish([table], 5)
    assert masked.masked and masked.id is TableId.MEETINGS
    assert dict(masked.rows[0].values) == {
        "regular": MASK,
        "ad_hoc": MASK,
        "held": 8,
        "cases": 7,
        "reviews": 10,
    }
    assert [r.label for r in masked.rows] == [r.label for r in table.rows]
    assert publish([table], None) == (table,)
    assert mask_table(table, 11).rows[0].values["reviews"] == MASK


def test_every_sheet_name_fits_excel() -> None:
    period = report_period(fiscal_year_param=2023, today=TODAY)
    tables = [
        overview_table(AREAS, {}),
        monthly_table(month_buckets(period), {}, {}),
        meetings_table(KINDS, {}, {}),
        agencies_table(KINDS, FIELDS, {}),
        referrals_table([], {}),
        routes_table([], {}, {}),
        functions_table([], {}),
    ]
    for t in tables:
        assert 0 < len(t.sheet_name) <= 31
        assert not set(t.sheet_name) & set("[]:*?/\\")


def test_period_is_a_plain_value() -> None:
    assert date(2023, 4, 1) in Period(2023, date(2023, 4, 1), date(2023, 4, 30))
    assert "2023-04-01" not in Period(2023, date(2023, 4, 1), date(2023, 4, 30))


@pytest.mark.parametrize("month", ["0000-01", "1999-12", "2101-01", "9999-12"])
def test_months_outside_the_supported_years_are_refused(month: str) -> None:
    with pytest.raises(PeriodError) as refused:
        report_period(month=month, today=date(2024, 1, 1))
    assert refused.value.code == "out_of_range"


@pytest.mark.parametrize(
    ("first", "last"),
    [(date(1, 1, 1), date(1, 1, 31)), (date(9999, 12, 1), date(9999, 12, 31))],
)
def test_day_ranges_outside_the_supported_years_are_refused(first: date, last: date) -> None:
    with pytest.raises(PeriodError) as refused:
        report_period(date_from=first, date_to=last, today=date(2024, 1, 1))
    assert refused.value.code == "out_of_range"
