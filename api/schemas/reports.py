"""Response bodies of the statistics report (実績報告): aggregates only, never names or numbers."""

from datetime import date
from typing import Literal

from pydantic import ConfigDict, Field

from api.schemas.base import ApiModel
from domain.reports import TableId

ReportDepartment = Literal["health", "welfare", "children_family", "education"]


class ReportColumnOut(ApiModel):
    key: str = Field(description="The key of this column in every row's `values`.")
    label: str
    label_en: str


class ReportRowOut(ApiModel):
    key: str = Field(description="A stable code: a figure, route, category, kind, status, …")
    label: str
    label_en: str
    values: dict[str, int | str] = Field(
        description="Counts by column key. In publication mode a count between 1 and "
        "threshold-1 is the string ＊; 0 stays 0."
    )


class ReportTableOut(ApiModel):
    id: TableId
    title: str
    title_en: str
    row_heading: str = Field(description="The heading of the first column (項目, 会議, …).")
    columns: list[ReportColumnOut]
    rows: list[ReportRowOut]
    note: str = Field(description="How the table counts (shown under it in the workbook).")
    masked: bool = Field(description="Counts below the threshold are shown as ＊.")


class StatisticsReportOut(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "令和5年度 重層的支援体制整備事業 実績報告",
                    "fiscalYear": 2023,
                    "fiscalYearLabel": "令和5年度",
                    "from": "2023-04-01",
                    "to": "2023-12-31",
                    "periodLabel": "令和5年4月1日～令和5年12月31日",
                    "month": None,
                    "department": None,
                    "scopeLabel": "全市",
                    "publication": False,
                    "threshold": None,
                    "tables": [
                        {
                            "id": "meetings",
                            "title": "会議の開催状況",
                            "titleEn": "Meetings held and cases discussed",
                            "rowHeading": "会議",
                            "columns": [
                                {"key": "regular", "label": "定例開催", "labelEn": "Regular"},
                                {"key": "ad_hoc", "label": "臨時開催", "labelEn": "Ad hoc"},
                                {"key": "held", "label": "開催回数計", "labelEn": "Held"},
                                {"key": "cases", "label": "検討実件数", "labelEn": "Cases"},
                                {"key": "reviews", "label": "検討延べ件数", "labelEn": "Reviews"},
                            ],
                            "rows": [
                                {
                                    "key": "support",
                                    "label": "支援会議",
                                    "labelEn": "Support meeting (Art. 106-6)",
                                    "values": {
                                        "regular": 4,
                                        "ad_hoc": 4,
                                        "held": 8,
                                        "cases": 7,
                                        "reviews": 10,
                                    },
                                }
                            ],
                            "note": "開催済みの会議を開催日で数えます。",
                            "masked": False,
                        }
                    ],
                }
            ]
        }
    )

    title: str = Field(description="e.g. 令和5年度 重層的支援体制整備事業 実績報告")
    fiscal_year: int = Field(description="年度, named by the year it starts in (2023 = 令和5年度).")
    fiscal_year_label: str
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    period_label: str = Field(description="The period in the Japanese era.")
    month: str | None = Field(default=None, description="YYYY-MM when the report is one month.")
    department: ReportDepartment | None = Field(
        default=None,
        description="The department the report is limited to (its units' households and "
        "referrals); null for the whole city.",
    )
    scope_label: str = Field(description="全市, or the department's name.")
    publication: bool = Field(description="Publication mode: small counts masked.")
    threshold: int | None = Field(
        default=None, description="The masking threshold in publication mode."
    )
    tables: list[ReportTableOut]
