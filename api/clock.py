"""The service's idea of now: UTC instants, and the day as people in Kokubunji see it."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().astimezone(TOKYO).date()
