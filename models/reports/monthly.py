"""The monthly files: on the 1st of each month, from 07:00 in their groups' time zone, each
coordinator who asked for them (users.monthly_export) is sent the indicators of the month before
for their area. Aggregates only: never the register or anything by participant code."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.areas import Area
from models.outbox import OutboxKind, OutboxMessage, Queued
from models.reports.digest import DIGEST_HOUR, main_zone, zones_by_area
from models.reports.period import Period
from models.sweep import Write, queue_found
from models.users import Role, User

MONTHLY_DAY = 1


def previous_month(local: date) -> Period:
    end = local.replace(day=1) - timedelta(days=1)
    return Period(end.replace(day=1), end, "month")


async def find_monthly_exports(session: AsyncSession, now: datetime) -> Write | None:
    """One file per coordinator who asked for it, per month."""
    rows = await session.execute(
        select(User.id, Area.path)
        .outerjoin(Area, Area.id == User.area_id)
        .where(
            User.role.in_([Role.COORDINATOR.value, Role.ADMIN.value]),
            User.monthly_export.is_(True),
            User.revoked_at.is_(None),
            User.unreachable_at.is_(None),
        )
        .order_by(User.id)
    )
    wanted = rows.all()
    if not wanted:
        return None
    known = set(
        await session.scalars(
            select(OutboxMessage.key).where(
                OutboxMessage.kind == OutboxKind.MONTHLY_EXPORT.value,
                OutboxMessage.created_at >= now - timedelta(days=40),
            )
        )
    )
    zones = await zones_by_area(session)
    messages = []
    for user_id, area_path in wanted:
        # An admin's area is everything: the zone most groups meet in.
        tz = main_zone(zones, area_path or "/")
        if tz is None:
            continue
        local = now.astimezone(ZoneInfo(tz))
        if local.day != MONTHLY_DAY or local.hour < DIGEST_HOUR:
            continue
        month = previous_month(local.date())
        period = month.start.strftime("%Y-%m")
        payload = {"from": month.start.isoformat(), "to": month.end.isoformat()}
        message = Queued(OutboxKind.MONTHLY_EXPORT, f"user:{user_id}", period, user_id, payload)
        if message.key not in known:
            messages.append(message)
    return queue_found(messages)


def period_of(data: dict[str, str]) -> Period:
    return Period(date.fromisoformat(data["from"]), date.fromisoformat(data["to"]), "month")
