"""The outbox worker: sends due outbox rows and records what happened to each.

What each answer of Telegram means for a row is in outbox_calls.py: network errors and 5xx are
retried with backoff; a 429 makes its chat's rows (only those) wait for retry_after while the
other chats' go on; a 403 marks the recipient unreachable and hands the message to the kind's
fallback. A row is marked sent only
after Telegram accepted it, so a crash in between means a repeat, never a loss. Sends to one chat
go one at a time, in order, about a second apart. Rows of kind `delete_typed` delete a message the
user typed instead of sending one; rows of kind `chat.wipe` clear a revoked person's chat.

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
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot

from conversations.runtime import outbox_calls as calls
from conversations.runtime.context import Services
from conversations.runtime.menu import refresh_menu
from conversations.runtime.outbox_calls import Answer, ChatWaits, Outcome
from conversations.runtime.outbox_kinds import FALLBACKS, RENDERERS
from conversations.runtime.outbox_kinds import renders as renders  # where flows find it
from conversations.runtime.ratelimit import bulk_sends
from conversations.runtime.reply import Reply
from conversations.runtime.wiping import wipe_chat
from locales import translator
from models import outbox, users
from models.clock import clock
from models.outbox import OutboxKind, OutboxMessage
from models.privacy import log_messages

log = logging.getLogger(__name__)

PER_CHAT_SECONDS = 1.0
BATCH = 50  # rows fetched and rendered in one read transaction
AHEAD = 200  # rendered rows waiting for a sender: several seconds of sending
# Sends on their way at once, at most. Each sender waits until its row is marked sent before it
# takes the next, so this many also keep the overall limit busy while a commit is slow.
SENDERS = 32
CHATS_PER_SENDER = 5  # another sender joins when more chats than this wait for each one
# A chat told to wait this long at most is sent to again within the same run.
RESUME_WITHIN = timedelta(seconds=10)


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
        # When the earliest row a 429 postponed is due again (time.monotonic()).
        self.resume_at: float | None = None

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
                if await self._resume_postponed():
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
        if row.kind in (OutboxKind.DELETE_TYPED, OutboxKind.CHAT_WIPE, OutboxKind.MENU_REFRESH):
            # Also for a revoked person: their chat is to be cleared all the same.
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
                await self._send_one(item, chat_id)
            except ChatWaits as pause:
                # Telegram asked this chat to wait: its later rows wait with it, in order,
                # while this sender goes on to other chats.
                later = [rest.row.id for rest in rows]
                self.waiting -= len(rows)
                rows.clear()
                self.room.set()
                await self._postpone(later, pause.delay)
                self.taken.difference_update(later)
            finally:
                self.taken.discard(item.row.id)
        del self.chats[chat_id]
        self.worker.wake.set()

    async def _resume_postponed(self) -> bool:
        """Rows a 429 postponed by a few seconds are sent in this run, once they are due."""
        if self.resume_at is None:
            return False
        wait, self.resume_at = self.resume_at - time.monotonic(), None
        if wait > RESUME_WITHIN.total_seconds():
            return False  # the next run takes them
        await asyncio.sleep(max(wait, 0))
        return True

    async def _postpone(self, row_ids: list[int], delay: timedelta) -> None:
        due = time.monotonic() + clock.wait(delay).total_seconds()
        self.resume_at = due if self.resume_at is None else min(self.resume_at, due)
        if row_ids:
            async with self.db.write() as session:
                await outbox.postpone(session, row_ids, delay)

    async def _send_one(self, item: Prepared, chat_id: int) -> None:
        row = item.row
        if row.kind == OutboxKind.MENU_REFRESH:
            await self._apply(row, chat_id, await refresh_menu(self.bot, self.db, row.recipient_id))
        elif row.kind == OutboxKind.CHAT_WIPE:
            await wipe_chat(self.bot, self.worker.services, chat_id)
            await self._mark_sent(row.id, chat_id, None)
        elif item.reply is None or row.kind == OutboxKind.AGREEMENT_ERASE_SCREEN:
            message_id = int(row.data["message_id"])
            await self._apply(
                row, chat_id, await calls.delete(self.bot, chat_id, message_id, item.reply)
            )
        else:
            await self._pace(chat_id)
            answer = await calls.send(
                self.bot, chat_id, item.reply, f"outbox {row.id} ({row.kind})"
            )
            if answer.outcome == Outcome.DONE:
                self.worker.last_sent[chat_id] = time.monotonic()
                self.sent += 1
            await self._apply(row, chat_id, answer)

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

    async def _apply(self, row: OutboxMessage, chat_id: int, answer: Answer) -> None:
        """Writes what Telegram's answer means for the row (outbox_calls.py)."""
        if answer.outcome == Outcome.DONE:
            await self._mark_sent(row.id, chat_id, answer.message_id)
        elif answer.outcome == Outcome.WAIT:
            assert answer.delay is not None
            await self._retry(row, answer.error, answer.delay)
            raise ChatWaits(answer.delay)
        elif answer.outcome == Outcome.UNREACHABLE:
            await self._unreachable(row)
        elif answer.outcome == Outcome.RETRY:
            await self._retry(row, answer.error, answer.delay)
        else:
            async with self.db.write() as session:
                await outbox.cancel(session, row.id, answer.error)
