"""Unacknowledged agreements: after 48 hours a reminder to the coordinators who were alerted,
after 96 hours the admins are told."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox
from models.agreements.alerts import admins, alert_recipients, reachable
from models.agreements.events import add_event
from models.agreements.tables import Agreement, Status
from models.groups import Group
from models.outbox import OutboxKind
from models.sweep import Write, any_row

REMIND_AFTER = timedelta(hours=48)
ESCALATE_AFTER = timedelta(hours=96)


def _unreminded(now: datetime) -> Select[Agreement]:
    return select(Agreement).where(
        Agreement.status == Status.REPORTED.value,
        Agreement.created_at <= now - REMIND_AFTER,
        Agreement.escalated_at.is_(None),
    )


async def find_reminders(session: AsyncSession, now: datetime) -> Write | None:
    """Unacknowledged after 48 hours: a reminder to the coordinators; after 96 hours: admins."""
    if not await any_row(session, _unreminded(now)):
        return None

    # The write selects again: an agreement acknowledged meanwhile is left alone.
    async def write(session: AsyncSession) -> int:
        return await queue_reminders(session, now)

    return write


async def queue_reminders(session: AsyncSession, now: datetime) -> int:
    queued = 0
    for agreement in await session.scalars(_unreminded(now)):
        group = await session.get(Group, agreement.group_id)
        if group is None:
            continue
        subject = f"agreement:{agreement.id}"
        payload = {"agreement_id": agreement.id}
        if agreement.reminded_at is None:
            agreement.reminded_at = now
            for user in await alert_recipients(session, group):
                queued += await outbox.enqueue(
                    session,
                    kind=OutboxKind.AGREEMENT_REMINDER,
                    subject=subject,
                    period="48h",
                    recipient_id=user.id,
                    payload=payload,
                )
        if now - agreement.created_at >= ESCALATE_AFTER:
            agreement.escalated_at = now
            everyone = await admins(session)
            for user in reachable(everyone) or everyone:
                queued += await outbox.enqueue(
                    session,
                    kind=OutboxKind.AGREEMENT_ESCALATION,
                    subject=subject,
                    period="96h",
                    recipient_id=user.id,
                    payload=payload,
                )
            add_event(session, agreement, None, "escalated")
    return queued
