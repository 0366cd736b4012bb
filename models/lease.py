"""One bot per database: a lease that the running bot renews and a killed one gives up.

Two processes answering one programme would each wait for people's typed answers the other
receives, send alerts twice and keep separate flood guards (README, "One bot per database").
So `bot.py run` takes the lease before it starts and renews it every 15 seconds; another
`bot.py run` is refused while the lease is fresh. A process that is killed stops renewing: its
lease is free a minute later, and at once for a new process on the same host when the old
process is gone (a restart after a crash). The command line and `health` never take it.

The lease is a row of `service_state` (key "lease"): who holds it (host, process id and a random
token) and when they last renewed it, in real time rather than the bot's clock, which tests move.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.clock import clock
from models.service import ServiceState

KEY = "lease"
LEASE = timedelta(seconds=60)
RENEW_EVERY = timedelta(seconds=15)


@dataclass(frozen=True)
class Holder:
    host: str
    pid: int
    token: str

    @classmethod
    def me(cls) -> Holder:
        return cls(socket.gethostname()[:100], os.getpid(), secrets.token_hex(8))

    @classmethod
    def parse(cls, value: str) -> Holder:
        host, pid, token = [*value.rsplit(" ", 2), "", "0", ""][:3]
        return cls(host, int(pid) if pid.isdigit() else 0, token)

    def __str__(self) -> str:
        return f"{self.host} {self.pid} {self.token}"


@dataclass(frozen=True)
class Taken:
    """The lease is someone else's: who, and how long ago they renewed it."""

    holder: Holder
    seconds_ago: int

    def sentence(self) -> str:
        return (
            f"Another bot is running on this database (host {self.holder.host}, process "
            f"{self.holder.pid}, alive {self.seconds_ago} s ago). Stop it first: only one "
            "`bot.py run` may serve a programme. If it was killed, its place is free within a "
            "minute; the command line and `bot.py health` work meanwhile."
        )


def now() -> datetime:
    return datetime.now(UTC)


def length() -> timedelta:
    return clock.wait(LEASE)


def _gone(holder: Holder) -> bool:
    """A holder on this host whose process no longer runs (or is this very process id, which a
    container's restart reuses)."""
    if holder.host != socket.gethostname()[:100] or holder.pid <= 0:
        return False
    if holder.pid == os.getpid():
        return True
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


async def acquire(session: AsyncSession, me: Holder) -> Taken | None:
    """Takes the lease (None) or says who has it. Run in a write transaction."""
    at = now()
    row = await session.scalar(
        select(ServiceState).where(ServiceState.key == KEY).with_for_update()
    )
    if row is None:
        session.add(ServiceState(key=KEY, value=str(me), updated_at=at))
        await session.flush()
        return None
    holder = Holder.parse(row.value)
    fresh = at - row.updated_at < length()
    if fresh and holder.token != me.token and not _gone(holder):
        return Taken(holder, max(0, int((at - row.updated_at).total_seconds())))
    row.value = str(me)
    row.updated_at = at
    return None


async def renew(session: AsyncSession, me: Holder) -> bool:
    """False when the lease is no longer this process's (it was taken after a long stall)."""
    result = await session.execute(
        update(ServiceState)
        .where(ServiceState.key == KEY, ServiceState.value == str(me))
        .values(updated_at=now())
    )
    return bool(getattr(result, "rowcount", 0))


async def release(session: AsyncSession, me: Holder) -> None:
    await session.execute(
        delete(ServiceState).where(ServiceState.key == KEY, ServiceState.value == str(me))
    )
