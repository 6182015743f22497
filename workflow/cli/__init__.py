"""``python -m workflow``: administration from the shell.

Every sub-command works on ``DATABASE_URL`` (default: the embedded SQLite file).
"""
from __future__ import annotations

import argparse
import getpass
import logging
import os
import signal
import sys
import time
from pathlib import Path

from sqlalchemy import select

from workflow.cli import versions
from workflow.errors import EngineError
from workflow.runtime.deployment import BPMN_DIR, deploy_directory, deploy_file
from workflow.services import report_summary, users
from workflow.services.worker import TimerWorker
from workflow.storage import audit, audit_checkpoints, roles
from workflow.storage.audit_key import AuditKeyMissing, audit_key
from workflow.storage.db import Database
from workflow.storage.models import Organisation, User
from workflow.storage.schema import upgrade
from workflow.timekeeping.deadlines import invalidate_calendar
from workflow.timekeeping.holidays import import_holidays, seed_from_chinese_calendar


def _db(args) -> Database:
    return Database(args.database)


def cmd_db_upgrade(args) -> int:
    db = _db(args)
    upgrade(db)
    with db.transaction() as session:
        added = seed_from_chinese_calendar(session)
    print(f"database at newest schema ({db.url}); {added} holiday rows added")
    return 0


def cmd_db_rebuild_report_summary(args) -> int:
    """After rows were written in SQL by hand: the summary follows commands only (report_summary)."""
    db = _db(args)
    with db.transaction() as session:
        rows = report_summary.rebuild(session)
    print(f"report summary rebuilt: {rows} rows")
    return 0


def cmd_deploy(args) -> int:
    db = _db(args)
    with db.transaction() as session:
        results = [deploy_file(session, p, "cli") for p in args.files] if args.files else deploy_directory(session)
    for r in results:
        print(f"{r.process_id}: version {r.version} ({'deployed' if r.created else 'unchanged'})")
    return 0


def cmd_demo(args) -> int:
    from workflow.cli.demo import load_demo
    db = _db(args)
    upgrade(db)
    for line in load_demo(db):
        print(line)
    return 0


def cmd_users_add(args) -> int:
    db = _db(args)
    password = args.password or getpass.getpass("password: ")
    with db.transaction() as session:
        org_id = None
        if args.credit_code:
            org = session.scalars(select(Organisation).where(Organisation.credit_code == args.credit_code)).first()
            org_id = org.id if org else users.create_organisation(session, args.credit_code, args.org_name or args.credit_code).id
        user = users.create_user(session, args.username, password, args.role, args.name or args.username,
                                 department=args.department, organisation_id=org_id)
    print(f"created user {user.username} ({user.role})")
    return 0


def cmd_users_list(args) -> int:
    with _db(args).reading() as session:
        for user in session.scalars(select(User).order_by(User.role, User.username)):
            print(f"{user.username:20} {user.role:11} {user.department_code or '-':12} {user.display_name}")
    return 0


def cmd_users_token(args) -> int:
    db = _db(args)
    with db.reading() as session:
        user = session.scalars(select(User).where(User.username == args.username)).first()
    if user is None:
        print(f"no such user: {args.username}", file=sys.stderr)
        return 1
    token, expires = users.issue_token(db, user.id)
    print(token)
    print(f"expires {expires.isoformat()}", file=sys.stderr)
    return 0


def cmd_timers_run(args) -> int:
    """The timer worker (docs/operations.md "Timer workers"): retries every failure with backoff;
    SIGTERM or Ctrl-C stop it after the pass under way. ``--once`` exits 1 when the pass failed."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    worker = TimerWorker(_db(args), interval=args.interval, max_backoff=args.max_backoff,
                         timer_interval=args.timer_interval, report=lambda line: print(line, flush=True))
    if args.once:
        if not worker.run_once():
            return 1
        print(worker.summary())
        return 0
    signal.signal(signal.SIGTERM, lambda *_: worker.stop.set())
    try:
        worker.run()
    except KeyboardInterrupt:
        pass
    stats = worker.stats
    print(f"timer worker stopped: {stats.passes} passes, {stats.failures} failed, {stats.woken} woken", flush=True)
    return 0


def cmd_outbox_deliver(args) -> int:
    """Send due e-mail (when SMTP_HOST is set) and SMS (logged unless a gateway is plugged in)."""
    from workflow.services.notifications import outbox
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    db, senders = _db(args), outbox.senders_from_env(os.environ)
    while True:
        result = outbox.deliver_due(db, senders)
        if args.once or result.sent or result.retried or result.failed:
            print(f"sent {result.sent}, retrying {result.retried}, failed {result.failed}", flush=True)
        if args.once:
            return 0
        time.sleep(args.interval)


def cmd_audit_verify(args) -> int:
    with _db(args).reading() as session:
        result = audit.verify(session)
        if result.ok and args.checkpoints:
            anchored = audit_checkpoints.verify_against(session, audit_checkpoints.load_checkpoints(args.checkpoints))
            if not anchored.ok:
                print(f"audit chain BROKEN against its checkpoints: {anchored.reason}")
                return 2
            print(f"{anchored.checked} checkpoint(s) match")
    if result.ok:
        print(f"audit chain intact: {result.checked} events")
        return 0
    print(f"audit chain BROKEN at event {result.broken_seq}: {result.reason} ({result.checked} events verified before it)")
    return 2


def cmd_audit_checkpoint(args) -> int:
    with _db(args).reading() as session:
        point = audit_checkpoints.write_checkpoint(session, args.out)
    print(f"checkpoint at event {point.seq} written to {point.path}; ship it off this host")
    return 0


def cmd_db_grant_app_role(args) -> int:
    for statement in roles.grant_app_role(_db(args), args.role):
        print(statement)
    return 0


def cmd_holidays_import(args) -> int:
    db = _db(args)
    with db.transaction() as session:
        result = import_holidays(session, Path(args.file))
    invalidate_calendar()
    if not result.ok:
        for problem in result.errors:
            print(problem, file=sys.stderr)
        return 1
    print(f"imported {args.file}: {result.inserted} added, {result.updated} updated, {result.unchanged} unchanged")
    return 0


def cmd_simulate(args) -> int:
    from workflow.cli import simulate
    from workflow.cli.simulate.output import lines
    report = simulate.run(args.profile, args.seed, args.database)
    print("\n".join(lines(report)))
    return 1 if report.breaks else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workflow", description="Licensing workflow engine administration")
    parser.add_argument("--database", help="database URL (default: $DATABASE_URL or the embedded SQLite file)")
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="migrate to the newest schema and seed the holiday calendar").set_defaults(func=cmd_db_upgrade)
    grant = db.add_parser("grant-app-role", help="PostgreSQL: give an existing role the app's privileges "
                          "(no UPDATE/DELETE on the audit tables); run as the owner after every upgrade")
    grant.add_argument("role")
    grant.set_defaults(func=cmd_db_grant_app_role)
    db.add_parser("rebuild-report-summary", help="recount the dashboard's and period report's summary "
                  "(after rows were changed in SQL by hand)").set_defaults(func=cmd_db_rebuild_report_summary)

    deploy = sub.add_parser("deploy", help=f"deploy BPMN files (default: every file in {BPMN_DIR.name}/)")
    deploy.add_argument("files", nargs="*", type=Path)
    deploy.set_defaults(func=cmd_deploy)

    sub.add_parser("demo", help="demo users for every role and sample cases").set_defaults(func=cmd_demo)

    usr = sub.add_parser("users", help="accounts and API tokens").add_subparsers(dest="action", required=True)
    add = usr.add_parser("add", help="create an account")
    add.add_argument("username")
    add.add_argument("--role", required=True)
    add.add_argument("--name")
    add.add_argument("--department")
    add.add_argument("--password", help="prompted when omitted")
    add.add_argument("--credit-code", help="applicant's enterprise (created when new)")
    add.add_argument("--org-name")
    add.set_defaults(func=cmd_users_add)
    usr.add_parser("list", help="list accounts").set_defaults(func=cmd_users_list)
    tok = usr.add_parser("token", help="issue an API token for a user")
    tok.add_argument("username")
    tok.set_defaults(func=cmd_users_token)

    tim = sub.add_parser("timers", help="timer worker").add_subparsers(dest="action", required=True)
    run = tim.add_parser("run", help="wake instances whose timers are due")
    run.add_argument("--once", action="store_true", help="one sweep, then exit")
    run.add_argument("--interval", type=float, default=30.0, help="seconds between sweeps of the clock")
    run.add_argument("--timer-interval", type=float, default=1.0,
                     help="seconds between checks for due timers within that interval")
    run.add_argument("--max-backoff", type=float, default=60.0, help="longest pause after failures (seconds)")
    run.set_defaults(func=cmd_timers_run)

    out = sub.add_parser("outbox", help="e-mail and SMS notices").add_subparsers(dest="action", required=True)
    deliver = out.add_parser("deliver", help="send due messages (SMTP_HOST/PORT/USER/PASSWORD/FROM/STARTTLS)")
    deliver.add_argument("--once", action="store_true", help="one pass, then exit")
    deliver.add_argument("--interval", type=float, default=15.0, help="seconds between passes")
    deliver.set_defaults(func=cmd_outbox_deliver)

    aud = sub.add_parser("audit", help="decision history").add_subparsers(dest="action", required=True)
    ver = aud.add_parser("verify", help="verify the keyed hash chain (and its exported checkpoints)")
    ver.add_argument("--checkpoints", type=Path, help="directory of checkpoint files to check the chain against")
    ver.set_defaults(func=cmd_audit_verify)
    chk = aud.add_parser("checkpoint", help="write a signed checkpoint of the chain's head to a file")
    chk.add_argument("--out", type=Path, required=True, help="directory (ship its files off this host)")
    chk.set_defaults(func=cmd_audit_checkpoint)

    sim = sub.add_parser("simulate", help="a simulated bureau works a profile of cases; every invariant checked")
    sim.add_argument("--profile", default="half-year", choices=sorted(_profiles()))
    sim.add_argument("--seed", type=int, default=1)
    sim.set_defaults(func=cmd_simulate)

    versions.add_parser(sub)

    hol = sub.add_parser("holidays", help="working-day calendar").add_subparsers(dest="action", required=True)
    imp = hol.add_parser("import", help="import a CSV (date,kind,name) for years chinese-calendar lacks")
    imp.add_argument("file")
    imp.set_defaults(func=cmd_holidays_import)
    return parser


def _profiles() -> list[str]:
    from workflow.cli.simulate.profiles import PROFILES
    return list(PROFILES)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        audit_key()  # production mode: no command runs with the development audit key
        return args.func(args)
    except AuditKeyMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except EngineError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        for field, messages in exc.fields.items():
            print(f"  {field}: {'; '.join(messages)}", file=sys.stderr)
        return 1
