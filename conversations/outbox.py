"""The outbox worker: sends due outbox rows and records what happened to each.

Network errors and 5xx are retried with backoff, a 429 waits for retry_after, a 403 marks the
recipient unreachable and hands the message to the kind's fallback. A row is marked sent only
after Telegram accepted it, so a crash in between means a repeat, never a loss. Sends to one chat
are paced to about one a second. Rows of kind DELETE_TYPED delete a message the user typed
instead of sending one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from conversations.common import DELETE_TYPED, Reply
from conversations.context import Services
from locales import Translator, translator
from models import outbox
from models.clock import clock
from models.outbox import OutboxMessage
from models.users import User

log = logging.getLogger(__name__)

# kind -> renders the row for its recipient (None: the subject is gone, cancel the row).
Renderer = Callable[[AsyncSession, OutboxMessage, User, Translator], Awaitable[Reply | None]]
# kind -> when the recipient blocked the bot: queue the message for someone else.
Fallback = Callable[[AsyncSession, OutboxMessage], Awaitable[None]]
RENDERERS: dict[str, Renderer] = {}
FALLBACKS: dict[str, Fallback] = {}

PER_CHAT_SECONDS = 1.0
BATCH = 50


def renders(kind: str, fallback: Fallback | None = None) -> Callable[[Renderer], Renderer]:
    def register(fn: Renderer) -> Renderer:
        RENDERERS[kind] = fn
        if fallback is not None:
            FALLBACKS[kind] = fallback
        return fn

    return register


class OutboxWorker:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._lock = asyncio.Lock()
        self._last_sent: dict[int, float] = {}

    async def run_once(self, bot: Bot) -> int:
        """Sends what is due now; returns how many were sent. Never runs twice at once."""
        if self._lock.locked():
            return 0
        async with self._lock:
            return await self._send_due(bot)

    async def _send_due(self, bot: Bot) -> int:
        db = self.services.db
        unrenderable: list[tuple[OutboxMessage, str]] = []
        async with db.read() as session:
            rows = await outbox.due_messages(session, limit=BATCH)
            prepared: list[tuple[OutboxMessage, int, Reply | None]] = []
            for row in rows:
                user = await session.get(User, row.recipient_id)
                if row.kind == DELETE_TYPED:
                    prepared.append((row, user.telegram_id if user else 0, None))
                    continue
                renderer = RENDERERS.get(row.kind)
                if user is None or renderer is None or user.revoked_at is not None:
                    prepared.append((row, 0, None))
                    continue
                try:
                    reply = await renderer(session, row, user, translator(user.language))
                except SQLAlchemyError:
                    raise  # the database itself: this run fails, the next one tries again
                except Exception as error:
                    # A defect of ours (or a missing key) in one row must not hold up the others.
                    log.exception("outbox %s (%s) could not be rendered", row.id, row.kind)
                    unrenderable.append((row, type(error).__name__))
                    continue
                prepared.append((row, user.telegram_id, reply))
        for row, error_name in unrenderable:
            async with db.write() as session:
                await outbox.mark_retry(session, row.id, error=error_name, delay=timedelta(hours=1))
        sent = 0
        for row, chat_id, reply in prepared:
            if row.kind == DELETE_TYPED and chat_id:
                await self._delete_one(bot, row, chat_id)
                continue
            if reply is None:
                async with db.write() as session:
                    await outbox.cancel(session, row.id, "nothing to send")
                continue
            pace = PER_CHAT_SECONDS * clock.time_scale
            wait = self._last_sent.get(chat_id, 0.0) + pace - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            sent += await self._send_one(bot, row, chat_id, reply)
        return sent

    async def _send_one(self, bot: Bot, row: OutboxMessage, chat_id: int, reply: Reply) -> int:
        db = self.services.db
        try:
            message = await bot.send_message(
                chat_id,
                reply.text,
                parse_mode=ParseMode.HTML,
                reply_markup=reply.markup(),
                protect_content=reply.protect,
                disable_notification=reply.silent,
            )
        except RetryAfter as error:
            delay = error.retry_after
            seconds = delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
            async with db.write() as session:
                await outbox.mark_retry(
                    session, row.id, error="429", delay=timedelta(seconds=seconds)
                )
            return 0
        except Forbidden:
            async with db.write() as session:
                closed = await outbox.mark_unreachable(session, row.id)
                fallback = FALLBACKS.get(row.kind)
                if closed is not None and fallback is not None:
                    await fallback(session, closed)
            log.info("outbox %s: recipient %s unreachable", row.id, row.recipient_id)
            return 0
        except BadRequest as error:
            if "chat not found" in error.message:
                async with db.write() as session:
                    closed = await outbox.mark_unreachable(session, row.id)
                    fallback = FALLBACKS.get(row.kind)
                    if closed is not None and fallback is not None:
                        await fallback(session, closed)
                return 0
            # A message Telegram refuses is a defect of ours: keep it, retry slowly, shout.
            log.error("outbox %s (%s) refused: %s", row.id, row.kind, error.message)
            async with db.write() as session:
                await outbox.mark_retry(
                    session, row.id, error=error.message, delay=timedelta(hours=1)
                )
            return 0
        except NetworkError as error:  # includes TimedOut and 5xx
            async with db.write() as session:
                await outbox.mark_retry(session, row.id, error=type(error).__name__)
            return 0
        self._last_sent[chat_id] = time.monotonic()
        self.services.message_log.append((chat_id, message.message_id, clock.now()))
        async with db.write() as session:
            await outbox.mark_sent(session, row.id, message.message_id)
        return 1

    async def _delete_one(self, bot: Bot, row: OutboxMessage, chat_id: int) -> None:
        db = self.services.db
        try:
            await bot.delete_message(chat_id, int(row.data["message_id"]))
        except RetryAfter as error:
            delay = error.retry_after
            seconds = delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
            async with db.write() as session:
                await outbox.mark_retry(
                    session, row.id, error="429", delay=timedelta(seconds=seconds)
                )
            return
        except (BadRequest, Forbidden) as error:
            # Already gone (deleted before a restart, or by the user), or too old to delete.
            async with db.write() as session:
                await outbox.cancel(session, row.id, error.message)
            return
        except NetworkError as error:
            async with db.write() as session:
                await outbox.mark_retry(session, row.id, error=type(error).__name__)
            return
        async with db.write() as session:
            await outbox.mark_sent(session, row.id, None)
