"""Different people's updates are handled side by side; one person's strictly in order; their
writes to SQLite take turns."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from telegram import Chat, Message, Update, User

from conversations.runtime.ordering import PerUserUpdateProcessor
from models import service
from models.db import Database

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def update(update_id: int, user_id: int) -> Update:
    user = User(id=user_id, first_name="P", is_bot=False)
    chat = Chat(id=user_id, type=Chat.PRIVATE)
    message = Message(message_id=update_id, date=NOW, chat=chat, from_user=user, text="x")
    return Update(update_id=update_id, message=message)


class Journal:
    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []
        self.running = 0
        self.most = 0

    async def handle(self, update_id: int, gate: asyncio.Event | None = None) -> None:
        self.events.append(("start", update_id))
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            if gate is not None:
                await gate.wait()
            await asyncio.sleep(0)
        finally:
            self.running -= 1
            self.events.append(("end", update_id))


async def test_one_persons_updates_wait_for_each_other_while_others_go_on() -> None:
    processor = PerUserUpdateProcessor(workers=8)
    journal = Journal()
    gate = asyncio.Event()
    tasks = [
        asyncio.create_task(processor.process_update(update(1, 10), journal.handle(1, gate))),
        asyncio.create_task(processor.process_update(update(2, 10), journal.handle(2))),
        asyncio.create_task(processor.process_update(update(3, 20), journal.handle(3))),
    ]
    for _ in range(20):
        await asyncio.sleep(0)
    # Person 20's update is done although person 10's first one is still running.
    assert ("end", 3) in journal.events
    assert ("start", 2) not in journal.events
    gate.set()
    await asyncio.gather(*tasks)
    assert journal.events.index(("end", 1)) < journal.events.index(("start", 2))


async def test_a_persons_many_updates_keep_their_order() -> None:
    processor = PerUserUpdateProcessor(workers=4)
    journal = Journal()
    await asyncio.gather(
        *(processor.process_update(update(n, 10 + n % 3), journal.handle(n)) for n in range(60))
    )
    for person in range(3):
        started = [i for kind, i in journal.events if kind == "start" and i % 3 == person]
        assert started == sorted(started)
        assert len(started) == 20


async def test_at_most_the_workers_run_at_once() -> None:
    processor = PerUserUpdateProcessor(workers=3)
    journal = Journal()
    gate = asyncio.Event()
    tasks = [
        asyncio.create_task(processor.process_update(update(n, 100 + n), journal.handle(n, gate)))
        for n in range(10)
    ]
    for _ in range(20):
        await asyncio.sleep(0)
    assert journal.running == 3
    gate.set()
    await asyncio.gather(*tasks)
    assert journal.most == 3
    assert len([e for e in journal.events if e[0] == "end"]) == 10


async def test_a_failed_update_does_not_hold_up_the_next() -> None:
    processor = PerUserUpdateProcessor(workers=2)
    handled: list[int] = []

    async def fails() -> None:
        raise RuntimeError("handler failed")

    async def works() -> None:
        handled.append(2)

    first = asyncio.create_task(processor.process_update(update(1, 10), fails()))
    second = asyncio.create_task(processor.process_update(update(2, 10), works()))
    results = await asyncio.gather(first, second, return_exceptions=True)
    assert isinstance(results[0], RuntimeError)
    assert handled == [2]


async def test_the_running_bot_uses_it(tg: Any, bot: Any) -> None:
    assert isinstance(bot.update_processor, PerUserUpdateProcessor)
    assert bot.update_processor.workers > 1


async def test_sqlite_writers_at_once_each_get_their_turn(db: Database) -> None:
    """Several people's updates write at once; every transaction commits, none is lost."""
    if not db.is_sqlite:
        pytest.skip("PostgreSQL writers run side by side (and lock rows)")

    async def add_one() -> None:
        async with db.write() as session:
            row = await service.get_state(session, "counter")
            value = int(row.value) if row else 0
            await asyncio.sleep(0)  # another writer would get in here without turns
            await service.set_state(session, "counter", str(value + 1))

    await asyncio.gather(*(add_one() for _ in range(30)))
    async with db.read() as session:
        row = await service.get_state(session, "counter")
        assert row is not None and row.value == "30"


async def test_a_writer_waiting_too_long_is_told_to_retry(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("PostgreSQL has no single writer")
    impatient = Database(db.url, busy_seconds=0.2)
    release = asyncio.Event()
    holding = asyncio.Event()

    async def hold() -> None:
        async with impatient.write() as session:
            await service.set_state(session, "held", "yes")
            holding.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await holding.wait()
    with pytest.raises(TimeoutError):
        async with impatient.write() as session:
            await service.set_state(session, "late", "yes")
    release.set()
    await holder
    async with impatient.write() as session:  # the turn was given back
        await service.set_state(session, "after", "yes")
    await impatient.dispose()
