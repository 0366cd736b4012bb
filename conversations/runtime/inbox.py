"""Feeds the webhook inbox (models/inbox.py) to the application, in arrival order.

Rows are claimed in the order they were committed and handed to the update processor in that
order, so each person's updates run one after another (conversations/runtime/ordering.py) and
different people's side by side. A row is marked handled (its body erased) once its update's
processing is over; a crash before that leaves it to the next start, which takes it first and
treats it as possibly handled in part (conversations/runtime/arrivals.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update

from conversations.runtime import arrivals, failpoints
from conversations.runtime.context import BotApplication, Services
from models import inbox

log = logging.getLogger(__name__)

# Looked at this often even when nothing wakes the consumer (rows of a failed claim).
IDLE_SECONDS = 5.0
FORGET_EVERY = 3600.0


class InboxConsumer:
    def __init__(self, application: BotApplication, holder: str) -> None:
        self.application = application
        self.holder = holder
        self.wakeup = asyncio.Event()
        self._services: Services = application.bot_data["services"]
        self._tasks: set[asyncio.Task[None]] = set()
        # Claims older than this process are orphans: their process is gone (it held the lease).
        self._started = inbox.now()
        self._forgot = 0.0

    async def run(self) -> None:
        while True:
            self.wakeup.clear()
            try:
                async with self._services.db.write() as session:
                    rows = await inbox.claim(session, self.holder, orphaned_before=self._started)
                await self._forget_old()
            except SQLAlchemyError as error:
                log.warning("webhook inbox not read: %s", type(error).__name__)
                rows = []
            for row in rows:
                self._start(row)
            if not rows:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wakeup.wait(), IDLE_SECONDS)

    def _start(self, row: inbox.Claimed) -> None:
        try:
            update = Update.de_json(json.loads(row.body), self.application.bot)
        except Exception:  # whatever the parser raises, the update is unreadable
            # Only its id: what it carries may be what someone typed.
            log.error("update %s cannot be read and is skipped", row.update_id)
            update = None
        if update is not None:
            age = max(0.0, (inbox.now() - row.received_at).total_seconds())
            arrivals.of(self._services.extra).note(update.update_id, age=age, again=row.again)
        task = asyncio.create_task(self._handle(row.id, update))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, row_id: int, update: Update | None) -> None:
        if update is not None:
            app = self.application
            await app.update_processor.process_update(update, app.process_update(update))
        failpoints.reached("webhook.handled")
        try:
            async with self._services.db.write() as session:
                await inbox.handled(session, row_id)
        except SQLAlchemyError:
            # Handled again at the next start: its stored reply answers, nothing is repeated.
            log.exception("inbox row %s not marked handled", row_id)

    async def _forget_old(self) -> None:
        if time.monotonic() - self._forgot < FORGET_EVERY:
            return
        self._forgot = time.monotonic()
        async with self._services.db.write() as session:
            await inbox.forget_handled(session)

    async def drain(self, seconds: float) -> None:
        """Lets the updates being handled finish (a shutdown); what is left stays claimed."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=seconds)
