"""Per-user limits, so one account (or one stuck phone) cannot slow the bot for everyone, and
invite codes cannot be guessed by trying many."""

from __future__ import annotations

import time
from collections import defaultdict, deque

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from conversations.runtime.context import BotContext
from conversations.runtime.request import guess_language
from locales import translator

WINDOW = 60.0
INVITE_FAILURES_PER_HOUR = 5


class SlidingWindow:
    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._events: dict[int, deque[float]] = defaultdict(deque)

    def hit(self, key: int, now: float | None = None) -> bool:
        """Counts an event; False when the key is over its limit."""
        now = time.monotonic() if now is None else now
        events = self._events[key]
        while events and events[0] <= now - self.seconds:
            events.popleft()
        if len(events) >= self.limit:
            return False
        events.append(now)
        return True

    def over(self, key: int, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        events = self._events.get(key)
        if not events:
            return False
        while events and events[0] <= now - self.seconds:
            events.popleft()
        return len(events) >= self.limit


updates = SlidingWindow(60, WINDOW)
invite_failures = SlidingWindow(INVITE_FAILURES_PER_HOUR, 3600.0)
_warned: dict[int, float] = {}


async def limit_updates(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is None or updates.hit(user.id):
        return
    # Over the limit: drop the update; say so at most once a minute.
    now = time.monotonic()
    if now - _warned.get(user.id, 0.0) > WINDOW:
        _warned[user.id] = now
        tr = translator(guess_language(user.language_code, "rn"))
        text = tr.pgettext("guard", "Too many messages at once. Please wait a minute.")
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(text, show_alert=True)
            elif update.effective_chat is not None:
                await context.bot.send_message(update.effective_chat.id, text)
        except TelegramError:
            pass
    raise ApplicationHandlerStop


def configure(per_minute: int) -> None:
    updates.limit = per_minute


def handlers() -> list[BaseHandler]:
    """In the first handler group: it runs before every flow."""
    return [TypeHandler(Update, limit_updates)]
