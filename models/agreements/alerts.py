"""Who is told: the coordinators of the nearest level of the area tree that contains the group,
admins when there are none. Someone who blocked the bot is skipped, and a message they could not
get is handed one level up.

A level is the depth of an area in the tree (colline 3, commune 2, province 1); the admins are
level 0, above every area."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox
from models.agreements.tables import Agreement
from models.areas import Area
from models.audit import audit
from models.groups import Group
from models.meetings import facilitator_ids, local_today
from models.outbox import OutboxKind, OutboxMessage
from models.users import Role, User

ADMINS = 0
BELOW_EVERY_AREA = 4


def depth_of(path: str) -> int:
    """The level of an area from its path: "/3/" is 1 (a province), "/3/17/42/" 3 (a colline)."""
    return path.count("/") - 1


async def coordinators_by_level(session: AsyncSession, group: Group) -> dict[int, list[User]]:
    """Active coordinators whose area contains the group, by the level of their area."""
    rows = await session.execute(
        select(User, Area.path)
        .join(Area, Area.id == User.area_id)
        .where(
            User.role == Role.COORDINATOR.value,
            User.revoked_at.is_(None),
            literal(group.area_path).startswith(Area.path),
        )
        .order_by(User.id)
    )
    levels: dict[int, list[User]] = {}
    for user, path in rows.all():
        levels.setdefault(depth_of(path), []).append(user)
    return levels


async def coordinator_levels(session: AsyncSession, group: Group) -> list[list[User]]:
    """Active coordinators whose area contains the group, nearest level first."""
    levels = await coordinators_by_level(session, group)
    return [levels[depth] for depth in sorted(levels, reverse=True)]


async def admins(session: AsyncSession) -> list[User]:
    rows = await session.scalars(
        select(User)
        .where(User.role == Role.ADMIN.value, User.revoked_at.is_(None))
        .order_by(User.id)
    )
    return list(rows)


def reachable(users: Iterable[User], exclude: Iterable[int] = ()) -> list[User]:
    skip = set(exclude)
    return [u for u in users if u.unreachable_at is None and u.id not in skip]


async def alert_recipients(session: AsyncSession, group: Group) -> list[User]:
    """The nearest coordinators who can be reached; else admins (all of them if none can be)."""
    _, users = await level_above(session, group, BELOW_EVERY_AREA)
    return users


async def level_above(session: AsyncSession, group: Group, level: int) -> tuple[int, list[User]]:
    """The nearest level above `level` with coordinators who can be reached, and those; else the
    admins (ADMINS, all of them if none can be reached). A level nobody can be reached at is
    skipped."""
    levels = await coordinators_by_level(session, group)
    for depth in sorted(levels, reverse=True):
        if depth < level and (found := reachable(levels[depth])):
            return depth, found
    everyone = await admins(session)
    return ADMINS, reachable(everyone) or everyone


async def level_of(session: AsyncSession, user: User | None) -> int | None:
    """The level a coordinator or admin acts at; None for anyone else."""
    if user is None or not user.active:
        return None
    if user.role == Role.ADMIN.value:
        return ADMINS
    area = await session.get(Area, user.area_id) if user.area_id is not None else None
    if user.role != Role.COORDINATOR.value or area is None:
        return None
    return depth_of(area.path)


async def level_recipients(
    session: AsyncSession, group: Group, level: int
) -> tuple[int, list[User]]:
    """Who can be reached at `level` (coordinators of an area containing the group, or the
    admins); when nobody can, the nearest level above."""
    if level == ADMINS:
        return await level_above(session, group, 1)
    found = reachable((await coordinators_by_level(session, group)).get(level, []))
    if found:
        return level, found
    return await level_above(session, group, level)


async def hand_over(session: AsyncSession, row: OutboxMessage, group: Group) -> int:
    """The recipient of `row` blocked the bot: queue it for the next level up, else admins."""
    already = set(
        await session.scalars(
            select(OutboxMessage.recipient_id).where(
                OutboxMessage.kind == row.kind, OutboxMessage.subject == row.subject
            )
        )
    )
    already.add(row.recipient_id)
    blocked = await session.get(User, row.recipient_id)
    levels = await coordinator_levels(session, group)
    depth = None
    if blocked is not None and blocked.role == Role.COORDINATOR.value:
        depth = next(
            (i for i, level in enumerate(levels) if blocked.id in {u.id for u in level}), None
        )
    targets: list[User] = []
    start = 0 if depth is None else depth + 1
    if blocked is None or blocked.role != Role.ADMIN.value:
        for level in levels[start:]:
            targets = reachable(level, already)
            if targets:
                break
    if not targets:
        targets = reachable(await admins(session), already)
    for target in targets:
        await outbox.enqueue(
            session,
            kind=row.kind,
            subject=row.subject,
            period=f"handover:{row.recipient_id}",
            recipient_id=target.id,
            payload=row.data,
        )
    return len(targets)


async def hand_follow_up_over(session: AsyncSession, row: OutboxMessage) -> int:
    """A facilitator blocked the bot: if no other facilitator can answer, the coordinators."""
    agreement = await session.get(Agreement, int(row.data.get("agreement_id", 0)))
    group = await session.get(Group, agreement.group_id) if agreement else None
    if group is None:
        return 0
    others = [uid for uid in await facilitator_ids(session, group.id) if uid != row.recipient_id]
    if reachable(await session.scalars(select(User).where(User.id.in_(others)))):
        return 0
    return await hand_over(session, row, group)


async def request_referral(session: AsyncSession, *, group: Group, actor_id: int) -> int:
    """Tells the coordinators that a referral is needed: the group only, no record, no details.

    At most once a day per group and coordinator; returns how many messages were queued.
    """
    await audit(session, actor_id=actor_id, action="referral.requested", record=("group", group.id))
    queued = 0
    for recipient in await alert_recipients(session, group):
        queued += await outbox.enqueue(
            session,
            kind=OutboxKind.AGREEMENT_REFERRAL,
            subject=f"group:{group.id}",
            period=local_today(group).isoformat(),
            recipient_id=recipient.id,
            payload={"group_id": group.id},
        )
    return queued
