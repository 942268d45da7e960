"""The generated city in memory: meetings, households and the life of each case.

Everything the tables must agree on is decided here (ids, dates, statuses, who is on a case's
team, which meeting approved which plan); the row generators in ``tables`` only spell it out.
Every decision draws from a random stream of its own (``seed:topic``), so that the result depends
on the seed alone, not on the order the tables are written in.
"""

import bisect
import functools
import itertools
import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from api.datagen import texts
from api.datagen.master import (
    CATEGORY_WEIGHTS,
    CITY_DEPTS,
    INTAKE_ROUTE_WEIGHTS,
    Master,
)
from api.datagen.names import NamePool, full_name
from domain.case_status import CaseStatus
from domain.fiscal import case_number, fiscal_year
from domain.meetings import MeetingKind, MeetingStatus, nth_weekday
from domain.meetings import is_closed_day as _is_closed_day
from domain.plans import PlanStatus, add_months, monitoring_due_dates

T = TypeVar("T")
# The city hall's calendar (weekends, holidays, the year-end break), looked up once per day.
is_closed_day = functools.lru_cache(maxsize=8192)(_is_closed_day)
USER_NAMESPACE = uuid.UUID("6f1d3a52-8c0e-4f7b-9a55-1b2c3d4e5f60")
JST = timedelta(hours=9)
YEARS = 10

S = CaseStatus
# (next status, probability, duration in days (low, high)) from each status.
PATHS: dict[CaseStatus, tuple[tuple[CaseStatus, float, tuple[int, int]], ...]] = {
    S.RECEIVED: (
        (S.SCREENING, 0.80, (1, 14)),
        (S.CLOSED, 0.17, (0, 21)),
        (S.SUSPENDED, 0.03, (7, 60)),
    ),
    S.SCREENING: (
        (S.ASSESSMENT, 0.75, (7, 45)),
        (S.CLOSED, 0.20, (7, 60)),
        (S.SUSPENDED, 0.05, (14, 90)),
    ),
    S.ASSESSMENT: (
        (S.IN_SUPPORT, 0.80, (14, 90)),
        (S.CLOSED, 0.12, (14, 120)),
        (S.SUSPENDED, 0.08, (30, 120)),
    ),
    S.IN_SUPPORT: (
        (S.MONITORING, 0.75, (90, 420)),
        (S.CLOSED, 0.15, (90, 500)),
        (S.SUSPENDED, 0.10, (60, 400)),
    ),
    S.MONITORING: (
        (S.CLOSED, 0.65, (180, 2200)),
        (S.IN_SUPPORT, 0.20, (120, 540)),
        (S.SUSPENDED, 0.15, (90, 720)),
    ),
    S.SUSPENDED: (
        (S.CLOSED, 0.60, (90, 1200)),
        (S.ASSESSMENT, 0.20, (60, 600)),
        (S.IN_SUPPORT, 0.20, (60, 600)),
    ),
}
STAGE = {S.RECEIVED: 0, S.SCREENING: 1, S.ASSESSMENT: 2, S.IN_SUPPORT: 3, S.MONITORING: 4}


@dataclass(frozen=True)
class Counts:
    """Row targets; everything scales with the number of households (100,000 by default)."""

    households: int
    members: int
    timeline: int
    referrals: int
    plans: int
    meetings: int
    agencies: int

    @classmethod
    def for_households(cls, households: int) -> "Counts":
        f = households / 100_000
        return cls(
            households=households,
            members=max(households, round(250_000 * f)),
            timeline=round(1_000_000 * f),
            referrals=round(200_000 * f),
            plans=round(30_000 * f),
            meetings=max(1, round(5_000 * f)),
            agencies=max(10, round(200 * f)),
        )


@dataclass
class UserSpec:
    id: str
    username: str
    display_name: str
    org: str
    roles: list[str]
    area: str | None
    new: bool = True  # False: it existed already (a known user loaded before)


@dataclass
class AgencySpec:
    code: str
    name: str
    kana: str
    field: str


@dataclass
class MemberSpec:
    id: int
    position: int
    relationship: str
    age: int
    female: bool
    birth: date | None
    name: str
    kana: str | None
    category: str | None
    note: str | None


@dataclass
class ConsentSpec:
    id: int
    member_id: int
    decision: str
    decided_on: date
    method: str
    given_by: str
    guardian_name: str | None
    whole_team: bool
    scope: list[str]
    valid_until: date | None
    recorded_by: str
    withdrawn_on: date | None = None
    superseded_on: date | None = None


@dataclass
class PlanSpec:
    id: int
    version: int
    status: str
    created: date
    meeting_id: int | None
    start: date | None
    end: date | None
    every: int | None
    until: date  # the last day it was in force (monitoring stops here)
    changed: date | None  # when it reached its present status (if not draft)
    author: str
    monitored: list[date] = field(default_factory=list)
    next_due: date | None = None


@dataclass
class AgendaSpec:
    case_idx: int
    purpose: str
    summary: str
    plan_id: int | None
    decisions: list[tuple[str, dict[str, object]]]
    request: bool


@dataclass
class MeetingSpec:
    id: int
    kind: str
    regular: bool
    day: date
    start: time
    end: time
    place: str
    status: str
    organiser_org: str
    organiser_sub: str
    items: list[AgendaSpec] = field(default_factory=list)


@dataclass
class CaseSpec:
    idx: int
    id: int
    fiscal_year: int
    sequence: int
    intake: date
    town: str | None
    area: str | None
    route: str
    referrer: str | None
    referrer_org: str | None
    complaint: str
    opener_org: str
    opener_sub: str
    lead_org: str
    coordinator: str | None
    categories: list[str]
    status: CaseStatus = S.RECEIVED
    # (from, to, effective day, meeting id, reason)
    changes: list[tuple[str, str, date, int | None, str]] = field(default_factory=list)
    reached: dict[CaseStatus, date] = field(default_factory=dict)
    end: date | None = None
    consent_state: str = "none"
    members: list[MemberSpec] = field(default_factory=list)
    consents: list[ConsentSpec] = field(default_factory=list)
    team: list[tuple[str, date, date | None, str, str]] = field(default_factory=list)
    plans: list[PlanSpec] = field(default_factory=list)
    timeline: int = 0
    referrals: int = 0

    @property
    def number(self) -> str:
        return case_number(self.fiscal_year, self.sequence)


class FastRandom(random.Random):
    """``random.Random`` with integer draws built on ``random()`` (in C): the generator draws
    tens of millions of them, and the standard ``randrange`` is written in Python. The bias of
    ``int(random() * n)`` is far below anything a benchmark could notice."""

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None:
            start, stop = 0, start
        if step != 1:
            return super().randrange(start, stop, step)
        if stop <= start:
            raise ValueError("empty range for randrange()")
        return start + int(self.random() * (stop - start))

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: Sequence[T]) -> T:  # type: ignore[override]
        if not seq:
            raise IndexError("cannot choose from an empty sequence")
        return seq[int(self.random() * len(seq))]


class Weighted:
    """A weighted choice among fixed options, its cumulative weights computed once."""

    def __init__(self, options: dict[str, float]) -> None:
        self.keys = list(options)
        self.cumulative = list(itertools.accumulate(options[k] for k in self.keys))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random) -> str:
        i = bisect.bisect(self.cumulative, rng.random() * self.total)
        return self.keys[min(i, len(self.keys) - 1)]


_MIDNIGHT: dict[int, datetime] = {}


def stamp(rng: random.Random, day: date) -> datetime:
    """An instant in office hours (Asia/Tokyo) of ``day``, in UTC."""
    midnight = _MIDNIGHT.get(day.toordinal())
    if midnight is None:
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) - JST
        _MIDNIGHT[day.toordinal()] = midnight
    return midnight + timedelta(seconds=30600 + int(rng.random() * 34200))


def user_id(username: str) -> str:
    """Stable ids: the same username gets the same id in every generated database."""
    return str(uuid.uuid5(USER_NAMESPACE, username))


def allocate(rng: random.Random, total: int, weights: list[float]) -> list[int]:
    """Split ``total`` over the items in proportion to ``weights`` (exactly ``total``)."""
    counts = [0] * len(weights)
    if total <= 0 or not weights:
        return counts
    if sum(weights) <= 0:
        weights = [1.0] * len(weights)
    for i in rng.choices(range(len(weights)), weights=weights, k=total):
        counts[i] += 1
    return counts


class World:
    def __init__(
        self,
        *,
        seed: int,
        counts: Counts,
        master: Master,
        today: date,
        names: NamePool,
        first_ids: dict[str, int],
        counters: dict[int, int],
        existing_users: dict[str, str],
        existing_orgs: set[str],
    ) -> None:
        self.seed = seed
        self.counts = counts
        self.master = master
        self.today = today
        self.yesterday = today - timedelta(days=1)
        self.names = names
        self.first_ids = first_ids
        self.counters = dict(counters)
        self.existing_users = existing_users
        self.existing_orgs = existing_orgs
        first_fy = fiscal_year(today) - (YEARS - 1)
        self.start = date(first_fy, 4, 1)
        self.agencies: list[AgencySpec] = []
        self.users: list[UserSpec] = []
        self.users_by_org: dict[str, list[UserSpec]] = {}
        self.meetings: list[MeetingSpec] = []
        self.cases: list[CaseSpec] = []
        self.org_names = {o.code: o.name for o in master.orgs.values()}
        self.agency_weights: dict[str, float] = {}

    def rng(self, topic: str) -> random.Random:
        return FastRandom(f"{self.seed}:{topic}")

    def next_ids(self, table: str) -> int:
        return self.first_ids.get(table, 1)

    # ------------------------------------------------------------------ people and orgs

    def build(self, known: list[tuple[str, str, str, list[str], str | None]]) -> None:
        self._agencies()
        self._users(known)
        self._meetings()
        self._cases()
        self._members()
        self._teams()
        self._plans()
        self._consents()
        self._status_meetings()
        self._support_meetings()
        self._monitoring()
        self._activity()

    def _agencies(self) -> None:
        rng = self.rng("agencies")
        kinds = (
            ("homon_kango", "訪問看護ステーション", "ほうもんかんごすてーしょん", "health_medical"),
            ("clinic", "クリニック", "くりにっく", "health_medical"),
            ("kyotaku", "居宅介護支援事業所", "きょたくかいごしえんじぎょうしょ", "elderly"),
            ("dayservice", "デイサービスセンター", "でいさーびすせんたー", "elderly"),
            ("sodan_shien", "相談支援事業所", "そうだんしえんじぎょうしょ", "disability"),
            (
                "shuro_keizoku",
                "就労継続支援事業所",
                "しゅうろうけいぞくしえんじぎょうしょ",
                "disability",
            ),
            ("hoikuen", "保育園", "ほいくえん", "child"),
            ("gakudo", "学童保育所", "がくどうほいくしょ", "child"),
            ("pantry", "フードパントリー", "ふーどぱんとりー", "poverty"),
            ("jichikai", "自治会", "じちかい", "other"),
        )
        taken: dict[str, int] = {}
        for i in range(1, self.counts.agencies + 1):
            code_part, label, kana, fld = kinds[rng.randrange(len(kinds))]
            town = rng.choice(self.master.towns)
            base = f"{town.name}{label}"
            n = taken.get(base, 0) + 1
            taken[base] = n
            name = base if n == 1 else f"{town.name}第{n}{label}"
            reading = town.kana + ("" if n == 1 else f"だい{n}") + kana
            self.agencies.append(AgencySpec(f"gen_{code_part}_{i:04d}", name, reading, fld))
        for org in self.master.agencies:
            self.agency_weights[org.code] = 5.0
        for a in self.agencies:
            self.agency_weights[a.code] = 1.0

    def agency_field(self, code: str) -> str | None:
        org = self.master.orgs.get(code)
        if org is not None:
            return org.field
        for a in self.agencies:
            if a.code == code:
                return a.field
        return None

    def _users(self, known: list[tuple[str, str, str, list[str], str | None]]) -> None:
        """The known log-ins first (the demo users), then a staff list for every unit and
        agency, so that every org that works on cases has people to act as."""
        rng = self.rng("users")

        def add(username: str, display: str, org: str, roles: list[str], area: str | None) -> None:
            existing = self.existing_users.get(username)
            spec = UserSpec(
                existing or user_id(username), username, display, org, roles, area, existing is None
            )
            self.users.append(spec)
            self.users_by_org.setdefault(org, []).append(spec)

        def person() -> str:
            female = rng.random() < 0.5
            name, _kana = full_name(rng, self.names.surname(rng), self.names.given(rng, female))
            return name.replace("\u3000", " ")

        for username, display, org, roles, area in known:
            if org in self.master.orgs:
                add(username, display, org, roles, area)
        directors: set[str] = set()
        for unit in sorted(self.master.units, key=lambda o: o.code):
            if unit.department in CITY_DEPTS:
                # 地域共生推進課 is the secretariat; the first unit of each 部 has its 部長.
                plan = (
                    [["secretariat"]] * 4
                    if unit.code == "kyosei"
                    else [["staff"]] * 3 + [["chief"], ["manager"]]
                )
                if unit.department not in directors:
                    plan = [*plan, ["director"]]
                    directors.add(unit.department)
                for n, roles in enumerate(plan, start=1):
                    add(f"gen.{unit.code}.{n}", person(), unit.code, roles, None)
            elif unit.department == "shakyo":
                area = next((a for a in self.master.areas if unit.code.endswith(a)), None)
                area = area or self.master.areas[0]
                for n in (1, 2):
                    add(f"gen.{unit.code}.{n}", person(), unit.code, ["coordinator"], area)
        for code in [o.code for o in self.master.agencies] + [a.code for a in self.agencies]:
            for n in (1, 2):
                add(f"gen.{code}.{n}", person(), code, ["agency"], None)

    def actor(self, rng: random.Random, org: str) -> UserSpec:
        people = self.users_by_org.get(org) or self.users_by_org["kyosei"]
        return people[rng.randrange(len(people))]

    def with_role(self, role: str, org: str | None = None) -> list[UserSpec]:
        return [u for u in self.users if role in u.roles and (org is None or u.org == org)]

    def coordinator_org(self, area: str | None) -> str:
        for org in self.master.units:
            if org.department == "shakyo" and area is not None and org.code.endswith(area):
                return org.code
        shakyo = [o.code for o in self.master.units if o.department == "shakyo"]
        return shakyo[0] if shakyo else "kyosei"

    # ------------------------------------------------------------------ meetings

    def _meetings(self) -> None:
        rng = self.rng("meetings")
        total = self.counts.meetings
        horizon = self.today + timedelta(days=60)
        months: list[tuple[int, int]] = []
        y, m = self.start.year, self.start.month
        while date(y, m, 1) <= horizon:
            months.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        secretariat = self.with_role("secretariat") or self.users
        coordinators = self.with_role("coordinator") or secretariat
        health_directors = [
            u for u in self.with_role("director") if self.master.orgs[u.org].department == "health"
        ]
        plans: list[tuple[str, bool, date, time, time, str]] = []
        regular_kinds = [
            k
            for k in (MeetingKind.SUPPORT, MeetingKind.MULTI_AGENCY)
            if k.value in self.master.schedules
        ]
        per_kind = min(len(months), round(total * 0.2)) if regular_kinds else 0
        for regular_kind in regular_kinds:
            week, weekday, start, end, place = self.master.schedules[regular_kind.value]
            for i in range(per_kind):
                yy, mm = months[int(i * len(months) / per_kind)]
                day = nth_weekday(yy, mm, int(weekday), int(week))
                plans.append(
                    (regular_kind.value, True, day, _as_time(start), _as_time(end), str(place))
                )
        kinds = {"multi_agency": 45.0, "support": 35.0, "staff": 10.0, "coordination": 6.0}
        if health_directors:
            kinds["emergency"] = 4.0
        ad_hoc = Weighted(kinds)
        span = (horizon - self.start).days
        slots = (
            (time(10, 0), time(11, 30)),
            (time(13, 30), time(15, 0)),
            (time(15, 0), time(17, 0)),
        )
        while len(plans) < total:
            kind = ad_hoc(rng)
            day = self.start + timedelta(days=rng.randrange(span + 1))
            while is_closed_day(day):
                day += timedelta(days=1)
            start_t, end_t = slots[rng.randrange(len(slots))]
            plans.append((kind, False, day, start_t, end_t, texts.pick(rng, texts.MEETING_PLACES)))
        plans = plans[:total]
        plans.sort(key=lambda p: (p[2], p[0], p[3]))
        first = self.next_ids("meetings")
        for i, (kind, regular, day, start_t, end_t, place) in enumerate(plans):
            if day >= self.today:
                status = MeetingStatus.SCHEDULED.value
            else:
                status = (
                    MeetingStatus.CANCELLED.value
                    if rng.random() < 0.04
                    else MeetingStatus.HELD.value
                )
            if kind == "multi_agency":
                organiser = (
                    rng.choice(coordinators) if rng.random() < 0.7 else rng.choice(secretariat)
                )
            elif kind == "emergency":
                organiser = rng.choice(health_directors)
            else:
                organiser = rng.choice(secretariat)
            self.meetings.append(
                MeetingSpec(
                    first + i,
                    kind,
                    regular,
                    day,
                    start_t,
                    end_t,
                    place,
                    status,
                    organiser.org,
                    organiser.id,
                )
            )
        self._held: dict[str, tuple[list[int], list[MeetingSpec]]] = {}
        self._future: dict[str, list[MeetingSpec]] = {}
        for meeting in self.meetings:
            if meeting.status == MeetingStatus.HELD.value:
                days, specs = self._held.setdefault(meeting.kind, ([], []))
                days.append(meeting.day.toordinal())
                specs.append(meeting)
            elif meeting.status == MeetingStatus.SCHEDULED.value:
                self._future.setdefault(meeting.kind, []).append(meeting)

    def held_meeting(
        self, kind: str, low: date, high: date, latest: bool = True
    ) -> MeetingSpec | None:
        """The latest (or earliest) meeting of ``kind`` held between two days, both included."""
        days, specs = self._held.get(kind, ([], []))
        if latest:
            i = bisect.bisect_right(days, high.toordinal()) - 1
            return specs[i] if i >= 0 and days[i] >= low.toordinal() else None
        i = bisect.bisect_left(days, low.toordinal())
        return specs[i] if i < len(days) and days[i] <= high.toordinal() else None

    # ------------------------------------------------------------------ cases

    def _intake_days(self, rng: random.Random) -> list[date]:
        """Intake days over ten fiscal years, a little more each year, on days the city is open."""
        span = (self.yesterday - self.start).days
        growth = 0.6
        days = []
        for _ in range(self.counts.households):
            u = rng.random()
            x = (-1 + math.sqrt(1 + growth * (2 + growth) * u)) / growth
            day = self.start + timedelta(days=min(span, int(x * (span + 1))))
            while is_closed_day(day) and day > self.start:
                day -= timedelta(days=1)
            days.append(day)
        days.sort()
        return days

    def _cases(self) -> None:
        rng = self.rng("cases")
        m = self.master
        categories = m.categories
        routes = Weighted({r: INTAKE_ROUTE_WEIGHTS.get(r, 1.0) for r in m.intake_routes})
        agencies = Weighted(self.agency_weights)
        primaries = Weighted({c: CATEGORY_WEIGHTS.get(c, 1.0) for c in categories})
        units_with_users = [o.code for o in m.units if o.code in self.users_by_org]
        referring_units = [o.code for o in m.units if o.department == "other"] or units_with_users
        coordinators: dict[str | None, list[UserSpec]] = {}
        for u in self.with_role("coordinator"):
            coordinators.setdefault(u.area, []).append(u)
        first = self.next_ids("cases")
        for idx, day in enumerate(self._intake_days(rng)):
            fy = fiscal_year(day)
            seq = self.counters.get(fy, 0) + 1
            self.counters[fy] = seq
            town_code, town_name, area = None, None, None
            if rng.random() < 0.97:
                town = rng.choice(m.towns)
                town_code, town_name, area = town.code, town.name, town.area
            route = routes(rng)
            referrer_org = None
            if route == "agency":
                referrer_org = agencies(rng)
            elif route == "city_unit":
                referrer_org = rng.choice(referring_units)
            referrer = None
            if route in texts.REFERRERS and rng.random() < 0.8:
                referrer = texts.pick(rng, texts.REFERRERS[route]).format(town=town_name or "市内")
            primary = primaries(rng)
            cats = [primary]
            for _ in range(rng.choice((0, 0, 1, 1, 1, 2))):
                extra = primaries(rng)
                if extra not in cats:
                    cats.append(extra)
            complaint = texts.pick(rng, texts.COMPLAINTS.get(primary, texts.DEFAULT_COMPLAINTS))
            roll = rng.random()
            related_units = [u for u in m.units_for(primary) if u in self.users_by_org]
            if route == "agency" and referrer_org and rng.random() < 0.5:
                opener = referrer_org
            elif roll < 0.35:
                opener = self.coordinator_org(area)
            elif roll < 0.5:
                opener = "kyosei" if "kyosei" in self.users_by_org else rng.choice(units_with_users)
            elif roll < 0.9 and related_units:
                opener = rng.choice(related_units)
            else:
                opener = agencies(rng)
            roll = rng.random()
            if roll < 0.55 and m.orgs.get(opener) is not None and m.orgs[opener].kind == "unit":
                lead = opener
            elif roll < 0.75 or not related_units:
                lead = "kyosei" if "kyosei" in m.orgs else opener
            else:
                lead = rng.choice(related_units)
            coordinator = None
            if area is not None and coordinators.get(area) and rng.random() < 0.75:
                coordinator = rng.choice(coordinators[area]).id
            case = CaseSpec(
                idx=idx,
                id=first + idx,
                fiscal_year=fy,
                sequence=seq,
                intake=day,
                town=town_code,
                area=area,
                route=route,
                referrer=referrer,
                referrer_org=referrer_org,
                complaint=complaint,
                opener_org=opener,
                opener_sub=self.actor(rng, opener).id,
                lead_org=lead,
                coordinator=coordinator,
                categories=cats,
            )
            self._path(rng, case)
            self.cases.append(case)

    def _path(self, rng: random.Random, case: CaseSpec) -> None:
        """The case's status history up to yesterday."""
        status, day = S.RECEIVED, case.intake
        case.reached[S.RECEIVED] = day
        for _ in range(12):
            options = PATHS.get(status)
            if not options:
                break
            r, acc = rng.random(), 0.0
            target, (low, high) = options[-1][0], options[-1][2]
            for option, p, span in options:
                acc += p
                if r < acc:
                    target, (low, high) = option, span
                    break
            nxt = day + timedelta(days=rng.randint(low, high))
            if nxt > self.yesterday:
                break
            reason = texts.pick(rng, texts.STATUS_REASONS[target.value])
            case.changes.append((status.value, target.value, nxt, None, reason))
            status, day = target, nxt
            case.reached.setdefault(status, day)
        case.status = status
        if status is S.CLOSED:
            case.end = day

    def window_end(self, case: CaseSpec) -> date:
        """The last day anyone worked on the case."""
        if case.end is not None:
            return case.end
        if case.status is S.SUSPENDED and case.changes:
            return max(case.changes[-1][2], case.intake)
        return self.yesterday

    # ------------------------------------------------------------------ households

    def _members(self) -> None:
        rng = self.rng("members")
        households = [_household(rng, c.categories[0]) for c in self.cases]
        total = sum(len(h) for h in households)
        extras = ("弟", "妹", "兄", "姉", "孫", "叔母", "甥", "姪", "同居人")
        while total > self.counts.members:
            h = households[rng.randrange(len(households))]
            if len(h) > 1:
                h.pop()
                total -= 1
        while total < self.counts.members:
            h = households[rng.randrange(len(households))]
            if len(h) < 8:
                rel = rng.choice(extras)
                h.append(
                    (
                        rel,
                        rng.randint(5, 70),
                        rel in ("妹", "姉", "叔母", "姪") or rng.random() < 0.5,
                    )
                )
                total += 1
        member_id = self.next_ids("case_members")
        categories = self.master.categories
        notes = (
            "日中は不在が多い。",
            "要介護2。",
            "身体障害者手帳2級。",
            "中学2年。",
            "携帯電話への連絡を希望。",
        )
        for case, household in zip(self.cases, households, strict=True):
            surname = self.names.surname(rng)
            for position, (rel, age, female) in enumerate(household, start=1):
                own = (
                    surname
                    if rel not in ("叔母", "甥", "姪", "同居人") or rng.random() < 0.3
                    else self.names.surname(rng)
                )
                name, kana = full_name(rng, own, self.names.given(rng, female))
                birth: date | None = None
                if age < 18 or rng.random() > 0.03:
                    birth = case.intake - timedelta(days=age * 365 + rng.randrange(365))
                category = None
                if rng.random() < 0.35:
                    if position == 1:
                        category = case.categories[0]
                    elif age >= 65:
                        category = rng.choice(("nursing_care", "illness", "disability_certified"))
                    elif age < 18:
                        category = rng.choice(("truancy", "child_rearing", "young_carer"))
                    else:
                        category = rng.choice(categories)
                    if category not in categories:
                        category = None
                case.members.append(
                    MemberSpec(
                        id=member_id,
                        position=position,
                        relationship=rel,
                        age=age,
                        female=female,
                        birth=birth,
                        name=name,
                        kana=kana,
                        category=category,
                        note=rng.choice(notes) if rng.random() < 0.1 else None,
                    )
                )
                member_id += 1

    # ------------------------------------------------------------------ support teams

    def _teams(self) -> None:
        rng = self.rng("teams")
        fields: dict[str, list[str]] = {}
        for code, weight in self.agency_weights.items():
            fld = self.agency_field(code)
            if fld is not None:
                fields.setdefault(fld, []).extend([code] * int(weight))
        for case in self.cases:
            stage = max((STAGE.get(s, 0) for s in case.reached), default=0)
            if stage == 0:
                continue
            size = {1: rng.choice((0, 1)), 2: rng.choice((1, 2))}.get(stage, rng.randint(2, 4))
            candidates: list[str] = []
            for cat in case.categories:
                candidates += [u for u in self.master.units_for(cat) if u != case.lead_org]
                for fld in self.master.fields_for(cat):
                    candidates += fields.get(fld, [])
            begin = case.reached.get(S.SCREENING, case.intake)
            until = self.window_end(case)
            chosen: list[str] = []
            for _ in range(size * 3):
                if len(chosen) >= size or not candidates:
                    break
                org = rng.choice(candidates)
                if org not in chosen and org in self.users_by_org:
                    chosen.append(org)
            for org in chosen:
                start = begin + timedelta(
                    days=rng.randint(0, max(0, min(60, (until - begin).days)))
                )
                end = None
                if case.end is not None and rng.random() < 0.5:
                    end = case.end
                added_by = self.actor(rng, case.lead_org).id
                case.team.append((org, start, end, texts.pick(rng, texts.TEAM_ROLES), added_by))

    # ------------------------------------------------------------------ support plans

    def _plans(self) -> None:
        rng = self.rng("plans")
        supported = [c for c in self.cases if S.IN_SUPPORT in c.reached]
        assessing = [
            c for c in self.cases if c.status is S.ASSESSMENT and S.IN_SUPPORT not in c.reached
        ]
        for c in supported:
            c.consent_state = "given"
        for c in assessing:
            c.consent_state = "given" if rng.random() < 0.7 else "none"
        assessing = [c for c in assessing if c.consent_state == "given"]
        total = self.counts.plans
        draft_cases = assessing[: min(len(assessing), round(total * 0.08))]
        room = total - len(draft_cases)
        n_cases = min(len(supported), max(0, round(room / 1.35)))
        plan_cases = rng.sample(supported, n_cases) if n_cases < len(supported) else list(supported)
        plan_cases.sort(key=lambda c: c.idx)
        versions = [1] * len(plan_cases)
        weights = [
            1 + (self.window_end(c) - c.reached[S.IN_SUPPORT]).days / 365 for c in plan_cases
        ]
        for i, extra in enumerate(allocate(rng, max(0, room - len(plan_cases)), weights)):
            versions[i] += extra
        plan_id = self.next_ids("support_plans")
        coordinators = self.with_role("coordinator") or self.users
        by_case: list[tuple[CaseSpec, int]] = [
            (c, n) for c, n in zip(plan_cases, versions, strict=True)
        ]
        by_case += [(c, 1) for c in draft_cases]
        by_case.sort(key=lambda cn: cn[0].idx)
        for case, n in by_case:
            author = rng.choice([u for u in coordinators if u.area == case.area] or coordinators).id
            if S.IN_SUPPORT not in case.reached:
                created = case.reached.get(S.ASSESSMENT, case.intake) + timedelta(
                    days=rng.randint(3, 20)
                )
                created = min(created, self.yesterday)
                proposed = rng.random() < 0.4
                plan = PlanSpec(
                    plan_id,
                    1,
                    PlanStatus.PROPOSED.value if proposed else PlanStatus.DRAFT.value,
                    created,
                    None,
                    None,
                    None,
                    rng.choice((1, 3, 3, 6)),
                    self.yesterday,
                    created if proposed else None,
                    author,
                )
                case.plans.append(plan)
                plan_id += 1
                future = self._future.get("multi_agency")
                if proposed and future:
                    upcoming = future[rng.randrange(len(future))]
                    upcoming.items.append(
                        AgendaSpec(
                            case.idx,
                            "plan_review",
                            texts.AGENDA_SUMMARIES[1],
                            plan.id,
                            [],
                            rng.random() < 0.3,
                        )
                    )
                continue
            support_start = case.reached[S.IN_SUPPORT]
            until = self.window_end(case)
            span = max(1, (until - support_start).days)
            previous_day = case.reached.get(S.ASSESSMENT, case.intake)
            for v in range(1, n + 1):
                target = support_start + timedelta(days=span * (v - 1) // n)
                meeting = self.held_meeting("multi_agency", previous_day, target)
                if meeting is None:
                    meeting = self.held_meeting(
                        "multi_agency", max(previous_day, target), until, latest=False
                    )
                created = max(
                    previous_day,
                    (meeting.day if meeting else target) - timedelta(days=rng.randint(7, 40)),
                )
                every = rng.choice((1, 3, 3, 3, 6, 6))
                if meeting is not None:
                    start = meeting.day
                    plan = PlanSpec(
                        plan_id,
                        v,
                        PlanStatus.MONITORING.value,
                        created,
                        meeting.id,
                        start,
                        add_months(start, 12),
                        every,
                        until,
                        start,
                        author,
                    )
                    decisions: list[tuple[str, dict[str, object]]] = [
                        ("plan_approval", {"planId": plan_id})
                    ]
                    if rng.random() < 0.5:
                        decisions.append(("monitoring_period", {"everyMonths": every}))
                    meeting.items.append(
                        AgendaSpec(
                            case.idx,
                            "plan_review",
                            texts.AGENDA_SUMMARIES[1],
                            plan_id,
                            decisions,
                            rng.random() < 0.25,
                        )
                    )
                    previous_day = start + timedelta(days=1)
                else:
                    plan = PlanSpec(
                        plan_id,
                        v,
                        PlanStatus.DRAFT.value,
                        created,
                        None,
                        None,
                        None,
                        every,
                        until,
                        None,
                        author,
                    )
                if case.plans:
                    before = case.plans[-1]
                    before.status = PlanStatus.REPLACED.value
                    before.changed = created
                    before.until = min(before.until, created)
                case.plans.append(plan)
                plan_id += 1
            last = case.plans[-1]
            if last.meeting_id is not None:
                if case.status is S.CLOSED:
                    last.status, last.changed = PlanStatus.CLOSED.value, case.end
                elif case.status in (S.SUSPENDED, S.ASSESSMENT, S.SCREENING):
                    last.status = PlanStatus.SUSPENDED.value
                    last.changed = next(
                        (ch[2] for ch in reversed(case.changes) if ch[1] == "suspended"), until
                    )
            elif case.status is S.CLOSED:
                # A draft left behind when the case closed: replaced by nothing, closed with it.
                last.status, last.changed = PlanStatus.REPLACED.value, case.end

    # ------------------------------------------------------------------ consent

    def _consents(self) -> None:
        rng = self.rng("consents")
        fresh = Weighted(
            {"given": 0.55, "refused": 0.13, "none": 0.25, "withdrawn": 0.04, "expired": 0.03}
        )
        supported = Weighted({"given": 0.85, "withdrawn": 0.08, "expired": 0.07})
        consent_id = self.next_ids("consents")
        for case in self.cases:
            if case.consent_state == "none" and not case.plans and S.IN_SUPPORT not in case.reached:
                case.consent_state = fresh(rng)
            elif case.plans or S.IN_SUPPORT in case.reached:
                case.consent_state = supported(rng)
            if any(p.status == PlanStatus.PROPOSED.value for p in case.plans):
                case.consent_state = "given"  # it is on a 重層的支援会議's agenda
            approvals = [p.start for p in case.plans if p.start is not None]
            latest_needed = max(approvals, default=case.intake)
            first_needed = min(approvals, default=self.window_end(case))
            decided = case.intake + timedelta(days=rng.randint(0, 30))
            decided = max(case.intake, min(decided, first_needed, self.yesterday))
            state = case.consent_state
            lead_actor = self.actor(
                rng, case.lead_org if rng.random() < 0.5 else self.coordinator_org(case.area)
            ).id
            main = case.members[0]
            team_orgs = [t[0] for t in case.team]
            if state == "none":
                continue
            if rng.random() < 0.12 and state != "refused" and decided > case.intake:
                case.consents.append(
                    ConsentSpec(
                        consent_id,
                        main.id,
                        "refused",
                        case.intake,
                        "oral",
                        "self",
                        None,
                        False,
                        [],
                        None,
                        lead_actor,
                        superseded_on=decided,
                    )
                )
                consent_id += 1
            valid_until: date | None = None
            withdrawn: date | None = None
            if state == "expired":
                low = max(latest_needed, decided) + timedelta(days=30)
                if low < self.yesterday:
                    valid_until = low + timedelta(days=rng.randint(0, (self.yesterday - low).days))
                else:
                    state = "given"
            if state == "withdrawn":
                low = max(
                    latest_needed, decided, case.changes[-1][2] if case.changes else decided
                ) + timedelta(days=1)
                if low <= self.yesterday:
                    withdrawn = low + timedelta(
                        days=rng.randint(0, min(365, (self.yesterday - low).days))
                    )
                else:
                    state = "given"
            if state == "given" and rng.random() < 0.4:
                valid_until = date(fiscal_year(self.today) + rng.randint(1, 3), 3, 31)
            case.consent_state = state
            guardian = None
            given_by = "self"
            if main.age < 18:
                given_by = "guardian"
                adults = [m for m in case.members if m.age >= 18]
                guardian = adults[0].name if adults else "保護者"
            whole = state == "refused" or rng.random() < 0.8 or not team_orgs
            scope = (
                []
                if whole
                else sorted(set(rng.sample(team_orgs, min(len(team_orgs), rng.randint(1, 3)))))
            )
            if state == "refused":
                whole = False
            case.consents.append(
                ConsentSpec(
                    consent_id,
                    main.id,
                    "refused" if state == "refused" else "given",
                    decided,
                    "written" if rng.random() < 0.7 else "oral",
                    given_by,
                    guardian,
                    whole,
                    scope,
                    valid_until,
                    lead_actor,
                    withdrawn_on=withdrawn,
                )
            )
            consent_id += 1
            for member in case.members[1:]:
                roll = rng.random()
                if roll < 0.45 and state != "refused":
                    minor = member.age < 18
                    case.consents.append(
                        ConsentSpec(
                            consent_id,
                            member.id,
                            "given",
                            decided,
                            "written" if rng.random() < 0.7 else "oral",
                            "guardian" if minor else "self",
                            main.name if minor else None,
                            True,
                            [],
                            valid_until,
                            lead_actor,
                        )
                    )
                    consent_id += 1
                elif roll < 0.55:
                    case.consents.append(
                        ConsentSpec(
                            consent_id,
                            member.id,
                            "refused",
                            decided,
                            "oral",
                            "self",
                            None,
                            False,
                            [],
                            None,
                            lead_actor,
                        )
                    )
                    consent_id += 1

    def consent_in_force(self, case: CaseSpec, day: date) -> bool:
        for c in case.consents:
            if c.member_id != case.members[0].id or c.superseded_on is not None:
                continue
            return (
                c.decision == "given"
                and c.decided_on <= day
                and (c.withdrawn_on is None or day < c.withdrawn_on)
                and (c.valid_until is None or day <= c.valid_until)
            )
        return False

    # ------------------------------------------------------------------ meetings for cases

    def _status_meetings(self) -> None:
        """Most closings and suspensions of supported cases are decided at a case meeting."""
        rng = self.rng("status-meetings")
        for case in self.cases:
            for i, (frm, to, day, _mid, reason) in enumerate(case.changes):
                if to not in ("closed", "suspended") or frm == "received" or rng.random() > 0.6:
                    continue
                low = case.changes[i - 1][2] if i > 0 else case.intake
                approvals = [p.start for p in case.plans if p.start is not None]
                low = max([low, *approvals])
                kind = "multi_agency" if self.consent_in_force(case, day) else "support"
                meeting = self.held_meeting(kind, low, day)
                if meeting is None:
                    continue
                case.changes[i] = (frm, to, meeting.day, meeting.id, reason)
                if to == "closed":
                    old_end, case.end = case.end, meeting.day
                    case.team = [
                        (
                            org,
                            min(start, meeting.day),
                            meeting.day if end == old_end else end,
                            role,
                            by,
                        )
                        for org, start, end, role, by in case.team
                    ]
                    for plan in case.plans:
                        plan.until = min(plan.until, meeting.day)
                        if plan.status == PlanStatus.CLOSED.value:
                            plan.changed = meeting.day
                purpose = "closing" if to == "closed" else "information_sharing"
                if to == "closed" and case.plans:
                    purpose = "plan_evaluation"
                meeting.items.append(
                    AgendaSpec(
                        case.idx,
                        purpose,
                        texts.AGENDA_SUMMARIES[3 if to == "closed" else 0],
                        None,
                        [("close_case" if to == "closed" else "suspend_case", {"reason": reason})],
                        rng.random() < 0.25,
                    )
                )

    def _monitoring(self) -> None:
        """Monitoring done on (most of) an approved plan's due dates while it was in force."""
        rng = self.rng("monitoring")
        for case in self.cases:
            for plan in case.plans:
                if plan.start is None or plan.end is None or plan.every is None:
                    continue
                last_day = min(plan.end, plan.until, self.yesterday)
                for due in monitoring_due_dates(plan.start, plan.every, last_day):
                    if rng.random() < 0.85:
                        day = min(last_day, due + timedelta(days=rng.randint(-7, 10)))
                        plan.monitored.append(max(plan.start, day))
                if plan.status == PlanStatus.MONITORING.value:
                    after = max(plan.monitored) if plan.monitored else plan.start
                    plan.next_due = next(
                        (
                            d
                            for d in monitoring_due_dates(plan.start, plan.every, plan.end)
                            if d > after
                        ),
                        None,
                    )

    def _support_meetings(self) -> None:
        """Cases without consent are shared only inside a 支援会議 (Art. 106-6)."""
        rng = self.rng("support-meetings")
        for case in self.cases:
            if case.consent_state not in ("none", "refused") or S.SCREENING not in case.reached:
                continue
            if rng.random() > 0.5:
                continue
            begin = case.reached[S.SCREENING]
            meeting = self.held_meeting("support", begin, self.window_end(case), latest=False)
            if meeting is None:
                continue
            decisions: list[tuple[str, dict[str, object]]] = [
                ("support_policy", {"policy": texts.pick(rng, texts.POLICIES)})
            ]
            purpose = "information_sharing"
            if case.team and rng.random() < 0.4:
                org, _start, _end, role, _by = case.team[rng.randrange(len(case.team))]
                decisions.append(("role_assignment", {"org": org, "role": role}))
                purpose = "role_assignment"
            meeting.items.append(
                AgendaSpec(
                    case.idx,
                    purpose,
                    texts.AGENDA_SUMMARIES[0],
                    None,
                    decisions,
                    rng.random() < 0.25,
                )
            )

    # ------------------------------------------------------------------ contacts and referrals

    def _activity(self) -> None:
        rng = self.rng("activity")
        timeline_w = []
        referral_w = []
        for case in self.cases:
            stage = max((STAGE.get(s, 0) for s in case.reached), default=0)
            years = max(0, (self.window_end(case) - case.intake).days) / 365
            timeline_w.append(1 + stage * 2 + years * 3)
            referral_w.append(0.3 + stage + years)
        for case, n in zip(
            self.cases, allocate(rng, self.counts.timeline, timeline_w), strict=True
        ):
            case.timeline = n
        for case, n in zip(
            self.cases, allocate(rng, self.counts.referrals, referral_w), strict=True
        ):
            case.referrals = n


def _as_time(value: object) -> time:
    if isinstance(value, time):
        return value
    return time.fromisoformat(str(value)[:8])


def _household(rng: random.Random, primary: str) -> list[tuple[str, int, bool]]:
    """Relationship to the main person, age at intake and sex, main person first."""

    def sex() -> bool:
        return rng.random() < 0.5

    def child(parent_age: int) -> tuple[str, int, bool]:
        female = sex()
        age = max(0, min(parent_age - 20, rng.randint(0, 14)))
        return ("長女" if female else "長男", age, female)

    if primary == "c8050":
        main_age = rng.randint(45, 62)
        h = [("本人", main_age, rng.random() < 0.35)]
        if rng.random() < 0.8:
            h.append(("母", main_age + rng.randint(24, 36), True))
        if rng.random() < 0.35:
            h.append(("父", main_age + rng.randint(26, 38), False))
        return h
    if primary == "nursing_care":
        main_age, female = rng.randint(70, 95), sex()
        h = [("本人", main_age, female)]
        if rng.random() < 0.55:
            h.append(("夫" if female else "妻", main_age + rng.randint(-5, 5), not female))
        if rng.random() < 0.25:
            f = sex()
            h.append(("長女" if f else "長男", main_age - rng.randint(25, 35), f))
        return h
    if primary == "young_carer":
        main_age, female = rng.randint(10, 17), sex()
        h = [("本人", main_age, female)]
        h.append(
            ("母", main_age + rng.randint(25, 38), True)
            if rng.random() < 0.75
            else ("父", main_age + rng.randint(27, 40), False)
        )
        if rng.random() < 0.6:
            f = sex()
            h.append(("妹" if f else "弟", max(1, main_age - rng.randint(2, 8)), f))
        if rng.random() < 0.3:
            h.append(("祖母", main_age + rng.randint(55, 70), True))
        return h
    if primary == "double_care":
        main_age = rng.randint(32, 50)
        h = [("本人", main_age, True)]
        for _ in range(rng.randint(1, 2)):
            h.append(child(main_age))
        if rng.random() < 0.9:
            f = rng.random() < 0.6
            h.append(("母" if f else "父", main_age + rng.randint(25, 38), f))
        return h
    if primary in ("child_rearing", "single_parent", "abuse_dv"):
        main_age = rng.randint(22, 45)
        h = [("本人", main_age, rng.random() < 0.85)]
        if primary == "child_rearing" and rng.random() < 0.5:
            h.append(("夫" if h[0][2] else "妻", main_age + rng.randint(-3, 6), not h[0][2]))
        for _ in range(rng.randint(0 if primary == "abuse_dv" else 1, 2)):
            h.append(child(main_age))
        return h
    if primary in ("truancy", "delinquency", "school_dropout"):
        main_age = rng.randint(7, 17)
        h = [("本人", main_age, sex())]
        if rng.random() < 0.9:
            h.append(("母", main_age + rng.randint(25, 40), True))
        if rng.random() < 0.5:
            h.append(("父", main_age + rng.randint(27, 42), False))
        if rng.random() < 0.3:
            f = sex()
            h.append(("姉" if f else "兄", main_age + rng.randint(1, 5), f))
        return h
    if primary == "social_isolation":
        main_age = rng.randint(25, 50)
        h = [("本人", main_age, rng.random() < 0.3)]
        if rng.random() < 0.7:
            h.append(("母", main_age + rng.randint(24, 35), True))
        if rng.random() < 0.4:
            h.append(("父", main_age + rng.randint(26, 38), False))
        return h
    main_age, female = rng.randint(20, 90), sex()
    h = [("本人", main_age, female)]
    if rng.random() < 0.35:
        h.append(("夫" if female else "妻", max(18, main_age + rng.randint(-5, 5)), not female))
    if main_age < 60 and rng.random() < 0.15:
        h.append(("母", main_age + rng.randint(24, 35), True))
    if main_age > 40 and rng.random() < 0.2:
        f = sex()
        h.append(("長女" if f else "長男", main_age - rng.randint(22, 35), f))
    return h
