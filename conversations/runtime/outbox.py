"""The outbox worker: sends due outbox rows and records what happened to each.

Network errors and 5xx are retried with backoff, a 429 waits for retry_after, a 403 marks the
recipient unreachable and hands the message to the kind's fallback. A row is marked sent only
after Telegram accepted it, so a crash in between means a repeat, never a loss. Sends to one chat
go one at a time, in order, about a second apart. Rows of kind `delete_typed` delete a message the
user typed instead of sending one.

A run drains the outbox: it renders due rows a batch at a time while senders send the rows
already rendered, so that Telegram's overall limit (kept by conversations/runtime/ratelimit.py,
where these bulk sends give way to people's) sets the pace rather than round trips, rendering or
the database. A few rows get one sender, in order; a backlog gets more, up to SENDERS, as each
send waits a round trip to Telegram. A crash repeats at most the message each sender had on its way.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from conversations.runtime.context import Services
from conversations.runtime.ratelimit import bulk_sends
from conversations.runtime.reply import Reply
from locales import Translator, translator
from models import outbox, users
from models.clock import clock
from models.outbox import OutboxKind, OutboxMessage
from models.privacy import log_messages
from models.users import User

log = logging.getLogger(__name__)

# kind -> renders the row for its recipient (None: the subject is gone, cancel the row).
Renderer = Callable[[AsyncSession, OutboxMessage, User, Translator], Awaitable[Reply | None]]
# kind -> when the recipient blocked the bot: queue the message for someone else.
Fallback = Callable[[AsyncSession, OutboxMessage], Awaitable[None]]
RENDERERS: dict[str, Renderer] = {}
FALLBACKS: dict[str, Fallback] = {}

PER_CHAT_SECONDS = 1.0
BATCH = 50  # rows fetched and rendered in one read transaction
AHEAD = 200  # rendered rows waiting for a sender: several seconds of sending
# Sends on their way at once, at most. Each sender waits until its row is marked sent before it
# takes the next, so this many also keep the overall limit busy while a commit is slow.
SENDERS = 32
CHATS_PER_SENDER = 5  # another sender joins when more chats than this wait for each one


def renders(kind: str, fallback: Fallback | None = None) -> Callable[[Renderer], Renderer]:
    def register(fn: Renderer) -> Renderer:
        RENDERERS[kind] = fn
        if fallback is not None:
            FALLBACKS[kind] = fallback
        return fn

    return register


@dataclass
class Prepared:
    row: OutboxMessage
    chat_id: int
    reply: Reply | None  # None: a `delete_typed` row, which deletes instead of sending


class OutboxWorker:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._lock = asyncio.Lock()
        self._again = False
        # Set when run_once is called during a run, and when a sender is done with a chat.
        self.wake = asyncio.Event()
        # When each chat last received a message (time.monotonic()), for the per-chat pacing.
        self.last_sent: dict[int, float] = {}

    async def run_once(self, bot: Bot) -> int:
        """Sends what is due now and what falls due meanwhile; returns how many were sent.

        Never runs twice at once: a call during a run makes that run look again before it ends.
        """
        if self._lock.locked():
            self._again = True
            self.wake.set()
            return 0
        async with self._lock:
            self._forget_old_sends()
            return await _Run(self, bot).drain()

    @property
    def running(self) -> bool:
        return self._lock.locked()

    @property
    def again(self) -> bool:
        return self._again

    def take_again(self) -> bool:
        """Whether run_once was called since the last time this was asked."""
        again, self._again = self._again, False
        return again

    def _forget_old_sends(self) -> None:
        pace = PER_CHAT_SECONDS * clock.time_scale
        now = time.monotonic()
        self.last_sent = {chat: at for chat, at in self.last_sent.items() if now - at < pace}


class _Run:
    """One drain of the outbox: this task renders due rows, sender tasks send them chat by chat."""

    def __init__(self, worker: OutboxWorker, bot: Bot) -> None:
        self.worker = worker
        self.bot = bot
        self.db = worker.services.db
        # Each chat with rendered rows, in order; a chat is here until its sender is done with it.
        self.chats: dict[int, deque[Prepared]] = {}
        self.ready: asyncio.Queue[int | None] = asyncio.Queue()  # chats waiting for a sender
        self.taken: set[int] = set()  # rows of this run whose outcome is not yet written
        self.waiting = 0  # rendered rows no sender has started on
        self.room = asyncio.Event()
        # (row, chat, message) accepted by Telegram, not yet marked
        self.accepted: list[tuple[int, int, int | None]] = []
        self.marking = asyncio.Lock()
        self.senders = 0
        self.sent = 0

    async def drain(self) -> int:
        try:
            async with asyncio.TaskGroup() as tasks:
                await self._produce(tasks)
                for _ in range(self.senders):
                    self.ready.put_nowait(None)
        except BaseExceptionGroup as group:
            raise group.exceptions[0] from None  # e.g. the database, for the job to report
        return self.sent

    async def _produce(self, tasks: asyncio.TaskGroup) -> None:
        while True:
            self.worker.take_again()
            if await self._fetch(tasks):
                continue
            if not self.chats:
                if self.worker.take_again():
                    continue
                return
            # Nothing else is due yet; but what is on its way may queue more (a fallback), and
            # so may whoever calls run_once meanwhile.
            self.worker.wake.clear()
            if not self.worker.again:
                await self.worker.wake.wait()

    async def _fetch(self, tasks: asyncio.TaskGroup) -> int:
        """Renders the next due rows and hands them to senders; returns how many it found."""
        while self.waiting >= AHEAD:
            self.room.clear()
            await self.room.wait()
        cancelled: list[int] = []
        unrenderable: list[tuple[int, str]] = []
        async with self.db.read() as session:
            rows = await outbox.due_messages(session, limit=BATCH, besides=self.taken)
            self.taken.update(row.id for row in rows)
            for row in rows:
                result = await self._render(session, row)
                if isinstance(result, Prepared):
                    self._hand_over(result, tasks)
                elif result is None:
                    cancelled.append(row.id)
                else:
                    unrenderable.append((row.id, result))
        if cancelled or unrenderable:
            async with self.db.write() as session:
                for row_id in cancelled:
                    await outbox.cancel(session, row_id, "nothing to send")
                for row_id, error in unrenderable:
                    await outbox.mark_retry(session, row_id, error=error, delay=timedelta(hours=1))
            self.taken.difference_update(cancelled, (row_id for row_id, _ in unrenderable))
        return len(rows)

    async def _render(self, session: AsyncSession, row: OutboxMessage) -> Prepared | str | None:
        """The row ready to send; None: nothing to send; a string: why rendering failed."""
        user = await users.user_by_id(session, row.recipient_id)
        if row.kind == OutboxKind.DELETE_TYPED:
            return Prepared(row, user.telegram_id, None) if user else None
        if user is None or user.revoked_at is not None:
            return None
        renderer = RENDERERS.get(row.kind)
        if renderer is None:
            # Start-up refuses an application lacking a renderer: a row of an unknown kind
            # (from another version) waits instead of being dropped unseen.
            log.error("outbox %s: no renderer for kind %r", row.id, row.kind)
            return "no renderer"
        try:
            reply = await renderer(session, row, user, translator(user.language))
        except SQLAlchemyError:
            raise  # the database itself: this run fails, the next one tries again
        except Exception as error:
            # A defect of ours (or a missing key) in one row must not hold up the others.
            log.exception("outbox %s (%s) could not be rendered", row.id, row.kind)
            return type(error).__name__
        return Prepared(row, user.telegram_id, reply) if reply is not None else None

    def _hand_over(self, item: Prepared, tasks: asyncio.TaskGroup) -> None:
        self.waiting += 1
        queued = self.chats.get(item.chat_id)
        if queued is not None:
            queued.append(item)  # its sender sends it after the ones before, paced
            return
        self.chats[item.chat_id] = deque([item])
        self.ready.put_nowait(item.chat_id)
        if self.senders < SENDERS and self.ready.qsize() > self.senders * CHATS_PER_SENDER:
            self.senders += 1
            tasks.create_task(self._send_chats())

    async def _send_chats(self) -> None:
        with bulk_sends():
            while (chat_id := await self.ready.get()) is not None:
                await self._send_chat(chat_id)

    async def _send_chat(self, chat_id: int) -> None:
        rows = self.chats[chat_id]
        while rows:
            item = rows.popleft()
            self.waiting -= 1
            self.room.set()
            try:
                if item.reply is None:
                    await self._delete(item.row, chat_id)
                else:
                    await self._pace(chat_id)
                    sent = await self._send(item.row, chat_id, item.reply)
                    self.sent += sent
            finally:
                self.taken.discard(item.row.id)
        del self.chats[chat_id]
        self.worker.wake.set()

    async def _pace(self, chat_id: int) -> None:
        pace = PER_CHAT_SECONDS * clock.time_scale
        wait = self.worker.last_sent.get(chat_id, 0.0) + pace - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

    async def _mark_sent(self, row_id: int, chat_id: int, message_id: int | None) -> None:
        """Writes that Telegram accepted the row, in one transaction with any other sender's.

        The new message's id is logged in the same transaction (for /forget to delete it) rather
        than left to the heartbeat, whose one insert of a Monday morning's thousands of ids held
        up every mark, and so every sender, for a second or more.
        """
        self.accepted.append((row_id, chat_id, message_id))
        async with self.marking:
            if not self.accepted:
                return  # the transaction before took this one along
            accepted, self.accepted = self.accepted, []
            now = clock.now()
            async with self.db.write() as session:
                await outbox.mark_sent_many(
                    session, [(row, message) for row, _, message in accepted]
                )
                await log_messages(
                    session,
                    [(chat, message, now) for _, chat, message in accepted if message is not None],
                )

    async def _unreachable(self, row: OutboxMessage) -> None:
        async with self.db.write() as session:
            closed = await outbox.mark_unreachable(session, row.id)
            fallback = FALLBACKS.get(row.kind)
            if closed is not None and fallback is not None:
                await fallback(session, closed)
        log.info("outbox %s: recipient %s unreachable", row.id, row.recipient_id)

    async def _retry(self, row: OutboxMessage, error: str, delay: timedelta | None = None) -> None:
        async with self.db.write() as session:
            await outbox.mark_retry(session, row.id, error=error, delay=delay)

    async def _send(self, row: OutboxMessage, chat_id: int, reply: Reply) -> int:
        try:
            if reply.document is not None:
                name, content = reply.document
                message = await self.bot.send_document(
                    chat_id,
                    document=content,
                    filename=name,
                    caption=reply.text or None,
                    parse_mode=ParseMode.HTML,
                    protect_content=reply.protect,
                    disable_notification=reply.silent,
                )
            else:
                message = await self.bot.send_message(
                    chat_id,
                    reply.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=reply.markup(),
                    protect_content=reply.protect,
                    disable_notification=reply.silent,
                )
        except RetryAfter as error:
            await self._retry(row, "429", _seconds(error))
            return 0
        except Forbidden:
            await self._unreachable(row)
            return 0
        except BadRequest as error:
            if "chat not found" in error.message:
                await self._unreachable(row)
                return 0
            # A message Telegram refuses is a defect of ours: keep it, retry slowly, shout.
            log.error("outbox %s (%s) refused: %s", row.id, row.kind, error.message)
            await self._retry(row, error.message, timedelta(hours=1))
            return 0
        except NetworkError as error:  # includes TimedOut and 5xx
            await self._retry(row, type(error).__name__)
            return 0
        self.worker.last_sent[chat_id] = time.monotonic()
        await self._mark_sent(row.id, chat_id, message.message_id)
        return 1

    async def _delete(self, row: OutboxMessage, chat_id: int) -> None:
        try:
            await self.bot.delete_message(chat_id, int(row.data["message_id"]))
        except RetryAfter as error:
            await self._retry(row, "429", _seconds(error))
            return
        except (BadRequest, Forbidden) as error:
            # Already gone (deleted before a restart, or by the user), or too old to delete.
            async with self.db.write() as session:
                await outbox.cancel(session, row.id, error.message)
            return
        except NetworkError as error:
            await self._retry(row, type(error).__name__)
            return
        await self._mark_sent(row.id, chat_id, None)


def _seconds(error: RetryAfter) -> timedelta:
    delay = error.retry_after
    return delay if isinstance(delay, timedelta) else timedelta(seconds=float(delay))
