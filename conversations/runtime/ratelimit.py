"""Telegram's flood limits, kept on our side so that a 429 is rare and costs only its chat.

Telegram documents its limits for messages a bot sends: about 30 a second overall, about one a
second in one chat (short bursts pass), 20 a minute in a group. python-telegram-bot's
AIORateLimiter counts every call with a chat id against the overall 30 (so each edit answering
a tap uses a message's share), lets a full bucket of 30 go out on top of the steady 30 a second
(more than Telegram takes in one second), and after any 429 stops every call of the bot, for
everyone, until the wait is over. Here:

- new messages (send*, copy, forward) are counted in a sliding one-second window that starts
  when Telegram has answered the earlier ones, so network delays cannot squeeze more than the
  overall limit into one of Telegram's seconds; a group chat also gets its 20 a minute;
- edits, answers to taps and deletions are not counted: they answer what a person just did;
- bulk sends (the outbox worker's, marked with `bulk_sends()`) give way to a person's: they take
  a free place in the window only when no one else waits for it, and they go out evenly spaced
  rather than thirty at once, so places free up one by one and a reply never waits for the
  whole window to turn over;
- as the overall limit is kept here, a 429 on a new message concerns its chat (one person
  sending commands faster than one a second): that chat's new messages wait, no one else's.
  Bulk sends are paced per chat by the outbox worker, which after a 429 reschedules that
  chat's rows and goes on with other chats rather than waiting here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

OVERALL = 30  # new messages in any PERIOD, all chats together
PERIOD = 1.0
GROUP_BURST, GROUP_PER_SECOND = 20.0, 20 / 60
# While only calls still on their way fill the window, look again this often.
POLL = 0.005
# Bulk sends keep to a schedule of one every PERIOD / OVERALL; one that woke late lets the next
# ones catch up this far, so that lateness does not lower the rate.
CATCH_UP = 0.1
NEW_MESSAGES = ("send", "copyMessage", "copyMessages", "forwardMessage", "forwardMessages")
NOT_MESSAGES = frozenset({"sendChatAction"})
Result = bool | dict[str, Any] | list[dict[str, Any]]

# Set in the outbox worker's tasks: what they send can wait for what people are waiting for.
_bulk: ContextVar[bool] = ContextVar("bulk_sends", default=False)


@contextmanager
def bulk_sends() -> Iterator[None]:
    token = _bulk.set(True)
    try:
        yield
    finally:
        _bulk.reset(token)


def is_new_message(endpoint: str) -> bool:
    return endpoint.startswith(NEW_MESSAGES) and endpoint not in NOT_MESSAGES


def chat_of(value: object) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None  # "@channelname": not a chat this bot writes to


class TelegramLimits(BaseRateLimiter[int]):
    def __init__(
        self,
        max_retries: int = 5,
        overall: int = OVERALL,
        period: float = PERIOD,
        *,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.max_retries = max_retries
        self.overall = overall
        self.period = period
        self._now = now
        self._sleep = sleep
        # When Telegram answered the recent new messages (oldest first), and how many are on
        # their way: one on its way may reach Telegram at any moment until it is answered.
        self._answered: deque[float] = deque()
        self._on_the_way = 0
        self._turn = asyncio.Lock()
        self._bulk_turn = asyncio.Lock()
        self._people_waiting = 0
        self._next_bulk = 0.0
        self._groups: dict[int, tuple[float, float]] = {}
        # Chats that received a 429: no new message to them before this moment.
        self._paused: dict[int, float] = {}
        self.retries = 0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def _wait_chat(self, chat: int) -> None:
        while (until := self._paused.get(chat, 0.0)) > (now := self._now()):
            await self._sleep(until - now)
        self._paused.pop(chat, None)
        if chat < 0:
            await self._wait_group(chat)

    async def _wait_group(self, chat: int) -> None:
        while True:
            now = self._now()
            tokens, last = self._groups.get(chat, (GROUP_BURST, now))
            tokens = min(GROUP_BURST, tokens + (now - last) * GROUP_PER_SECOND)
            if tokens >= 1:
                self._groups[chat] = (tokens - 1, now)
                return
            self._groups[chat] = (tokens, now)
            await self._sleep((1 - tokens) / GROUP_PER_SECOND)

    def _free(self, now: float) -> float:
        """0 if the window has a free place now, else how long to look away before asking again."""
        while self._answered and now - self._answered[0] >= self.period:
            self._answered.popleft()
        if self._on_the_way + len(self._answered) < self.overall:
            return 0.0
        wait = self._answered[0] + self.period - now if self._answered else POLL
        return min(wait, POLL) if self._on_the_way else wait

    async def _wait_overall(self) -> None:
        # One at a time, in order: whoever waited first sends first.
        self._people_waiting += 1
        try:
            async with self._turn:
                while wait := self._free(self._now()):
                    await self._sleep(wait)
                self._on_the_way += 1
        finally:
            self._people_waiting -= 1

    async def _wait_bulk(self) -> None:
        async with self._bulk_turn:
            while True:
                now = self._now()
                wait = max(self._free(now), self._next_bulk - now)
                if wait <= 0 and self._people_waiting:
                    wait = POLL  # a person's message takes this place first
                if wait <= 0:
                    break
                await self._sleep(wait)
            self._on_the_way += 1
            # After a pause the schedule starts again from now, without a burst to catch up.
            behind = now - self._next_bulk
            start = self._next_bulk if behind <= CATCH_UP else now
            self._next_bulk = start + self.period / self.overall

    def _answered_now(self) -> None:
        self._on_the_way -= 1
        self._answered.append(self._now())

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        counted = is_new_message(endpoint)
        chat = chat_of(data.get("chat_id")) if counted else None
        wait_overall = self._wait_bulk if _bulk.get() else self._wait_overall
        max_retries = self.max_retries if rate_limit_args is None else rate_limit_args
        for attempt in range(max_retries + 1):
            if counted:
                if chat is not None:
                    await self._wait_chat(chat)
                await wait_overall()
            try:
                try:
                    return await callback(*args, **kwargs)
                finally:
                    if counted:
                        self._answered_now()
            except RetryAfter as error:
                delay = error.retry_after
                seconds = delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
                wait = seconds + 0.1
                if chat is not None:
                    self._paused[chat] = max(self._paused.get(chat, 0.0), self._now() + wait)
                if attempt == max_retries or _bulk.get():
                    # The outbox reschedules the row (and that chat's next ones) itself, and
                    # its sender goes on with other chats instead of sleeping here.
                    raise
                self.retries += 1
                log.info("Rate limit hit by %s: retrying in %.1f s", endpoint, wait)
                if chat is None:
                    await self._sleep(wait)
        raise AssertionError("unreachable: the loop returns or raises")
