"""The coordinators' weekly digest: queued on Monday morning in their groups' time zone, and the
figures it shows when it is sent."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
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


async def local_recipients(
    session: AsyncSession, now: datetime, *who: ColumnElement[bool], everywhere: bool = False
) -> list[tuple[int, datetime]]:
    """Each active, reachable user matching `who` with the time now where most of their groups
    meet; a user whose area has no group is left out. `everywhere`: a user with no area (an
    admin) counts every group."""
    rows = await session.execute(
        select(User.id, Area.path)
        .outerjoin(Area, Area.id == User.area_id)
        .where(*who, User.revoked_at.is_(None), User.unreachable_at.is_(None))
        .order_by(User.id)
    )
    users = rows.all()
    if not users:
        return []
    zones = await zones_by_area(session)
    found = []
    for user_id, area_path in users:
        tz = main_zone(zones, area_path or ("/" if everywhere else None))
        if tz is not None:
            found.append((user_id, now.astimezone(ZoneInfo(tz))))
    return found


async def queued_keys(session: AsyncSession, kind: OutboxKind, since: datetime) -> set[str]:
    """The keys of the messages of this kind queued since then: each is queued once."""
    query = select(OutboxMessage.key).where(
        OutboxMessage.kind == kind.value, OutboxMessage.created_at >= since
    )
    return set(await session.scalars(query))


async def find_digests(session: AsyncSession, now: datetime) -> Write | None:
    """One digest per coordinator per ISO week, on Monday from 07:00 in their groups' time zone."""
    due = [
        (user_id, local)
        for user_id, local in await local_recipients(
            session, now, User.role == Role.COORDINATOR.value
        )
        if local.weekday() == DIGEST_WEEKDAY and local.hour >= DIGEST_HOUR
    ]
    if not due:
        return None
    known = await queued_keys(session, OutboxKind.DIGEST, now - timedelta(days=8))
    messages = []
    for coordinator_id, local in due:
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
