"""The rows of the coordinators' exports: meetings, a register of attendance, and agreements.

Participant codes only, and no free text: no reflection notes, no agreement summaries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.agreements import FOLLOW_UPS, Agreement, AgreementParty, FollowUp
from models.groups import WEEKS, Group
from models.meetings import Attendance, MeetingRecord
from models.reports.rows import stream_rows
from models.roster import Participant
from models.scope import Scope

MEETING_COLUMNS = (
    "group_id",
    "group",
    "week",
    "status",
    "date",
    "reason",
    "attendance_saved",
    "present",
    "absent",
)
# A register: one row per participant of a group, one column per week (1 present, 0 absent,
# empty when no attendance was saved that week), then the totals. Fifteen times fewer rows than
# one per participant per meeting, so a smaller file and one a facilitator's register matches.
WEEK_COLUMNS = tuple(f"week_{n}" for n in range(1, WEEKS + 1))
ATTENDANCE_COLUMNS = ("group_id", "group", "participant", *WEEK_COLUMNS, "present", "absent")
AGREEMENT_COLUMNS = (
    "agreement",
    "group_id",
    "group",
    "kind",
    "parties",
    "outside_parties",
    "witnesses",
    "date_reached",
    "written",
    "status",
    "reported_at",
    "acknowledged_at",
    "documented_at",
    "reference",
    *(f"follow_up_{step}" for step in FOLLOW_UPS),
)


@dataclass(frozen=True)
class Export:
    meetings: list[tuple[Any, ...]]
    attendance: list[tuple[Any, ...]]
    agreements: list[tuple[Any, ...]]


def _local(value: datetime | None, tz: str) -> datetime | None:
    """Spreadsheets have no time zones: the group's local time, without its zone."""
    return value.astimezone(ZoneInfo(tz)).replace(tzinfo=None) if value else None


def _present() -> ColumnElement[int]:
    return case((Attendance.present, 1), else_=0)


async def export_rows(session: AsyncSession, scope: Scope) -> Export:
    """Meetings, attendance and agreements of every group in scope (no summaries, no notes).

    Plain columns, counted and laid out by the database, so that a whole programme's export
    costs a few queries and little Python work.
    """
    return Export(
        await _meeting_rows(session, scope),
        await _register_rows(session, scope),
        await _agreement_rows(session, scope),
    )


async def _meeting_rows(session: AsyncSession, scope: Scope) -> list[tuple[Any, ...]]:
    rows = stream_rows(
        session,
        select(
            MeetingRecord.group_id,
            Group.name,
            MeetingRecord.week,
            MeetingRecord.status,
            MeetingRecord.held_on,
            MeetingRecord.reason,
            MeetingRecord.attendance_saved,
            func.sum(_present()),
            func.count(Attendance.id),
        )
        .join(Group, Group.id == MeetingRecord.group_id)
        .outerjoin(Attendance, Attendance.meeting_id == MeetingRecord.id)
        .where(scope.group_filter())
        .group_by(MeetingRecord.id, Group.id)
        .order_by(MeetingRecord.group_id, MeetingRecord.held_on, MeetingRecord.id),
    )
    out = []
    async for group_id, name, week, status, held_on, reason, saved, present, total in rows:
        present = int(present or 0)
        out.append(
            (
                group_id,
                name,
                week,
                status,
                held_on,
                reason or "",
                int(saved),
                present if saved else None,
                total - present if saved else None,
            )
        )
    return out


async def _register_rows(session: AsyncSession, scope: Scope) -> list[tuple[Any, ...]]:
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
        select(
            Group.id,
            Group.name,
            Participant.code,
            *weeks,
            func.sum(_present()),
            func.count(),
        )
        .select_from(Attendance)
        .join(MeetingRecord, MeetingRecord.id == Attendance.meeting_id)
        .join(Group, Group.id == MeetingRecord.group_id)
        .join(Participant, Participant.id == Attendance.participant_id)
        .where(scope.group_filter(), MeetingRecord.held_week.is_not(None))
        .group_by(Group.id, Participant.id)
        .order_by(Group.id, Participant.id),
    )
    return [(*row[:-2], int(row[-2]), int(row[-1] - row[-2])) async for row in rows]


async def _agreement_rows(session: AsyncSession, scope: Scope) -> list[tuple[Any, ...]]:
    in_scope = Agreement.group_id.in_(select(Group.id).where(scope.group_filter()))
    codes: dict[int, list[str]] = {}
    for agreement_id, code in await session.execute(
        select(AgreementParty.agreement_id, Participant.code)
        .join(Participant, Participant.id == AgreementParty.participant_id)
        .join(Agreement, Agreement.id == AgreementParty.agreement_id)
        .where(in_scope)
        .order_by(AgreementParty.agreement_id, Participant.id)
    ):
        codes.setdefault(agreement_id, []).append(code)
    answers: dict[tuple[int, str], str] = {}
    for agreement_id, step, answer, asked_at in await session.execute(
        select(FollowUp.agreement_id, FollowUp.step, FollowUp.answer, FollowUp.asked_at)
        .join(Agreement, Agreement.id == FollowUp.agreement_id)
        .where(in_scope)
    ):
        answers[(agreement_id, step)] = answer or ("asked" if asked_at else "skipped")
    rows = await session.execute(
        select(
            Agreement.id,
            Group.id,
            Group.name,
            Group.timezone,
            Agreement.kind,
            Agreement.outside_roles,
            Agreement.witness_roles,
            Agreement.reached_on,
            Agreement.written,
            Agreement.status,
            Agreement.created_at,
            Agreement.acknowledged_at,
            Agreement.documented_at,
            Agreement.reference,
        )
        .join(Group, Group.id == Agreement.group_id)
        .where(scope.group_filter())
        .order_by(Agreement.id)
    )
    out = []
    for (
        number,
        group_id,
        name,
        tz,
        kind,
        outside,
        witnesses,
        reached_on,
        written,
        status,
        created_at,
        acknowledged_at,
        documented_at,
        reference,
    ) in rows.all():
        out.append(
            (
                number,
                group_id,
                name,
                kind,
                " ".join(codes.get(number, [])),
                _roles(outside),
                _roles(witnesses),
                reached_on,
                int(written),
                status,
                _local(created_at, tz),
                _local(acknowledged_at, tz),
                _local(documented_at, tz),
                reference or "",
                *(answers.get((number, step), "") for step in FOLLOW_UPS),
            )
        )
    return out


def _roles(stored: str) -> str:
    """Roles are stored comma-separated; the export separates them with spaces."""
    return " ".join(r for r in stored.split(",") if r)
