"""Facts about people that do not depend on who asks."""

from datetime import date


def age_on(birth_date: date, day: date) -> int:
    """Age in completed years on a day (a person born on 29 February ages on 1 March)."""
    if day < birth_date:
        raise ValueError("day is before the birth date")
    had_birthday = (day.month, day.day) >= (birth_date.month, birth_date.day)
    return day.year - birth_date.year - (0 if had_birthday else 1)


def age_band(birth_date: date | None, day: date) -> str:
    """The age shown for a redacted member: a decade band such as '50代', or '不明'."""
    if birth_date is None or day < birth_date:
        return "不明"
    age = age_on(birth_date, day)
    if age < 10:
        return "10歳未満"
    return f"{age // 10 * 10}代"
