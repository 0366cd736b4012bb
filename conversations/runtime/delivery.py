"""Sending a handler's replies: answer the tap, edit in place where possible, else send; and
while Telegram cannot be reached, again later.

A tap is answered only while Telegram still takes the answer, and only once: not when it was
received ~10 s ago or more, nor when an earlier process may have answered it
(conversations/runtime/arrivals.py). A screen an earlier process may have edited already is
sent anew, the tapped message deleted: the same edit again would be refused as changing
nothing.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError
from telegram import CallbackQuery, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from conversations.runtime import arrivals
from conversations.runtime.context import BotContext
from conversations.runtime.reply import Reply, send_new
from models import outbox
from models.agreements import remember_screen
from models.clock import clock

log = logging.getLogger(__name__)

# An answer Telegram could not take is tried again for this long (a message can be edited or
# deleted for 48 hours).
ANSWER_LATER_FOR = timedelta(hours=48)


async def finish_or_later(
    context: BotContext, finish: Callable[[], Awaitable[None]], update_id: int
) -> None:
    """Answers now, or, while Telegram cannot be reached, again and again until it can.

    What the update changed is committed already; only the answer waits (in this process).
    """
    try:
        await finish()
        return
    except (NetworkError, RetryAfter) as error:
        log.warning("update %s: Telegram unreachable (%s); answering later", update_id, error)
    task = asyncio.create_task(_answer_later(finish, update_id))
    later: set[asyncio.Task[None]] = context.services.extra.setdefault("answers_later", set())
    later.add(task)
    task.add_done_callback(later.discard)


async def _answer_later(finish: Callable[[], Awaitable[None]], update_id: int) -> None:
    give_up = clock.now() + clock.wait(ANSWER_LATER_FOR)
    for attempt in itertools.count(1):
        await asyncio.sleep(clock.wait(outbox.backoff(attempt)).total_seconds())
        try:
            await finish()
            log.info("update %s answered after %s attempts", update_id, attempt + 1)
            return
        except (NetworkError, RetryAfter):
            if clock.now() > give_up:
                log.warning("update %s: not answered, Telegram unreachable too long", update_id)
                return
        except TelegramError as error:
            log.info("update %s: answer refused late: %s", update_id, error)
            return


async def deliver(
    update: Update,
    context: BotContext,
    replies: Sequence[Reply],
    *,
    delete: bool = True,
    answered: bool = False,
) -> None:
    """Sends the replies: answer the tap, edit in place where possible, else send.

    `delete=False`: a typed message to delete is left to the outbox (queued with the commit).
    """
    query = update.callback_query
    seen = arrivals.of(context.services.extra)
    # The tap is answered while the message is edited: with Telegram a round trip away, one
    # round trip less before the person sees the new screen.
    answering = (
        asyncio.ensure_future(_answer_tap(query, replies[0] if replies else None))
        if query is not None and not answered and seen.may_answer(update.update_id)
        else None
    )
    again = seen.again(update.update_id)
    try:
        await _show_all(update, context, replies, delete=delete, again=again)
    finally:
        if answering is not None:
            await answering


async def _answer_tap(query: CallbackQuery, first: Reply | None) -> None:
    try:
        await query.answer(
            text=(first.toast if first else None) or None,
            show_alert=bool(first and first.alert),
        )
    except BadRequest as error:
        # Too late after all (a slow round trip); the edit still helps.
        log.info("callback answer refused: %s", error.message)


async def _show_all(
    update: Update,
    context: BotContext,
    replies: Sequence[Reply],
    *,
    delete: bool,
    again: bool = False,
) -> None:
    query = update.callback_query
    chat = update.effective_chat
    if chat is None:
        return
    tapped = query.message if again and query is not None else None
    renew = isinstance(tapped, Message)
    for reply in replies:
        if not reply.text and reply.document is None:
            continue
        if renew and not reply.new:
            if isinstance(tapped, Message) and tapped.text and _already_shows(tapped, reply):
                continue
            # Edited already or not, the screen comes anew and the tapped message goes.
            sent = await _show(update, context, chat.id, replace(reply, new=True))
            if isinstance(tapped, Message):
                await _delete_quietly(context, chat.id, tapped.message_id)
                tapped = None
        else:
            sent = await _show(update, context, chat.id, reply)
        if sent is not None and (query is None or sent is not query.message):
            context.services.message_log.append((chat.id, sent.message_id, clock.now()))
        if reply.shows is not None and sent is not None:
            await _remember_screen(context, chat.id, sent.message_id, reply.shows)
        if reply.panel and sent is not None and context.user_data is not None:
            context.state.panel_id = sent.message_id
        if delete and reply.delete_user_message and update.message is not None:
            try:
                await update.message.delete()
            except BadRequest as error:
                log.info("could not delete a user message: %s", error.message)


async def _delete_quietly(context: BotContext, chat_id: int, message_id: int) -> None:
    try:
        await context.bot.delete_message(chat_id, message_id)
    except BadRequest as error:  # deleted already, or too old to delete
        log.info("could not delete a screen shown again: %s", error.message)


async def _remember_screen(
    context: BotContext, chat_id: int, message_id: int, agreement_id: int
) -> None:
    try:
        async with context.services.db.write() as session:
            await remember_screen(
                session, chat_id=chat_id, message_id=message_id, agreement_id=agreement_id
            )
    except SQLAlchemyError:
        # The screen is shown; only its later removal on a referral would miss it.
        log.exception("could not record the screen of agreement %s", agreement_id)


def _already_shows(message: Message, reply: Reply) -> bool:
    """A second tap on the same button: the message shows this reply already, and Telegram
    refuses an edit that changes nothing. (PTB escapes quotes that Telegram's HTML leaves.)"""
    shown = message.text_html.replace("&#x27;", "'").replace("&quot;", '"')
    wanted = reply.text.replace("&quot;", '"')
    return shown == wanted and message.reply_markup == reply.markup()


async def _show(update: Update, context: BotContext, chat_id: int, reply: Reply) -> Message | None:
    bot = context.bot
    if reply.document is not None:
        return await send_new(bot, chat_id, reply)
    query = update.callback_query
    target = query.message if query is not None else None
    if target is not None and not reply.new and isinstance(target, Message) and target.text:
        if _already_shows(target, reply):
            return target
        try:
            edited = await bot.edit_message_text(
                reply.text,
                chat_id=chat_id,
                message_id=target.message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=reply.markup(),
            )
            return edited if isinstance(edited, Message) else target
        except BadRequest as error:
            if "not modified" in error.message:
                return target
            if "not found" not in error.message and "can't be edited" not in error.message:
                raise
    try:
        return await send_new(bot, chat_id, reply)
    except Forbidden:
        log.info("user %s blocked the bot", chat_id)
        return None
