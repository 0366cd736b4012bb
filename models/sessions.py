"""The weekly record: whether the session was held (and when), attendance, and a reflection.

Records carry the date the session happened, not the date the message arrived: phones are often
off for days. A record can be corrected for 7 days; every correction keeps the previous version
in the history, and a correction made on an outdated version is refused (optimistic concurrency)
so two facilitators cannot silently overwrite each other.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models import outbox
from models.audit import audit
from models.base import Base
from models.clock import clock
from models.crypto import EncryptedText
from models.errors import Conflict, DomainError, InvalidInput, NotFound
from models.groups import WEEKS, Group, GroupMember, GroupStatus
from models.roster import Participant, active_participants

CORRECTION_DAYS = 7
LATE_ENTRY_DAYS = 60
NOTE_MAX = 500


class SessionStatus(enum.StrEnum):
    HELD = "held"
    CANCELLED = "cancelled"
    POSTPONED = "postponed"


class Reason(enum.StrEnum):
    WEATHER = "weather"
    BEREAVEMENT = "bereavement"  # a funeral or illness in the community
    SECURITY = "security"
    FACILITATOR = "facilitator"  # a facilitator could not come
    OTHER = "other"


PHASES = ("safety", "trust", "care", "respect", "orientation", "memory")
TOPICS = ("daily", "returnees", "land", "violence", "upbringing", "women", "beliefs")
REFERRALS = ("health", "psychosocial", "legal", "protection")
FOLLOW_UP_MAX = 5  # "5 or more"


class SessionRecord(Base):
    __tablename__ = "session_records"
    # held_week is the week for a held session and NULL otherwise: a week is held at most once.
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


class Attendance(Base):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("session_records.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    present: Mapped[bool]


class Reflection(Base):
    __tablename__ = "reflections"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("session_records.id", ondelete="CASCADE"), unique=True
    )
    phase: Mapped[str] = mapped_column(String(16))
    climate: Mapped[int | None]
    topics: Mapped[str] = mapped_column(String(120), default="")
    follow_ups: Mapped[int | None]
    referral: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(EncryptedText())
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)


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


@dataclass(frozen=True)
class ReflectionDraft:
    phase: str
    climate: int | None = None
    topics: frozenset[str] = frozenset()
    follow_ups: int | None = None
    referral: str | None = None

    def validate(self) -> None:
        if self.phase not in PHASES:
            raise InvalidInput("phase")
        if self.climate is not None and not 1 <= self.climate <= 5:
            raise InvalidInput("climate")
        if not self.topics <= set(TOPICS):
            raise InvalidInput("topics")
        if self.follow_ups is not None and not 0 <= self.follow_ups <= FOLLOW_UP_MAX:
            raise InvalidInput("follow_ups")
        if self.referral is not None and self.referral not in REFERRALS:
            raise InvalidInput("referral")


# --- dates ------------------------------------------------------------------------------------


def local_today(group: Group) -> date:
    return clock.now().astimezone(ZoneInfo(group.timezone)).date()


def meeting_at(group: Group, day: date) -> datetime:
    """The group's meeting time on a given day, as an aware datetime."""
    return datetime.combine(day, group.meet_time, tzinfo=ZoneInfo(group.timezone))


def next_meeting(group: Group, after: datetime) -> datetime:
    """The first meeting time strictly after `after` (weekday 0 = Monday, like date.weekday())."""
    local = after.astimezone(ZoneInfo(group.timezone))
    day = max(local.date(), group.start_date)
    for offset in range(8):
        candidate = meeting_at(group, day + timedelta(days=offset))
        if candidate.weekday() == group.weekday and candidate > after:
            return candidate
    raise AssertionError("a weekday recurs within 8 days")


def last_meeting(group: Group, before: datetime) -> datetime | None:
    """The latest meeting time at or before `before`, not before the start date."""
    local = before.astimezone(ZoneInfo(group.timezone))
    for offset in range(8):
        day = local.date() - timedelta(days=offset)
        candidate = meeting_at(group, day)
        if candidate.weekday() == group.weekday and candidate <= before:
            return candidate if day >= group.start_date else None
    raise AssertionError("a weekday recurs within 8 days")


# --- reading ----------------------------------------------------------------------------------


async def records_of(session: AsyncSession, group_id: int) -> list[SessionRecord]:
    rows = await session.scalars(
        select(SessionRecord)
        .where(SessionRecord.group_id == group_id)
        .order_by(SessionRecord.held_on, SessionRecord.id)
    )
    return list(rows)


async def record_for_week(session: AsyncSession, group_id: int, week: int) -> SessionRecord | None:
    """The held record of a week, else the latest cancelled/postponed one."""
    rows = await session.scalars(
        select(SessionRecord)
        .where(SessionRecord.group_id == group_id, SessionRecord.week == week)
        .order_by(SessionRecord.held_week.is_(None), SessionRecord.id.desc())
    )
    return rows.first()


async def attendance_of(session: AsyncSession, record_id: int) -> dict[int, bool]:
    rows = await session.execute(
        select(Attendance.participant_id, Attendance.present).where(
            Attendance.session_id == record_id
        )
    )
    return {pid: present for pid, present in rows.all()}


async def reflection_of(session: AsyncSession, record_id: int) -> Reflection | None:
    return await session.scalar(select(Reflection).where(Reflection.session_id == record_id))


async def get_record(session: AsyncSession, group_id: int, record_id: int) -> SessionRecord:
    record = await session.get(SessionRecord, record_id)
    if record is None or record.group_id != group_id:
        raise NotFound("session")
    return record


# --- writing ----------------------------------------------------------------------------------


def _check_correctable(record: SessionRecord) -> None:
    if clock.now() - record.created_at > timedelta(days=CORRECTION_DAYS):
        raise DomainError("correction_closed")


def _check_date(group: Group, day: date, previous: date | None) -> None:
    today = local_today(group)
    if day > today:
        raise InvalidInput("date_future")
    if day < today - timedelta(days=LATE_ENTRY_DAYS):
        raise InvalidInput("date_too_old")
    if day < group.start_date - timedelta(days=7):
        raise InvalidInput("date_before_start")
    if previous is not None and day < previous:
        raise InvalidInput("date_before_previous")


async def _snapshot(
    session: AsyncSession,
    record_type: str,
    record_id: int,
    version: int,
    actor_id: int | None,
    data: dict[str, Any],
) -> None:
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


async def record_held(
    session: AsyncSession, *, group: Group, held_on: date, actor_id: int | None
) -> SessionRecord:
    """This week's session took place on `held_on`; the week pointer moves on."""
    if group.status not in (GroupStatus.PREPARING, GroupStatus.ACTIVE):
        raise DomainError("group_finished")
    week = group.current_week
    existing = await session.scalar(
        select(SessionRecord).where(
            SessionRecord.group_id == group.id, SessionRecord.held_week == week
        )
    )
    if existing is not None:
        return existing  # the other facilitator recorded it first; show theirs
    previous = await session.scalar(
        select(SessionRecord.held_on)
        .where(SessionRecord.group_id == group.id, SessionRecord.status == SessionStatus.HELD)
        .order_by(SessionRecord.held_on.desc())
    )
    _check_date(group, held_on, previous)
    now = clock.now()
    record = SessionRecord(
        group_id=group.id,
        week=week,
        status=SessionStatus.HELD.value,
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
    await audit(session, actor_id=actor_id, action="session.held", record=("session", record.id))
    return record


async def record_not_held(
    session: AsyncSession,
    *,
    group: Group,
    status: SessionStatus,
    reason: Reason,
    on: date,
    actor_id: int | None,
) -> SessionRecord:
    """The meeting did not take place; the group does the same week next time."""
    if status == SessionStatus.HELD:
        raise InvalidInput("status")
    _check_date(group, on, None)
    now = clock.now()
    record = SessionRecord(
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


async def save_attendance(
    session: AsyncSession,
    *,
    group: Group,
    record: SessionRecord,
    absent: set[int],
    version: int,
    roster_version: int,
    actor_id: int | None,
) -> list[Participant]:
    """Saves who was absent (everyone else on the roster was present). Returns the roster."""
    if record.status != SessionStatus.HELD:
        raise InvalidInput("not_held")
    if record.version != version or group.roster_version != roster_version:
        raise Conflict()
    if record.attendance_saved:
        _check_correctable(record)
    roster = await active_participants(session, group.id)
    if not roster:
        raise DomainError("roster_empty")
    ids = {p.id for p in roster}
    if not absent <= ids:
        raise InvalidInput("participant")
    previous = await attendance_of(session, record.id)
    if record.attendance_saved:
        await _snapshot(
            session,
            "attendance",
            record.id,
            record.version,
            actor_id,
            {"absent": sorted(k for k, v in previous.items() if not v)},
        )
    existing = {
        row.participant_id: row
        for row in await session.scalars(
            select(Attendance).where(Attendance.session_id == record.id)
        )
    }
    new_rows = []
    for participant in roster:
        present = participant.id not in absent
        row = existing.get(participant.id)
        if row is None:
            new_rows.append(
                {"session_id": record.id, "participant_id": participant.id, "present": present}
            )
        else:
            row.present = present
    if new_rows:
        # One statement for the whole roster (ORM objects would be inserted one by one).
        await session.execute(insert(Attendance), new_rows)
    corrected = record.attendance_saved
    record.attendance_saved = True
    record.version += 1
    record.updated_at = clock.now()
    await audit(
        session,
        actor_id=actor_id,
        action="attendance.correct" if corrected else "attendance.save",
        record=("session", record.id),
    )
    await session.flush()
    await _queue_absence_visits(session, group=group, record=record, absent=absent)
    return roster


async def _queue_absence_visits(
    session: AsyncSession, *, group: Group, record: SessionRecord, absent: set[int]
) -> None:
    """Absent two held sessions in a row: the facilitators are asked to visit (care phase)."""
    if not absent:
        return
    earlier = await session.scalar(
        select(SessionRecord)
        .where(
            SessionRecord.group_id == group.id,
            SessionRecord.status == SessionStatus.HELD,
            SessionRecord.attendance_saved.is_(True),
            SessionRecord.held_on < record.held_on,
        )
        .order_by(SessionRecord.held_on.desc())
    )
    if earlier is None:
        return
    before = await attendance_of(session, earlier.id)
    streak = [pid for pid in absent if before.get(pid) is False]
    facilitators = await facilitator_ids(session, group.id)
    for pid in streak:
        for user_id in facilitators:
            await outbox.enqueue(
                session,
                kind="absence_visit",
                subject=f"participant:{pid}",
                period=f"session:{record.id}",
                recipient_id=user_id,
                payload={"group_id": group.id, "participant_id": pid},
            )


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


# Ids per IN list: well below the bound parameters SQLite and asyncpg accept in one statement.
IN_CHUNK = 5000


def chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for first in range(0, len(ids), IN_CHUNK):
        yield ids[first : first + IN_CHUNK]


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


async def save_reflection(
    session: AsyncSession,
    *,
    record: SessionRecord,
    draft: ReflectionDraft,
    note: str | None,
    version: int | None,
    actor_id: int | None,
) -> Reflection:
    """Creates the reflection, or corrects it when `version` matches the stored one."""
    draft.validate()
    if record.status != SessionStatus.HELD:
        raise InvalidInput("not_held")
    if note is not None:
        note = " ".join(note.split())
        if not note:
            note = None
        elif len(note) > NOTE_MAX:
            raise InvalidInput("note_too_long")
    existing = await reflection_of(session, record.id)
    now = clock.now()
    if existing is None:
        reflection = Reflection(session_id=record.id, created_at=now, recorded_by=actor_id)
        session.add(reflection)
    else:
        if version is None or existing.version != version:
            raise Conflict()
        _check_correctable(record)
        await _snapshot(
            session,
            "reflection",
            existing.id,
            existing.version,
            actor_id,
            {
                "phase": existing.phase,
                "climate": existing.climate,
                "topics": existing.topics,
                "follow_ups": existing.follow_ups,
                "referral": existing.referral,
                "note_changed": note is not None and note != existing.note,
            },
        )
        existing.version += 1
        reflection = existing
    reflection.phase = draft.phase
    reflection.climate = draft.climate
    reflection.topics = ",".join(t for t in TOPICS if t in draft.topics)
    reflection.follow_ups = draft.follow_ups
    reflection.referral = draft.referral
    if note is not None or existing is None:
        reflection.note = note
    reflection.recorded_by = actor_id
    reflection.updated_at = now
    await session.flush()
    await audit(
        session, actor_id=actor_id, action="reflection.save", record=("reflection", reflection.id)
    )
    return reflection


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
