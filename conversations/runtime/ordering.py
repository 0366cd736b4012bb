"""Updates of different people are handled at the same time; one person's, one after another.

Handling updates one at a time makes the bot wait for every Telegram round trip and every
database commit of every person in turn: with Telegram 50-200 ms away, that is a handful of
updates a second. `concurrent_updates(True)` would let one person's taps overtake each other
(their typed state, their panel). This processor keeps each person's updates in the order they
arrived and runs different people's side by side, at most `workers` at once.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Waiting for one's turn holds no worker, only one of these (python-telegram-bot's own bound).
PENDING_LIMIT = 4096


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, workers: int = 16, on_done: Callable[[int], None] | None = None) -> None:
        super().__init__(PENDING_LIMIT)
        self.workers = workers
        # Told the id of every update whose processing is over (conversations/runtime/confirm.py).
        self._on_done = on_done
        self._work = asyncio.Semaphore(workers)
        # The last update of each person still running or waiting: the next one waits for it.
        self._tails: dict[object, asyncio.Future[None]] = {}

    @staticmethod
    def key(update: object) -> object:
        """Whose update it is: the person, else the chat; one shared line for anything else."""
        if isinstance(update, Update):
            if update.effective_user is not None:
                return ("user", update.effective_user.id)
            if update.effective_chat is not None:
                return ("chat", update.effective_chat.id)
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self.key(update)
        previous = self._tails.get(key)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[key] = done
        started = False
        try:
            if previous is not None:
                # Whatever became of the previous update, this one comes after it.
                await asyncio.wait([previous])
            async with self._work:
                started = True
                await coroutine
        finally:
            if not started and inspect.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting (shutdown): it never ran
            done.set_result(None)
            if self._tails.get(key) is done:
                del self._tails[key]
            if self._on_done is not None and isinstance(update, Update):
                self._on_done(update.update_id)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release: PTB waits for running updates itself."""
