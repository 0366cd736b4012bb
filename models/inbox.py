"""The webhook inbox: each update Telegram posts is committed here before Telegram gets its 200.

Telegram forgets an update once its webhook request is answered, so the answer waits for this
row; the update is then handled from the row, and a crash at any point leaves the row to the
next start. A row holds what the person typed: its body is encrypted, and erased once the update
is handled. What is left of a handled row (its id and fingerprint, for a day) tells a
redelivery of an update already handled, whose 200 was lost, from a new one.

Rows are claimed (claimed_by, claimed_at) before they are handled, so that several processes
could share the inbox; one runs today (models/lease.py). A claim whose process is gone is taken
over; a row claimed before may have been handled in part (its tap answered, its screen edited).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, String, UniqueConstraint, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.crypto import EncryptedText

# A handled row is kept (without its body) as long as Telegram may deliver it again.
KEEP_HANDLED = timedelta(hours=24)


class InboxRow(Base):
    __tablename__ = "webhook_inbox"
    __table_args__ = (UniqueConstraint("update_id", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger)
    # Ids and dates of the update (never its text): a redelivery has the same.
    digest: Mapped[str] = mapped_column(String(64))
    # The update as Telegram sent it; None once handled.
    body: Mapped[str | None] = mapped_column(EncryptedText())
    # Real time, not the bot's clock: Telegram's limits (answering a tap) run on it.
    received_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_at: Mapped[datetime | None]
    handled_at: Mapped[datetime | None] = mapped_column(index=True)


@dataclass(frozen=True)
class Claimed:
    id: int
    update_id: int
    body: str
    received_at: datetime
    # Claimed before by a process that did not finish it: it may have been handled in part.
    again: bool


def now() -> datetime:
    return datetime.now(UTC)


def fingerprint(update: dict[str, Any]) -> str:
    """Who sent it and what it is, by ids and dates only (the digest is kept a day)."""
    kinds = sorted(k for k in update if k != "update_id")
    kind = kinds[0] if kinds else ""
    inner = update.get(kind) if kind else None
    inner = inner if isinstance(inner, dict) else {}
    sender = inner.get("from")
    parts = [
        update.get("update_id"),
        kind,
        inner.get("id"),
        inner.get("message_id"),
        inner.get("date"),
        inner.get("edit_date"),
        sender.get("id") if isinstance(sender, dict) else None,
    ]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


async def receive(session: AsyncSession, update_id: int, digest: str, body: str) -> bool:
    """Stores an update; False if it is here already (a redelivery). Commit before the 200."""
    known = await session.scalar(
        select(InboxRow.id).where(InboxRow.update_id == update_id, InboxRow.digest == digest)
    )
    if known is not None:
        return False
    session.add(InboxRow(update_id=update_id, digest=digest, body=body, received_at=now()))
    return True


async def claim(
    session: AsyncSession, holder: str, *, orphaned_before: datetime, limit: int = 50
) -> list[Claimed]:
    """The oldest unhandled rows nobody works on (or whose claim is older than
    `orphaned_before` and not `holder`'s), in arrival order, now claimed by `holder`."""
    rows = list(
        await session.scalars(
            select(InboxRow)
            .where(
                InboxRow.handled_at.is_(None),
                or_(
                    InboxRow.claimed_by.is_(None),
                    (InboxRow.claimed_at < orphaned_before) & (InboxRow.claimed_by != holder),
                ),
            )
            .order_by(InboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    at = now()
    claimed = []
    for row in rows:
        claimed.append(
            Claimed(
                row.id, row.update_id, row.body or "", row.received_at, row.claimed_by is not None
            )
        )
        row.claimed_by, row.claimed_at = holder, at
    return claimed


async def handled(session: AsyncSession, row_id: int) -> None:
    """The update is handled: what it carried is erased, its fingerprint kept a day."""
    await session.execute(
        update(InboxRow).where(InboxRow.id == row_id).values(body=None, handled_at=now())
    )


async def forget_handled(session: AsyncSession) -> int:
    result = await session.execute(
        delete(InboxRow).where(InboxRow.handled_at < now() - KEEP_HANDLED)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def waiting(session: AsyncSession) -> int:
    """Rows not handled yet."""
    found = await session.scalar(
        select(func.count()).select_from(InboxRow).where(InboxRow.handled_at.is_(None))
    )
    return int(found or 0)
