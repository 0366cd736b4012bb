"""The last line of defence: log ids (never message text), apologise in the user's language."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError, OperationalError
from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError

from conversations.runtime.context import BotContext
from conversations.runtime.request import answered_early, guess_language
from locales import translator
from models.users import get_user

log = logging.getLogger(__name__)

# The database refused, dropped or did not answer: the driver's own errors, and the socket
# errors of a connection that could not even be opened (asyncpg raises those unwrapped).
DATABASE_DOWN = (OperationalError, DBAPIError, ConnectionError, TimeoutError)


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    if not isinstance(update, Update):
        # Errors in jobs and in polling itself: PTB retries polling; jobs run again next tick.
        log.warning("background error: %s", type(error).__name__, exc_info=error)
        return
    user = update.effective_user
    log.error(
        "update %s from user %s failed: %s",
        update.update_id,
        user.id if user else None,
        type(error).__name__,
        exc_info=error,
    )
    chat = update.effective_chat
    if user is None or chat is None or chat.type != "private" or isinstance(error, Forbidden):
        return
    services = context.services
    lang = guess_language(user.language_code, services.settings.default_language)
    database_down = isinstance(error, DATABASE_DOWN)
    if not database_down:
        try:
            async with services.db.read() as session:
                known = await get_user(session, user.id)
            if known is not None:
                lang = known.language
        except DATABASE_DOWN:
            database_down = True
    tr = translator(lang)
    if database_down:
        text = tr.pgettext(
            "error",
            "The bot cannot reach its records right now. Nothing was lost: please try "
            "again in a few minutes.",
        )
    else:
        text = tr.pgettext("error", "Sorry, something went wrong. Please try again.")
    try:
        early = answered_early(services)
        if update.callback_query is not None and update.update_id not in early:
            await update.callback_query.answer(text[:200], show_alert=True)
        else:
            # A tap answered already, by work that said its answer would follow.
            early.discard(update.update_id)
            await context.bot.send_message(chat.id, text)
    except (NetworkError, TelegramError) as failure:
        log.info("could not apologise to user %s: %s", user.id, type(failure).__name__)
