"""Meeting notice endpoints (開催通知 / 出席依頼): thin — parse, call ``api.services.notices``."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Response

from api.deps import ReadCases, SettingsDep, WriteCases
from api.errors import problem_responses
from api.schemas import notices as s
from api.services import notices as service

router = APIRouter(prefix="/meetings")

MeetingId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Meeting id.")]
AttendeeId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Attendee id.")]

PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "開催通知（A4, PDF） / The notice as an A4 PDF",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post(
    "/{meeting_id}/notices",
    response_model=s.NoticeReport,
    tags=["meetings"],
    summary="開催通知の送付 / Send the meeting's notices",
    responses=problem_responses(401, 403, 404, 409, 413, 422, 503),
)
def send_meeting_notices(
    ctx: WriteCases,
    settings: SettingsDep,
    meeting_id: MeetingId,
    body: Annotated[s.SendNotices, Body(default_factory=s.SendNotices)],
) -> s.NoticeReport:
    """The organiser sends the 開催通知 (出席依頼): by e-mail to the attendees notified by e-mail
    (their `noticeSentAt` is set when the mail server accepts the message), and for those
    notified by post the PDF to print (`pdfUrl`; once posted, record it with
    `markNoticePosted`). A refused address fails alone; the others are still sent. Notices
    carry no case: no names, numbers or summaries.
    503 when e-mail is not configured on the server and an e-mail notice was asked for."""
    return service.send_meeting_notices(ctx, settings, meeting_id, body)


@router.get(
    "/{meeting_id}/attendees/{attendee_id}/notice.pdf",
    response_class=Response,
    tags=["meetings"],
    summary="開催通知のPDF / An attendee's notice as PDF",
    responses={**PDF_RESPONSE, **problem_responses(401, 403, 404, 409)},
)
def get_meeting_notice_pdf(
    ctx: ReadCases, settings: SettingsDep, meeting_id: MeetingId, attendee_id: AttendeeId
) -> Response:
    """The organiser prints an attendee's notice (A4, Japanese) to post it. Reading it marks
    nothing as sent."""
    pdf = service.get_meeting_notice_pdf(ctx, settings, meeting_id, attendee_id)
    return Response(
        content=pdf.content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{pdf.filename}"'},
    )


@router.post(
    "/{meeting_id}/attendees/{attendee_id}/notice-posted",
    response_model=s.NoticeResult,
    tags=["meetings"],
    summary="開催通知の郵送済み記録 / Record a notice as posted",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def mark_notice_posted(
    ctx: WriteCases,
    meeting_id: MeetingId,
    attendee_id: AttendeeId,
    body: Annotated[s.NoticePostedIn, Body(default_factory=s.NoticePostedIn)],
) -> s.NoticeResult:
    """The organiser records that the printed notice was posted (投函日), which sets the
    attendee's `noticeSentAt`. Marking it again keeps the first date. 409 when the attendee has
    no postal address or the meeting was cancelled or held."""
    return service.mark_notice_posted(ctx, meeting_id, attendee_id, body)
