"""Age on a day, and the age band a redacted member is shown with."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.people import age_band, age_on

FAST = settings(max_examples=300, deadline=None, database=None)

AGES = {
    "day_of_birth": (date(2000, 5, 10), date(2000, 5, 10), 0),
    "day_before_first_birthday": (date(2000, 5, 10), date(2001, 5, 9), 0),
    "first_birthday": (date(2000, 5, 10), date(2001, 5, 10), 1),
    "day_before_tenth_birthday": (date(2000, 5, 10), date(2010, 5, 9), 9),
    "tenth_birthday": (date(2000, 5, 10), date(2010, 5, 10), 10),
    "day_after_birthday": (date(2000, 5, 10), date(2010, 5, 11), 10),
    "31_december_birth_on_new_year": (date(1999, 12, 31), date(2000, 1, 1), 0),
    "31_december_birth_on_birthday": (date(1999, 12, 31), date(2000, 12, 31), 1),
    "leapling_on_28_feb_of_common_year": (date(2004, 2, 29), date(2005, 2, 28), 0),
    "leapling_on_1_march_of_common_year": (date(2004, 2, 29), date(2005, 3, 1), 1),
    "leapling_on_28_feb_of_leap_year": (date(2004, 2, 29), date(2008, 2, 28), 3),
    "leapling_on_29_feb_of_leap_year": (date(2004, 2, 29), date(2008, 2, 29), 4),
    "28_feb_birth_on_29_feb": (date(2003, 2, 28), date(2004, 2, 29), 1),
    "1_march_birth_on_29_feb": (date(2003, 3, 1), date(2004, 2, 29), 0),
}


@pytest.mark.parametrize(("born", "day", "expected"), AGES.values(), ids=list(AGES))
def test_age_counts_completed_years_and_a_leapling_ages_on_1_march(
    born: date, day: date, expected: int
) -> None:
    assert age_on(born, day) == expected


def test_age_before_birth_is_refused() -> None:
    with pytest.raises(ValueError, match="before the birth date"):
        age_on(date(2000, 5, 10), date(2000, 5, 9))


births = st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31))


@FAST
@given(births, st.integers(min_value=0, max_value=45000))
def test_age_is_the_number_of_birthdays_passed(born: date, days_lived: int) -> None:
    day = born + timedelta(days=days_lived)
    birthdays = 0
    for year in range(born.year + 1, day.year + 1):
        # A 29 February birthday is celebrated on 1 March in common years.
        try:
            birthday = born.replace(year=year)
        except ValueError:
            birthday = date(year, 3, 1)
        if birthday <= day:
            birthdays += 1
    assert age_on(born, day) == birthdays


@FAST
@given(births, st.integers(min_value=0, max_value=40000), st.integers(min_value=0, max_value=400))
def test_age_never_decreases_as_time_passes(born: date, a: int, step: int) -> None:
    earlier = born + timedelta(days=a)
    assert age_on(born, earlier) <= age_on(born, earlier + timedelta(days=step))


BANDS = {
    "newborn": (date(2026, 6, 15), "10歳未満"),
    "nine": (date(2017, 6, 15), "10歳未満"),
    "day_before_ten": (date(2016, 6, 16), "10歳未満"),
    "ten": (date(2016, 6, 15), "10代"),
    "nineteen": (date(2007, 1, 1), "10代"),
    "twenty": (date(2006, 6, 15), "20代"),
    "fifty_nine": (date(1966, 6, 16), "50代"),
    "sixty": (date(1966, 6, 15), "60代"),
    "ninety_nine": (date(1926, 6, 16), "90代"),
    "hundred": (date(1926, 6, 15), "100代"),
}
TODAY = date(2026, 6, 15)


@pytest.mark.parametrize(("born", "expected"), BANDS.values(), ids=list(BANDS))
def test_redacted_member_is_shown_with_a_decade_band(born: date, expected: str) -> None:
    assert age_band(born, TODAY) == expected


def test_unknown_birth_date_gives_unknown_band() -> None:
    assert age_band(None, TODAY) == "不明"


def test_birth_date_after_the_day_gives_unknown_band_instead_of_failing() -> None:
    assert age_band(TODAY + timedelta(days=1), TODAY) == "不明"


@FAST
@given(births, st.integers(min_value=0, max_value=45000))
def test_age_band_is_the_decade_of_the_age(born: date, days_lived: int) -> None:
    day = born + timedelta(days=days_lived)
    age = age_on(born, day)
    assert age_band(born, day) == ("10歳未満" if age < 10 else f"{age // 10 * 10}代")
