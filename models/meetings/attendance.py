"""Who came to a held meeting: everyone on the roster, present unless marked absent.

A correction made on an outdated record or roster is refused (optimistic concurrency), so two
facilitators cannot silently overwrite each other.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, UniqueConstraint, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models import outbox
from models.audit import audit
from models.base import Base
from models.clock import clock
from models.errors import Conflict, DomainError, InvalidInput
from models.groups import Group
from models.meetings.facilitators import facilitator_ids
from models.meetings.records import MeetingRecord, MeetingStatus, check_correctable, keep_history
from models.roster import Participant, active_participants


class Attendance(Base):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The column keeps its original name, so the schema needs no migration.
    meeting_id: Mapped[int] = mapped_column(
        "session_id", ForeignKey("session_records.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    present: Mapped[bool]


async def attendance_of(session: AsyncSession, record_id: int) -> dict[int, bool]:
    rows = await session.execute(
        select(Attendance.participant_id, Attendance.present).where(
            Attendance.meeting_id == record_id
        )
    )
    return {pid: present for pid, present in rows.all()}


async def save_attendance(
    session: AsyncSession,
    *,
    group: Group,
    record: MeetingRecord,
    absent: set[int],
    version: int,
    roster_version: int,
    actor_id: int | None,
) -> list[Participant]:
    """Saves who was absent (everyone else on the roster was present). Returns the roster."""
    if record.status != MeetingStatus.HELD:
        raise InvalidInput("not_held")
    if record.version != version or group.roster_version != roster_version:
        raise Conflict()
    if record.attendance_saved:
        check_correctable(record)
    roster = await active_participants(session, group.id)
    if not roster:
        raise DomainError("roster_empty")
    ids = {p.id for p in roster}
    if not absent <= ids:
        raise InvalidInput("participant")
    previous = await attendance_of(session, record.id)
    if record.attendance_saved:
        await keep_history(
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
            select(Attendance).where(Attendance.meeting_id == record.id)
        )
    }
    new_rows = []
    for participant in roster:
        present = participant.id not in absent
        row = existing.get(participant.id)
        if row is None:
            new_rows.append(
                {"meeting_id": record.id, "participant_id": participant.id, "present": present}
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
        record=("session", record.id),  # the record type stored audit entries use
    )
    await session.flush()
    await _queue_absence_visits(session, group=group, record=record, absent=absent)
    return roster


async def _queue_absence_visits(
    session: AsyncSession, *, group: Group, record: MeetingRecord, absent: set[int]
) -> None:
    """Absent two held meetings in a row: the facilitators are asked to visit (care phase)."""
    if not absent:
        return
    earlier = await session.scalar(
        select(MeetingRecord)
        .where(
            MeetingRecord.group_id == group.id,
            MeetingRecord.status == MeetingStatus.HELD,
            MeetingRecord.attendance_saved.is_(True),
            MeetingRecord.held_on < record.held_on,
        )
        .order_by(MeetingRecord.held_on.desc())
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
                # The period is part of the outbox key that stored messages already carry.
                period=f"session:{record.id}",
                recipient_id=user_id,
                payload={"group_id": group.id, "participant_id": pid},
            )
