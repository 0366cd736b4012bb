"""The operator's commands behind `python bot.py ...`: each parses, calls the domain, prints."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, time, timedelta
from typing import Any

from models import crypto, files
from models.settings import Settings, SettingsError

log = logging.getLogger(__name__)


def dispatch(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request URL, which contains the bot token; aiosqlite logs every
    # statement with its values at DEBUG.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # Whatever the command, what it creates (a database, a backup) is its owner's only.
    files.owner_only_umask()
    command = COMMANDS[args.command]
    try:
        return command(settings, args)
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2


def prepare(settings: Settings, *, migrate: bool = True) -> None:
    """Catalogs compiled, encryption keys loaded, migrations applied: what `run` needs."""
    from locales import compile_catalogs
    from models import migrate as migrations

    compile_catalogs()
    # Existing deployments: files made before the bot kept them owner-only.
    files.make_owner_only(settings)
    setup_keys(settings)
    if migrate:
        migrations.upgrade(settings.database_url, settings.database_schema)


def setup_keys(settings: Settings) -> None:
    if settings.encryption_keys:
        try:
            crypto.configure(settings.encryption_keys)
        except crypto.KeysMissing as error:
            raise SettingsError(str(error)) from None
        return
    if not settings.is_sqlite:
        raise SettingsError(
            "ENCRYPTION_KEYS must be set when DATABASE_URL is PostgreSQL. Generate one with: "
            "python bot.py keygen  (keep it safe: losing it loses the encrypted text)"
        )
    key, created = crypto.load_or_create_key_file(settings.data_dir)
    if created:
        print(
            f"Generated an encryption key in {settings.data_dir / crypto.KEY_FILE} (owner-only). "
            "Back it up with the database: without it the encrypted text is lost.",
            file=sys.stderr,
        )
    crypto.configure([key])


def _async(fn: Callable[[Settings, argparse.Namespace], Awaitable[int]]) -> Callable[..., int]:
    """Runs an async command; a domain error (bad id, bad value) is a one-line refusal."""

    def run(settings: Settings, args: argparse.Namespace) -> int:
        from models.errors import DomainError

        try:
            return asyncio.run(fn(settings, args))
        except DomainError as error:
            print(f"Not done: {error.code}", file=sys.stderr)
            return 1

    return run


@asynccontextmanager
async def _opened(settings: Settings) -> AsyncIterator[Any]:
    """The database, prepared (keys, migrations) and closed afterwards."""
    await asyncio.to_thread(prepare, settings)
    database = _database(settings)
    try:
        yield database
    finally:
        await database.dispose()


def _database(settings: Settings) -> Any:
    from models.db import Database

    return Database(settings.database_url, schema=settings.database_schema)


# --- run, test, health, status -----------------------------------------------------------------


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from conversations.app import run

    settings.require_token()
    prepare(settings)
    run(settings)
    return 0


def cmd_test(settings: Settings, args: argparse.Namespace) -> int:
    from tests.suite import main

    return main(args.pytest_args)


@_async
async def cmd_health(settings: Settings, args: argparse.Namespace) -> int:
    from models import service
    from models.clock import clock

    database = _database(settings)
    try:
        async with database.read() as session:
            beat = await service.get_state(session, "heartbeat")
    except Exception as error:  # any failure to answer is unhealthy
        print(f"unhealthy: database: {type(error).__name__}")
        return 1
    finally:
        await database.dispose()
    if beat is None or clock.now() - beat.updated_at > timedelta(minutes=3):
        print("unhealthy: no recent heartbeat")
        return 1
    print("healthy")
    return 0


@_async
async def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    from models import operations

    async with _opened(settings) as database, database.read() as session:
        report = await operations.status_report(session)
    for key, value in report.items():
        print(f"{key:<22} {value}")
    return 0


# --- db ---------------------------------------------------------------------------------------


def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    from models import migrate

    if args.action == "upgrade":
        migrate.upgrade(settings.database_url, settings.database_schema)
        print("database is at the latest migration")
        return 0
    if args.action == "revision":
        migrate.revision(settings.database_url, args.message)
        return 0

    async def current() -> str | None:
        database = _database(settings)
        try:
            return await migrate.current_revision(database)
        finally:
            await database.dispose()

    print(f"applied: {asyncio.run(current()) or 'none'}\nlatest:  {migrate.head_revision()}")
    return 0


# --- invites, users, areas --------------------------------------------------------------------


async def bot_username(settings: Settings) -> str:
    """From getMe; BOT_USERNAME when the Bot API cannot be reached."""
    from telegram import Bot
    from telegram.error import TelegramError

    if settings.token:
        try:
            async with Bot(settings.token, base_url=settings.api_base_url) as bot:
                return bot.username
        except TelegramError as error:
            log.info("getMe failed: %s", type(error).__name__)
    if settings.bot_username:
        return settings.bot_username
    raise SettingsError(
        "The Bot API could not be reached to learn the bot's username: set BOT_USERNAME"
    )


@_async
async def cmd_invite(settings: Settings, args: argparse.Namespace) -> int:
    from models import areas, users

    async with _opened(settings) as database:
        async with database.write() as session:
            if args.action == "list":
                for invite in await users.list_invites(session):
                    state = "revoked" if invite.revoked_at else f"{invite.uses_left} uses left"
                    print(
                        f"{invite.id:>5}  {invite.role:<12} group={invite.group_id} "
                        f"area={invite.area_id}  expires {invite.expires_at:%Y-%m-%d}  {state}"
                    )
                return 0
            if args.action == "revoke":
                if args.invite_id is None:
                    print("invite revoke needs the invite's id (see: bot.py invite list)")
                    return 2
                await users.revoke_invite(session, invite_id=args.invite_id, actor_id=None)
                print(f"invite {args.invite_id} revoked")
                return 0
            if args.role is None:
                print("invite needs --role admin|coordinator|facilitator|trainee", file=sys.stderr)
                return 2
            area_id = (await areas.find_area(session, args.area)).id if args.area else None
            code, invite = await users.create_invite(
                session,
                role=users.Role(args.role),
                area_id=area_id,
                group_id=args.group,
                uses=args.uses,
                days=args.days,
            )
        username = await bot_username(settings)
    print_invite(invite, code, username)
    return 0


def print_invite(invite: Any, code: str, username: str) -> None:
    print(
        f"invite {invite.id}: role {invite.role}, {invite.uses_left} use(s), "
        f"expires {invite.expires_at:%Y-%m-%d}"
    )
    print(f"code: {code}")
    print(f"link: https://t.me/{username}?start={code}")


@_async
async def cmd_user(settings: Settings, args: argparse.Namespace) -> int:
    from models import areas, groups, users

    async with _opened(settings) as database:
        async with database.write() as session:
            if args.action == "list":
                for user in await users.list_users(session):
                    state = (
                        "revoked"
                        if user.revoked_at
                        else ("unreachable" if user.unreachable_at else "active")
                    )
                    print(
                        f"{user.id:>5}  {user.role:<12} lang={user.language} "
                        f"area={user.area_id}  {state}"
                    )
                return 0
            if args.action == "revoke":
                await users.revoke_user(session, user_id=args.user_id, actor_id=None)
                print(f"user {args.user_id} revoked")
            elif args.action == "set-role":
                area_id = (await areas.find_area(session, args.area)).id if args.area else None
                await users.set_role(
                    session,
                    user_id=args.user_id,
                    role=users.Role(args.role),
                    area_id=area_id,
                    actor_id=None,
                )
                print(f"user {args.user_id} is now {args.role}")
            elif args.action == "add-group":
                await groups.add_member(session, user_id=args.user_id, group_id=args.group_id)
                user = await session.get(users.User, args.user_id)
                if user is not None and user.role == users.Role.TRAINEE:
                    user.role = users.Role.FACILITATOR.value
                print(f"user {args.user_id} now leads group {args.group_id}")
    return 0


@_async
async def cmd_area(settings: Settings, args: argparse.Namespace) -> int:
    from models import areas

    async with _opened(settings) as database:
        async with database.write() as session:
            if args.action == "add":
                names = [n.strip() for n in args.path.split("/") if n.strip()]
                area = await areas.add_area_path(session, names)
                print(f"area {area.id}: {' / '.join(names)} ({area.level})")
                return 0
            for area in await areas.list_areas(session):
                depth = area.path.count("/") - 2
                print(f"{area.id:>5}  {'  ' * depth}{area.name} ({area.level})")
    return 0


# --- groups -------------------------------------------------------------------------------------

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def parse_weekday(text: str) -> int:
    """0-6 with 0 = Monday, or an English or French day name ("wednesday", "Mercredi")."""
    from babel.dates import get_day_names

    value = text.strip().casefold()
    if value.isdigit() and int(value) <= 6:
        return int(value)
    # Babel, like date.weekday(), counts from 0 = Monday.
    names = {
        str(name).casefold(): int(index)
        for lang in ("en", "fr")
        for index, name in get_day_names("wide", locale=lang).items()
    }
    if value in names:
        return names[value]
    raise ValueError(f"--weekday: 0-6 (0 = Monday) or a day name, got {text!r}")


def _group_schedule(args: argparse.Namespace) -> tuple[int, time, date]:
    """--weekday, --time and --start, checked; ValueError names the option at fault."""
    from models import groups
    from models.errors import InvalidInput

    weekday = parse_weekday(args.weekday)
    try:
        meet_time = groups.parse_time(args.time)
    except InvalidInput:
        raise ValueError(f"--time: HH:MM from 00:00 to 23:59, got {args.time!r}") from None
    try:
        start = date.fromisoformat(args.start) if len(args.start) == 10 else None
    except ValueError:
        start = None
    if start is None:
        raise ValueError(f"--start: a date as YYYY-MM-DD, got {args.start!r}")
    if start.weekday() != weekday:
        raise ValueError(
            f"--start: {start:%Y-%m-%d} is a {_WEEKDAYS[start.weekday()]}, "
            f"not a {_WEEKDAYS[weekday]}"
        )
    return weekday, meet_time, start


@_async
async def cmd_group(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "create":
        # Checked before touching the database, so a typo costs nothing.
        try:
            weekday, meet_time, start = _group_schedule(args)
        except ValueError as error:
            print(f"Not done: {error}", file=sys.stderr)
            return 2
    from models import areas, groups, roster, users

    async with _opened(settings) as database:
        if args.action == "list":
            async with database.read() as session:
                for group in await groups.list_groups(session):
                    area = await session.get(areas.Area, group.area_id)
                    place = " / ".join(await areas.area_names(session, area)) if area else "?"
                    size = await roster.count_active(session, group.id)
                    print(
                        f"{group.id:>5}  {group.name}  [{place}]  "
                        f"weekday={group.weekday} ({_WEEKDAYS[group.weekday]}) "
                        f"{group.meet_time:%H:%M}  {group.status}  "
                        f"week {group.current_week}/{groups.WEEKS}  roster {size}"
                    )
            return 0
        # Before writing: the invite codes are shown only once, so they must be printable.
        username = await bot_username(settings)
        async with database.write() as session:
            area = await areas.find_area(session, args.area)
            group = await groups.create_group(
                session,
                name=args.name,
                area=area,
                weekday=weekday,
                meet_time=meet_time,
                start_date=start,
                timezone=settings.timezone,
            )
            invites = [
                await users.create_invite(
                    session, role=users.Role.FACILITATOR, group_id=group.id, uses=1, days=14
                )
                for _ in range(2)
            ]
    print(f"group {group.id}: {group.name}")
    for code, invite in invites:
        print_invite(invite, code, username)
    return 0


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from models import backup

    written = backup.backup(settings, args.directory)
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_content(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "check":
        from content.check import run_check

        return run_check()
    from content.export import export_handbook

    pages = export_handbook(args.out)
    print(f"wrote {len(pages)} pages to {args.out}")
    return 0


@_async
async def cmd_participant(settings: Settings, args: argparse.Namespace) -> int:
    from models import privacy

    async with _opened(settings) as database, database.write() as session:
        participant = await privacy.forget_participant(
            session, group_id=args.group, code=args.code, actor_id=None
        )
    print(f"participant {participant.id}: code removed (now {participant.code}); figures kept")
    return 0


@_async
async def cmd_audit(settings: Settings, args: argparse.Namespace) -> int:
    from models.audit import audit_page

    async with _opened(settings) as database, database.read() as session:
        entries = await audit_page(session, limit=max(1, min(args.limit, 10_000)))
    for entry in entries:
        who = f"user {entry.actor_id}" if entry.actor_id else "system"
        record = f"{entry.record_type} {entry.record_id}" if entry.record_type else ""
        print(f"{entry.at:%Y-%m-%d %H:%M:%S}  {who:<12} {entry.action:<28} {record}")
    return 0


def cmd_keygen(settings: Settings, args: argparse.Namespace) -> int:
    print(crypto.generate_key())
    return 0


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "run": cmd_run,
    "test": cmd_test,
    "health": cmd_health,
    "status": cmd_status,
    "db": cmd_db,
    "invite": cmd_invite,
    "user": cmd_user,
    "area": cmd_area,
    "group": cmd_group,
    "backup": cmd_backup,
    "content": cmd_content,
    "keygen": cmd_keygen,
    "audit": cmd_audit,
    "participant": cmd_participant,
}
