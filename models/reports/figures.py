"""The figures of an area: per-group summaries with their flags, and the totals over them.

Everything starts from `Scope`: a coordinator sees their subtree, an admin everything. The figures
are computed with a few grouped queries for all the groups at once, not one query per group.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.agreements import Agreement, Status, scoped
from models.groups import WEEKS, Group, GroupStatus
from models.meetings import (
    Attendance,
    MeetingRecord,
    MeetingStatus,
    last_meeting,
    local_today,
)
from models.reports.rows import stream_rows
from models.roster import Participant
from models.scope import Scope

RECENT_DAYS = 28
# The record of a meeting is missing once this long has passed (as for the facilitators' nudge).
RECORD_GRACE = timedelta(hours=24)
RECORD_WINDOW = timedelta(days=6)
PREP_WARNING_DAYS = 7


@dataclass(frozen=True)
class GroupSummary:
    id: int
    name: str
    status: str
    week: int
    last_held_on: date | None
    held: int
    # Share of participants present over the held meetings with attendance (None: no data yet).
    attendance: float | None
    recent_attendance: float | None
    # The last four weeks: meetings held, and the counts behind recent_attendance.
    held_recent: int
    recent_present: int
    recent_total: int
    open_agreements: int
    # Meetings cancelled or postponed in the last four weeks, plus the last meeting if unrecorded.
    missed: int
    unrecorded: bool
    # Active participants absent from the last two meetings with attendance.
    absence_streaks: int
    prep_pending: bool

    @property
    def needs_attention(self) -> bool:
        return bool(self.missed or self.absence_streaks or self.prep_pending)


@dataclass(frozen=True)
class Totals:
    groups: int
    held_recent: int
    recent_attendance: float | None
    reported: int
    acknowledged: int
    documented: int
    flagged: int


def _rate(present: int, total: int) -> float | None:
    return present / total if total else None


async def visible_groups(session: AsyncSession, scope: Scope) -> list[Group]:
    rows = await session.scalars(
        scope.groups()
        .where(Group.status != GroupStatus.CLOSED.value)
        .order_by(Group.name, Group.id)
    )
    return list(rows)


class _Record(NamedTuple):
    """What the summaries need of a meeting record, with its attendance counted."""

    id: int
    group_id: int
    status: str
    held_on: date
    attendance_saved: bool
    present: int
    total: int


async def _records(session: AsyncSession, ids: list[int]) -> dict[int, list[_Record]]:
    """Per group, its meeting records in order, each with present and total attendance."""
    records: dict[int, list[_Record]] = {g: [] for g in ids}
    rows = stream_rows(
        session,
        select(
            MeetingRecord.id,
            MeetingRecord.group_id,
            MeetingRecord.status,
            MeetingRecord.held_on,
            MeetingRecord.attendance_saved,
            func.sum(case((Attendance.present, 1), else_=0)),
            func.count(Attendance.id),
        )
        .outerjoin(Attendance, Attendance.meeting_id == MeetingRecord.id)
        .where(MeetingRecord.group_id.in_(ids))
        .group_by(MeetingRecord.id)
        .order_by(MeetingRecord.held_on, MeetingRecord.id),
    )
    async for *fields, present, total in rows:
        record = _Record._make((*fields, int(present or 0), total))
        records[record.group_id].append(record)
    return records


async def count_groups(session: AsyncSession, scope: Scope) -> int:
    """Groups in scope, closed ones included (as in the exports)."""
    query = select(func.count()).select_from(Group).where(scope.group_filter())
    return int(await session.scalar(query) or 0)


async def group_summaries(session: AsyncSession, scope: Scope, now: datetime) -> list[GroupSummary]:
    groups = await visible_groups(session, scope)
    if not groups:
        return []
    ids = [g.id for g in groups]
    records = await _records(session, ids)
    # One time per group rather than one per record: converting times is the costly part.
    last_created = dict(
        (
            await session.execute(
                select(MeetingRecord.group_id, func.max(MeetingRecord.created_at))
                .where(MeetingRecord.group_id.in_(ids))
                .group_by(MeetingRecord.group_id)
            )
        ).all()
    )
    open_agreements = dict(
        (
            await session.execute(
                select(Agreement.group_id, func.count())
                .where(
                    Agreement.group_id.in_(ids),
                    # Documented, or referred (violence: not an agreement): nothing left open.
                    Agreement.status.not_in((Status.DOCUMENTED.value, Status.REFERRED.value)),
                )
                .group_by(Agreement.group_id)
            )
        ).all()
    )
    streak_meetings: dict[int, list[int]] = {}
    for group_id, rows in records.items():
        with_attendance = [r for r in rows if r.status == MeetingStatus.HELD and r.attendance_saved]
        streak_meetings[group_id] = [r.id for r in with_attendance[-2:]]
    absences_by_meeting = await _absences(
        session, [record_id for pair in streak_meetings.values() for record_id in pair]
    )

    summaries = []
    for group in groups:
        rows = records[group.id]
        today = local_today(group)
        recent_since = today - timedelta(days=RECENT_DAYS)
        held = [r for r in rows if r.status == MeetingStatus.HELD]
        present = total = recent_present = recent_total = held_recent = 0
        for record in held:
            p, t = record.present, record.total
            present += p
            total += t
            if record.held_on > recent_since:
                held_recent += 1
                recent_present += p
                recent_total += t
        not_held = sum(
            1 for r in rows if r.status != MeetingStatus.HELD and r.held_on > recent_since
        )
        unrecorded = _last_meeting_unrecorded(group, rows, last_created.get(group.id), now)
        pair = streak_meetings[group.id]
        streaks = 0
        if len(pair) == 2:
            streaks = len(
                absences_by_meeting.get(pair[0], set()) & absences_by_meeting.get(pair[1], set())
            )
        prep_pending = (
            group.status == GroupStatus.PREPARING
            and not group.prep_done
            and (group.start_date - today).days <= PREP_WARNING_DAYS
        )
        summaries.append(
            GroupSummary(
                id=group.id,
                name=group.self_help_name or group.name,
                status=group.status,
                week=group.current_week,
                last_held_on=held[-1].held_on if held else None,
                held=len(held),
                attendance=_rate(present, total),
                recent_attendance=_rate(recent_present, recent_total),
                held_recent=held_recent,
                recent_present=recent_present,
                recent_total=recent_total,
                open_agreements=int(open_agreements.get(group.id, 0)),
                missed=not_held + (1 if unrecorded else 0),
                unrecorded=unrecorded,
                absence_streaks=streaks,
                prep_pending=prep_pending,
            )
        )
    return summaries


async def _absences(session: AsyncSession, meeting_ids: list[int]) -> dict[int, set[int]]:
    """Per meeting: the active participants who were absent."""
    found: dict[int, set[int]] = {}
    if not meeting_ids:
        return found
    rows = await session.execute(
        select(Attendance.meeting_id, Attendance.participant_id)
        .join(Participant, Participant.id == Attendance.participant_id)
        .where(
            Attendance.meeting_id.in_(meeting_ids),
            Attendance.present.is_(False),
            Participant.left_at.is_(None),
        )
    )
    for meeting_id, participant_id in rows.all():
        found.setdefault(meeting_id, set()).add(participant_id)
    return found


def _last_meeting_unrecorded(
    group: Group, rows: list[_Record], last_created: datetime | None, now: datetime
) -> bool:
    """The last meeting, a day past, has no record (the same rule as the facilitators' nudge).

    `last_created`: when the group's latest record was made.
    """
    running = group.status in (GroupStatus.PREPARING, GroupStatus.ACTIVE)
    if not running or group.current_week > WEEKS:
        return False
    meeting = last_meeting(group, now - RECORD_GRACE)
    if meeting is None or now - meeting > RECORD_WINDOW + RECORD_GRACE:
        return False
    return not (
        any(r.held_on >= meeting.date() - RECORD_WINDOW for r in rows)
        or (last_created is not None and last_created >= meeting - timedelta(days=1))
    )


async def report_totals(
    session: AsyncSession, scope: Scope, summaries: list[GroupSummary]
) -> Totals:
    """Figures over all visible groups: recent meetings and attendance, agreements by status."""
    by_status = {
        status: int(count)
        for status, count in (
            await session.execute(
                select(Agreement.status, func.count())
                .where(Agreement.id.in_(scoped(scope).with_only_columns(Agreement.id)))
                .group_by(Agreement.status)
            )
        ).all()
    }
    present = sum(s.recent_present for s in summaries)
    total = sum(s.recent_total for s in summaries)
    return Totals(
        groups=len(summaries),
        held_recent=sum(s.held_recent for s in summaries),
        recent_attendance=_rate(present, total),
        reported=by_status.get(Status.REPORTED.value, 0),
        acknowledged=by_status.get(Status.ACKNOWLEDGED.value, 0),
        documented=by_status.get(Status.DOCUMENTED.value, 0),
        flagged=sum(1 for s in summaries if s.needs_attention),
    )


@dataclass(frozen=True)
class AreaReport:
    summaries: list[GroupSummary]
    totals: Totals


async def area_report(session: AsyncSession, scope: Scope, now: datetime) -> AreaReport | None:
    """The groups of an area with the totals over them; None when the area has no group yet."""
    summaries = await group_summaries(session, scope, now)
    if not summaries:
        return None
    return AreaReport(summaries, await report_totals(session, scope, summaries))
