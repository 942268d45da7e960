"""Load benchmark of the service (a script, not a test): docs/benchmarks.md has the figures.

    .venv/bin/python tests/benchmarks/run.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/tsunagu_bench \\
        --small-database-url postgresql+psycopg://postgres@127.0.0.1:5432/tsunagu_bench_small

Fill the databases first with ``python -m api.cli generate-data`` (100,000 and 1,000 households).
The service runs in processes of its own, as ``python -m api.cli serve --workers N`` runs it (by
default one uvicorn process per core, ``--workers``); wrk drives it from another process at a
fixed concurrency (Debian: ``apt-get install wrk``). For every endpoint it prints p50 / p95 / p99
latency and requests per second; a bare FastAPI endpoint returning a JSON body of the same size,
without database or middleware, in as many processes, is measured in the same run, and each
endpoint's throughput is printed as a share of it; the reads are measured again with the audit
trail's writes switched off (the audit log's cost), and every endpoint on the small database
(growth). All four servers run at once and each endpoint's variants take turns, round after round
(``--rounds``), so that the machine's changes of speed during a run reach them alike. Writes add
rows (timeline entries, referrals).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from sqlalchemy import create_engine, select

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from api.models import Referral  # noqa: E402
from domain.referrals import OPEN_STATUSES  # noqa: E402

DEMO_PASSWORD = "tsunagu-demo-2026"

# wrk runs this per connection; done() prints one line the script parses.
LUA = r"""
local requests = {}
%(requests)s
local method = "%(method)s"
local headers = %(headers)s
local sequential = %(sequential)s
local threads = 0
local counter = 0
setup = function(thread)
  thread:set("id", threads)
  threads = threads + 1
end
init = function(args)
  math.randomseed(os.time() + 7919 * (id or 0))
  -- writes take the requests in turn, each thread of the warm-up (part 0) and of each measured
  -- round (parts 1 to n) from a slice of its own: no request is sent twice (a second referral
  -- of the same case to the same org is a 409)
  local part, per_run = tonumber(args[1] or "0"), tonumber(args[2] or "1")
  local parts = tonumber(args[3] or "2")
  counter = math.floor(#requests * (part * per_run + (id or 0)) / (parts * per_run))
end
request = function()
  local r
  if sequential then
    counter = counter + 1
    r = requests[counter %% #requests + 1]
  else
    r = requests[math.random(#requests)]
  end
  return wrk.format(method, r[1], headers, r[2])
end
done = function(summary, latency, _requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "non2xx": %%d, "socket_errors": %%d, '
    .. '"p50": %%d, "p95": %%d, "p99": %%d, "max": %%d, "mean": %%.1f}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    latency.mean))
end
"""


@dataclass
class Scenario:
    name: str
    kind: str  # read, write, login, report
    method: str
    requests: Sequence[tuple[str, str | None]]  # (path, body)
    headers: dict[str, str]
    concurrency: int
    body_bytes: int = 0
    results: dict[str, dict[str, Any]] = field(default_factory=dict)


def lua_string(value: str) -> str:
    """A Lua string literal; every byte outside printable ASCII as a decimal escape (LuaJIT)."""
    out = []
    for byte in value.encode():
        char = chr(byte)
        out.append(char if 32 <= byte < 127 and char not in '"\\' else f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def write_lua(scenario: Scenario, directory: Path) -> Path:
    lines = []
    for request_path, body in scenario.requests:
        lua_body = "nil" if body is None else lua_string(body)
        lines.append(f"requests[#requests + 1] = {{{lua_string(request_path)}, {lua_body}}}")
    headers = (
        "{"
        + ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in scenario.headers.items())
        + "}"
    )
    script = LUA % {
        "requests": "\n".join(lines),
        "method": scenario.method,
        "headers": headers,
        "sequential": "true" if scenario.kind == "write" else "false",
    }
    path = directory / f"{scenario.name.replace(' ', '_')}.lua"
    path.write_text(script)
    return path


def run_wrk(
    base: str, script: Path, concurrency: int, seconds: float, part: int, parts: int
) -> dict[str, Any]:
    """``part`` of ``parts``: 0 for a warm-up, then one per measured round (each writes requests
    of its own)."""
    threads = max(1, min(2, concurrency))
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{concurrency}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "60s",
        "-s",
        str(script),
        base,
        "--",
        str(part),
        str(threads),
        str(parts),
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stdout}{done.stderr}")
    line = lines[0]
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


class Server:
    """A server process from tests/benchmarks/server.py, its log in a file."""

    def __init__(self, kind: str, port: int, env: dict[str, str], log: Path, *extra: str):
        self.base = f"http://127.0.0.1:{port}"
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "server.py"), kind, "--port", str(port), *extra],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        health = "/bare" if kind == "bare" else "/healthz"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the {kind} server exited; see {log}")
            try:
                if httpx.get(self.base + health, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"the {kind} server did not start; see {log}")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def product_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TSUNAGU_DATABASE_URL=database_url,
        TSUNAGU_JWT_SECRET="benchmark-only-secret-not-for-production-0123456789",
        TSUNAGU_TOKEN_RATE_LIMIT="1000000/minute",
        TSUNAGU_LOG_FORMAT="json",
        TSUNAGU_ACCESS_TOKEN_MINUTES="120",
    )
    return env


def login(base: str, username: str, password: str) -> dict[str, str]:
    response = httpx.post(
        base + "/auth/token",
        data={"grant_type": "password", "username": username, "password": password},
        timeout=30,
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def get(base: str, path: str, headers: dict[str, str], **params: Any) -> Any:
    response = httpx.get(base + path, params=params, headers=headers, timeout=120)
    response.raise_for_status()
    return response.json()


def get_pages(
    base: str, path: str, headers: dict[str, str], enough: int | None = None
) -> list[dict[str, Any]]:
    """The items of a paginated list, following its cursor to the end (or to ``enough``)."""
    items: list[dict[str, Any]] = []
    cursor = None
    while enough is None or len(items) < enough:
        page = get(base, path, headers, limit=100, **({"cursor": cursor} if cursor else {}))
        items += page["items"]
        cursor = page.get("nextCursor")
        if not cursor:
            break
    return items


def fiscal_year(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def open_referrals(database_url: str) -> set[tuple[int, str]]:
    """(case, org) of the referrals still open: a new one for the same pair is a 409, and the
    data keeps the referrals earlier runs created."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(Referral.case_id, Referral.to_org_code).where(
                    Referral.status.in_(sorted(st.value for st in OPEN_STATUSES))
                )
            )
            return {(case, org) for case, org in rows}
    finally:
        engine.dispose()


def build_scenarios(
    base: str, args: argparse.Namespace, rng: random.Random, database_url: str
) -> list[Scenario]:
    """Request lists drawn from what the benchmark users can see in this database."""
    worker = login(base, args.user, args.password)
    staff = login(base, args.staff_user, args.password)
    secretariat = login(base, args.report_user, args.password)
    json_headers = {**worker, "Content-Type": "application/json"}

    cases = get_pages(base, "/cases", worker, enough=args.sample_cases)
    if not cases:
        raise SystemExit(f"{args.user} sees no cases: generate data first")
    case_ids = [c["id"] for c in cases]
    areas = sorted({c["area"] for c in cases if c.get("area")}) or [None]
    kana = sorted({(c.get("mainPersonKana") or "").split(" ")[0] for c in cases} - {""})

    meetings = get_pages(base, "/meetings", worker)  # all the caller's meetings
    rng.shuffle(meetings)
    agenda_paths = []
    for meeting in meetings:
        path = f"/meetings/{meeting['id']}/agenda-items"
        if httpx.get(base + path, headers=worker, timeout=30).status_code == 200:
            agenda_paths.append((path, None))
        if len(agenda_paths) >= 50:
            break
    if not agenda_paths:
        print(f"  warning: {args.user} may read no meeting's agenda; that endpoint is left out")

    orgs = [o["code"] for o in get(base, "/organizations", worker) if o.get("kind") == "agency"]
    today = date.today()
    report_year = fiscal_year(today) - 1

    def body(value: dict[str, Any]) -> str:
        return json.dumps(value, ensure_ascii=False)

    timeline = [
        (
            f"/cases/{rng.choice(case_ids)}/timeline",
            body(
                {
                    "occurredOn": today.isoformat(),
                    "means": "phone",
                    "function": "outreach",
                    "content": "電話で近況を確認。次回訪問の日程を調整した。",
                }
            ),
        )
        for _ in range(5000)
    ]
    # Distinct (case, org) pairs without an open referral, taken in turn (a duplicate is a 409).
    taken = open_referrals(database_url)
    every_pair = [(case, org) for case in case_ids for org in orgs if (case, org) not in taken]
    pairs = rng.sample(every_pair, min(20_000, len(every_pair)))
    # Each run leaves its referrals open: repeated runs use the pairs up, and once a run sends a
    # pair a second time its answers are 409s (cheaper, and flattering). A run sends at most
    # about 500 a second.
    if len(pairs) < (args.seconds + args.warmup) * 500:
        print(
            f"  warning: {len(pairs):,} (case, org) pairs without an open referral are left in "
            f"{database_url.rsplit('/', 1)[-1]}; a run may send some twice (409): regenerate "
            "the data (python -m api.cli generate-data)"
        )
    referrals = [
        (
            f"/cases/{case}/referrals",
            body(
                {
                    "toOrg": org,
                    "reason": "見守りと生活状況の確認",
                    "urgency": "normal",
                    "summary": "ベンチマークのつなぎ。世帯の状況を共有する。",
                }
            ),
        )
        for case, org in pairs
    ]
    list_paths = [
        ("/cases?" + urlencode({"status": s, "area": a, "limit": 50}), None)
        for s in ("in_support", "monitoring", "assessment")
        for a in areas
        if a
    ] or [("/cases?limit=50&status=in_support", None)]
    # A department's staff read few of the city's cases (rule 4: on the team, with consent):
    # their list pages walk past the cases they may not read.
    staff_list_paths = [
        ("/cases?" + urlencode({**({"status": s} if s else {}), "limit": 50}), None)
        for s in (None, "in_support", "monitoring", "closed")
    ]
    c = args.concurrency
    login_body = urlencode(
        {"grant_type": "password", "username": args.user, "password": args.password}
    )
    return [
        Scenario(
            "login",
            "login",
            "POST",
            [("/auth/token", login_body)],
            {"Content-Type": "application/x-www-form-urlencoded"},
            c,
        ),
        Scenario("case list (filters, 50)", "read", "GET", list_paths, worker, c),
        Scenario("case list, department staff (50)", "read", "GET", staff_list_paths, staff, c),
        Scenario(
            "kana name search",
            "read",
            "GET",
            [(f"/cases?q={quote(k)}&limit=50", None) for k in kana[:200]],
            worker,
            c,
        ),
        # The same searches with pages the small data fills too (about 12 households a surname
        # there): growth at equal pages, where the page of 50 compares 50 rows with 12.
        Scenario(
            "kana name search (5)",
            "read",
            "GET",
            [(f"/cases?q={quote(k)}&limit=5", None) for k in kana[:200]],
            worker,
            c,
        ),
        Scenario(
            "case detail", "read", "GET", [(f"/cases/{i}", None) for i in case_ids], worker, c
        ),
        *(
            [Scenario("meeting agenda", "read", "GET", agenda_paths, worker, c)]
            if agenda_paths
            else []
        ),
        Scenario("add timeline entry", "write", "POST", timeline, json_headers, c),
        Scenario("create referral", "write", "POST", referrals, json_headers, c),
        Scenario(
            "fiscal-year report",
            "report",
            "GET",
            [(f"/reports/statistics?fiscalYear={report_year}", None)],
            secretariat,
            args.report_concurrency,
        ),
    ]


def chosen(scenarios: list[Scenario], only: str | None) -> list[Scenario]:
    """The scenarios ``--only`` names (all when it is not given)."""
    if not only:
        return scenarios
    words = [w.strip() for w in only.split(",") if w.strip()]
    picked = [s for s in scenarios if any(w in s.name for w in words)]
    if not picked:
        raise SystemExit(f"--only {only!r} names no endpoint: {[s.name for s in scenarios]}")
    return picked


@dataclass
class Variant:
    """One way of serving an endpoint: the service on the default data, the bare endpoint, the
    service without audit writes, the service on the small data."""

    label: str
    base: str
    scenario: Scenario


def measure(
    scenario: Scenario, variants: list[Variant], args: argparse.Namespace, work: Path
) -> None:
    """Measure the variants of one endpoint in turn, round after round (``--rounds``), so that a
    change in the machine's speed during the run reaches every variant alike: the ratios between
    them (of bare, growth, audit) are then the code's, not the minute's. Each variant's figures
    are the median of its rounds' percentiles and its total requests over its total time."""
    rounds = args.rounds
    scripts = {}
    for v in variants:
        directory = work / v.label
        directory.mkdir(exist_ok=True)
        scripts[v.label] = write_lua(v.scenario, directory)
        if args.warmup:
            run_wrk(v.base, scripts[v.label], v.scenario.concurrency, args.warmup, 0, rounds + 1)
    runs: dict[str, list[dict[str, Any]]] = {v.label: [] for v in variants}
    for part in range(1, rounds + 1):
        for v in variants:
            runs[v.label].append(
                run_wrk(
                    v.base,
                    scripts[v.label],
                    v.scenario.concurrency,
                    args.seconds / rounds,
                    part,
                    rounds + 1,
                )
            )
    for v in variants:
        result = combined(runs[v.label])
        fill = page_fill(v.base, v.scenario) if v.scenario.kind == "read" else None
        if fill is not None:
            result["items"] = fill
        scenario.results[v.label] = result
        shown = f"  ({fill:.1f} items a page)" if fill is not None else ""
        print(f"  {v.label:<10} {v.scenario.name:<26} {fmt(result)}{shown}", flush=True)


def combined(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One figure from a variant's rounds: medians of the percentiles, sums of the counts."""
    total = {key: sum(r[key] for r in runs) for key in ("requests", "duration_us", "non2xx")}
    total["socket_errors"] = sum(r["socket_errors"] for r in runs)
    for key in ("p50", "p95", "p99"):
        total[key] = statistics.median(r[key] for r in runs)
    total["max"] = max(r["max"] for r in runs)
    total["mean"] = sum(r["mean"] * r["requests"] for r in runs) / max(total["requests"], 1)
    total["rps"] = total["requests"] / (total["duration_us"] / 1e6)
    total["rounds"] = [{key: r[key] for key in ("p50", "p95", "rps")} for r in runs]
    return total


def body_bytes(base: str, scenario: Scenario) -> int:
    path = scenario.requests[0][0]
    return len(httpx.get(base + path, headers=scenario.headers, timeout=120).content)


def page_fill(base: str, scenario: Scenario, sample: int = 40) -> float | None:
    """The mean number of items a list's pages held (over up to ``sample`` of its requests), or
    None for an endpoint that answers no page: a page of 5 and a page of 50 do not cost the same,
    which the growth figure must be read with."""
    counts = []
    for path, _body in scenario.requests[:sample]:
        body = httpx.get(base + path, headers=scenario.headers, timeout=120).json()
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            return None
        counts.append(len(body["items"]))
    return sum(counts) / len(counts) if counts else None


def fmt(r: dict[str, Any]) -> str:
    errors = f"  non-2xx {r['non2xx']}" if r["non2xx"] or r["socket_errors"] else ""
    return (
        f"p50 {r['p50'] / 1000:8.1f} ms  p95 {r['p95'] / 1000:8.1f} ms  "
        f"p99 {r['p99'] / 1000:8.1f} ms  {r['rps']:8.1f} req/s{errors}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL with the default data")
    parser.add_argument("--small-database-url", help="the same data at 1,000 households")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="server processes, as `serve --workers` (default: one per core)",
    )
    parser.add_argument("--report-concurrency", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="measure each endpoint's variants in turn this many times (--seconds in all each)",
    )
    parser.add_argument("--user", default="coordinator.east")
    parser.add_argument("--report-user", default="secretariat")
    parser.add_argument(
        "--staff-user",
        default="koreifukushi.staff",
        help="a department's staff member, for the department's case list",
    )
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--sample-cases", type=int, default=2000)
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--output", type=Path, help="write the figures as JSON here")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--only",
        help="measure only the endpoints whose names contain one of these comma-separated words "
        "(e.g. 'list,detail'); the summary then shows those",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")

    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="tsunagu-bench-"))
    print(f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"concurrency {args.concurrency}, {args.workers} server processes (the bare one too), "
        f"{args.seconds:g} s per endpoint, logs in {work}"
    )

    workers = ("--workers", str(args.workers))
    servers = {
        "default": Server(
            "product", args.port, product_env(args.database_url), work / "product.log", *workers
        )
    }
    try:
        servers["bare"] = Server(
            "bare", args.port + 1, dict(os.environ), work / "bare.log", *workers
        )
        servers["no-audit"] = Server(
            "product",
            args.port + 2,
            product_env(args.database_url),
            work / "product-no-audit.log",
            "--without-audit",
            *workers,
        )
        scenarios = chosen(
            build_scenarios(servers["default"].base, args, rng, args.database_url), args.only
        )
        small: dict[str, Scenario] = {}
        if args.small_database_url:
            servers["small"] = Server(
                "product",
                args.port + 3,
                product_env(args.small_database_url),
                work / "product-small.log",
                *workers,
            )
            small_scenarios = build_scenarios(
                servers["small"].base, args, random.Random(args.seed), args.small_database_url
            )
            small = {s.name: s for s in chosen(small_scenarios, args.only)}
        print(
            "\nEach endpoint in turn: the service on the default data; for reads the bare FastAPI "
            "endpoint with a body of the same size and the service without audit writes; the "
            f"service on the small data. {args.rounds} rounds, the variants taking turns."
        )
        for scenario in scenarios:
            print(f"\n{scenario.name}")
            base = servers["default"].base
            if scenario.method == "GET":
                scenario.body_bytes = body_bytes(base, scenario)
            variants = [Variant("default", base, scenario)]
            if scenario.kind == "read":
                probe = Scenario(
                    f"bare {scenario.body_bytes} B",
                    "bare",
                    "GET",
                    [(f"/bare?size={scenario.body_bytes}", None)],
                    {},
                    scenario.concurrency,
                )
                variants.append(Variant("bare", servers["bare"].base, probe))
                variants.append(Variant("no-audit", servers["no-audit"].base, scenario))
            if scenario.name in small and scenario.kind != "login":
                variants.append(Variant("small", servers["small"].base, small[scenario.name]))
            measure(scenario, variants, args, work)
    finally:
        for server in servers.values():
            server.stop()

    summary(scenarios)
    if args.output:
        args.output.write_text(
            json.dumps(
                [
                    {
                        "name": s.name,
                        "kind": s.kind,
                        "concurrency": s.concurrency,
                        "bodyBytes": s.body_bytes,
                        "results": s.results,
                    }
                    for s in scenarios
                ],
                ensure_ascii=False,
                indent=2,
            )
            + "\n"
        )
        print(f"\nfigures written to {args.output}")
    return 0


def summary(scenarios: list[Scenario]) -> None:
    target = {"read": 50.0, "write": 100.0, "report": 1000.0}
    print("\nsummary (default data)")
    header = (
        f"{'endpoint':<26} {'c':>3} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8} "
        f"{'target':>8} {'of bare':>8} {'growth':>7} {'audit':>6}"
    )
    print(header)
    print("-" * len(header))
    for s in scenarios:
        r = s.results["default"]
        p95 = r["p95"] / 1000
        goal = target.get(s.kind)
        verdict = "" if goal is None else ("ok" if p95 <= goal else "MISSED") + f" {goal:g}"
        ratio = ""
        if "bare" in s.results:
            ratio = f"{r['rps'] / s.results['bare']['rps']:.0%}"
        growth = ""
        if "small" in s.results:
            growth = f"{r['p95'] / max(s.results['small']['p95'], 1):.2f}x"
        audit = ""
        if "no-audit" in s.results:
            without = s.results["no-audit"]["p50"]
            audit = f"{(r['p50'] - without) / r['p50']:.0%}"
        print(
            f"{s.name:<26} {s.concurrency:>3} {r['p50'] / 1000:8.1f} {p95:8.1f} "
            f"{r['p99'] / 1000:8.1f} {r['rps']:8.1f} {verdict:>8} {ratio:>8} {growth:>7} "
            f"{audit:>6}"
        )
    print(
        "\ntargets: reads p95 <= 50 ms, writes p95 <= 100 ms, the report <= 1000 ms; reads >= 30% "
        "of the bare endpoint's req/s; growth (p95 default / small) <= 1.5x; audit share of a "
        "read's p50 < 20%"
    )


if __name__ == "__main__":
    sys.exit(main())
