"""Retention: free text older than the configured period is erased by the sweep.

Only the free text goes; the structured record (dates, attendance, phase, counts) stays, so the
programme's figures are unchanged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from models.sessions import Reflection
from models.sweep import sweeper

DAYS_PER_MONTH = 30.44
_months = 24

# Other modules with free text register an eraser: (session, cutoff) -> rows erased.
Eraser = Callable[[AsyncSession, datetime], Awaitable[int]]
ERASERS: list[Eraser] = []


def configure(months: int) -> None:
    global _months
    _months = months


def cutoff(now: datetime) -> datetime:
    return now - timedelta(days=round(_months * DAYS_PER_MONTH))


def eraser(fn: Eraser) -> Eraser:
    ERASERS.append(fn)
    return fn


@eraser
async def _reflection_notes(session: AsyncSession, before: datetime) -> int:
    result = await session.execute(
        update(Reflection)
        .where(Reflection.created_at < before, Reflection.note.is_not(None))
        .values(note=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@sweeper("retention")
async def erase_old_free_text(session: AsyncSession, now: datetime) -> int:
    before = cutoff(now)
    return sum([await fn(session, before) for fn in ERASERS])
