"""The sweep: one repeating job asks every finder and sweeper of the plan what is due at the
clock's now (the plan lists them all: models/schedule.py).

Sweepers write outbox rows under unique keys, so running the sweep twice at the same time, or
after a restart, queues nothing twice; nothing that must survive a restart lives in a scheduler.

On SQLite a write transaction holds the one writer lock, and every tap that writes waits behind
it. So most sweepers are finders: they work out what is due in a read transaction, and only when
something is due take a short write transaction to apply it. What a finder found may have been
queued meanwhile by another writer; the outbox's unique key makes such a repeat insert nothing,
and writes that change other rows re-check their condition inside the write transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox, service
from models.clock import clock
from models.outbox import Queued
from models.service import ProcessedUpdate

if TYPE_CHECKING:  # models.db imports every model, this one included
    from models.db import Database

log = logging.getLogger(__name__)

Sweeper = Callable[[AsyncSession, datetime], Awaitable[int]]
# Applies what a finder found, in a write transaction; returns how many rows it queued or changed.
Write = Callable[[AsyncSession], Awaitable[int]]
# Reads what is due at `now`; None when nothing is.
Finder = Callable[[AsyncSession, datetime], Awaitable[Write | None]]


@dataclass(frozen=True)
class Plan:
    """What one sweep runs, by name: finders (see the module doc) and sweepers, which queue what
    is due in one write transaction and return how many rows they queued or changed."""

    finders: Mapping[str, Finder]
    sweepers: Mapping[str, Sweeper] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if twice := sorted(self.finders.keys() & self.sweepers.keys()):
            raise ValueError(f"sweep names used twice: {', '.join(twice)}")
        functions = [*self.finders.values(), *self.sweepers.values()]
        if len(set(functions)) != len(functions):
            raise ValueError("a function is listed twice in the sweep plan")


async def any_row(session: AsyncSession, query: Select[Any]) -> bool:
    """Whether `query` matches a row: a finder's cheap test before it asks for a write."""
    return bool(await session.scalar(select(exists(query))))


async def find_old_updates(session: AsyncSession, now: datetime) -> Write | None:
    """Handled updates older than a week: Telegram redelivers for at most 24 hours."""

    async def forget(session: AsyncSession) -> int:
        return await service.forget_processed(session, older_than=timedelta(days=7))

    old = select(ProcessedUpdate).where(ProcessedUpdate.handled_at < now - timedelta(days=7))
    return forget if await any_row(session, old) else None


async def _run(database: Database, plan: Plan, name: str, now: datetime) -> int:
    find = plan.finders.get(name)
    if find is None:
        async with database.write() as session:
            return await plan.sweepers[name](session, now)
    async with database.read() as session:
        write = await find(session, now)
    if write is None:
        return 0
    async with database.write() as session:
        return await write(session)


async def run_sweep(database: Database, plan: Plan | None = None) -> dict[str, int]:
    """Runs every finder and sweeper of the plan (the application's, by default), each in its
    own transaction; one failing does not stop the others."""
    if plan is None:
        from models.schedule import PLAN  # the plan imports every domain, which import this

        plan = PLAN
    now = clock.now()
    results: dict[str, int] = {}
    for name in sorted(plan.finders.keys() | plan.sweepers.keys()):
        try:
            results[name] = await _run(database, plan, name, now)
        except Exception:
            log.exception("sweeper %s failed", name)
            results[name] = -1
    async with database.write() as session:
        await service.set_state(session, "last_sweep", now.isoformat())
    return results


def queue_found(messages: list[Queued]) -> Write | None:
    """The write that queues `messages`; None when there are none."""
    if not messages:
        return None

    async def write(session: AsyncSession) -> int:
        return await outbox.enqueue_many(session, messages)

    return write
