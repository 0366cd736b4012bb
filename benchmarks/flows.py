"""Simulated people: a facilitator's week as a sequence of texts and taps, timed one by one.

Buttons are chosen by their callback data (`gd:week-03:1`, `st:…`, `at:…`, `rf:…:p1`), never by
label, so the flows work in every language. Every step waits for the bot's answer in that chat
(the new message, or the edit of the tapped one) before the next: a person reads, then taps.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.support.tgserver import BotMessage, TestUser

ANSWER_TIMEOUT = 60.0
# The reflection, button by button: phase, climate, a topic, next, follow-ups, no referral, save.
REFLECTION = ("p1", "c4", "t2", "tn", "f2", "r0", "s")


class Stuck(Exception):
    """The bot did not answer as the flow expected; the person starts their week again."""


@dataclass
class Timings:
    """Every step: when its update was created, how long until the answer, text or tap."""

    steps: list[tuple[float, float, str]] = field(default_factory=list)
    stuck: int = 0
    first_stuck: list[str] = field(default_factory=list)

    def within(self, start: float, end: float) -> list[tuple[float, float, str]]:
        """Steps whose answer arrived within [start, end)."""
        return [s for s in self.steps if start <= s[0] + s[1] < end]


def datas(message: BotMessage) -> list[str]:
    return [data for row in message.buttons for _, data in row if data]


def find(message: BotMessage, accept: Callable[[str], bool]) -> str | None:
    return next((d for d in datas(message) if accept(d)), None)


class Pacer:
    """Lets people take steps at a fixed overall rate (an open loop), each waiting its turn."""

    def __init__(self) -> None:
        self.idle: deque[asyncio.Future[None]] = deque()
        self.missed = 0

    async def turn(self) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.idle.append(future)
        await future

    async def run(self, rate: float, duration: float) -> int:
        """Grants `rate` steps a second for `duration` seconds; returns the steps granted."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        granted = 0
        while (now := loop.time()) < start + duration:
            due = int((now - start) * rate) + 1
            while granted < due:
                if self.idle:
                    self.idle.popleft().set_result(None)
                else:
                    self.missed += 1  # everyone is waiting for the bot
                granted += 1
            await asyncio.sleep(max(0.0, start + granted / rate - loop.time()))
        return granted


class Person:
    """One simulated Telegram user whose every step is timed."""

    def __init__(
        self, user: TestUser, timings: Timings, bare: bool = False, pacer: Pacer | None = None
    ) -> None:
        self.user = user
        self.timings = timings
        self.bare = bare
        self.pacer = pacer
        self.cycles = 0

    def stuck(self, stuck: Stuck) -> None:
        self.timings.stuck += 1
        if len(self.timings.first_stuck) < 3:
            self.timings.first_stuck.append(str(stuck))
        self.user.drain()

    async def _answer(self, started: float, kind: str) -> BotMessage:
        try:
            message = await self.user.next_message(timeout=ANSWER_TIMEOUT)
        except AssertionError as error:
            raise Stuck(str(error)[:200]) from None
        self.timings.steps.append((started, asyncio.get_running_loop().time() - started, kind))
        return message

    async def text(self, text: str) -> BotMessage:
        if self.pacer is not None:
            await self.pacer.turn()
        started = asyncio.get_running_loop().time()
        await self.user.send(text)
        return await self._answer(started, "text")

    async def tap(self, message: BotMessage, data: str | None) -> BotMessage:
        if data is None:
            raise Stuck(f"no such button on {message!r}")
        if self.pacer is not None:
            await self.pacer.turn()
        started = asyncio.get_running_loop().time()
        await self.user.tap_data(message, data)
        return await self._answer(started, "tap")


# --- the facilitator's week with the real bot ---------------------------------------------------


async def read_guide(person: Person) -> int:
    """/session, open this week's guide, and page through every screen. Returns taps."""
    panel = await person.text("/session")
    opened = find(panel, lambda d: d.startswith("gd:week-"))
    if opened is None:
        return 0  # the 15 weeks are done
    guide = opened.split(":")[1]
    screen = await person.tap(panel, opened)
    taps, index = 1, 0
    while True:
        following = f"gd:{guide}:{index + 1}"
        if following not in datas(screen):
            return taps
        screen = await person.tap(screen, following)
        taps, index = taps + 1, index + 1


async def read_week(person: Person, week: int) -> None:
    """A trainee reads one week's guide: /week N, then Next to its end."""
    screen = await person.text(f"/week {week}")
    guide, index = f"week-{week:02d}", 0
    while (following := f"gd:{guide}:{index + 1}") in datas(screen):
        screen = await person.tap(screen, following)
        index += 1


async def reading(person: Person, first_week: int) -> None:
    """Week after week of guides (until cancelled)."""
    week = first_week
    while True:
        try:
            await read_week(person, week)
        except Stuck as stuck:
            person.stuck(stuck)
        week = week % 15 + 1


def absentees(week: int, size: int = 12) -> tuple[int, int]:
    """Two absentees that change every week, so nobody is absent twice in a row."""
    first = (2 * week) % size
    return first, (first + 5) % size


async def record_week(person: Person) -> int:
    """/session, held today, two absentees, save, the reflection by buttons. Returns taps."""
    panel = await person.text("/session")
    held = find(panel, lambda d: d.startswith("st:"))
    if held is None:
        return 0
    week = int(held.split(":")[2])
    screen = await person.tap(panel, held)
    for absent in absentees(week):
        toggles = [d for d in datas(screen) if d.startswith("at:")]
        if absent >= len(toggles):
            raise Stuck(f"roster of {len(toggles)}")
        screen = await person.tap(screen, toggles[absent])
    step = await person.tap(screen, find(screen, lambda d: d.startswith("as:")))
    taps = 4
    for op in REFLECTION:
        step = await person.tap(step, find(step, lambda d, op=op: d.endswith(":" + op)))
        taps += 1
    return taps


SUMMARY = "P01 and P02 share the lower field; the boundary stone stays where it is."


async def record_agreement(person: Person) -> int:
    """/agreement: land, two parties, no outside party, one witness, today, signed, a summary,
    save. Returns taps."""
    screen = await person.text("/agreement")
    land = find(screen, lambda d: d.startswith("ag:k:") and d.endswith(":land"))
    screen = await person.tap(screen, land)
    for n in range(2):
        toggles = [d for d in datas(screen) if d.startswith("ag:p:")]
        screen = await person.tap(screen, toggles[n] if n < len(toggles) else None)
    taps = 3
    for prefix in ("ag:pn:", "ag:on:", "ag:t:", "ag:tn:", "ag:d:", "ag:wr:"):
        screen = await person.tap(screen, find(screen, lambda d, p=prefix: d.startswith(p)))
        taps += 1
    screen = await person.text(SUMMARY)
    await person.tap(screen, find(screen, lambda d: d.startswith("ag:s:")))
    return taps + 1


PARTS = (read_guide, record_week, record_agreement)


async def weeks(person: Person, first_part: int) -> None:
    """Week after week (until cancelled)."""
    while True:
        await one_week(person, first_part)


async def one_week(person: Person, first_part: int, parts: int = len(PARTS)) -> None:
    """`parts` parts of the week, starting with a given one (so that all parts run at once)."""
    for n in range(parts):
        try:
            await PARTS[(first_part + n) % len(PARTS)](person)
        except Stuck as stuck:
            person.stuck(stuck)
    person.cycles += 1


# --- the same sequence of updates for the bare bot ----------------------------------------------


async def bare_week(
    person: Person, first_part: int, shape: tuple[tuple[str, ...], ...], parts: int
) -> None:
    """The same texts and taps, in the same order, as `one_week` sends to ours."""
    for n in range(parts):
        try:
            message: BotMessage | None = None
            for kind in shape[(first_part + n) % len(shape)]:
                if kind == "text" or message is None:
                    message = await person.text("/session" if message is None else SUMMARY)
                else:
                    message = await person.tap(message, "n")
        except Stuck as stuck:
            person.stuck(stuck)
    person.cycles += 1


def flow_shape(guide_screens: int) -> tuple[tuple[str, ...], ...]:
    """The kinds of update each part of the week sends (what `one_week` does)."""
    guide = ("text",) + ("tap",) * guide_screens
    record = ("text",) + ("tap",) * (4 + len(REFLECTION))
    agreement = ("text",) + ("tap",) * 9 + ("text", "tap")
    return guide, record, agreement
