"""Dates in the Japanese era (domain.era), as written on 開催通知."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.era import (
    era_of,
    to_wareki,
    to_wareki_with_weekday,
    wareki_fiscal_year,
    wareki_year,
    weekday_ja,
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 12, 31), "令和元年12月31日"),
        (date(2020, 1, 1), "令和2年1月1日"),
        (date(2024, 1, 9), "令和6年1月9日"),
        (date(2024, 2, 26), "令和6年2月26日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1926, 12, 24), "大正15年12月24日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
        (date(1912, 7, 29), "明治45年7月29日"),
        (date(1912, 7, 30), "大正元年7月30日"),
        (date(1873, 1, 1), "明治6年1月1日"),
    ],
)
def test_era_changes_on_its_first_day_and_its_first_year_is_gannen(
    day: date, expected: str
) -> None:
    assert to_wareki(day) == expected


def test_days_before_the_gregorian_calendar_are_refused() -> None:
    with pytest.raises(ValueError, match="1873"):
        to_wareki(date(1872, 12, 31))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 1, 8), "月"),
        (date(2024, 1, 9), "火"),
        (date(2024, 1, 10), "水"),
        (date(2024, 1, 11), "木"),
        (date(2024, 1, 12), "金"),
        (date(2024, 1, 13), "土"),
        (date(2024, 1, 14), "日"),
    ],
)
def test_weekday_is_one_japanese_character(day: date, expected: str) -> None:
    assert weekday_ja(day) == expected


def test_notice_date_has_the_weekday_in_full_width_parentheses() -> None:
    # The regular 支援会議 of January 2024: the 2nd Tuesday.
    assert to_wareki_with_weekday(date(2024, 1, 9)) == "令和6年1月9日（火）"
    assert to_wareki_with_weekday(date(2019, 5, 1)) == "令和元年5月1日（水）"


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2019, "令和元年"),
        (2018, "平成30年"),
        (1989, "平成元年"),
        (1988, "昭和63年"),
        (2024, "令和6年"),
    ],
)
def test_a_calendar_year_is_named_by_the_era_it_ends_in(year: int, expected: str) -> None:
    assert wareki_year(year) == expected


@pytest.mark.parametrize(
    ("fiscal_year", "expected"),
    [(2023, "令和5年度"), (2019, "令和元年度"), (2018, "平成30年度"), (2024, "令和6年度")],
)
def test_fiscal_year_label(fiscal_year: int, expected: str) -> None:
    assert wareki_fiscal_year(fiscal_year) == expected


@given(st.dates(min_value=date(1873, 1, 1), max_value=date(2200, 12, 31)))
def test_era_year_counts_from_the_eras_first_year(day: date) -> None:
    era, year = era_of(day)
    assert year >= 1
    before = day - timedelta(days=1)
    if before >= date(1873, 1, 1):
        prev_era, prev_year = era_of(before)
        if prev_era == era:
            assert year in (prev_year, prev_year + 1)
        else:
            assert year == 1
    assert to_wareki(day).endswith(f"{day.month}月{day.day}日")
