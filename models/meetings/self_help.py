"""After week 15: the group goes on as a self-help group, with its own meetings and a monthly
check-in.

The self-help group meets every week, on its own day, at the sessions' time unless changed: the
bot keeps one weekday per group (what week 15 records), and the guide asks the group above all to
meet regularly, "so that members can count on the group". The check-in stays monthly: that is the
programme's question, not the group's rhythm.
"""

from __future__ import annotations

import enum
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import audit
from models.base import Base
from models.clock import clock
from models.errors import DomainError, InvalidInput
from models.groups import WEEKS, Group, GroupStatus
from models.meetings.dates import local_today


class CheckinAnswer(enum.StrEnum):
    MEETING = "meeting"
    PAUSED = "paused"
    STOPPED = "stopped"


class SelfHelpCheckin(Base):
    """The monthly answer of a self-help group's facilitators: still meeting, paused, stopped."""

    __tablename__ = "self_help_checkins"
    __table_args__ = (UniqueConstraint("group_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    answer: Mapped[str] = mapped_column(String(12))
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime]


async def start_self_help(
    session: AsyncSession, *, group: Group, name: str, weekday: int, actor_id: int | None
) -> None:
    """After week 15: the group continues as a self-help group with a monthly check-in."""
    if group.current_week <= WEEKS:
        raise DomainError("not_finished")
    name = " ".join(name.split())
    if not name or len(name) > 80:
        raise InvalidInput("group_name")
    if not 0 <= weekday <= 6:
        raise InvalidInput("weekday")
    group.self_help_name = name
    group.self_help_weekday = weekday
    group.self_help_since = local_today(group)
    group.status = GroupStatus.SELF_HELP.value
    group.version += 1
    await audit(session, actor_id=actor_id, action="group.self_help", record=("group", group.id))


def self_help_weekday(group: Group) -> int:
    """The self-help group's meeting day; the sessions' day until one is chosen."""
    return group.weekday if group.self_help_weekday is None else group.self_help_weekday


def self_help_time(group: Group) -> time:
    return group.self_help_time or group.meet_time


def next_self_help_meeting(group: Group, after: datetime) -> datetime:
    """The self-help group's first meeting strictly after `after`."""
    zone = ZoneInfo(group.timezone)
    local = after.astimezone(zone)
    weekday, at = self_help_weekday(group), self_help_time(group)
    for offset in range(8):
        candidate = datetime.combine(local.date() + timedelta(days=offset), at, tzinfo=zone)
        if candidate.weekday() == weekday and candidate > after:
            return candidate
    raise AssertionError("a weekday recurs within 8 days")


async def set_self_help_meeting(
    session: AsyncSession, *, group: Group, weekday: int, at: time, actor_id: int | None
) -> None:
    """A facilitator or a coordinator changes the self-help group's meeting day and time."""
    if group.status != GroupStatus.SELF_HELP:
        raise DomainError("not_self_help")
    if not 0 <= weekday <= 6:
        raise InvalidInput("weekday")
    group.self_help_weekday = weekday
    group.self_help_time = at
    group.version += 1
    await audit(
        session, actor_id=actor_id, action="group.self_help_meeting", record=("group", group.id)
    )


async def answer_checkin(
    session: AsyncSession, *, group: Group, month: str, answer: CheckinAnswer, actor_id: int | None
) -> SelfHelpCheckin:
    """The latest answer of the month counts (either facilitator may answer or correct it)."""
    if group.status != GroupStatus.SELF_HELP:
        raise DomainError("not_self_help")
    row = await session.scalar(
        select(SelfHelpCheckin).where(
            SelfHelpCheckin.group_id == group.id, SelfHelpCheckin.month == month
        )
    )
    if row is None:
        row = SelfHelpCheckin(
            group_id=group.id,
            month=month,
            answer=answer.value,
            answered_by=actor_id,
            answered_at=clock.now(),
        )
        session.add(row)
    else:
        row.answer = answer.value
        row.answered_by = actor_id
        row.answered_at = clock.now()
    await audit(
        session, actor_id=actor_id, action=f"self_help.{answer.value}", record=("group", group.id)
    )
    return row
