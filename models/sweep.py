"""The sweep: one repeating job asks every registered sweeper what is due at the clock's now.

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
from collections.abc import Awaitable, Callable
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
_SWEEPERS: dict[str, Sweeper] = {}
_FINDERS: dict[str, Finder] = {}


def sweeper(name: str) -> Callable[[Sweeper], Sweeper]:
    """Registers a function that queues what is due; it returns how many rows it queued."""

    def register(fn: Sweeper) -> Sweeper:
        _SWEEPERS[name] = fn
        return fn

    return register


def finder(name: str) -> Callable[[Finder], Finder]:
    """Registers a function that finds what is due in a read transaction (see the module doc)."""

    def register(fn: Finder) -> Finder:
        _FINDERS[name] = fn
        return fn

    return register


async def any_row(session: AsyncSession, query: Select[Any]) -> bool:
    """Whether `query` matches a row: a finder's cheap test before it asks for a write."""
    return bool(await session.scalar(select(exists(query))))


@finder("forget_processed_updates")
async def _forget_processed(session: AsyncSession, now: datetime) -> Write | None:
    async def forget(session: AsyncSession) -> int:
        return await service.forget_processed(session, older_than=timedelta(days=7))

    old = select(ProcessedUpdate).where(ProcessedUpdate.handled_at < now - timedelta(days=7))
    return forget if await any_row(session, old) else None


async def _run(database: Database, name: str, now: datetime) -> int:
    find = _FINDERS.get(name)
    if find is None:
        async with database.write() as session:
            return await _SWEEPERS[name](session, now)
    async with database.read() as session:
        write = await find(session, now)
    if write is None:
        return 0
    async with database.write() as session:
        return await write(session)


async def run_sweep(database: Database) -> dict[str, int]:
    """Runs every sweeper in its own transaction; one failing does not stop the others."""
    now = clock.now()
    results: dict[str, int] = {}
    for name in sorted(_SWEEPERS.keys() | _FINDERS.keys()):
        try:
            results[name] = await _run(database, name, now)
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
