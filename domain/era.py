"""Dates in the Japanese era (和暦), as the city writes them on notices: 令和6年1月9日（火）.

An era starts on a given day; its first year is written 元年, not 1年. Before the Meiji
government adopted the Gregorian calendar (1 January 1873, 明治6年) the old calendar's dates do
not map to these, so earlier days are refused.
"""

from datetime import date
from typing import NamedTuple


class Era(NamedTuple):
    name: str
    starts: date  # the first day of the era (元年)


# Newest first.
ERAS: tuple[Era, ...] = (
    Era("令和", date(2019, 5, 1)),
    Era("平成", date(1989, 1, 8)),
    Era("昭和", date(1926, 12, 25)),
    Era("大正", date(1912, 7, 30)),
    Era("明治", date(1868, 1, 25)),
)
GREGORIAN_ADOPTED = date(1873, 1, 1)

WEEKDAYS_JA = ("月", "火", "水", "木", "金", "土", "日")


def era_of(d: date) -> tuple[str, int]:
    """The era a day falls in and the year of that era (1 for 元年)."""
    if d < GREGORIAN_ADOPTED:
        raise ValueError(f"{d.isoformat()} is before the Gregorian calendar was adopted (1873)")
    era = next(e for e in ERAS if d >= e.starts)
    return era.name, d.year - era.starts.year + 1


def _year(era: str, year: int) -> str:
    return f"{era}{'元' if year == 1 else year}年"


def to_wareki(d: date) -> str:
    """令和6年1月9日; 2019-04-30 is 平成31年4月30日, 2019-05-01 is 令和元年5月1日."""
    era, year = era_of(d)
    return f"{_year(era, year)}{d.month}月{d.day}日"


def weekday_ja(d: date) -> str:
    """The day of the week as one character: 月 火 水 木 金 土 日."""
    return WEEKDAYS_JA[d.weekday()]


def to_wareki_with_weekday(d: date) -> str:
    """令和6年1月9日（火）"""
    return f"{to_wareki(d)}（{weekday_ja(d)}）"


def wareki_year(year: int) -> str:
    """A calendar year by the era it ends in, as years are named: 2019 is 令和元年, 1989 平成元年."""
    era, era_year = era_of(date(year, 12, 31))
    return _year(era, era_year)


def wareki_fiscal_year(fiscal_year: int) -> str:
    """A fiscal year (April to March) named by the year it starts in: 2023 is 令和5年度,
    2019 令和元年度 (the era changed in its second month, and the city renamed the year)."""
    return f"{wareki_year(fiscal_year)}度"
