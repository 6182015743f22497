"""``python -m workflow versions …``: move running instances between versions, list and retry failures.

The commands act as an administrator account (``--as``, default ``admin``), so the audit history
names a person and the services' permission checks apply on the shell as on the web.
"""
from __future__ import annotations

import sys

from sqlalchemy import select

from workflow.errors import ValidationError
from workflow.services import failures, versions
from workflow.storage.db import Database
from workflow.storage.models import User


def _admin(db: Database, username: str) -> User:
    with db.reading() as session:
        user = session.scalars(select(User).where(User.username == username, User.active.is_(True))).first()
    if user is None:
        raise ValidationError({"as": [f"no active account {username!r}"]})
    return user


def cmd_migrate(args) -> int:
    db = Database(args.database)
    plan = versions.Plan(args.process_id, args.source, args.target, versions.parse_mapping(args.map))
    run = versions.dry_run if args.dry_run else versions.migrate
    outcome = run(db, _admin(db, args.actor), plan)
    verb = "would move" if args.dry_run else "moved"
    print(f"{plan.process_id} v{plan.source} -> v{plan.target}: {verb} {len(outcome.movable)}, "
          f"cannot move {len(outcome.refused)}")
    for item in outcome.movable:
        print(f"  {verb}  {item.case_number} (instance {item.instance_id}) at {', '.join(item.steps)}")
    for item in outcome.refused:
        print(f"  stays  {item.case_number} (instance {item.instance_id}): {'; '.join(item.problems)}")
    return 0


def cmd_failed(args) -> int:
    db = Database(args.database)
    page = failures.failed_instances(db, _admin(db, args.actor), args.page, 100)
    print(f"{page.total} failed instance(s)")
    for item in page.items:
        print(f"  instance {item.instance_id}  {item.case_number}  {item.process_id} v{item.version}  "
              f"{item.failed_at.isoformat(timespec='seconds')}  {item.error}")
    return 0


def cmd_retry(args) -> int:
    db = Database(args.database)
    still = failures.retry(db, _admin(db, args.actor), args.instance_id)
    if still is None:
        print(f"instance {args.instance_id}: retried, went through")
        return 0
    print(f"instance {args.instance_id}: failed again: {still.error}", file=sys.stderr)
    return 1


def add_parser(sub) -> None:
    parser = sub.add_parser("versions", help="move running instances between process versions; failed instances")
    parser.add_argument("--as", dest="actor", default="admin", help="administrator account acting (admin)")
    actions = parser.add_subparsers(dest="action", required=True)
    mig = actions.add_parser("migrate", help="move running instances of a process version to another version")
    mig.add_argument("process_id")
    mig.add_argument("--from", dest="source", type=int, required=True, help="version the instances run on")
    mig.add_argument("--to", dest="target", type=int, required=True, help="version to move them to")
    mig.add_argument("--map", action="append", default=[], metavar="OLD=NEW", help="a step renamed in the target")
    mig.add_argument("--dry-run", action="store_true", help="list what would move and what cannot; change nothing")
    mig.set_defaults(func=cmd_migrate)
    failed = actions.add_parser("failed", help="instances whose engine step or service task failed")
    failed.add_argument("--page", type=int, default=1)
    failed.set_defaults(func=cmd_failed)
    retry = actions.add_parser("retry", help="retry a failed instance now")
    retry.add_argument("instance_id", type=int)
    retry.set_defaults(func=cmd_retry)
