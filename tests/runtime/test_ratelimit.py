"""Telegram's flood limits on our side: new messages within the overall and per-chat limits,
answers to taps never held back, a 429 delaying only what it concerns."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import RetryAfter

from conversations.runtime.ratelimit import TelegramLimits, bulk_sends, is_new_message


class VirtualTime:
    """A clock that moves only when every task waits: then to the earliest wake-up."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._count = itertools.count()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._count), future))
        await future

    async def run(self, *calls: Awaitable[Any]) -> list[Any]:
        tasks = [asyncio.ensure_future(c) for c in calls]
        while not all(t.done() for t in tasks):
            for _ in range(50):  # let every task run until it waits
                await asyncio.sleep(0)
            if all(t.done() for t in tasks):
                break
            assert self._sleepers, "every task waits for something that never comes"
            wake, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, wake)
            future.set_result(None)
        return [t.result() for t in tasks]


def limiter(clock: VirtualTime, **kw: Any) -> TelegramLimits:
    return TelegramLimits(now=clock, sleep=clock.sleep, **kw)


async def call(
    limits: TelegramLimits, clock: VirtualTime, endpoint: str, chat_id: int, sent: list[float]
) -> Any:
    async def request() -> bool:
        sent.append(clock.now)
        return True

    return await limits.process_request(request, (), {}, endpoint, {"chat_id": chat_id}, None)


def most_in_one_second(times: list[float]) -> int:
    ordered = sorted(times)
    return max(sum(1 for t in ordered if start <= t < start + 1.0) for start in ordered)


def test_which_calls_are_new_messages() -> None:
    assert is_new_message("sendMessage") and is_new_message("sendDocument")
    assert is_new_message("copyMessage") and is_new_message("forwardMessage")
    assert not is_new_message("editMessageText")
    assert not is_new_message("answerCallbackQuery")
    assert not is_new_message("sendChatAction")
    assert not is_new_message("deleteMessage")


async def test_new_messages_stay_within_thirty_in_any_second() -> None:
    clock = VirtualTime()
    limits = limiter(clock)
    sent: list[float] = []
    await clock.run(*(call(limits, clock, "sendMessage", 100 + n, sent) for n in range(95)))
    assert len(sent) == 95
    assert most_in_one_second(sent) == 30
    # And no slower than that: 95 messages in a little over three seconds.
    assert max(sent) - min(sent) == pytest.approx(3.0)


async def bulk_call(
    limits: TelegramLimits, clock: VirtualTime, chat_id: int, sent: list[float]
) -> Any:
    with bulk_sends():
        return await call(limits, clock, "sendMessage", chat_id, sent)


async def test_bulk_sends_go_evenly_at_the_overall_rate() -> None:
    clock = VirtualTime()
    limits = limiter(clock)
    sent: list[float] = []
    await clock.run(*(bulk_call(limits, clock, 100 + n, sent) for n in range(90)))
    assert most_in_one_second(sent) <= 30
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert gaps == pytest.approx([1 / 30] * 89)


async def test_a_persons_message_goes_before_waiting_bulk_sends() -> None:
    clock = VirtualTime()
    limits = limiter(clock)
    bulk: list[float] = []
    reply: list[float] = []

    async def person_writes() -> None:
        await clock.sleep(1.5)  # the bulk sends have filled the window by now
        await call(limits, clock, "sendMessage", 7, reply)

    await clock.run(*(bulk_call(limits, clock, 100 + n, bulk) for n in range(150)), person_writes())
    # It waits only for the next free place, not behind the hundred bulk sends still queued.
    assert reply[0] - 1000.0 == pytest.approx(1.5, abs=1 / 30)
    assert most_in_one_second(bulk + reply) <= 30
    assert len(bulk) == 150


async def test_edits_and_answers_are_never_held_back() -> None:
    clock = VirtualTime()
    limits = limiter(clock)
    sent: list[float] = []
    await clock.run(
        *(call(limits, clock, "editMessageText", 100 + n, sent) for n in range(200)),
        *(call(limits, clock, "answerCallbackQuery", 100 + n, sent) for n in range(200)),
    )
    assert len(sent) == 400
    assert set(sent) == {1000.0}


async def test_a_429_holds_back_that_chat_only() -> None:
    clock = VirtualTime()
    limits = limiter(clock)
    refused = {"once": True}
    times: dict[str, float] = {}

    def request(name: str) -> Callable[[], Awaitable[bool]]:
        async def send() -> bool:
            if name == "flooded" and refused.pop("once", False):
                raise RetryAfter(timedelta(seconds=3))
            times[name] = clock.now
            return True

        return send

    async def later(name: str, endpoint: str, chat_id: int) -> Any:
        await clock.sleep(1)
        return await limits.process_request(
            request(name), (), {}, endpoint, {"chat_id": chat_id}, None
        )

    await clock.run(
        limits.process_request(request("flooded"), (), {}, "sendMessage", {"chat_id": 7}, None),
        later("same chat", "sendMessage", 7),
        later("edit", "editMessageText", 7),
        later("other chat", "sendMessage", 9),
    )
    assert times["edit"] - 1000.0 == pytest.approx(1.0)
    assert times["other chat"] - 1000.0 == pytest.approx(1.0)
    assert times["flooded"] - 1000.0 == pytest.approx(3.1)
    assert times["same chat"] - 1000.0 == pytest.approx(3.1)
    assert limits.retries == 1


async def test_a_group_gets_twenty_a_minute() -> None:
    clock = VirtualTime()
    limits = limiter(clock)
    sent: list[float] = []
    await clock.run(*(call(limits, clock, "sendMessage", -100123, sent) for _ in range(22)))
    assert [t - 1000.0 for t in sent[18:]] == pytest.approx([0, 0, 3, 6])


async def test_gives_up_after_the_retries() -> None:
    clock = VirtualTime()
    limits = limiter(clock, max_retries=2)
    attempts: list[float] = []

    async def always_flooded() -> bool:
        attempts.append(clock.now)
        raise RetryAfter(timedelta(seconds=1))

    with pytest.raises(RetryAfter):
        await clock.run(
            limits.process_request(always_flooded, (), {}, "sendMessage", {"chat_id": 9}, None)
        )
    assert len(attempts) == 3


async def test_the_bot_sends_a_burst_without_a_single_429(tg: Any, bot: Any) -> None:
    """Against the test server's flood control: 70 people each get a message at once."""
    tg.flood_control = True
    people = [tg.add_user(user_id=5000 + n, first_name="P", started=True) for n in range(70)]
    await asyncio.gather(*(bot.bot.send_message(p.id, "Hello") for p in people))
    assert all(len(p.messages) == 1 for p in people)
    assert not [r for r in tg.refusals if r.error_code == 429]
