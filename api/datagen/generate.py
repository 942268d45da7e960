"""Fill a database with a generated city: the entry point of ``python -m api.cli generate-data``."""

import time
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from api import migrate
from api.auth.passwords import hash_password
from api.clock import today as clock_today
from api.datagen import tables
from api.datagen.loader import BulkLoader, TableStat
from api.datagen.master import Org, read_master
from api.datagen.names import build_pool
from api.datagen.world import Counts, World
from api.db import Database
from api.models import Case
from api.services import seeding
from api.services.case_access import readable_filter
from domain.access import Dept, Principal, PrincipalKind, Role, check_role_set, scopes_for

# Tables whose integer ids the generator gives out itself.
ID_TABLES = (
    "cases",
    "case_members",
    "case_categories",
    "team_memberships",
    "consents",
    "case_status_changes",
    "meetings",
    "attendees",
    "support_plans",
    "plan_goals",
    "plan_items",
    "monitoring_records",
    "meeting_requests",
    "agenda_items",
    "decisions",
    "referrals",
    "referral_events",
    "timeline_entries",
    "audit_events",
)


class GenerateRefused(Exception):
    """The database already holds cases and --force was not given."""


@dataclass(frozen=True)
class Options:
    database_url: str
    households: int = 100_000
    seed: int = 1
    force: bool = False
    today: date | None = None
    audit: bool = True
    progress: bool = True


@dataclass(frozen=True)
class KnownLogin:
    username: str
    roles: str
    org: str
    readable_cases: int | None


@dataclass
class Result:
    counts: Counts
    stats: list[TableStat]
    prepare_seconds: float
    load_seconds: float
    analyze_seconds: float
    fk_check_seconds: float
    total_seconds: float
    known: list[KnownLogin] = field(default_factory=list)
    password: str = seeding.DEMO_PASSWORD

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.stats)


def prepare_database(url: str) -> None:
    """As the product does it: migrate to head and load the master data."""
    migrate.upgrade(url)
    db = Database(url)
    try:
        with db.sessions() as session, session.begin():
            seeding.seed_master_data(session)
    finally:
        db.dispose()


def generate(options: Options) -> Result:
    started = time.perf_counter()
    if options.households < 1:
        raise ValueError("--households must be at least 1")
    prepare_database(options.database_url)
    day = options.today or clock_today()
    counts = Counts.for_households(options.households)
    loader = BulkLoader(options.database_url, progress=options.progress)
    try:
        existing_cases = int(loader.scalar("SELECT COUNT(*) FROM cases"))
        if existing_cases and not options.force:
            raise GenerateRefused(
                f"the database already holds {existing_cases} cases; use --force to add more"
            )
        master = read_master(loader)
        world = World(
            seed=options.seed,
            counts=counts,
            master=master,
            today=day,
            names=build_pool(options.seed),
            first_ids={t: loader.next_id(t) for t in ID_TABLES},
            counters={
                int(fy): int(n)
                for fy, n in loader.rows(
                    "SELECT fiscal_year, last_number FROM case_number_counters"
                )
            },
            existing_users={
                name: uid for uid, name in loader.rows("SELECT id, username FROM users")
            },
            existing_orgs={code for (code,) in loader.rows("SELECT code FROM organizations")},
        )
        world.build(known_users(master.orgs))
        prepared = time.perf_counter()
        password_hash = hash_password(seeding.DEMO_PASSWORD)
        with loader:
            for table in _tables(world, password_hash, options.audit):
                total = table.count()
                loaded = loader.load(table.name, table.columns, table.rows, total)
                if loaded != total:
                    raise RuntimeError(f"{table.name}: {loaded} rows written, {total} meant")
            _store_counters(loader, world)
            loader.check_foreign_keys()
            loader.reset_sequences()
        loaded_at = time.perf_counter()
        analyze_seconds = loader.analyze()
    finally:
        loader.close()
    known = readable_counts(options.database_url, world, day)
    finished = time.perf_counter()
    return Result(
        counts=counts,
        stats=loader.stats,
        prepare_seconds=prepared - started,
        load_seconds=loaded_at - prepared,
        analyze_seconds=analyze_seconds,
        fk_check_seconds=loader.fk_check_seconds,
        total_seconds=finished - started,
        known=known,
    )


def known_users(orgs: dict[str, Org]) -> list[tuple[str, str, str, list[str], str | None]]:
    """The demo log-ins (api.services.seeding.DEMO_USERS) whose org units exist here, checked
    against the same role rules as any account."""
    known = []
    for username, display, org_code, roles, area in seeding.DEMO_USERS:
        org = orgs.get(org_code)
        if org is None:
            continue
        check_role_set(roles, Dept(org.department), area)
        known.append((username, display, org_code, [r.value for r in roles], area))
    return known


def _tables(world: World, password_hash: str, audit: bool) -> list[tables.Table]:
    """Every table in an order that satisfies the foreign keys."""
    meeting_rows = tables.meeting_rows(world)
    referrals, referral_events = tables.referral_tables(world)
    out = [
        tables.organizations(world),
        tables.users(world, password_hash),
        tables.cases(world),
        tables.case_members(world),
        tables.case_search_grams(world),
        tables.case_categories(world),
        tables.team_memberships(world),
        tables.consents(world),
        tables.consent_scope_orgs(world),
        tables.meetings(world),
        tables.attendees(world),
        tables.support_plans(world),
        tables.plan_goals(world),
        tables.plan_items(world),
        tables.monitoring_records(world),
        tables.meeting_requests(meeting_rows),
        tables.agenda_items(meeting_rows),
        tables.decisions(meeting_rows),
        tables.case_status_changes(world),
        referrals,
        referral_events,
        tables.timeline_entries(world),
    ]
    if audit:
        out.append(tables.audit_events(world))
    return out


def _store_counters(loader: BulkLoader, world: World) -> None:
    """The case-number counters end where the generated numbers end, so that the next intake
    through the API takes the number after them."""
    existing = {int(fy) for (fy,) in loader.rows("SELECT fiscal_year FROM case_number_counters")}
    for fy, last in sorted(world.counters.items()):
        if fy in existing:
            loader.execute(
                "UPDATE case_number_counters SET last_number = ? WHERE fiscal_year = ?", (last, fy)
            )
        else:
            loader.execute(
                "INSERT INTO case_number_counters (fiscal_year, last_number) VALUES (?, ?)",
                (fy, last),
            )


def readable_counts(url: str, world: World, day: date) -> list[KnownLogin]:
    """How many cases each known log-in may read (the product's own access filter)."""
    db = Database(url)
    out = []
    try:
        with db.sessions() as session:
            for username, _display, org_code, roles, area in known_users(world.master.orgs):
                user = next(u for u in world.users if u.username == username)
                role_set = frozenset(Role(r) for r in roles)
                principal = Principal(
                    sub=user.id,
                    kind=PrincipalKind.USER,
                    org=org_code,
                    dept=Dept(world.master.orgs[org_code].department),
                    roles=role_set,
                    scopes=scopes_for(role_set),
                    area=area,
                )
                count = None
                if not role_set & {Role.ADMIN, Role.AUDITOR}:
                    count = session.scalar(
                        select(func.count(Case.id)).where(readable_filter(principal, day))
                    )
                out.append(KnownLogin(username, "+".join(roles), org_code, count))
    finally:
        db.dispose()
    return out


def report(result: Result) -> str:
    """Rows and rows per second per table, the total, and the known log-ins."""
    lines = [
        f"{'table':<22} {'rows':>11} {'seconds':>9} {'rows/s':>10}",
        "-" * 55,
    ]
    for s in result.stats:
        lines.append(f"{s.table:<22} {s.rows:>11,} {s.seconds:>9.1f} {s.rate:>10,.0f}")
    lines += [
        "-" * 55,
        f"{'loaded':<22} {result.rows:>11,} {result.load_seconds:>9.1f} "
        f"{result.rows / max(result.load_seconds, 1e-9):>10,.0f}",
        f"planning the data {result.prepare_seconds:.1f} s (incl. migrate + seed), "
        f"foreign-key check {result.fk_check_seconds:.1f} s (in 'loaded'), "
        f"(VACUUM) ANALYZE {result.analyze_seconds:.1f} s, "
        f"total {result.total_seconds:.1f} s ({result.rows / result.total_seconds:,.0f} rows/s)",
        "",
        f"known log-ins (password for all: {result.password})",
    ]
    for k in result.known:
        sees = (
            "no case content" if k.readable_cases is None else f"reads {k.readable_cases:,} cases"
        )
        lines.append(f"  {k.username:<26} {k.roles:<12} {k.org:<20} {sees}")
    lines.append("  (every generated staff account, gen.<org>.<n>, has the same password)")
    return "\n".join(lines)
