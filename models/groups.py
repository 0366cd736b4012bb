"""Sociotherapy groups and the facilitators who lead them (many-to-many, across cycles)."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.areas import Area, Level
from models.audit import audit
from models.base import Base
from models.clock import clock
from models.errors import InvalidInput, NotFound

WEEKS = 15


class GroupStatus(enum.StrEnum):
    PREPARING = "preparing"
    ACTIVE = "active"
    SELF_HELP = "self_help"
    CLOSED = "closed"


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    # Copied from the colline so that scoped queries filter groups with one prefix match.
    area_path: Mapped[str] = mapped_column(String(255), index=True)
    weekday: Mapped[int]  # 0 = Monday … 6 = Sunday, as Python's date.weekday()
    meet_time: Mapped[time]
    start_date: Mapped[date]
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=GroupStatus.PREPARING.value)
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)


class GroupMember(Base):
    __tablename__ = "group_members"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]


async def create_group(
    session: AsyncSession,
    *,
    name: str,
    area: Area,
    weekday: int,
    meet_time: time,
    start_date: date,
    timezone: str,
    actor_id: int | None = None,
) -> Group:
    name = " ".join(name.split())
    if not name or len(name) > 80:
        raise InvalidInput("group_name")
    if area.level != Level.COLLINE:
        raise InvalidInput("group_needs_colline")
    if not 0 <= weekday <= 6:
        raise InvalidInput("weekday")
    group = Group(
        name=name,
        area_id=area.id,
        area_path=area.path,
        weekday=weekday,
        meet_time=meet_time,
        start_date=start_date,
        timezone=timezone,
        created_at=clock.now(),
    )
    session.add(group)
    await session.flush()
    await audit(session, actor_id=actor_id, action="group.create", record=("group", group.id))
    return group


async def add_member(session: AsyncSession, *, user_id: int, group_id: int) -> GroupMember:
    if await session.get(Group, group_id) is None:
        raise NotFound("group")
    member = await session.scalar(
        select(GroupMember).where(GroupMember.group_id == group_id, GroupMember.user_id == user_id)
    )
    if member is None:
        member = GroupMember(group_id=group_id, user_id=user_id, joined_at=clock.now())
        session.add(member)
    member.left_at = None
    await session.flush()
    return member
