"""Answers for everything no flow expected: unknown commands, stray text, stale buttons,
voice notes, edited messages, and group chats (the bot works in private chats only)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from conversations.runtime.context import BotContext
from conversations.runtime.menu import Command, Np_, declare
from conversations.runtime.registry import RegistryError
from conversations.runtime.reply import Reply
from conversations.runtime.request import REGISTERED, Request, in_all_languages
from conversations.runtime.unit_of_work import handler, set_reachable
from models.users import get_user

log = logging.getLogger(__name__)

# Text the flows wait for: user data `awaiting` ("flow.step") -> the wrapped handler.
TEXT_INPUTS: dict[str, Callable[[Update, BotContext], Awaitable[None]]] = {}

declare(Command("cancel", REGISTERED, Np_("menu", "Stop what you are typing")))


def expects_text(kind: str) -> Callable[[Any], Any]:
    """Registers a wrapped handler as the receiver of free text while `awaiting == kind`."""

    def register(callback: Any) -> Any:
        if kind in TEXT_INPUTS:
            raise RegistryError(f"typed-text step {kind!r} has two handlers")
        TEXT_INPUTS[kind] = callback
        return callback

    return register


async def route_text(update: Update, context: BotContext) -> None:
    awaiting = context.user_data.awaiting if context.user_data is not None else None
    receiver = TEXT_INPUTS.get(awaiting or "")
    await (receiver or unexpected_text)(update, context)


@handler(roles=REGISTERED)
async def cancel(request: Request) -> Reply:
    request.context.state.clear()
    return Reply(
        request.tr.pgettext(
            "fallback", "Stopped. Nothing more was saved. Send /help to see what you can do."
        )
    )


@handler(roles=REGISTERED)
async def unknown_command(request: Request) -> Reply:
    return Reply(
        request.tr.pgettext("fallback", "Unknown command. Send /help to see what you can do."),
    )


@handler(roles=REGISTERED)
async def unexpected_text(request: Request) -> Reply:
    return Reply(
        request.tr.pgettext(
            "fallback",
            "I was not waiting for a message. Use the buttons, "
            "or send /help to see what you can do.",
        )
    )


@handler(roles=REGISTERED)
async def voice_or_media(request: Request) -> Reply:
    return Reply(
        request.tr.pgettext(
            "fallback",
            "Voice notes, photos and files are not read or kept here. Please use the buttons "
            "or a short text without names.",
        )
    )


@handler(roles=REGISTERED)
async def edited_message(request: Request) -> Reply:
    return Reply(
        request.tr.pgettext(
            "fallback", "Edited messages are not read. Please send the corrected text again."
        )
    )


@handler(roles=REGISTERED)
async def stale_button(request: Request) -> Reply:
    return Reply(
        "",
        toast=request.tr.pgettext(
            "access", "This button is no longer valid. Send /help to see what you can do."
        ),
        alert=True,
    )


async def membership_changed(update: Update, context: BotContext) -> None:
    """A private chat blocked or unblocked the bot; a group chat added it (then it leaves)."""
    chat = update.effective_chat
    change = update.my_chat_member
    if chat is None or change is None:
        return
    if chat.type != ChatType.PRIVATE:
        await leave_group(update, context)
        return
    services = context.services
    async with services.db.read() as session:
        user = await get_user(session, chat.id)
    if user is not None:
        blocked = change.new_chat_member.status == ChatMemberStatus.BANNED
        await set_reachable(services, user.id, reachable=not blocked)


async def leave_group(update: Update, context: BotContext) -> None:
    """Private chats only: say so once, in all three languages, and leave."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    text = in_all_languages(
        "fallback", "This bot works only in private chats. Please write to it directly."
    )
    try:
        await context.bot.send_message(chat.id, text)
        await context.bot.leave_chat(chat.id)
    except TelegramError as error:
        log.info("leaving chat %s: %s", chat.id, error.message)


def handlers() -> list[BaseHandler]:
    """Added last, after every flow, so they only see what nothing else took."""
    private_message = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [
        CommandHandler("cancel", cancel, filters=private_message),
        MessageHandler(
            filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE, edited_message
        ),
        MessageHandler(private_message & filters.COMMAND, unknown_command),
        MessageHandler(private_message & filters.TEXT, route_text),
        MessageHandler(private_message & ~filters.TEXT, voice_or_media),
        CallbackQueryHandler(stale_button),
    ]


def group_handlers() -> list[BaseHandler]:
    """Added first, in their own handler group, so no flow ever runs in a group chat."""
    return [
        ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.ChatType.GROUPS, leave_group),
    ]
