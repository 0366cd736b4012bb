"""The monthly files: on the 1st of each month, from 07:00 in their groups' time zone, each
coordinator who asked for them (users.monthly_export) is sent the indicators of the month before
for their area. Aggregates only: never the register or anything by participant code."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from models.outbox import OutboxKind, Queued
from models.reports.digest import DIGEST_HOUR, local_recipients, queued_keys
from models.reports.period import Period
from models.sweep import Write, queue_found
from models.users import Role, User

MONTHLY_DAY = 1


def previous_month(local: date) -> Period:
    end = local.replace(day=1) - timedelta(days=1)
    return Period(end.replace(day=1), end, "month")


async def find_monthly_exports(session: AsyncSession, now: datetime) -> Write | None:
    """One file per coordinator who asked for it, per month."""
    due = [
        (user_id, local)
        for user_id, local in await local_recipients(
            session,
            now,
            User.role.in_([Role.COORDINATOR.value, Role.ADMIN.value]),
            User.monthly_export.is_(True),
            everywhere=True,
        )
        if local.day == MONTHLY_DAY and local.hour >= DIGEST_HOUR
    ]
    if not due:
        return None
    known = await queued_keys(session, OutboxKind.MONTHLY_EXPORT, now - timedelta(days=40))
    messages = []
    for user_id, local in due:
        month = previous_month(local.date())
        period = month.start.strftime("%Y-%m")
        payload = {"from": month.start.isoformat(), "to": month.end.isoformat()}
        message = Queued(OutboxKind.MONTHLY_EXPORT, f"user:{user_id}", period, user_id, payload)
        if message.key not in known:
            messages.append(message)
    return queue_found(messages)


def period_of(data: dict[str, str]) -> Period:
    return Period(date.fromisoformat(data["from"]), date.fromisoformat(data["to"]), "month")
