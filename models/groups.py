"""Sociotherapy groups and the facilitators who lead them (many-to-many, across cycles)."""

from __future__ import annotations

import enum
import re
from datetime import date, datetime, time, timedelta

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.areas import Area, Level
from models.audit import audit
from models.base import Base
from models.clock import clock
from models.errors import InvalidInput, NotFound
from models.users import Role, User, refresh_menu

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
    # The week the group does next (1-15); it moves on only when a meeting is recorded as held.
    current_week: Mapped[int] = mapped_column(default=1)
    # Bumped on every roster change, so attendance taps made on an older roster are refused.
    roster_version: Mapped[int] = mapped_column(default=1)
    # The preparation checklist, ticked before week 1.
    prep_context: Mapped[bool] = mapped_column(default=False)
    prep_mapping: Mapped[bool] = mapped_column(default=False)
    prep_consent: Mapped[bool] = mapped_column(default=False)
    prep_referral: Mapped[bool] = mapped_column(default=False)
    # After week 15 the group continues as a self-help group.
    self_help_name: Mapped[str | None] = mapped_column(String(80))
    self_help_weekday: Mapped[int | None]
    self_help_since: Mapped[date | None]
    # The self-help group's meeting time; None: the time of the weekly sessions.
    self_help_time: Mapped[time | None]

    @property
    def prep_done(self) -> bool:
        return self.prep_context and self.prep_mapping and self.prep_consent and self.prep_referral


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


async def add_facilitator(
    session: AsyncSession, *, user_id: int, group_id: int, actor_id: int | None
) -> GroupMember:
    """Makes the person a facilitator of the group; a trainee becomes a facilitator."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("user")
    member = await add_member(session, user_id=user.id, group_id=group_id)
    await audit(
        session, actor_id=actor_id, action="group.facilitator.add", record=("group", group_id)
    )
    if user.role == Role.TRAINEE:
        user.role = Role.FACILITATOR.value
        await audit(
            session, actor_id=actor_id, action="user.role.facilitator", record=("user", user.id)
        )
        await refresh_menu(session, user)
    return member


PREP_ITEMS = ("context", "mapping", "consent", "referral")


async def toggle_prep(
    session: AsyncSession, *, group: Group, item: str, actor_id: int | None
) -> bool:
    """Ticks or unticks one item of the preparation checklist; returns its new state."""
    if item not in PREP_ITEMS:
        raise InvalidInput("prep_item")
    attribute = f"prep_{item}"
    value = not getattr(group, attribute)
    setattr(group, attribute, value)
    group.version += 1
    await audit(
        session,
        actor_id=actor_id,
        action=f"prep.{item}.{'on' if value else 'off'}",
        record=("group", group.id),
    )
    return value


async def groups_of(session: AsyncSession, user_id: int) -> list[Group]:
    """The groups a facilitator leads now, oldest first."""
    rows = await session.scalars(
        select(Group)
        .join(GroupMember, GroupMember.group_id == Group.id)
        .where(GroupMember.user_id == user_id, GroupMember.left_at.is_(None))
        .order_by(Group.id)
    )
    return list(rows)


async def get_group(session: AsyncSession, group_id: int) -> Group | None:
    """Any group, out of anyone's scope: for messages the bot itself queued about it."""
    return await session.get(Group, group_id)


async def groups_visible_to(session: AsyncSession, user: User) -> list[Group]:
    """The groups a person leads (facilitators) or may see (coordinators, admins)."""
    from models.scope import Scope  # the scope is built on this module's tables

    if user.role == Role.FACILITATOR:
        return await groups_of(session, user.id)
    scope = await Scope.of(session, user)
    return list(await session.scalars(scope.groups().order_by(Group.name, Group.id)))


# --- creating groups: the values a coordinator chooses -----------------------------------------

_TIME = re.compile(r"^([01]?[0-9]|2[0-3])\s*[:hH.]\s*([0-5][0-9])$")


def parse_time(text: str) -> time:
    """A meeting time typed as 14:30, 9:00, 14h30 or 14.30."""
    match = _TIME.match(text.strip()[:20])
    if match is None:
        raise InvalidInput("meeting_time")
    return time(int(match.group(1)), int(match.group(2)))


def next_meeting_dates(weekday: int, today: date, count: int = 4) -> list[date]:
    """The next `count` dates after today that fall on `weekday` (0 = Monday)."""
    if not 0 <= weekday <= 6:
        raise InvalidInput("weekday")
    first = today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    return [first + timedelta(weeks=n) for n in range(count)]


async def child_areas(session: AsyncSession, parent_id: int | None) -> list[Area]:
    """One level of the area tree (the provinces when `parent_id` is None), by name."""
    condition = Area.parent_id.is_(None) if parent_id is None else Area.parent_id == parent_id
    return list(await session.scalars(select(Area).where(condition).order_by(Area.name)))


async def list_groups(session: AsyncSession) -> list[Group]:
    return list(await session.scalars(select(Group).order_by(Group.id)))
