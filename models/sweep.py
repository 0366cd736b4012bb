"""The sweep: one repeating job asks every registered sweeper what is due at the clock's now.

Sweepers write outbox rows under unique keys, so running the sweep twice at the same time, or
after a restart, queues nothing twice; nothing that must survive a restart lives in a scheduler.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from models import service
from models.clock import clock

if TYPE_CHECKING:  # models.db imports every model, this one included
    from models.db import Database

log = logging.getLogger(__name__)

Sweeper = Callable[[AsyncSession, datetime], Awaitable[int]]
_SWEEPERS: dict[str, Sweeper] = {}


def sweeper(name: str) -> Callable[[Sweeper], Sweeper]:
    """Registers a function that queues what is due; it returns how many rows it queued."""

    def register(fn: Sweeper) -> Sweeper:
        _SWEEPERS[name] = fn
        return fn

    return register


@sweeper("forget_processed_updates")
async def _forget_processed(session: AsyncSession, now: datetime) -> int:
    return await service.forget_processed(session, older_than=timedelta(days=7))


async def run_sweep(database: Database) -> dict[str, int]:
    """Runs every sweeper in its own transaction; one failing does not stop the others."""
    now = clock.now()
    results: dict[str, int] = {}
    for name, fn in sorted(_SWEEPERS.items()):
        try:
            async with database.write() as session:
                results[name] = await fn(session, now)
        except Exception:
            log.exception("sweeper %s failed", name)
            results[name] = -1
    async with database.write() as session:
        await service.set_state(session, "last_sweep", now.isoformat())
    return results
