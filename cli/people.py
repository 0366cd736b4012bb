"""Invites and users: who may use the bot, in which role."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING

from cli.setup import opened, run_async
from models.settings import Settings, SettingsError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from models.users import Invite

log = logging.getLogger(__name__)


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


def print_invite(invite: Invite, code: str, username: str) -> None:
    label = f', for "{invite.label}"' if invite.label else ""
    print(
        f"invite {invite.id}: role {invite.role}{label}, {invite.uses_left} use(s), "
        f"expires {invite.expires_at:%Y-%m-%d}"
    )
    print(f"code: {code}")
    print(f"link: https://t.me/{username}?start={code}")


@run_async
async def cmd_invite(settings: Settings, args: argparse.Namespace) -> int:
    from models import areas, users

    async with opened(settings, read_only=args.action == "list") as db:
        async with db.write() as session:
            if args.action == "list":
                for invite in await users.list_invites(session):
                    state = "revoked" if invite.revoked_at else f"{invite.uses_left} uses left"
                    label = f'  "{invite.label}"' if invite.label else ""
                    print(
                        f"{invite.id:>5}  {invite.role:<12} group={invite.group_id} "
                        f"area={invite.area_id}  expires {invite.expires_at:%Y-%m-%d}  "
                        f"{state}{label}"
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
                label=args.label,
            )
        username = await bot_username(settings)
    print_invite(invite, code, username)
    return 0


@run_async
async def cmd_user(settings: Settings, args: argparse.Namespace) -> int:
    from models import areas, groups, users

    async with opened(settings, read_only=args.action == "list") as db:
        async with db.write() as session:
            if args.action == "list":
                await _list_users(session)
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
                await groups.add_facilitator(
                    session, user_id=args.user_id, group_id=args.group_id, actor_id=None
                )
                print(f"user {args.user_id} now leads group {args.group_id}")
    return 0


async def _list_users(session: AsyncSession) -> None:
    """One line a person: what tells two facilitators of one group apart without names."""
    from models import areas, groups, users

    everyone = await users.list_users(session)
    labels = await users.invite_labels(session, (u.invite_id for u in everyone if u.invite_id))
    print("   id  role         lang  area / groups  ·  invite  ·  last active  ·  state")
    for user in everyone:
        state = "revoked" if user.revoked_at else "unreachable" if user.unreachable_at else "active"
        area = await areas.get_area(session, user.area_id) if user.area_id else None
        place = "/".join(await areas.area_names(session, area)) if area else "-"
        led = ", ".join(f"{g.id} {g.name}" for g in await groups.groups_of(session, user.id))
        where = f"{place}; groups {led}" if led else place
        invite = "-"
        if user.invite_id:
            label = labels.get(user.invite_id)
            invite = f'{user.invite_id} "{label}"' if label else str(user.invite_id)
        seen = f"{user.last_active_on:%Y-%m-%d}" if user.last_active_on else "never"
        print(
            f"{user.id:>5}  {user.role:<12} {user.language:<4}  {where}  ·  invite {invite}  ·  "
            f"{seen}  ·  {state}"
        )
