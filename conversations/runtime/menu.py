"""Command menus: a default list per language, and per chat the commands of the user's role.

Telegram apps have no Kirundi interface (phones report en or fr), so the default list is Kirundi
and each registered user gets a list scoped to their chat, in their language, for their role.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from conversations.runtime.outbox_calls import Answer, Outcome, waited
from locales import Translator, translator
from models.db import Database
from models.users import Role, User, record_menu, user_by_id

log = logging.getLogger(__name__)


def Np_(context: str, message: str) -> tuple[str, str]:
    """Marks a string for extraction; it is translated later with the reader's translator."""
    return context, message


@dataclass(frozen=True)
class Command:
    name: str
    roles: frozenset[Role]
    description: tuple[str, str]
    public: bool = False  # shown in the default menu to people who have not registered

    def label(self, tr: Translator) -> str:
        return tr.pgettext(*self.description)


_COMMANDS: list[Command] = []


def declare(*commands: Command) -> None:
    """Each flow module declares its commands when it is imported."""
    for command in commands:
        if all(c.name != command.name for c in _COMMANDS):
            _COMMANDS.append(command)


# The order people see: their weekly work first, reading next, settings last.
ORDER = (
    "session",
    "roster",
    "agreement",
    "pending",
    "groups",
    "report",
    "newgroup",
    "guide",
    "week",
    "topics",
    "audit",
    "language",
    "mydata",
    "wipe",
    "cancel",
    "help",
    "start",
)


def _position(command: Command) -> int:
    return ORDER.index(command.name) if command.name in ORDER else len(ORDER)


def commands_for(role: Role | None) -> list[Command]:
    if role is None:
        chosen = [c for c in _COMMANDS if c.public]
    else:
        chosen = [c for c in _COMMANDS if role in c.roles]
    return sorted(chosen, key=_position)


def bot_commands(commands: Iterable[Command], tr: Translator) -> list[BotCommand]:
    return [BotCommand(c.name, c.label(tr)) for c in commands]


def menu_key(user: User) -> str:
    return f"{user.role}:{user.language}:{len(commands_for(Role(user.role)))}"


async def push_default_menus(bot: Bot, default_language: str) -> None:
    public = commands_for(None)
    await bot.set_my_commands(
        bot_commands(public, translator(default_language)), scope=BotCommandScopeDefault()
    )
    for lang in ("fr", "en"):
        await bot.set_my_commands(
            bot_commands(public, translator(lang)),
            scope=BotCommandScopeDefault(),
            language_code=lang,
        )


async def push_user_menu(bot: Bot, user: User) -> bool:
    """Sets the chat-scoped menu; False when Telegram refused (the next message retries)."""
    commands = commands_for(Role(user.role)) if user.active else []
    try:
        if commands:
            await bot.set_my_commands(
                bot_commands(commands, translator(user.language)),
                scope=BotCommandScopeChat(user.telegram_id),
            )
        else:
            await bot.delete_my_commands(scope=BotCommandScopeChat(user.telegram_id))
    except (BadRequest, Forbidden) as error:
        log.warning("menu for user %s refused: %s", user.id, error.message)
        return False
    return True


async def refresh_menu(bot: Bot, db: Database, user_id: int) -> Answer:
    """An outbox row of kind `menu.refresh`: the person's menu as their role now wants it."""
    async with db.read() as session:
        user = await user_by_id(session, user_id)
    if user is None:
        return Answer(Outcome.CANCEL, error="no such user")
    try:
        pushed = await push_user_menu(bot, user)
    except RetryAfter as error:
        return waited(error)
    except NetworkError as error:
        return Answer(Outcome.RETRY, error=type(error).__name__)
    if not pushed:
        return Answer(Outcome.CANCEL, error="menu refused")
    async with db.write() as session:
        await record_menu(session, user_id=user.id, menu_key=menu_key(user))
    return Answer(Outcome.DONE)
