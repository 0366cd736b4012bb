"""Reading many rows without holding up the event loop, for the figures and the exports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeVarTuple

from sqlalchemy import Row, Select
from sqlalchemy.ext.asyncio import AsyncSession

PARTITION_ROWS = 1000

_Ts = TypeVarTuple("_Ts")


async def stream_rows(session: AsyncSession, query: Select[*_Ts]) -> AsyncIterator[Row[*_Ts]]:
    """The rows of a query, fetched a partition at a time.

    Between partitions the event loop serves other people's updates: a whole programme's rows
    (tens of thousands) are converted without holding it up for long.
    """
    result = await session.stream(query.execution_options(yield_per=PARTITION_ROWS))
    async for partition in result.partitions():
        for row in partition:
            yield row
