"""The area tree and the groups that meet in it."""

from __future__ import annotations

import argparse
import sys
from datetime import date, time

from cli.people import bot_username, print_invite
from cli.setup import opened, run_async
from locales import BABEL_LOCALES, LANGUAGES
from models.settings import Settings

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
INVITE_DAYS = 14


@run_async
async def cmd_area(settings: Settings, args: argparse.Namespace) -> int:
    from models import areas

    async with opened(settings, read_only=args.action == "list") as db:
        async with db.write() as session:
            if args.action == "add":
                names = [n.strip() for n in args.path.split("/") if n.strip()]
                area = await areas.add_area_path(session, names)
                print(f"area {area.id}: {' / '.join(names)} ({area.level})")
                return 0
            for area in await areas.list_areas(session):
                depth = area.path.count("/") - 2
                print(f"{area.id:>5}  {'  ' * depth}{area.name} ({area.level})")
    return 0


def _day_key(text: str) -> str:
    # Typed apostrophes and spaces vary ("Ku w'indwi", "ku w’indwi", "ku  wa gatatu").
    return " ".join(text.replace("’", "'").casefold().split())


def parse_weekday(text: str) -> int:
    """0-6 with 0 = Monday, or a day name in Kirundi, French or English ("Ku wa gatatu",
    "mercredi", "Wednesday")."""
    from babel.dates import get_day_names

    value = _day_key(text)
    if value.isdigit() and int(value) <= 6:
        return int(value)
    # Babel, like date.weekday(), counts from 0 = Monday.
    names = {
        _day_key(str(name)): int(index)
        for lang in LANGUAGES
        for index, name in get_day_names("wide", locale=BABEL_LOCALES[lang]).items()
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


async def _list_groups(settings: Settings) -> int:
    from models import areas, groups, roster

    async with opened(settings, read_only=True) as db, db.read() as session:
        for group in await groups.list_groups(session):
            area = await areas.get_area(session, group.area_id)
            place = " / ".join(await areas.area_names(session, area)) if area else "?"
            size = await roster.count_active(session, group.id)
            print(
                f"{group.id:>5}  {group.name}  [{place}]  "
                f"weekday={group.weekday} ({_WEEKDAYS[group.weekday]}) "
                f"{group.meet_time:%H:%M}  {group.status}  "
                f"week {group.current_week}/{groups.WEEKS}  roster {size}"
            )
    return 0


@run_async
async def cmd_group(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "list":
        return await _list_groups(settings)
    # Checked before touching the database, so a typo costs nothing.
    try:
        weekday, meet_time, start = _group_schedule(args)
    except ValueError as error:
        print(f"Not done: {error}", file=sys.stderr)
        return 2
    from models import areas, groups, users

    async with opened(settings) as db:
        # Before writing: the invite codes are shown only once, so they must be printable.
        username = await bot_username(settings)
        async with db.write() as session:
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
                    session,
                    role=users.Role.FACILITATOR,
                    group_id=group.id,
                    uses=1,
                    days=INVITE_DAYS,
                )
                for _ in range(2)
            ]
    print(f"group {group.id}: {group.name}")
    for code, invite in invites:
        print_invite(invite, code, username)
    return 0
