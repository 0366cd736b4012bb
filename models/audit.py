"""The audit log: who did what to which record, written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.clock import clock


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    # None: the operator's command line or the bot itself.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    record_type: Mapped[str | None] = mapped_column(String(32))
    record_id: Mapped[int | None]


async def audit(
    session: AsyncSession,
    *,
    actor_id: int | None,
    action: str,
    record: tuple[str, int | None] | None = None,
) -> None:
    record_type, record_id = record if record else (None, None)
    session.add(
        AuditEntry(
            at=clock.now(),
            actor_id=actor_id,
            action=action,
            record_type=record_type,
            record_id=record_id,
        )
    )


async def audit_page(
    session: AsyncSession, *, before_id: int | None = None, limit: int = 20
) -> list[AuditEntry]:
    """Newest first; `before_id` pages further back."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(await session.scalars(query))
