"""The history of an agreement: every change with who made it and when, never free text."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.agreements.tables import Agreement, AgreementEvent
from models.clock import clock


def add_event(
    session: AsyncSession,
    agreement: Agreement,
    actor_id: int | None,
    action: str,
    detail: str | None = None,
) -> None:
    """Adds one entry; `actor_id` is None for what the sweep does on its own."""
    session.add(
        AgreementEvent(
            agreement_id=agreement.id,
            at=clock.now(),
            actor_id=actor_id,
            action=action,
            detail=detail,
        )
    )


async def history(session: AsyncSession, agreement_id: int) -> list[AgreementEvent]:
    rows = await session.scalars(
        select(AgreementEvent)
        .where(AgreementEvent.agreement_id == agreement_id)
        .order_by(AgreementEvent.at, AgreementEvent.id)
    )
    return list(rows)
