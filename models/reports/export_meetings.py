"""The tables of the meetings: meetings held or not, the register, reflections, and the long form
of attendance (one row per participant and meeting, with sex and origin; only on the server).

A meeting is in the period by its date; the register and the long form cover the meetings held
in the period. Reflections carry the choices made by buttons, never the note.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.groups import WEEKS, Group
from models.meetings import TOPICS, Attendance, MeetingRecord, Reflection
from models.reports.period import Period
from models.reports.places import PLACE_COLUMNS, GroupedRows, GroupPlace, within
from models.reports.rows import stream_rows
from models.reports.tables import Table, columns
from models.roster import Participant
from models.scope import Scope

MEETINGS = columns(
    *PLACE_COLUMNS,
    "week:int",
    "status:code:meeting_status",
    "date:date",
    "reason:code:not_held_reason",
    "attendance_saved:flag",
    "present:int",
    "absent:int",
)
REGISTER = columns(
    *PLACE_COLUMNS,
    "participant:text",
    *(f"week_{n}:int" for n in range(1, WEEKS + 1)),
    "present:int",
    "absent:int",
)
REFLECTIONS = columns(
    *PLACE_COLUMNS,
    "week:int",
    "date:date",
    "phase:code:phase",
    "climate:int",
    *(f"topic_{topic}:flag" for topic in TOPICS),
    "follow_ups:int",
    "referral:code:referral",
)
ATTENDANCE = columns(
    *PLACE_COLUMNS,
    "participant:text",
    "sex:code:sex",
    "origin:code:origin",
    "week:int",
    "date:date",
    "present:flag",
)


def _present() -> Any:
    return case((Attendance.present, 1), else_=0)


async def meetings_table(
    session: AsyncSession, scope: Scope, groups: list[GroupPlace], period: Period
) -> Table:
    table = GroupedRows(groups)
    rows = stream_rows(
        session,
        select(
            MeetingRecord.group_id,
            MeetingRecord.week,
            MeetingRecord.status,
            MeetingRecord.held_on,
            MeetingRecord.reason,
            MeetingRecord.attendance_saved,
            func.sum(_present()),
            func.count(Attendance.id),
        )
        .outerjoin(Attendance, Attendance.meeting_id == MeetingRecord.id)
        .join(Group, Group.id == MeetingRecord.group_id)
        .where(scope.group_filter(), within(MeetingRecord.held_on, period))
        .group_by(MeetingRecord.id)
        .order_by(MeetingRecord.group_id, MeetingRecord.held_on, MeetingRecord.id),
    )
    async for group_id, week, status, held_on, reason, saved, present, total in rows:
        present = int(present or 0)
        if (place := table.place(group_id)) is None:
            continue  # a group created since the groups were read
        table.add(
            place,
            week,
            status,
            held_on,
            reason,
            int(saved),
            present if saved else None,
            total - present if saved else None,
        )
    return Table("meetings", MEETINGS, table.in_order())


async def register_table(
    session: AsyncSession, scope: Scope, groups: list[GroupPlace], period: Period
) -> Table:
    """One row per participant: 1 present, 0 absent, empty when the week has no attendance in
    the period; then the totals over the period."""
    table = GroupedRows(groups)
    weeks = [
        func.max(
            case(
                (and_(MeetingRecord.held_week == n, Attendance.present), 1),
                (MeetingRecord.held_week == n, 0),
            )
        )
        for n in range(1, WEEKS + 1)
    ]
    rows = stream_rows(
        session,
        select(Participant.group_id, Participant.code, *weeks, func.sum(_present()), func.count())
        .select_from(Attendance)
        .join(MeetingRecord, MeetingRecord.id == Attendance.meeting_id)
        .join(Participant, Participant.id == Attendance.participant_id)
        .join(Group, Group.id == MeetingRecord.group_id)
        .where(
            scope.group_filter(),
            MeetingRecord.held_week.is_not(None),
            within(MeetingRecord.held_on, period),
        )
        .group_by(Participant.group_id, Participant.id)
        .order_by(Participant.group_id, Participant.id),
    )
    async for group_id, code, *marks, present, total in rows:
        present = int(present)
        if (place := table.place(group_id)) is None:
            continue  # a group created since the groups were read
        table.add(place, code, *marks, present, int(total) - present)
    return Table("register", REGISTER, table.in_order())


async def reflections_table(
    session: AsyncSession, scope: Scope, groups: list[GroupPlace], period: Period
) -> Table:
    table = GroupedRows(groups)
    rows = stream_rows(
        session,
        select(
            MeetingRecord.group_id,
            MeetingRecord.week,
            MeetingRecord.held_on,
            Reflection.phase,
            Reflection.climate,
            Reflection.topics,
            Reflection.follow_ups,
            Reflection.referral,
        )
        .join(MeetingRecord, MeetingRecord.id == Reflection.meeting_id)
        .join(Group, Group.id == MeetingRecord.group_id)
        .where(scope.group_filter(), within(MeetingRecord.held_on, period))
        .order_by(MeetingRecord.group_id, MeetingRecord.held_on, MeetingRecord.id),
    )
    async for group_id, week, held_on, phase, climate, topics, follow_ups, referral in rows:
        chosen = set(topics.split(","))
        if (place := table.place(group_id)) is None:
            continue  # a group created since the groups were read
        table.add(
            place,
            week,
            held_on,
            phase,
            climate,
            *(int(topic in chosen) for topic in TOPICS),
            follow_ups,
            referral,
        )
    return Table("reflections", REFLECTIONS, table.in_order())


async def attendance_table(
    session: AsyncSession, scope: Scope, groups: list[GroupPlace], period: Period
) -> Table:
    """The long form, identifying: sex and origin beside each code. Only `bot.py export`."""
    table = GroupedRows(groups)
    rows = stream_rows(
        session,
        select(
            MeetingRecord.group_id,
            Participant.code,
            Participant.gender,
            Participant.origin,
            MeetingRecord.held_week,
            MeetingRecord.held_on,
            Attendance.present,
        )
        .select_from(Attendance)
        .join(MeetingRecord, MeetingRecord.id == Attendance.meeting_id)
        .join(Participant, Participant.id == Attendance.participant_id)
        .join(Group, Group.id == MeetingRecord.group_id)
        .where(
            scope.group_filter(),
            MeetingRecord.held_week.is_not(None),
            within(MeetingRecord.held_on, period),
        )
        .order_by(MeetingRecord.group_id, MeetingRecord.held_on, Participant.id),
    )
    async for group_id, code, sex, origin, week, held_on, present in rows:
        if (place := table.place(group_id)) is None:
            continue  # a group created since the groups were read
        table.add(place, code, sex, origin, week, held_on, int(present))
    return Table("attendance", ATTENDANCE, table.in_order())
