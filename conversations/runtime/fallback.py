"""Answers for everything no flow expected: unknown commands, stray text, stale buttons,
voice notes, edited messages, and group chats (the bot works in private chats only)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from conversations.runtime.callbacks import BadCallback
from conversations.runtime.cancelling import mark
from conversations.runtime.context import BotContext
from conversations.runtime.menu import Command, Np_, declare
from conversations.runtime.registry import RegistryError
from conversations.runtime.reply import Reply
from conversations.runtime.request import REGISTERED, Request, in_all_languages
from conversations.runtime.unit_of_work import handler, set_reachable
from models.agreements import drop_draft
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


@handler(roles=REGISTERED, write=True)
async def cancel(request: Request) -> Reply:
    # A draft row and every button of a draft shown before now stop (cancelling.py).
    await drop_draft(request.session, user_id=request.me.id)
    state = request.context.state
    state.clear()
    message = request.update.message
    if message is not None:
        mark(state, message)
    return Reply(
        request.tr.pgettext(
            "fallback",
            "Stopped. Nothing more was saved: the text I was waiting for, and the buttons of an "
            "unsaved agreement, attendance, reflection or roster change, no longer work. "
            "Send /help to see what you can do.",
        )
    )


@handler(roles=REGISTERED)
async def unknown_command(request: Request) -> Reply:
    return Reply(
        request.tr.pgettext("fallback", "Unknown command. Send /help to see what you can do."),
    )


# Stray text kept in the chat: one short word, like a greeting or a mistyped command. Anything
# longer may be a story or a name typed by mistake, and a shared phone must not keep it.
KEEP_WORD = 12


def short_word(text: str) -> bool:
    text = text.strip()
    return len(text) <= KEEP_WORD and not any(c.isspace() for c in text)


@handler(roles=REGISTERED)
async def unexpected_text(request: Request) -> Reply:
    tr = request.tr
    text = request.update.message.text if request.update.message else None
    if text is None or short_word(text):
        return Reply(
            tr.pgettext(
                "fallback",
                "I was not waiting for a message. Use the buttons, "
                "or send /help to see what you can do.",
            )
        )
    return delete_then(
        request,
        deleted=tr.pgettext(
            "fallback",
            "I was not waiting for a message. Yours was deleted from this chat; it is not "
            "kept. Use the buttons, or send /help to see what you can do.",
        ),
        kept=tr.pgettext(
            "fallback",
            "I was not waiting for a message, and Telegram did not let me delete yours. "
            "Please delete it yourself: long-press it → Delete.",
        ),
    )


@handler(roles=REGISTERED)
async def voice_or_media(request: Request) -> Reply:
    tr = request.tr
    return delete_then(
        request,
        deleted=tr.pgettext(
            "fallback",
            "Voice notes, photos and files are not read here: yours was deleted from this "
            "chat; it is not kept. Please use the buttons or a short text without names.",
        ),
        kept=tr.pgettext(
            "fallback",
            "Voice notes, photos and files are not read here, and Telegram did not let me "
            "delete yours. Please delete it yourself: long-press it → Delete.",
        ),
    )


def delete_then(request: Request, *, deleted: str, kept: str) -> Reply:
    """The answer to a message that must not stay on a shared phone: it is deleted after the
    commit, and the answer says whether it could be."""
    reply = Reply(deleted)
    message = request.update.message

    async def delete() -> None:
        if message is None:
            return
        try:
            await message.delete()
        except BadRequest as error:
            if "not found" not in error.message:  # else gone already: a retried answer
                log.info("stray message not deleted: %s", error.message)
                reply.text = kept
        except TelegramError as error:
            log.info("stray message not deleted: %s", type(error).__name__)
            reply.text = kept

    request.after_commit.append(delete)
    return reply


@handler(roles=REGISTERED)
async def edited_message(request: Request) -> Reply:
    return Reply(
        request.tr.pgettext(
            "fallback", "Edited messages are not read. Please send the corrected text again."
        )
    )


@handler(roles=REGISTERED)
async def stale_button(request: Request) -> Reply:
    # A button no flow takes: answered as every stale button is (and logged as one).
    raise BadCallback()


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
