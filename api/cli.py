"""Command line: ``python -m api.cli <command>``.

migrate                 bring the database schema to the newest revision
seed                    load Kokubunji's master data (idempotent)
create-admin USERNAME   create an IT administrator (password from TSUNAGU_ADMIN_PASSWORD or a prompt)
create-client NAME ORG  create a partner agency's API client; prints its secret once
demo                    migrate, seed, load the demo set and print the demo log-ins
serve [--demo]          migrate, seed (and demo) and serve at http://127.0.0.1:8000
  [--workers N]         … in N processes (default TSUNAGU_WORKERS, else 1)
backup FILE             write a backup of the database (SQLite backup API / pg_dump)
restore FILE            restore a backup into an empty database (SQLite file / pg_restore)
generate-data           fill a database with generated cases for benchmarks (dev packages)
"""

import argparse
import getpass
import os
import sys
from datetime import date
from pathlib import Path

from api import backup, migrate
from api.auth.passwords import MIN_PASSWORD_LENGTH
from api.clock import today
from api.db import Database
from api.services import seeding
from api.services.demo import seed_demo_cases
from api.settings import get_settings
from domain.access import Role, RoleSetError


def _database_url() -> str:
    """The configured database (TSUNAGU_*); for the embedded default, its directory exists."""
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings.resolved_database_url


def _database() -> Database:
    return Database(_database_url())


def cmd_migrate(_args: argparse.Namespace) -> int:
    migrate.upgrade(_database().url)
    print("database schema is up to date")
    return 0


def cmd_seed(_args: argparse.Namespace) -> int:
    db = _database()
    migrate.upgrade(db.url)
    with db.sessions() as session, session.begin():
        seeding.seed_master_data(session)
    print("master data loaded")
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    password = os.environ.get("TSUNAGU_ADMIN_PASSWORD") or getpass.getpass("password: ")
    if len(password) < MIN_PASSWORD_LENGTH:
        print(f"the password must be at least {MIN_PASSWORD_LENGTH} characters", file=sys.stderr)
        return 2
    db = _database()
    migrate.upgrade(db.url)
    with db.sessions() as session, session.begin():
        seeding.seed_master_data(session)
        try:
            user = seeding.create_user(
                session,
                username=args.username,
                display_name=args.display_name or args.username,
                password=password,
                org_code=args.org,
                roles=[Role.ADMIN],
                email=args.email,
            )
        except (ValueError, RoleSetError) as exc:
            print(f"cannot create the administrator: {exc}", file=sys.stderr)
            return 2
    print(f"administrator {args.username} created (id {user.id})")
    return 0


def cmd_create_client(args: argparse.Namespace) -> int:
    db = _database()
    with db.sessions() as session, session.begin():
        try:
            client, secret = seeding.create_api_client(session, name=args.name, org_code=args.org)
        except ValueError as exc:
            print(f"cannot create the client: {exc}", file=sys.stderr)
            return 2
    print(f"client_id={client.client_id}\nclient_secret={secret}\n(the secret is shown only once)")
    return 0


def load_demo(db: Database) -> list[seeding.DemoLogin]:
    migrate.upgrade(db.url)
    with db.sessions() as session, session.begin():
        seeding.seed_master_data(session)
        logins = seeding.seed_demo_users(session)
        seed_demo_cases(session, today())
    return logins


def print_logins(logins: list[seeding.DemoLogin]) -> None:
    print(f"\nデモ用ログイン / demo log-ins (password for all: {seeding.DEMO_PASSWORD})")
    for login in logins:
        print(f"  {login.username:<26} {login.role:<12} {login.org}")
    print()


def cmd_demo(_args: argparse.Namespace) -> int:
    print_logins(load_demo(_database()))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    db = _database()
    if args.demo:
        print_logins(load_demo(db))
    else:
        migrate.upgrade(db.url)
        with db.sessions() as session, session.begin():
            seeding.seed_master_data(session)
    db.dispose()
    settings = get_settings()
    workers = args.workers or settings.workers
    if workers > 1 and settings.rate_limit_storage.startswith("memory"):
        print(
            f"note: {workers} processes each count log-in attempts per address on their own; "
            "set TSUNAGU_RATE_LIMIT_STORAGE=redis://… to share the counters",
            file=sys.stderr,
        )
    print(
        f"Tsunagu: http://{args.host}:{args.port}/  (API docs: http://{args.host}:{args.port}/docs)"
        + (f"  {workers} processes" if workers > 1 else "")
    )
    # uvicorn's own access log prints query strings, and a name search carries names in its query:
    # api.middleware writes the access log instead, without them.
    # On SIGTERM uvicorn stops accepting, lets requests in flight finish (up to 20 s), then exits.
    uvicorn.run(
        "api.main:app",
        host=args.host,
        port=args.port,
        proxy_headers=False,
        access_log=False,
        timeout_graceful_shutdown=20,
        workers=workers,
    )
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    settings = get_settings()
    try:
        backup.backup(settings.resolved_database_url, Path(args.file))
    except backup.BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backup written to {args.file}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        backup.restore(settings.resolved_database_url, Path(args.file))
    except backup.BackupError as exc:
        print(f"restore failed: {exc}", file=sys.stderr)
        return 1
    print(f"restored {args.file}; run `python -m api.cli migrate` if the backup is older")
    return 0


def cmd_generate_data(args: argparse.Namespace) -> int:
    # Faker and tqdm are development packages: the product never imports api.datagen.
    from api.datagen.generate import GenerateRefused, Options, generate, report

    options = Options(
        database_url=args.database_url or _database_url(),
        households=args.households,
        seed=args.seed,
        force=args.force,
        today=args.today,
        audit=not args.no_audit,
        progress=not args.quiet,
    )
    try:
        result = generate(options)
    except GenerateRefused as exc:
        print(f"not generating: {exc}", file=sys.stderr)
        return 2
    print(report(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m api.cli",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate").set_defaults(func=cmd_migrate)
    sub.add_parser("seed").set_defaults(func=cmd_seed)
    admin = sub.add_parser("create-admin")
    admin.add_argument("username")
    admin.add_argument("--display-name")
    admin.add_argument("--email")
    admin.add_argument("--org", default="it_admin")
    admin.set_defaults(func=cmd_create_admin)
    client = sub.add_parser("create-client")
    client.add_argument("name")
    client.add_argument("org")
    client.set_defaults(func=cmd_create_client)
    sub.add_parser("demo").set_defaults(func=cmd_demo)
    serve = sub.add_parser("serve")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true")
    serve.add_argument(
        "--workers", type=int, help="server processes (default TSUNAGU_WORKERS, else 1)"
    )
    serve.set_defaults(func=cmd_serve)
    for name, func in (("backup", cmd_backup), ("restore", cmd_restore)):
        command = sub.add_parser(name)
        command.add_argument("file")
        command.set_defaults(func=func)
    gen = sub.add_parser(
        "generate-data",
        help="fill a database with generated cases (benchmarks)",
        description="Migrate and seed the database, then load a generated city: by default "
        "100,000 households, 250,000 members, 1,000,000 timeline entries, 200,000 referrals, "
        "30,000 support plans and 5,000 meetings over ten fiscal years (the other counts scale "
        "with --households), plus the demo log-ins.",
    )
    gen.add_argument("--households", type=int, default=100_000)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--database-url", help="default: the configured database (TSUNAGU_*)")
    gen.add_argument("--force", action="store_true", help="add to a database that has cases")
    gen.add_argument(
        "--today", type=date.fromisoformat, help="the generated history ends the day before"
    )
    gen.add_argument("--no-audit", action="store_true", help="no audit events")
    gen.add_argument("--quiet", action="store_true", help="no progress bars")
    gen.set_defaults(func=cmd_generate_data)
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
