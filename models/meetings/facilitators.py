"""Who leads a group now: the facilitators that reminders, nudges and visit prompts go to."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.groups import GroupMember

# Ids per IN list: well below the bound parameters SQLite and asyncpg accept in one statement.
IN_CHUNK = 5000


def chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for first in range(0, len(ids), IN_CHUNK):
        yield ids[first : first + IN_CHUNK]


async def facilitator_ids(session: AsyncSession, group_id: int) -> list[int]:
    from models.users import User

    rows = await session.scalars(
        select(GroupMember.user_id)
        .join(User, User.id == GroupMember.user_id)
        .where(
            GroupMember.group_id == group_id,
            GroupMember.left_at.is_(None),
            User.revoked_at.is_(None),
        )
        .order_by(GroupMember.user_id)
    )
    return list(rows)


async def facilitators_by_group(
    session: AsyncSession, group_ids: Collection[int]
) -> dict[int, list[int]]:
    """`facilitator_ids` of many groups in one query each 5,000 groups; every id is a key."""
    from models.users import User

    out: dict[int, list[int]] = {group_id: [] for group_id in group_ids}
    for some in chunks(sorted(out)):
        rows = await session.execute(
            select(GroupMember.group_id, GroupMember.user_id)
            .join(User, User.id == GroupMember.user_id)
            .where(
                GroupMember.group_id.in_(some),
                GroupMember.left_at.is_(None),
                User.revoked_at.is_(None),
            )
            .order_by(GroupMember.group_id, GroupMember.user_id)
        )
        for group_id, user_id in rows.all():
            out[group_id].append(user_id)
    return out
