"""Report endpoints (実績報告): thin — parse, call ``api.services.reports``, shape the response."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from api.deps import ReadCases
from api.errors import problem_responses
from api.schemas import reports as s
from api.services import reports as service
from domain.access import Dept
from domain.reports import DEFAULT_THRESHOLD, TableId

router = APIRouter(prefix="/reports", tags=["reports"])

ERRORS = problem_responses(401, 403, 422)


async def report_request(
    fiscal_year: Annotated[
        int | None,
        Query(
            alias="fiscalYear",
            ge=2000,
            le=2100,
            description="年度 (April-March), e.g. 2023 for 令和5年度. Alone: the whole year.",
        ),
    ] = None,
    month: Annotated[
        str | None,
        Query(
            pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
            description="One month, YYYY-MM (2024-01 is in 令和5年度); with fiscalYear it must "
            "lie in that year.",
        ),
    ] = None,
    date_from: Annotated[
        date | None,
        Query(alias="from", description="First day (inclusive); with `to`, in one fiscal year."),
    ] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Last day (inclusive).")] = None,
    department: Annotated[
        s.ReportDepartment | None,
        Query(
            description="Limit the report to one of the 4部 (its units' households and "
            "referrals). The secretariat may choose any or none (the whole city); a manager or "
            "director gets their own department, and 403 for another."
        ),
    ] = None,
    publication: Annotated[
        bool,
        Query(description="公表用: counts from 1 to threshold-1 are shown as ＊ (0 stays 0)."),
    ] = False,
    threshold: Annotated[
        int, Query(ge=2, le=100, description="The masking threshold in publication mode.")
    ] = DEFAULT_THRESHOLD,
) -> service.ReportRequest:
    """The period and scope of a report. Without a period: the current fiscal year."""
    return service.ReportRequest(
        fiscal_year=fiscal_year,
        month=month,
        date_from=date_from,
        date_to=date_to,
        department=Dept(department) if department else None,
        publication=publication,
        threshold=threshold,
    )


ReportQuery = Annotated[service.ReportRequest, Depends(report_request)]

XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The workbook (.xlsx), one sheet per table; served as "
        "application/octet-stream to a client that accepts only that.",
        "content": {
            service.XLSX: {"schema": {"type": "string", "format": "binary"}},
            service.OCTET_STREAM: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "One table as CSV, UTF-8 with a BOM: a header row, then one line per row.",
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": "\ufeff会議,定例開催,臨時開催,開催回数計,検討実件数,検討延べ件数\r\n"
                "支援会議,4,4,8,7,10\r\n",
            }
        },
    }
}


def _download(file: service.ExportFile) -> Response:
    return Response(
        content=file.content,
        media_type=file.media_type,
        headers={"Content-Disposition": file.content_disposition},
    )


@router.get(
    "/statistics",
    response_model=s.StatisticsReportOut,
    summary="実績報告（集計） / Statistics report",
    responses=ERRORS,
)
def get_statistics_report(ctx: ReadCases, query: ReportQuery) -> s.StatisticsReportOut:
    """The figures the city reports for a fiscal year, a month or a range of days within one
    fiscal year: an overview by area (東部・西部), by month, consultations by route and by issue,
    by Art. 106-4 function, meetings held and cases discussed (実件数・延べ件数), agencies
    attending by field, referrals by outcome and answer time. アウトリーチ and 参加支援 count
    people (実人数: the household members contacts name, a household naming nobody as one) as
    well as households, contacts and visits; 参加支援 also counts the partner businesses
    (協力事業所数) named on 参加支援 items of approved plans running in the period (rows
    `outreach_people`, `participation_people`, `participation_partners`). Aggregates only: no
    names, no case numbers. Run by the secretariat (the whole city, or one department) and by managers and
    directors of the 4部 (their department). Audited."""
    return service.get_statistics(ctx, query)


@router.get(
    "/statistics.xlsx",
    response_class=Response,
    summary="実績報告のExcel出力 / Statistics report as a workbook",
    responses={**XLSX_RESPONSE, **problem_responses(401, 403, 422)},
)
def export_statistics_workbook(ctx: ReadCases, query: ReportQuery, request: Request) -> Response:
    """The same report as an Excel workbook: one sheet per table, Japanese headings, the fiscal
    year in the Japanese era in each title (令和5年度 …). Audited as an export."""
    accept = request.headers.get("accept", "")
    media_type = (
        service.OCTET_STREAM
        if service.OCTET_STREAM in accept and service.XLSX not in accept
        else service.XLSX
    )
    return _download(service.export_workbook(ctx, query, media_type))


@router.get(
    "/statistics.csv",
    response_class=Response,
    summary="実績報告のCSV出力 / One table of the report as CSV",
    responses={**CSV_RESPONSE, **problem_responses(401, 403, 422)},
)
def export_statistics_table(
    ctx: ReadCases,
    query: ReportQuery,
    table: Annotated[TableId, Query(description="The table to export (one table per file).")],
) -> Response:
    """One table of the report as CSV (UTF-8 with BOM, so that Excel opens the Japanese
    correctly): the first line holds the row heading and the column labels, each further line a
    row's label and its counts. Audited as an export."""
    return _download(service.export_table_csv(ctx, query, table))
