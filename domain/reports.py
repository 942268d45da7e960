"""The figures the city reports (実績報告) by fiscal year, month, area and Art. 106-4 function.

What is counted, and how, as a welfare officer would say it:

- A report covers one period inside one fiscal year (年度, 1 April - 31 March): the whole year, one
  month of it, or any range of days within it. Days are Tokyo days; an instant (a referral sent
  at 23:30 UTC) falls on the Tokyo day it happened.
- 実件数 / 実世帯数 (distinct) counts each household once in the period; 延べ件数 (total) counts each
  contact or each review. A household seen in April and in May is one in each month and one in
  the year: distinct figures do not add up across months. They do add up across areas, because a
  household lies in one area only.
- A consultation contact (相談) is the intake itself (on its intake day) and every contact log entry
  tagged 相談支援 or not tagged at all (相談支援 is what a contact is unless it says otherwise).
  Entries tagged with another function are counted under that function (アウトリーチ, 参加支援, …).
- A meeting counts when it was held (not scheduled, not cancelled) on a day in the period; regular
  (定例) and ad hoc (臨時) are told apart by the meeting's own flag. A case discussed at a meeting
  is a review (one per meeting and case, however many agenda items it had there).
- 実人数 (people) counts the household members a contact names, each once in the period; a
  household whose contacts in the period name nobody counts as one person (the contact was with
  the household). アウトリーチ and 参加支援 people are counted this way from the contact log.
- 参加支援の協力事業所数 counts each partner business (協力事業所) once: those named on a 参加支援
  item of a support plan that runs on at least one day of the period. An item runs from its own
  start date (else the plan's start date, else the day the plan was approved) to its own end date
  (else the plan's end date), and no longer than until the day the plan was closed, suspended or
  replaced; an item of a plan never approved (作成中, 会議提案中) does not run.
- Agencies attending count once per meeting and agency (のべ), only partner agencies (not city
  units), only when attendance was recorded as present.
- Counts below a threshold can be masked for publication (公表用): 1 to threshold-1 show as ＊,
  0 stays 0 (an empty cell identifies nobody).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum

from domain.access import Dept, Principal, Role
from domain.era import to_wareki, wareki_fiscal_year
from domain.fiscal import fiscal_year, fiscal_year_bounds
from domain.plans import PARTICIPATION as PARTICIPATION  # re-exported: the function code
from domain.plans import PlanStatus

# ---------------------------------------------------------------- the period


class PeriodError(ValueError):
    """A period the report cannot cover; ``field`` names the parameter at fault."""

    def __init__(self, field: str, code: str, detail_ja: str, detail_en: str) -> None:
        super().__init__(detail_en)
        self.field = field
        self.code = code
        self.detail_ja = detail_ja
        self.detail_en = detail_en


@dataclass(frozen=True)
class Period:
    """First and last day (inclusive) of a report, inside one fiscal year."""

    fiscal_year: int
    first: date
    last: date
    month: str | None = None  # "2023-06" when the report is one month of the year

    @property
    def fiscal_year_label(self) -> str:
        return wareki_fiscal_year(self.fiscal_year)

    @property
    def label(self) -> str:
        """令和5年4月1日～令和5年12月31日."""
        return f"{to_wareki(self.first)}～{to_wareki(self.last)}"

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last


# The years a report may cover (as the fiscalYear parameter allows).
FIRST_YEAR, LAST_YEAR = 2000, 2100


def parse_month(value: str) -> tuple[int, int]:
    """'2023-06' → (2023, 6)."""
    year, sep, month = value.partition("-")
    if not (sep and year.isdigit() and month.isdigit() and len(year) == 4 and len(month) == 2):
        raise PeriodError(
            "month",
            "month_format",
            "月は YYYY-MM の形式で指定してください（例: 2023-06）。",
            "month must look like 2023-06.",
        )
    y, m = int(year), int(month)
    if not 1 <= m <= 12:
        raise PeriodError(
            "month", "month_format", "月は01～12で指定してください。", "No such month."
        )
    if not FIRST_YEAR <= y <= LAST_YEAR:
        raise PeriodError(
            "month",
            "out_of_range",
            f"{FIRST_YEAR}年から{LAST_YEAR}年までの月を指定してください。",
            f"Give a month from {FIRST_YEAR} to {LAST_YEAR}.",
        )
    return y, m


def month_bounds(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def report_period(
    *,
    fiscal_year_param: int | None = None,
    month: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    today: date,
) -> Period:
    """The period a report covers: a fiscal year (``fiscalYear``), one month of it (``month``,
    with or without ``fiscalYear``), or a range of days (``from`` and ``to``) inside one fiscal
    year. Without any of them, the current fiscal year."""
    if date_from is not None or date_to is not None:
        if fiscal_year_param is not None or month is not None:
            raise PeriodError(
                "from",
                "period_conflict",
                "期間（from・to）と年度・月は同時に指定できません。",
                "Give either from/to or fiscalYear/month, not both.",
            )
        if date_from is None or date_to is None:
            missing = "from" if date_from is None else "to"
            raise PeriodError(
                missing,
                "missing",
                "期間は開始日（from）と終了日（to）の両方を指定してください。",
                "Give both from and to.",
            )
        if date_to < date_from:
            raise PeriodError(
                "to", "range", "終了日は開始日以降にしてください。", "'to' is before 'from'."
            )
        for field, day in (("from", date_from), ("to", date_to)):
            if not FIRST_YEAR <= day.year <= LAST_YEAR:
                raise PeriodError(
                    field,
                    "out_of_range",
                    f"{FIRST_YEAR}年から{LAST_YEAR}年までの日付を指定してください。",
                    f"Give a day from {FIRST_YEAR} to {LAST_YEAR}.",
                )
        year = fiscal_year(date_from)
        if fiscal_year(date_to) != year:
            raise PeriodError(
                "to",
                "crosses_fiscal_year",
                f"期間は一つの年度（{wareki_fiscal_year(year)}は"
                f"{to_wareki(fiscal_year_bounds(year)[1])}まで）に収めてください。",
                "The period must lie within one fiscal year (April to March).",
            )
        return Period(year, date_from, date_to)
    if month is not None:
        y, m = parse_month(month)
        first, last = month_bounds(y, m)
        year = fiscal_year(first)
        if fiscal_year_param is not None and fiscal_year_param != year:
            raise PeriodError(
                "month",
                "month_outside_fiscal_year",
                f"{y}年{m}月は{wareki_fiscal_year(fiscal_year_param)}ではなく"
                f"{wareki_fiscal_year(year)}の月です。",
                f"{month} is not in fiscal year {fiscal_year_param} (April to March).",
            )
        return Period(year, first, last, month=f"{y:04d}-{m:02d}")
    year = fiscal_year_param if fiscal_year_param is not None else fiscal_year(today)
    first, last = fiscal_year_bounds(year)
    return Period(year, first, last)


@dataclass(frozen=True)
class MonthBucket:
    """One calendar month of a period, clipped to the period's days."""

    year: int
    month: int
    first: date
    last: date

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.month}月"


def month_buckets(period: Period) -> tuple[MonthBucket, ...]:
    """The months a period touches, in order, each clipped to the period."""
    buckets = []
    year, month = period.first.year, period.first.month
    while date(year, month, 1) <= period.last:
        first, last = month_bounds(year, month)
        buckets.append(MonthBucket(year, month, max(first, period.first), min(last, period.last)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(buckets)


def month_of(day: date, period: Period) -> str | None:
    """The month bucket a day is counted in, or None when it lies outside the period."""
    if day not in period:
        return None
    return f"{day.year:04d}-{day.month:02d}"


# ---------------------------------------------------------------- counting rules


@dataclass(frozen=True)
class Tally:
    distinct: int  # 実件数 / 実世帯数
    total: int  # 延べ件数


def tally(case_ids: Iterable[int]) -> Tally:
    """One id per contact: distinct households, and every contact."""
    ids = list(case_ids)
    return Tally(distinct=len(set(ids)), total=len(ids))


def tally_reviews(reviews: Iterable[tuple[int, int]]) -> Tally:
    """(meeting, case) pairs: 実件数 counts each case once, 延べ件数 each (meeting, case) once."""
    pairs = set(reviews)
    return Tally(distinct=len({case for _, case in pairs}), total=len(pairs))


@dataclass(frozen=True)
class HeldCount:
    regular: int  # 定例
    ad_hoc: int  # 臨時

    @property
    def total(self) -> int:
        return self.regular + self.ad_hoc


def held_count(regular_flags: Iterable[bool]) -> HeldCount:
    """Meetings held, told apart by their regular flag."""
    flags = list(regular_flags)
    return HeldCount(regular=sum(flags), ad_hoc=len(flags) - sum(flags))


CONSULTATION = "consultation"  # the Art. 106-4 function code of 相談支援
OUTREACH = "outreach"
MULTI_AGENCY = "multi_agency"
VISIT = "visit"  # the contact means 訪問


def contact_function(function_code: str | None) -> str:
    """The function a contact log entry counts under: its tag, or 相談支援 when untagged."""
    return function_code or CONSULTATION


def people_in_household(named_members: int) -> int:
    """A household's people in a figure: the distinct members its contacts name, or one when no
    contact names anybody (the contact was with the household as a whole)."""
    return named_members if named_members > 0 else 1


def tally_people(contacts: Iterable[tuple[int, int | None]]) -> int:
    """実人数 from (household, member named or None) pairs, one per contact: each named member
    once, and a household whose contacts name nobody as one person. Naming a member on one
    contact and nobody on another does not count the household twice."""
    named: dict[int, set[int]] = {}
    for household, member in contacts:
        members = named.setdefault(household, set())
        if member is not None:
            members.add(member)
    return sum(people_in_household(len(members)) for members in named.values())


# A plan in one of these states has stopped running on the day its status changed.
ENDED_PLAN_STATUSES = frozenset({PlanStatus.CLOSED, PlanStatus.SUSPENDED, PlanStatus.REPLACED})


@dataclass(frozen=True)
class Run:
    """The days a plan item runs: from ``first`` through ``last`` (None: no end set)."""

    first: date
    last: date | None

    def overlaps(self, first: date, last: date) -> bool:
        """Runs on at least one day from ``first`` through ``last``."""
        return self.first <= last and (self.last is None or self.last >= first)


def plan_item_run(
    *,
    approved_on: date | None,
    plan_start: date | None,
    plan_end: date | None,
    item_start: date | None,
    item_end: date | None,
    ended_on: date | None = None,
) -> Run | None:
    """When an item of a support plan runs: from its own start (else the plan's, else the day a
    重層的支援会議 approved the plan) to its own end (else the plan's), cut short on the day the
    plan was closed, suspended or replaced (``ended_on``). None when the plan was never approved,
    or ended before the item began."""
    if approved_on is None:
        return None
    first = item_start or plan_start or approved_on
    last = item_end or plan_end
    if ended_on is not None and (last is None or ended_on < last):
        last = ended_on
    if last is not None and last < first:
        return None
    return Run(first, last)


def count_partners(items: Iterable[tuple[str, Run | None]], first: date, last: date) -> int:
    """参加支援の協力事業所数: the distinct partner businesses named on 参加支援 items that run on at
    least one day from ``first`` through ``last``; a business hosting several people, or named
    on several plans, is one."""
    return len({partner for partner, run in items if run is not None and run.overlaps(first, last)})


def is_plan_revision(previous_plan_id: int | None) -> bool:
    """A plan made from an earlier version is a revision (見直し); otherwise it is new (新規)."""
    return previous_plan_id is not None


class AnswerBucket(StrEnum):
    WITHIN_1_DAY = "within_1_day"
    WITHIN_3_DAYS = "within_3_days"
    WITHIN_7_DAYS = "within_7_days"
    OVER_7_DAYS = "over_7_days"
    UNANSWERED = "unanswered"


# Upper bounds in hours (inclusive), in order; past the last bound is OVER_7_DAYS.
ANSWER_BOUNDS: tuple[tuple[AnswerBucket, int], ...] = (
    (AnswerBucket.WITHIN_1_DAY, 24),
    (AnswerBucket.WITHIN_3_DAYS, 72),
    (AnswerBucket.WITHIN_7_DAYS, 168),
)

ANSWER_BUCKET_LABELS: dict[AnswerBucket, tuple[str, str]] = {
    AnswerBucket.WITHIN_1_DAY: ("1日以内に回答", "Answered within 1 day"),
    AnswerBucket.WITHIN_3_DAYS: ("3日以内に回答", "Within 3 days"),
    AnswerBucket.WITHIN_7_DAYS: ("7日以内に回答", "Within 7 days"),
    AnswerBucket.OVER_7_DAYS: ("7日超で回答", "After more than 7 days"),
    AnswerBucket.UNANSWERED: ("未回答", "Not answered"),
}


def answer_bucket(hours: float | None) -> AnswerBucket:
    """How long the addressee took to accept or decline a referral (from sending to answer)."""
    if hours is None:
        return AnswerBucket.UNANSWERED
    for bucket, bound in ANSWER_BOUNDS:
        if hours <= bound:
            return bucket
    return AnswerBucket.OVER_7_DAYS


def figure_total(by_area: Mapping[str, int]) -> int:
    """Households lie in one area each, so the areas' counts add up to the whole city's."""
    return sum(by_area.values())


# ---------------------------------------------------------------- who may run reports

REPORT_DEPARTMENTS = (Dept.HEALTH, Dept.WELFARE, Dept.CHILDREN_FAMILY, Dept.EDUCATION)


class ReportRefusal(StrEnum):
    NOT_ALLOWED = "not_allowed"
    OTHER_DEPARTMENT = "other_department"


@dataclass(frozen=True)
class ReportAccess:
    """May the principal run the report, and for which department (None: the whole city)."""

    allowed: bool
    department: Dept | None = None
    refusal: ReportRefusal | None = None


def report_access(p: Principal, requested: Dept | None) -> ReportAccess:
    """The secretariat (地域共生推進課) reports on the whole city or on any one of the 4部; a
    課長 or 部長 of the 4部 reports on their own department only (asking for none means theirs).
    Nobody else runs reports: staff, chiefs, coordinators, agencies, admins and auditors.

    "For their department" means the households a unit of that department is involved in: it
    opened the case, leads it, or sits on its support team; and the referrals a unit of that
    department sent or received. The counts of meetings held and of agencies attending stay
    citywide in every report: a meeting serves the whole project and identifies no household."""
    if not p.does_case_work:
        return ReportAccess(False, refusal=ReportRefusal.NOT_ALLOWED)
    if p.has(Role.SECRETARIAT):
        return ReportAccess(True, department=requested)
    if (p.has(Role.MANAGER) or p.has(Role.DIRECTOR)) and p.dept in REPORT_DEPARTMENTS:
        if requested is not None and requested is not p.dept:
            return ReportAccess(False, refusal=ReportRefusal.OTHER_DEPARTMENT)
        return ReportAccess(True, department=p.dept)
    return ReportAccess(False, refusal=ReportRefusal.NOT_ALLOWED)


# ---------------------------------------------------------------- tables

Cell = int | str
MASK = "＊"
DEFAULT_THRESHOLD = 5


class TableId(StrEnum):
    OVERVIEW = "overview"
    MONTHLY = "monthly"
    CONSULTATION_ROUTES = "consultation_routes"
    CONSULTATION_CATEGORIES = "consultation_categories"
    FUNCTIONS = "functions"
    MEETINGS = "meetings"
    AGENCIES = "agencies"
    REFERRALS = "referrals"


@dataclass(frozen=True)
class Label:
    """A code with its Japanese and English names (an area, a route, a field, …)."""

    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    label_en: str
    values: Mapping[str, Cell]  # by column key


@dataclass(frozen=True)
class Table:
    id: TableId
    title: str
    title_en: str
    sheet_name: str  # Excel: at most 31 characters
    row_heading: str
    columns: tuple[Label, ...]
    rows: tuple[Row, ...]
    note: str
    masked: bool = False


def mask_cell(value: Cell, threshold: int) -> Cell:
    """For publication: 1 to threshold-1 becomes ＊; 0 and threshold or more stay as they are."""
    if threshold < 2:
        raise ValueError("the threshold is at least 2")
    if isinstance(value, int) and 0 < value < threshold:
        return MASK
    return value


def mask_table(table: Table, threshold: int) -> Table:
    rows = tuple(
        replace(row, values={k: mask_cell(v, threshold) for k, v in row.values.items()})
        for row in table.rows
    )
    return replace(table, rows=rows, masked=True)


# ---------------------------------------------------------------- the figures


class Figure(StrEnum):
    NEW_CONSULTATIONS = "new_consultations"
    CONSULTATION_HOUSEHOLDS = "consultation_households"
    CONSULTATION_CONTACTS = "consultation_contacts"
    MULTI_AGENCY_TAKEN_ON = "multi_agency_taken_on"
    PLANS_NEW = "plans_new"
    PLANS_REVISED = "plans_revised"
    SUPPORT_MEETINGS_HELD = "support_meetings_held"
    SUPPORT_MEETING_CASES = "support_meeting_cases"
    SUPPORT_MEETING_REVIEWS = "support_meeting_reviews"
    MULTI_AGENCY_MEETINGS_HELD = "multi_agency_meetings_held"
    MULTI_AGENCY_MEETING_CASES = "multi_agency_meeting_cases"
    MULTI_AGENCY_MEETING_REVIEWS = "multi_agency_meeting_reviews"
    OUTREACH_HOUSEHOLDS = "outreach_households"
    OUTREACH_CONTACTS = "outreach_contacts"
    OUTREACH_VISITS = "outreach_visits"
    OUTREACH_PEOPLE = "outreach_people"
    PARTICIPATION_HOUSEHOLDS = "participation_households"
    PARTICIPATION_CONTACTS = "participation_contacts"
    PARTICIPATION_PEOPLE = "participation_people"
    PARTICIPATION_PARTNERS = "participation_partners"
    CASES_CLOSED = "cases_closed"
    CASES_SUSPENDED = "cases_suspended"
    REFERRALS_SENT = "referrals_sent"


FIGURE_LABELS: dict[Figure, tuple[str, str]] = {
    Figure.NEW_CONSULTATIONS: ("新規相談受付件数", "New consultations (intakes)"),
    Figure.CONSULTATION_HOUSEHOLDS: ("相談支援 実世帯数", "Consultation: households"),
    Figure.CONSULTATION_CONTACTS: ("相談支援 延べ件数", "Consultation: contacts"),
    Figure.MULTI_AGENCY_TAKEN_ON: ("多機関協働 新規受入件数", "Multi-agency: cases taken on"),
    Figure.PLANS_NEW: ("支援プラン作成件数（新規）", "Support plans made (new)"),
    Figure.PLANS_REVISED: ("支援プラン作成件数（見直し）", "Support plans made (revised)"),
    Figure.SUPPORT_MEETINGS_HELD: ("支援会議 開催回数", "支援会議 held"),
    Figure.SUPPORT_MEETING_CASES: ("支援会議 検討実件数", "支援会議: cases discussed"),
    Figure.SUPPORT_MEETING_REVIEWS: ("支援会議 検討延べ件数", "支援会議: case reviews"),
    Figure.MULTI_AGENCY_MEETINGS_HELD: ("重層的支援会議 開催回数", "重層的支援会議 held"),
    Figure.MULTI_AGENCY_MEETING_CASES: (
        "重層的支援会議 検討実件数",
        "重層的支援会議: cases discussed",
    ),
    Figure.MULTI_AGENCY_MEETING_REVIEWS: (
        "重層的支援会議 検討延べ件数",
        "重層的支援会議: case reviews",
    ),
    Figure.OUTREACH_HOUSEHOLDS: ("アウトリーチ 実世帯数", "Outreach: households"),
    Figure.OUTREACH_CONTACTS: ("アウトリーチ 延べ件数", "Outreach: contacts"),
    Figure.OUTREACH_VISITS: ("アウトリーチ うち訪問件数", "Outreach: of which visits"),
    Figure.OUTREACH_PEOPLE: ("アウトリーチ 実人数", "Outreach: people"),
    Figure.PARTICIPATION_HOUSEHOLDS: ("参加支援 実世帯数", "Participation: households"),
    Figure.PARTICIPATION_CONTACTS: ("参加支援 延べ件数", "Participation: contacts"),
    Figure.PARTICIPATION_PEOPLE: ("参加支援 実人数", "Participation: people"),
    Figure.PARTICIPATION_PARTNERS: (
        "参加支援 協力事業所数",
        "Participation: partner businesses",
    ),
    Figure.CASES_CLOSED: ("終結件数", "Cases closed"),
    Figure.CASES_SUSPENDED: ("中断件数", "Cases suspended"),
    Figure.REFERRALS_SENT: ("つなぎ（紹介）件数", "Referrals sent"),
}

# The figures of the overview: every one counts households or their contacts, so they split by
# area. Meetings held are not a household's and appear in the monthly table and the meetings one.
OVERVIEW_FIGURES: tuple[Figure, ...] = tuple(
    f for f in Figure if f not in (Figure.SUPPORT_MEETINGS_HELD, Figure.MULTI_AGENCY_MEETINGS_HELD)
)
MONTHLY_FIGURES: tuple[Figure, ...] = tuple(Figure)
# A partner business may host people from both areas: its figure by area does not add up to the
# city's, which is counted on its own.
NOT_ADDITIVE_BY_AREA: frozenset[Figure] = frozenset({Figure.PARTICIPATION_PARTNERS})

UNKNOWN_AREA = Label("unknown", "地区未設定", "Area not recorded")
TOTAL = Label("total", "計", "Total")

OVERVIEW_NOTE = (
    "実世帯数は期間中に1回以上該当した世帯を1と数え、延べ件数は相談・支援経過の記録ごとに数えます。"
    "相談支援には受付（受付日）と、機能の指定がない支援経過を含みます。"
    "多機関協働の新規受入は、世帯が初めて支援会議・重層的支援会議（開催済み）で検討された日、"
    "または初めて多機関協働の支援経過が記録された日が期間内のものです。"
    "支援プランは重層的支援会議で承認された日（会議の開催日）で数えます。"
    "終結・中断は会議の決定日、会議によらない変更は記録した日で数えます。"
    "つなぎは送付した日で数えます。"
    "アウトリーチ・参加支援の実人数は、支援経過に記録された世帯員を1人と数えます。"
    "世帯員の記録がない支援経過だけの世帯は、世帯を1人と数えます。"
    "参加支援の協力事業所数は、期間中に実施していた支援プラン（重層的支援会議で承認済み）の"
    "参加支援の支援内容に指定された協力事業所の実数です。"
    "一つの事業所が両地区の人を受け入れることがあるため、計は地区の合計になりません。"
)


def _row(key: str, label: str, label_en: str, values: Mapping[str, Cell]) -> Row:
    return Row(key=key, label=label, label_en=label_en, values=dict(values))


def overview_table(
    areas: Sequence[Label],
    by_area: Mapping[Figure, Mapping[str, int]],
    city: Mapping[Figure, int] | None = None,
) -> Table:
    """実績総括: each figure by area (東部, 西部, area not recorded) and for the whole city. The
    city's figure is the areas' sum, except for the figures that do not add up by area
    (``NOT_ADDITIVE_BY_AREA``), whose city count comes in ``city``."""
    columns = (*areas, UNKNOWN_AREA, TOTAL)
    rows = []
    for figure in OVERVIEW_FIGURES:
        counts = by_area.get(figure, {})
        values: dict[str, Cell] = {a.code: counts.get(a.code, 0) for a in (*areas, UNKNOWN_AREA)}
        if figure in NOT_ADDITIVE_BY_AREA:
            values[TOTAL.code] = (city or {}).get(figure, 0)
        else:
            values[TOTAL.code] = figure_total(counts)
        ja, en = FIGURE_LABELS[figure]
        rows.append(_row(figure.value, ja, en, values))
    return Table(
        TableId.OVERVIEW,
        "実績総括（地区別）",
        "Overview by area",
        "総括",
        "項目",
        tuple(columns),
        tuple(rows),
        OVERVIEW_NOTE,
    )


def monthly_table(
    buckets: Sequence[MonthBucket],
    by_month: Mapping[Figure, Mapping[str, int]],
    totals: Mapping[Figure, int],
) -> Table:
    """月別: each figure by month; the total of a distinct figure is its own count over the whole
    period (a household seen in two months is one in the period), not the sum of the months."""
    columns = (*(Label(b.key, b.label, b.key) for b in buckets), TOTAL)
    rows = []
    for figure in MONTHLY_FIGURES:
        counts = by_month.get(figure, {})
        values: dict[str, Cell] = {b.key: counts.get(b.key, 0) for b in buckets}
        values[TOTAL.code] = totals.get(figure, 0)
        ja, en = FIGURE_LABELS[figure]
        rows.append(_row(figure.value, ja, en, values))
    return Table(
        TableId.MONTHLY,
        "月別実績",
        "By month",
        "月別",
        "項目",
        columns,
        tuple(rows),
        "実世帯数・実件数の計は期間中の実数です（月ごとの数の合計ではありません）。",
    )


NEW = Label("new", "新規受付件数", "New consultations")
HOUSEHOLDS = Label("households", "実世帯数", "Households")
CONTACTS = Label("contacts", "延べ件数", "Contacts")
PRIMARY = Label("primary", "うち主たる課題", "Of which primary issue")
VISITS = Label("visits", "うち訪問", "Of which visits")
PEOPLE = Label("people", "実人数", "People")


def routes_table(
    routes: Sequence[Label], new: Mapping[str, int], consultations: Mapping[str, Tally]
) -> Table:
    """相談経路別: new consultations, households consulting and their contacts, by intake route
    (a household has one route, so the routes add up to the total)."""
    rows = []
    for route in routes:
        t = consultations.get(route.code, Tally(0, 0))
        values: dict[str, Cell] = {
            NEW.code: new.get(route.code, 0),
            HOUSEHOLDS.code: t.distinct,
            CONTACTS.code: t.total,
        }
        rows.append(_row(route.code, route.name, route.name_en, values))
    total: dict[str, Cell] = {
        NEW.code: sum(new.values()),
        HOUSEHOLDS.code: sum(t.distinct for t in consultations.values()),
        CONTACTS.code: sum(t.total for t in consultations.values()),
    }
    rows.append(_row(TOTAL.code, TOTAL.name, TOTAL.name_en, total))
    return Table(
        TableId.CONSULTATION_ROUTES,
        "相談経路別 相談件数",
        "Consultations by intake route",
        "相談経路別",
        "相談経路",
        (NEW, HOUSEHOLDS, CONTACTS),
        tuple(rows),
        "新規受付件数は受付日が期間内の世帯、実世帯数・延べ件数は期間内の相談（受付と相談支援の支援経過）です。",
    )


def categories_table(
    categories: Sequence[Label],
    households: Mapping[str, int],
    primary: Mapping[str, int],
    contacts: Mapping[str, int],
) -> Table:
    """課題別: households consulting in the period by issue category (of the household or of any
    member), the primary one apart, and their contacts."""
    rows = [
        _row(
            c.code,
            c.name,
            c.name_en,
            {
                HOUSEHOLDS.code: households.get(c.code, 0),
                PRIMARY.code: primary.get(c.code, 0),
                CONTACTS.code: contacts.get(c.code, 0),
            },
        )
        for c in categories
    ]
    return Table(
        TableId.CONSULTATION_CATEGORIES,
        "課題別 相談件数",
        "Consultations by issue category",
        "課題別",
        "課題",
        (HOUSEHOLDS, PRIMARY, CONTACTS),
        tuple(rows),
        "一つの世帯に複数の課題があるときは、それぞれの課題に数えます（合計は実世帯数になりません）。"
        "「うち主たる課題」は世帯の主たる課題として登録されたものです。",
    )


@dataclass(frozen=True)
class FunctionTally:
    households: int
    contacts: int
    visits: int
    people: int = 0


def functions_table(functions: Sequence[Label], tallies: Mapping[str, FunctionTally]) -> Table:
    """機能別 (社会福祉法第106条の4第2項 第1号～第6号): households, people and contacts per
    function, with home visits apart."""
    rows = []
    for f in functions:
        t = tallies.get(f.code, FunctionTally(0, 0, 0))
        values: dict[str, Cell] = {
            HOUSEHOLDS.code: t.households,
            PEOPLE.code: t.people,
            CONTACTS.code: t.contacts,
            VISITS.code: t.visits,
        }
        rows.append(_row(f.code, f.name, f.name_en, values))
    return Table(
        TableId.FUNCTIONS,
        "機能別実績（社会福祉法第106条の4第2項）",
        "By function (Social Welfare Act Art. 106-4 §2)",
        "機能別",
        "機能",
        (HOUSEHOLDS, PEOPLE, CONTACTS, VISITS),
        tuple(rows),
        "支援経過の記録を、付けられた機能ごとに数えます。機能の指定がない記録と受付は相談支援に数えます。"
        "実人数は記録に指定された世帯員の実数で、世帯員の指定がない記録だけの世帯は1人と数えます。"
        "参加支援の協力事業所数は実績総括・月別実績の表にあります。"
        "地域づくりの場・参加者数はこのシステムでは記録していません。",
    )


REGULAR = Label("regular", "定例開催", "Regular")
AD_HOC = Label("ad_hoc", "臨時開催", "Ad hoc")
HELD_TOTAL = Label("held", "開催回数計", "Held")
CASES = Label("cases", "検討実件数", "Cases discussed")
REVIEWS = Label("reviews", "検討延べ件数", "Case reviews")


def meetings_table(
    kinds: Sequence[Label], held: Mapping[str, HeldCount], reviews: Mapping[str, Tally]
) -> Table:
    """会議の開催状況: meetings held by kind, regular and ad hoc, and the cases they discussed."""
    rows = []
    for kind in kinds:
        h = held.get(kind.code, HeldCount(0, 0))
        t = reviews.get(kind.code, Tally(0, 0))
        values: dict[str, Cell] = {
            REGULAR.code: h.regular,
            AD_HOC.code: h.ad_hoc,
            HELD_TOTAL.code: h.total,
            CASES.code: t.distinct,
            REVIEWS.code: t.total,
        }
        rows.append(_row(kind.code, kind.name, kind.name_en, values))
    return Table(
        TableId.MEETINGS,
        "会議の開催状況",
        "Meetings held and cases discussed",
        "会議開催状況",
        "会議",
        (REGULAR, AD_HOC, HELD_TOTAL, CASES, REVIEWS),
        tuple(rows),
        "開催済みの会議を開催日で数えます。検討実件数は期間中に検討した世帯の実数、"
        "検討延べ件数は会議ごとの検討世帯数の合計です。",
    )


CASE_MEETINGS_TOTAL = Label(
    "case_meetings", "計（支援会議・重層的支援会議）", "Total of the case meetings"
)
CASE_MEETING_KINDS = ("support", "multi_agency")


def agencies_table(
    kinds: Sequence[Label], fields: Sequence[Label], seats: Mapping[tuple[str, str], int]
) -> Table:
    """関係機関参加状況（のべ）: partner agencies attending, by meeting kind and agency field; the
    total row is the figure the city reports (支援会議 and 重層的支援会議 together)."""
    rows = []
    for kind in kinds:
        values: dict[str, Cell] = {f.code: seats.get((kind.code, f.code), 0) for f in fields}
        values[TOTAL.code] = sum(seats.get((kind.code, f.code), 0) for f in fields)
        rows.append(_row(kind.code, kind.name, kind.name_en, values))
    total: dict[str, Cell] = {
        f.code: sum(seats.get((k, f.code), 0) for k in CASE_MEETING_KINDS) for f in fields
    }
    total[TOTAL.code] = sum(v for v in total.values() if isinstance(v, int))
    rows.append(
        _row(CASE_MEETINGS_TOTAL.code, CASE_MEETINGS_TOTAL.name, CASE_MEETINGS_TOTAL.name_en, total)
    )
    return Table(
        TableId.AGENCIES,
        "関係機関参加状況（参加機関数・のべ）",
        "Partner agencies attending (cumulative)",
        "関係機関参加状況",
        "会議",
        (*fields, TOTAL),
        tuple(rows),
        "開催済みの会議に出席した支援関係機関を、会議ごとに1機関1と数えます（市の部署は含みません）。",
    )


SENT = Label("sent_total", "件数", "Referrals")


def referrals_table(
    statuses: Sequence[Label], counts: Mapping[tuple[str, AnswerBucket], int]
) -> Table:
    """つなぎ（紹介）の状況: referrals sent in the period, by their outcome now and by how soon the
    addressee answered (accepted or declined)."""
    buckets = [Label(b.value, *ANSWER_BUCKET_LABELS[b]) for b in AnswerBucket]
    per_status = {
        status.code: {b: counts.get((status.code, b), 0) for b in AnswerBucket}
        for status in statuses
    }
    per_status[TOTAL.code] = {b: sum(per[b] for per in per_status.values()) for b in AnswerBucket}
    rows = []
    for status in (*statuses, TOTAL):
        per = per_status[status.code]
        values: dict[str, Cell] = {SENT.code: sum(per.values())}
        values.update({b.value: n for b, n in per.items()})
        rows.append(_row(status.code, status.name, status.name_en, values))
    return Table(
        TableId.REFERRALS,
        "つなぎ（紹介）の状況",
        "Referrals by outcome and answer time",
        "つなぎ",
        "現在の状況",
        (SENT, *buckets),
        tuple(rows),
        "期間内に送付したつなぎを、現在の状況と、送付から受諾・辞退までの時間で数えます。",
    )


@dataclass(frozen=True)
class ReportMeta:
    """What a report says about itself (no names, no case numbers: aggregates only)."""

    period: Period
    department: Dept | None
    department_name: str | None
    threshold: int | None  # set when masked for publication
    tables: tuple[Table, ...] = field(default=())

    @property
    def title(self) -> str:
        return f"{self.period.fiscal_year_label} 重層的支援体制整備事業 実績報告"

    @property
    def scope_label(self) -> str:
        return self.department_name or "全市"


def publish(tables: Iterable[Table], threshold: int | None) -> tuple[Table, ...]:
    """Mask every table for publication, or leave them as they are."""
    if threshold is None:
        return tuple(tables)
    return tuple(mask_table(t, threshold) for t in tables)
