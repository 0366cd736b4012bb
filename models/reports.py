"""What coordinators see: per-group figures and flags, export rows, and the weekly digest sweep.

Everything starts from `Scope`: a coordinator sees their subtree, an admin everything. The figures
are computed with a few grouped queries for all the groups at once, not one query per group.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox
from models.agreements import (
    FOLLOW_UPS,
    Agreement,
    AgreementParty,
    FollowUp,
    Status,
    scoped,
)
from models.groups import WEEKS, Group, GroupStatus
from models.outbox import OutboxMessage
from models.roster import Participant
from models.scope import Scope
from models.sessions import (
    Attendance,
    SessionRecord,
    SessionStatus,
    last_meeting,
    local_today,
)
from models.sweep import sweeper
from models.users import Role, User

RECENT_DAYS = 28
# The record of a meeting is missing once this long has passed (as for the facilitators' nudge).
RECORD_GRACE = timedelta(hours=24)
RECORD_WINDOW = timedelta(days=6)
PREP_WARNING_DAYS = 7
DIGEST_WEEKDAY = 0  # Monday
DIGEST_HOUR = 7


@dataclass(frozen=True)
class GroupSummary:
    id: int
    name: str
    status: str
    week: int
    last_session: date | None
    held: int
    # Share of participants present over the held sessions with attendance (None: no data yet).
    attendance: float | None
    recent_attendance: float | None
    # The last four weeks: sessions held, and the counts behind recent_attendance.
    held_recent: int
    recent_present: int
    recent_total: int
    open_agreements: int
    # Sessions cancelled or postponed in the last four weeks, plus the last meeting if unrecorded.
    missed: int
    unrecorded: bool
    # Active participants absent from the last two sessions with attendance.
    absence_streaks: int
    prep_pending: bool

    @property
    def needs_attention(self) -> bool:
        return bool(self.missed or self.absence_streaks or self.prep_pending)

    @property
    def weeks_done(self) -> int:
        return min(self.week - 1, WEEKS)


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


async def group_summaries(session: AsyncSession, scope: Scope, now: datetime) -> list[GroupSummary]:
    groups = await visible_groups(session, scope)
    if not groups:
        return []
    ids = [g.id for g in groups]
    records: dict[int, list[SessionRecord]] = {g: [] for g in ids}
    for record in await session.scalars(
        select(SessionRecord)
        .where(SessionRecord.group_id.in_(ids))
        .order_by(SessionRecord.held_on, SessionRecord.id)
    ):
        records[record.group_id].append(record)
    # Present and total per session with saved attendance.
    counts: dict[int, tuple[int, int]] = {
        session_id: (int(present or 0), int(total))
        for session_id, present, total in (
            await session.execute(
                select(
                    Attendance.session_id,
                    func.sum(case((Attendance.present, 1), else_=0)),
                    func.count(),
                )
                .join(SessionRecord, SessionRecord.id == Attendance.session_id)
                .where(SessionRecord.group_id.in_(ids))
                .group_by(Attendance.session_id)
            )
        ).all()
    }
    open_agreements = dict(
        (
            await session.execute(
                select(Agreement.group_id, func.count())
                .where(Agreement.group_id.in_(ids), Agreement.status != Status.DOCUMENTED.value)
                .group_by(Agreement.group_id)
            )
        ).all()
    )
    streak_sessions: dict[int, list[int]] = {}
    for group_id, rows in records.items():
        with_attendance = [r for r in rows if r.status == SessionStatus.HELD and r.attendance_saved]
        streak_sessions[group_id] = [r.id for r in with_attendance[-2:]]
    absences_by_session = await _absences(
        session, [s for pair in streak_sessions.values() for s in pair]
    )

    summaries = []
    for group in groups:
        rows = records[group.id]
        today = local_today(group)
        recent_since = today - timedelta(days=RECENT_DAYS)
        held = [r for r in rows if r.status == SessionStatus.HELD]
        present = total = recent_present = recent_total = held_recent = 0
        for record in held:
            p, t = counts.get(record.id, (0, 0))
            present += p
            total += t
            if record.held_on > recent_since:
                held_recent += 1
                recent_present += p
                recent_total += t
        not_held = sum(
            1 for r in rows if r.status != SessionStatus.HELD and r.held_on > recent_since
        )
        unrecorded = _last_meeting_unrecorded(group, rows, now)
        pair = streak_sessions[group.id]
        streaks = 0
        if len(pair) == 2:
            streaks = len(
                absences_by_session.get(pair[0], set()) & absences_by_session.get(pair[1], set())
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
                last_session=held[-1].held_on if held else None,
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


async def _absences(session: AsyncSession, session_ids: list[int]) -> dict[int, set[int]]:
    """Per session: the active participants who were absent."""
    found: dict[int, set[int]] = {}
    if not session_ids:
        return found
    rows = await session.execute(
        select(Attendance.session_id, Attendance.participant_id)
        .join(Participant, Participant.id == Attendance.participant_id)
        .where(
            Attendance.session_id.in_(session_ids),
            Attendance.present.is_(False),
            Participant.left_at.is_(None),
        )
    )
    for session_id, participant_id in rows.all():
        found.setdefault(session_id, set()).add(participant_id)
    return found


def _last_meeting_unrecorded(group: Group, rows: list[SessionRecord], now: datetime) -> bool:
    """The last meeting, a day past, has no record (the same rule as the facilitators' nudge)."""
    running = group.status in (GroupStatus.PREPARING, GroupStatus.ACTIVE)
    if not running or group.current_week > WEEKS:
        return False
    meeting = last_meeting(group, now - RECORD_GRACE)
    if meeting is None or now - meeting > RECORD_WINDOW + RECORD_GRACE:
        return False
    return not any(
        r.held_on >= meeting.date() - RECORD_WINDOW or r.created_at >= meeting - timedelta(days=1)
        for r in rows
    )


async def report_totals(
    session: AsyncSession, scope: Scope, summaries: list[GroupSummary]
) -> Totals:
    """Figures over all visible groups: recent sessions and attendance, agreements by status."""
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


# --- exports: participant codes only, no free text -------------------------------------------

SESSION_COLUMNS = (
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
ATTENDANCE_COLUMNS = ("group_id", "group", "week", "date", "participant", "present")
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
    sessions: list[tuple[Any, ...]]
    attendance: list[tuple[Any, ...]]
    agreements: list[tuple[Any, ...]]


def _local(value: datetime | None, tz: str) -> datetime | None:
    """Spreadsheets have no time zones: the group's local time, without its zone."""
    return value.astimezone(ZoneInfo(tz)).replace(tzinfo=None) if value else None


async def export_rows(session: AsyncSession, scope: Scope) -> Export:
    """Sessions, attendance and agreements of every group in scope (no summaries, no notes)."""
    groups = {g.id: g for g in await session.scalars(scope.groups())}
    ids = list(groups)
    if not ids:
        return Export([], [], [])
    sessions: list[tuple[Any, ...]] = []
    attendance: list[tuple[Any, ...]] = []
    counts: dict[int, tuple[int, int]] = {}
    rows = await session.execute(
        select(SessionRecord, Participant.code, Attendance.present)
        .join(Attendance, Attendance.session_id == SessionRecord.id)
        .join(Participant, Participant.id == Attendance.participant_id)
        .where(SessionRecord.group_id.in_(ids))
        .order_by(SessionRecord.group_id, SessionRecord.held_on, SessionRecord.id, Participant.id)
    )
    for record, code, was_present in rows.all():
        group = groups[record.group_id]
        attendance.append(
            (group.id, group.name, record.week, record.held_on, code, int(was_present))
        )
        p, a = counts.get(record.id, (0, 0))
        counts[record.id] = (p + int(was_present), a + int(not was_present))
    for record in await session.scalars(
        select(SessionRecord)
        .where(SessionRecord.group_id.in_(ids))
        .order_by(SessionRecord.group_id, SessionRecord.held_on, SessionRecord.id)
    ):
        group = groups[record.group_id]
        present, absent = counts.get(record.id, (0, 0))
        saved = record.attendance_saved
        sessions.append(
            (
                group.id,
                group.name,
                record.week,
                record.status,
                record.held_on,
                record.reason or "",
                int(saved),
                present if saved else None,
                absent if saved else None,
            )
        )
    codes: dict[int, list[str]] = {}
    for agreement_id, code in await session.execute(
        select(AgreementParty.agreement_id, Participant.code)
        .join(Participant, Participant.id == AgreementParty.participant_id)
        .join(Agreement, Agreement.id == AgreementParty.agreement_id)
        .where(Agreement.group_id.in_(ids))
        .order_by(AgreementParty.agreement_id, Participant.id)
    ):
        codes.setdefault(agreement_id, []).append(code)
    answers: dict[tuple[int, str], str] = {}
    for follow_up in await session.scalars(
        select(FollowUp)
        .join(Agreement, Agreement.id == FollowUp.agreement_id)
        .where(Agreement.group_id.in_(ids))
    ):
        answers[(follow_up.agreement_id, follow_up.step)] = follow_up.answer or (
            "asked" if follow_up.asked_at else "skipped"
        )
    agreements: list[tuple[Any, ...]] = []
    for agreement in await session.scalars(
        select(Agreement).where(Agreement.group_id.in_(ids)).order_by(Agreement.id)
    ):
        group = groups[agreement.group_id]
        tz = group.timezone
        agreements.append(
            (
                agreement.id,
                group.id,
                group.name,
                agreement.kind,
                " ".join(codes.get(agreement.id, [])),
                " ".join(agreement.outside),
                " ".join(agreement.witnesses),
                agreement.reached_on,
                int(agreement.written),
                agreement.status,
                _local(agreement.created_at, tz),
                _local(agreement.acknowledged_at, tz),
                _local(agreement.documented_at, tz),
                agreement.reference or "",
                *(answers.get((agreement.id, step), "") for step in FOLLOW_UPS),
            )
        )
    return Export(sessions, attendance, agreements)


# --- the weekly digest ---------------------------------------------------------------------------


async def digest_timezone(session: AsyncSession, scope: Scope) -> str | None:
    """The time zone most of the coordinator's groups meet in; None when they have no group."""
    rows = await session.execute(
        select(Group.timezone, func.count())
        .where(scope.group_filter(), Group.status != GroupStatus.CLOSED.value)
        .group_by(Group.timezone)
    )
    zones = Counter({tz: int(n) for tz, n in rows.all()})
    if not zones:
        return None
    return zones.most_common(1)[0][0]


def digest_period(local: datetime) -> str:
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


@sweeper("coordinator_digests")
async def queue_digests(session: AsyncSession, now: datetime) -> int:
    """One digest per coordinator per ISO week, on Monday from 07:00 in their groups' time zone."""
    coordinators = await session.scalars(
        select(User).where(
            User.role == Role.COORDINATOR.value,
            User.revoked_at.is_(None),
            User.unreachable_at.is_(None),
        )
    )
    known = set(
        await session.scalars(
            select(OutboxMessage.key).where(
                OutboxMessage.kind == "digest", OutboxMessage.created_at >= now - timedelta(days=8)
            )
        )
    )
    queued = 0
    for coordinator in coordinators:
        scope = await Scope.of(session, coordinator)
        tz = await digest_timezone(session, scope)
        if tz is None:
            continue
        local = now.astimezone(ZoneInfo(tz))
        if local.weekday() != DIGEST_WEEKDAY or local.hour < DIGEST_HOUR:
            continue
        period = digest_period(local)
        subject = f"user:{coordinator.id}"
        if outbox.outbox_key("digest", subject, period, coordinator.id) in known:
            continue
        queued += await outbox.enqueue(
            session,
            kind="digest",
            subject=subject,
            period=period,
            recipient_id=coordinator.id,
            payload={"week": period},
        )
    return queued
