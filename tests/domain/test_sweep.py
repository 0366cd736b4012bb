"""The sweep's steady case: with everything due already queued it queues nothing and takes no
write transaction for what it only had to look at, so it does not hold up people's taps."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import models
from models import reminders, schedule
from models.clock import clock
from models.db import Database
from models.outbox import OutboxMessage
from models.sweep import Plan, find_old_updates, run_sweep
from models.users import Role
from tests.support import factories

# The groups meet on Wednesdays at 09:00 in Bujumbura (UTC+2), i.e. 07:00 UTC.
MEETING = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)


async def two_groups(db: Database) -> None:
    async with db.write() as s:
        for n, name in enumerate(("Amahoro", "Ubumwe")):
            group = await factories.group(s, name=name, weekday=2, meet_time=time(9, 0))
            for k in range(2):
                await factories.user(s, 900 + 10 * n + k, Role.FACILITATOR, group_id=group.id)


async def outbox_rows(db: Database) -> int:
    async with db.read() as s:
        return int(await s.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


def count_writes(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    writes = [0]
    write = db.write

    @asynccontextmanager
    async def counted() -> AsyncIterator[AsyncSession]:
        writes[0] += 1
        async with write() as session:
            yield session

    monkeypatch.setattr(db, "write", counted)
    return writes


async def test_steady_sweep_queues_nothing_and_writes_only_its_timestamp(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await two_groups(db)
    clock.set(MEETING - timedelta(hours=24))
    first = await run_sweep(db)
    assert first["meeting_reminders"] == 4
    queued = await outbox_rows(db)

    writes = count_writes(db, monkeypatch)
    clock.advance(timedelta(minutes=1))
    again = await run_sweep(db)
    assert all(n == 0 for n in again.values()), again
    assert await outbox_rows(db) == queued
    # Retention's single UPDATEs still run in a write transaction; then the last_sweep timestamp.
    assert writes == [2]


async def test_found_messages_queued_meanwhile_are_not_queued_twice(db: Database) -> None:
    await two_groups(db)
    clock.set(MEETING + timedelta(hours=24))
    async with db.read() as s:
        write = await reminders.find_record_nudges(s, clock.now())
    assert write is not None
    assert (await run_sweep(db))["record_nudges"] == 4
    async with db.write() as s:
        assert await write(s) == 0
    assert await outbox_rows(db) == 4


def test_every_finder_and_eraser_of_the_domain_is_in_the_plan() -> None:
    """A finder or eraser left out of models/schedule.py would never run: none is."""
    listed = {*schedule.PLAN.finders.values(), *schedule.ERASERS}
    found = set()
    for info in pkgutil.walk_packages(models.__path__, "models."):
        module = importlib.import_module(info.name)
        for _, fn in inspect.getmembers(module, inspect.iscoroutinefunction):
            # A finder takes (session, now) and returns the write to make, if any; an eraser
            # takes (session, before).
            signature = inspect.signature(fn)
            params = list(signature.parameters)
            finds = params == ["session", "now"] and "Write" in str(signature.return_annotation)
            if fn.__module__ == info.name and (finds or params == ["session", "before"]):
                found.add(fn)
    missing = sorted(f"{fn.__module__}.{fn.__name__}" for fn in found - listed)
    assert missing == [], "finders or erasers not in the sweep's plan (models/schedule.py)"
    assert len(found) >= 10


def test_a_plan_refuses_a_function_listed_twice() -> None:
    with pytest.raises(ValueError, match="listed twice"):
        Plan(finders={"a": find_old_updates, "b": find_old_updates})
