"""Retention: free text older than the configured period is erased by the sweep.

Only the free text goes; the structured record (dates, attendance, phase, counts) stays, so the
programme's figures are unchanged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from models.meetings import Reflection
from models.sweep import Sweeper

DAYS_PER_MONTH = 30.44
_months = 24

# Erases the free text written before a cutoff: (session, cutoff) -> rows erased. The erasers
# of every table with free text are listed in models/schedule.py.
Eraser = Callable[[AsyncSession, datetime], Awaitable[int]]


def configure(months: int) -> None:
    global _months
    _months = months


def cutoff(now: datetime) -> datetime:
    return now - timedelta(days=round(_months * DAYS_PER_MONTH))


async def erase_reflection_notes(session: AsyncSession, before: datetime) -> int:
    result = await session.execute(
        update(Reflection)
        .where(Reflection.created_at < before, Reflection.note.is_not(None))
        .values(note=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def erasing(erasers: Sequence[Eraser]) -> Sweeper:
    """The retention sweeper: every eraser, with the cutoff of the retention period."""

    async def erase_old_free_text(session: AsyncSession, now: datetime) -> int:
        before = cutoff(now)
        return sum([await fn(session, before) for fn in erasers])

    return erase_old_free_text
