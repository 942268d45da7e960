"""Optimistic concurrency for what people edit together (cases, plans, referrals, meetings).

Each such table has a SQLAlchemy version column. Its value is the record's ``ETag``; a write must
send it back in ``If-Match`` (428 without it, 412 when it names an older version), and a race that
slips between the check and the write is caught at flush by the version column (412 too).
"""

from dataclasses import dataclass

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from api.errors import AppError


@dataclass(frozen=True)
class Versioned:
    """A kind of versioned record: its ETag prefix and its name in the messages."""

    tag_prefix: str
    noun_ja: str
    noun_en: str

    def etag(self, row_id: int, version: int) -> str:
        return f'"{self.tag_prefix}{row_id}.{version}"'


CASE = Versioned("", "ケース", "case")
PLAN = Versioned("plan-", "支援プラン", "plan")
REFERRAL = Versioned("r", "紹介", "referral")
MEETING = Versioned("m", "会議", "meeting")


def check_if_match(
    kind: Versioned, current: str, if_match: str | None, *, required: bool = True
) -> None:
    """428 without ``If-Match`` (unless not ``required``); 412 when it does not name ``current``.

    ``*`` is not accepted in place of a tag: it would overwrite whatever someone else saved.
    """
    if not if_match or if_match.strip() == "*":
        if not required:
            return
        raise AppError(
            "precondition-required",
            f"最新の{kind.noun_ja}を取得し、その ETag を If-Match ヘッダーに付けて送ってください。",
            f"Send the {kind.noun_en}'s current ETag in If-Match.",
        )
    candidates = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if current not in candidates:
        raise AppError(
            "precondition-failed",
            f"この{kind.noun_ja}は他の人が先に更新しました。"
            "最新の内容を読み込み直してから、もう一度操作してください。",
            f"The {kind.noun_en} was changed by someone else; reload it and try again.",
            headers={"ETag": current},
        )


def flush(session: Session, kind: Versioned) -> None:
    """Flushes; a concurrent update that won the race (version column mismatch) becomes a 412."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise AppError(
            "precondition-failed",
            f"この{kind.noun_ja}は他の人が先に更新しました。最新の内容を読み込み直してください。",
            f"The {kind.noun_en} was changed concurrently; reload it.",
        ) from exc
