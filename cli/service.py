"""Running the bot and looking after it: run, test, health, status, db, backup, keygen."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from cli.setup import database, missing_database, opened, prepare, run_async
from models import crypto
from models.settings import Settings


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from conversations.app import LeaseTaken, run

    settings.require_token()
    prepare(settings)
    try:
        run(settings)
    except LeaseTaken as refusal:
        print(f"Not started. {refusal}", file=sys.stderr)
        return 1
    return 0


def cmd_test(settings: Settings, args: argparse.Namespace) -> int:
    from tests.support.suite import main

    return main(args.pytest_args)


@run_async
async def cmd_health(settings: Settings, args: argparse.Namespace) -> int:
    from models import operations
    from models.clock import clock

    if why := await missing_database(settings):
        print(f"unhealthy: {why}")
        return 1
    db = database(settings)
    try:
        async with db.read() as session:
            problems = await operations.health_problems(
                session, clock.now(), settings.sweep_seconds
            )
    except Exception as error:  # any failure to answer is unhealthy
        print(f"unhealthy: database: {type(error).__name__}")
        return 1
    finally:
        await db.dispose()
    for problem in problems:
        print(f"unhealthy: {problem}")
    if problems:
        return 1
    print("healthy")
    return 0


@run_async
async def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    from models import operations
    from models.clock import clock

    async with opened(settings, read_only=True) as db, db.read() as session:
        figures = await operations.status_figures(session)
        problems = await operations.health_problems(session, clock.now(), settings.sweep_seconds)
    if args.json:
        print(json.dumps({**figures, "healthy": not problems, "problems": problems}))
        return 0
    for key, value in operations.status_report(figures).items():
        print(f"{key:<22} {value}")
    print(f"{'problems':<22} {'; '.join(problems) or '-'}")
    return 0


def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    from models import migrate

    if args.action == "upgrade":
        migrate.upgrade(settings.database_url, settings.database_schema)
        print("database is at the latest migration")
        return 0
    if args.action == "revision":
        migrate.revision(settings.database_url, args.message)
        return 0

    if why := asyncio.run(missing_database(settings)):
        print(why, file=sys.stderr)
        return 1

    async def current() -> str | None:
        db = database(settings)
        try:
            return await migrate.current_revision(db)
        finally:
            await db.dispose()

    print(f"applied: {asyncio.run(current()) or 'none'}\nlatest:  {migrate.head_revision()}")
    return 0


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from models import backup

    written = backup.backup(settings, args.directory)
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_keygen(settings: Settings, args: argparse.Namespace) -> int:
    print(crypto.generate_key())
    return 0
