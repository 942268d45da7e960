"""The fiscal year (年度) runs from 1 April to 31 March."""

from datetime import date

FISCAL_YEAR_START_MONTH = 4


def fiscal_year(day: date) -> int:
    """The fiscal year a day belongs to, named by the calendar year it starts in."""
    return day.year if day.month >= FISCAL_YEAR_START_MONTH else day.year - 1


def fiscal_year_bounds(year: int) -> tuple[date, date]:
    """First and last day of a fiscal year."""
    return date(year, FISCAL_YEAR_START_MONTH, 1), date(year + 1, FISCAL_YEAR_START_MONTH - 1, 31)


def case_number(year: int, sequence: int) -> str:
    """The case number staff write on the forms: fiscal year and a running number, e.g. 2026-0007."""
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"{year}-{sequence:04d}"
