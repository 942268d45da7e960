"""年度 (1 April - 31 March), and case numbers (the era label lives in domain.era)."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.fiscal import case_number, fiscal_year, fiscal_year_bounds

FAST = settings(max_examples=300, deadline=None, database=None)

# Every date whose fiscal year and bounds are representable by ``datetime.date``.
all_dates = st.dates(min_value=date(1, 4, 1), max_value=date(9998, 3, 31))


FISCAL_YEARS = {
    "31_march_ends_the_previous_year": (date(2024, 3, 31), 2023),
    "1_april_starts_the_new_year": (date(2024, 4, 1), 2024),
    "1_january_belongs_to_the_previous_year": (date(2025, 1, 1), 2024),
    "31_december_belongs_to_the_current_year": (date(2024, 12, 31), 2024),
    "29_february_belongs_to_the_previous_year": (date(2024, 2, 29), 2023),
    "first_day_of_reiwa_1": (date(2019, 4, 1), 2019),
    "last_day_of_reiwa_1": (date(2020, 3, 31), 2019),
}


@pytest.mark.parametrize(("day", "expected"), FISCAL_YEARS.values(), ids=list(FISCAL_YEARS))
def test_fiscal_year_starts_on_1_april(day: date, expected: int) -> None:
    assert fiscal_year(day) == expected


def test_fiscal_year_bounds_are_1_april_to_31_march() -> None:
    assert fiscal_year_bounds(2023) == (date(2023, 4, 1), date(2024, 3, 31))
    assert fiscal_year_bounds(2019) == (date(2019, 4, 1), date(2020, 3, 31))


@FAST
@given(all_dates)
def test_every_date_lies_within_the_bounds_of_its_fiscal_year(day: date) -> None:
    first, last = fiscal_year_bounds(fiscal_year(day))
    assert first <= day <= last


@FAST
@given(st.integers(min_value=1, max_value=9997))
def test_fiscal_years_follow_each_other_without_gap_or_overlap(year: int) -> None:
    first, last = fiscal_year_bounds(year)
    next_first, _ = fiscal_year_bounds(year + 1)
    assert last + timedelta(days=1) == next_first
    assert (last - first).days + 1 in (365, 366)
    assert fiscal_year(first) == fiscal_year(last) == year


@FAST
@given(all_dates)
def test_fiscal_year_is_the_calendar_year_from_april_and_the_one_before_until_march(
    day: date,
) -> None:
    assert fiscal_year(day) == (day.year if day.month >= 4 else day.year - 1)


CASE_NUMBERS = {
    "first_case": (2026, 1, "2026-0001"),
    "seventh_case": (2026, 7, "2026-0007"),
    "four_digits": (2023, 1234, "2023-1234"),
    "last_four_digit_number": (2023, 9999, "2023-9999"),
    "beyond_four_digits_keeps_every_digit": (2023, 10000, "2023-10000"),
}


@pytest.mark.parametrize(
    ("year", "sequence", "expected"), CASE_NUMBERS.values(), ids=list(CASE_NUMBERS)
)
def test_case_number_is_fiscal_year_and_zero_padded_running_number(
    year: int, sequence: int, expected: str
) -> None:
    assert case_number(year, sequence) == expected


@pytest.mark.parametrize("sequence", [0, -1, -9999])
def test_case_number_running_number_starts_at_1(sequence: int) -> None:
    with pytest.raises(ValueError, match="starts at 1"):
        case_number(2026, sequence)


@FAST
@given(st.integers(min_value=2000, max_value=2999), st.integers(min_value=1, max_value=99999))
def test_case_number_reads_back_as_year_and_running_number(year: int, sequence: int) -> None:
    number = case_number(year, sequence)
    written_year, written_sequence = number.split("-")
    assert (int(written_year), int(written_sequence)) == (year, sequence)
    assert len(written_sequence) >= 4


@FAST
@given(st.integers(min_value=1, max_value=9998), st.integers(min_value=1, max_value=9998))
def test_case_numbers_of_one_year_sort_in_running_order(a: int, b: int) -> None:
    assert (case_number(2026, a) < case_number(2026, b)) == (a < b)
