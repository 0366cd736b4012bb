"""Whether a week's meeting was held (and when) or did not take place, and the history of
corrections.

Records carry the date the meeting happened, not the date the message arrived: phones are often
off for days. A record can be corrected for 7 days; every correction keeps the previous version
in the history.
"""

from __future__ import annotations

import enum
import json
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import audit
from models.base import Base
from models.clock import clock
from models.errors import DomainError, InvalidInput, NotFound
from models.groups import Group, GroupStatus
from models.meetings.dates import local_today

CORRECTION_DAYS = 7
LATE_ENTRY_DAYS = 60


class MeetingStatus(enum.StrEnum):
    HELD = "held"
    CANCELLED = "cancelled"
    POSTPONED = "postponed"


class Reason(enum.StrEnum):
    WEATHER = "weather"
    BEREAVEMENT = "bereavement"  # a funeral or illness in the community
    SECURITY = "security"
    FACILITATOR = "facilitator"  # a facilitator could not come
    OTHER = "other"


class MeetingRecord(Base):
    __tablename__ = "session_records"
    # held_week is the week for a held meeting and NULL otherwise: a week is held at most once.
    __table_args__ = (UniqueConstraint("group_id", "held_week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    week: Mapped[int]
    status: Mapped[str] = mapped_column(String(12))
    held_week: Mapped[int | None]
    # The date it was held, or the date of the meeting that did not take place.
    held_on: Mapped[date]
    reason: Mapped[str | None] = mapped_column(String(16))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)
    attendance_saved: Mapped[bool] = mapped_column(default=False)


class RecordHistory(Base):
    """Earlier versions of corrected records: who changed what, when. No free text is copied."""

    __tablename__ = "record_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int] = mapped_column(index=True)
    version: Mapped[int]
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime]
    snapshot: Mapped[str] = mapped_column(Text)


# --- reading ----------------------------------------------------------------------------------


async def records_of(session: AsyncSession, group_id: int) -> list[MeetingRecord]:
    rows = await session.scalars(
        select(MeetingRecord)
        .where(MeetingRecord.group_id == group_id)
        .order_by(MeetingRecord.held_on, MeetingRecord.id)
    )
    return list(rows)


async def record_for_week(session: AsyncSession, group_id: int, week: int) -> MeetingRecord | None:
    """The held record of a week, else the latest cancelled/postponed one."""
    rows = await session.scalars(
        select(MeetingRecord)
        .where(MeetingRecord.group_id == group_id, MeetingRecord.week == week)
        .order_by(MeetingRecord.held_week.is_(None), MeetingRecord.id.desc())
    )
    return rows.first()


async def get_record(session: AsyncSession, group_id: int, record_id: int) -> MeetingRecord:
    record = await session.get(MeetingRecord, record_id)
    if record is None or record.group_id != group_id:
        raise NotFound("meeting")
    return record


async def record_by_id(session: AsyncSession, *, record_id: int) -> MeetingRecord | None:
    """Any group's record: the caller checks that the person may see its group."""
    return await session.get(MeetingRecord, record_id)


# --- rules shared by every kind of record ------------------------------------------------------


def check_correctable(record: MeetingRecord) -> None:
    if clock.now() - record.created_at > timedelta(days=CORRECTION_DAYS):
        raise DomainError("correction_closed")


def check_date(group: Group, day: date, previous: date | None) -> None:
    today = local_today(group)
    if day > today:
        raise InvalidInput("date_future")
    if day < today - timedelta(days=LATE_ENTRY_DAYS):
        raise InvalidInput("date_too_old")
    if day < group.start_date - timedelta(days=7):
        raise InvalidInput("date_before_start")
    if previous is not None and day < previous:
        raise InvalidInput("date_before_previous")


async def keep_history(
    session: AsyncSession,
    record_type: str,
    record_id: int,
    version: int,
    actor_id: int | None,
    data: dict[str, Any],
) -> None:
    """Keeps the version being replaced, so that a correction can be traced."""
    session.add(
        RecordHistory(
            record_type=record_type,
            record_id=record_id,
            version=version,
            changed_by=actor_id,
            changed_at=clock.now(),
            snapshot=json.dumps(data, sort_keys=True, default=str),
        )
    )


# --- writing ----------------------------------------------------------------------------------


class AlreadyHeld(DomainError):
    """A session is already recorded as held on that day; `record` is the one."""

    code = "held_same_day"

    @property
    def record(self) -> MeetingRecord:
        found = self.details["record"]
        assert isinstance(found, MeetingRecord)
        return found


async def record_held(
    session: AsyncSession, *, group: Group, held_on: date, actor_id: int | None
) -> MeetingRecord:
    """This week's meeting took place on `held_on`; the week pointer moves on."""
    if group.status not in (GroupStatus.PREPARING, GroupStatus.ACTIVE):
        raise DomainError("group_finished")
    week = group.current_week
    existing = await session.scalar(
        select(MeetingRecord).where(
            MeetingRecord.group_id == group.id, MeetingRecord.held_week == week
        )
    )
    if existing is not None:
        return existing  # the other facilitator recorded it first; show theirs
    same_day = await session.scalar(
        select(MeetingRecord).where(
            MeetingRecord.group_id == group.id,
            MeetingRecord.status == MeetingStatus.HELD,
            MeetingRecord.held_on == held_on,
        )
    )
    if same_day is not None:
        # A group meets once a day: a second "held" that day is the co-facilitator's record
        # made twice, never a new week. Correcting the record is the way to change it.
        raise AlreadyHeld("held_same_day", record=same_day)
    previous = await session.scalar(
        select(MeetingRecord.held_on)
        .where(MeetingRecord.group_id == group.id, MeetingRecord.status == MeetingStatus.HELD)
        .order_by(MeetingRecord.held_on.desc())
    )
    check_date(group, held_on, previous)
    now = clock.now()
    record = MeetingRecord(
        group_id=group.id,
        week=week,
        status=MeetingStatus.HELD.value,
        held_week=week,
        held_on=held_on,
        recorded_by=actor_id,
        created_at=now,
        updated_at=now,
    )
    session.add(record)
    group.current_week = week + 1
    group.status = GroupStatus.ACTIVE.value
    group.version += 1
    await session.flush()
    # Audit entries keep the names "session.*" and ("session", id) that stored entries use.
    await audit(session, actor_id=actor_id, action="session.held", record=("session", record.id))
    return record


async def record_not_held(
    session: AsyncSession,
    *,
    group: Group,
    status: MeetingStatus,
    reason: Reason,
    on: date,
    actor_id: int | None,
) -> MeetingRecord:
    """The meeting did not take place; the group does the same week next time."""
    if status == MeetingStatus.HELD:
        raise InvalidInput("status")
    check_date(group, on, None)
    now = clock.now()
    record = MeetingRecord(
        group_id=group.id,
        week=group.current_week,
        status=status.value,
        held_week=None,
        held_on=on,
        reason=reason.value,
        recorded_by=actor_id,
        created_at=now,
        updated_at=now,
    )
    session.add(record)
    await session.flush()
    await audit(
        session, actor_id=actor_id, action=f"session.{status.value}", record=("session", record.id)
    )
    return record
