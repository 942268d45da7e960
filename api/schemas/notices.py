"""Request and response bodies of meeting notices (開催通知 / 出席依頼)."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, Field

from api.schemas.base import ApiModel, InputModel

AttendeeId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class NoticeChannel(StrEnum):
    EMAIL = "email"
    POST = "post"


class NoticeStatus(StrEnum):
    SENT = "sent"  # accepted by the SMTP server, or recorded as posted; noticeSentAt is set
    FAILED = "failed"  # not sent: see errorCode / error; noticeSentAt is left as it was
    PDF_READY = "pdf_ready"  # by post: print pdfUrl and post it (nothing is marked as sent)


class SendNotices(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{}, {"attendeeIds": [12, 15]}, {"unsentOnly": True}],
        }
    )

    attendee_ids: list[AttendeeId] | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The attendees to notify; all of the meeting's attendees when left out.",
    )
    unsent_only: bool = Field(
        default=False,
        description="Leave out the attendees whose e-mail notice was already sent.",
    )


class NoticePostedIn(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"postedOn": "2024-01-05"}, {}]})

    posted_on: date | None = Field(
        default=None, description="投函日 / the day it was posted (today when omitted; not future)."
    )


class NoticeResult(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "attendeeId": 12,
                    "channel": "email",
                    "status": "sent",
                    "sentAt": "2024-01-05T01:30:00Z",
                },
                {
                    "attendeeId": 13,
                    "channel": "email",
                    "status": "failed",
                    "errorCode": "recipient_refused",
                    "error": "メールサーバーが宛先を受け付けませんでした（550 5.1.1 User unknown）。",
                },
                {
                    "attendeeId": 15,
                    "channel": "post",
                    "status": "pdf_ready",
                    "pdfUrl": "/meetings/3/attendees/15/notice.pdf",
                },
            ]
        }
    )

    attendee_id: int
    channel: NoticeChannel
    status: NoticeStatus
    error_code: str | None = Field(
        default=None,
        description="Why it failed, stable: no_email_address, invalid_address, "
        "recipient_refused, sender_refused, message_refused, smtp_unavailable, "
        "smtp_login_failed, smtp_disconnected, smtp_error, no_postal_address.",
    )
    error: str | None = Field(default=None, description="Why it failed, for the organiser.")
    sent_at: datetime | None = Field(default=None, description="When the e-mail was accepted.")
    pdf_url: str | None = Field(default=None, description="The notice to print, for post.")


class NoticeReport(ApiModel):
    meeting_id: int
    results: list[NoticeResult]
