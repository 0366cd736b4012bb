"""The coordinators' weekly digest: queued on Monday morning in their groups' time zone, and the
figures it shows when it is sent."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.areas import Area
from models.groups import Group, GroupStatus
from models.outbox import OutboxKind, OutboxMessage, Queued
from models.reports.figures import AreaReport, area_report
from models.scope import Scope
from models.sweep import Write, queue_found
from models.users import Role, User

DIGEST_WEEKDAY = 0  # Monday
DIGEST_HOUR = 7


def digest_period(local: datetime) -> str:
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


async def zones_by_area(session: AsyncSession) -> list[tuple[str, str, int]]:
    """(area path, time zone, groups) of every group not closed, for all coordinators at once."""
    rows = await session.execute(
        select(Group.area_path, Group.timezone, func.count())
        .where(Group.status != GroupStatus.CLOSED.value)
        .group_by(Group.area_path, Group.timezone)
        .order_by(Group.timezone)
    )
    return [(path, tz, int(n)) for path, tz, n in rows.all()]


def main_zone(zones: list[tuple[str, str, int]], area_path: str | None) -> str | None:
    """The time zone most of the coordinator's groups meet in; None when they have no group."""
    if not area_path:
        return None
    counts: Counter[str] = Counter()
    for path, tz, n in zones:
        if path.startswith(area_path):
            counts[tz] += n
    return counts.most_common(1)[0][0] if counts else None


async def find_digests(session: AsyncSession, now: datetime) -> Write | None:
    """One digest per coordinator per ISO week, on Monday from 07:00 in their groups' time zone."""
    rows = await session.execute(
        select(User.id, Area.path)
        .outerjoin(Area, Area.id == User.area_id)
        .where(
            User.role == Role.COORDINATOR.value,
            User.revoked_at.is_(None),
            User.unreachable_at.is_(None),
        )
        .order_by(User.id)
    )
    coordinators = rows.all()
    if not coordinators:
        return None
    known = set(
        await session.scalars(
            select(OutboxMessage.key).where(
                OutboxMessage.kind == OutboxKind.DIGEST.value,
                OutboxMessage.created_at >= now - timedelta(days=8),
            )
        )
    )
    zones = await zones_by_area(session)
    messages = []
    for coordinator_id, area_path in coordinators:
        tz = main_zone(zones, area_path)
        if tz is None:
            continue
        local = now.astimezone(ZoneInfo(tz))
        if local.weekday() != DIGEST_WEEKDAY or local.hour < DIGEST_HOUR:
            continue
        period = digest_period(local)
        subject = f"user:{coordinator_id}"
        message = Queued(OutboxKind.DIGEST, subject, period, coordinator_id, {"week": period})
        if message.key not in known:
            messages.append(message)
    return queue_found(messages)


async def digest_figures(session: AsyncSession, *, user: User, now: datetime) -> AreaReport | None:
    """What a digest shows its recipient when it is sent; None when there is nothing to send
    (the recipient is no longer a coordinator, or their area has no group)."""
    if Role(user.role) not in (Role.COORDINATOR, Role.ADMIN):
        return None
    return await area_report(session, await Scope.of(session, user), now)


async def area_today(session: AsyncSession, user: User, now: datetime) -> date:
    """Today in the time zone most of the person's groups meet in (UTC when they have none)."""
    area = await session.get(Area, user.area_id) if user.area_id is not None else None
    tz = main_zone(await zones_by_area(session), area.path if area is not None else "/")
    return now.astimezone(ZoneInfo(tz)).date() if tz else now.date()
