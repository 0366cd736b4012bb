"""What coordinators see: per-group figures and flags, export rows, and the weekly digest sweep.

Everything starts from `Scope`: a coordinator sees their subtree, an admin everything. The figures
are computed with a few grouped queries for all the groups at once, not one query per group.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple, TypeVarTuple
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.agreements import (
    FOLLOW_UPS,
    Agreement,
    AgreementParty,
    FollowUp,
    Status,
    scoped,
)
from models.areas import Area
from models.groups import WEEKS, Group, GroupStatus
from models.outbox import OutboxMessage, Queued
from models.roster import Participant
from models.scope import Scope
from models.sessions import (
    Attendance,
    SessionRecord,
    SessionStatus,
    last_meeting,
    local_today,
)
from models.sweep import Write, finder, queue_found
from models.users import Role, User

RECENT_DAYS = 28
# The record of a meeting is missing once this long has passed (as for the facilitators' nudge).
RECORD_GRACE = timedelta(hours=24)
RECORD_WINDOW = timedelta(days=6)
PREP_WARNING_DAYS = 7
PARTITION_ROWS = 1000

_Ts = TypeVarTuple("_Ts")
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


async def _rows(session: AsyncSession, query: Select[*_Ts]) -> AsyncIterator[Row[*_Ts]]:
    """The rows of a query, fetched a partition at a time.

    Between partitions the event loop serves other people's updates: a whole programme's rows
    (tens of thousands) are converted without holding it up for long.
    """
    result = await session.stream(query.execution_options(yield_per=PARTITION_ROWS))
    async for partition in result.partitions():
        for row in partition:
            yield row


async def visible_groups(session: AsyncSession, scope: Scope) -> list[Group]:
    rows = await session.scalars(
        scope.groups()
        .where(Group.status != GroupStatus.CLOSED.value)
        .order_by(Group.name, Group.id)
    )
    return list(rows)


class _Record(NamedTuple):
    """What the summaries need of a session record, with its attendance counted."""

    id: int
    group_id: int
    status: str
    held_on: date
    attendance_saved: bool
    present: int
    total: int


async def _records(session: AsyncSession, ids: list[int]) -> dict[int, list[_Record]]:
    """Per group, its session records in order, each with present and total attendance."""
    records: dict[int, list[_Record]] = {g: [] for g in ids}
    rows = _rows(
        session,
        select(
            SessionRecord.id,
            SessionRecord.group_id,
            SessionRecord.status,
            SessionRecord.held_on,
            SessionRecord.attendance_saved,
            func.sum(case((Attendance.present, 1), else_=0)),
            func.count(Attendance.id),
        )
        .outerjoin(Attendance, Attendance.session_id == SessionRecord.id)
        .where(SessionRecord.group_id.in_(ids))
        .group_by(SessionRecord.id)
        .order_by(SessionRecord.held_on, SessionRecord.id),
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
                select(SessionRecord.group_id, func.max(SessionRecord.created_at))
                .where(SessionRecord.group_id.in_(ids))
                .group_by(SessionRecord.group_id)
            )
        ).all()
    )
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
            p, t = record.present, record.total
            present += p
            total += t
            if record.held_on > recent_since:
                held_recent += 1
                recent_present += p
                recent_total += t
        not_held = sum(
            1 for r in rows if r.status != SessionStatus.HELD and r.held_on > recent_since
        )
        unrecorded = _last_meeting_unrecorded(group, rows, last_created.get(group.id), now)
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
# A register: one row per participant of a group, one column per week (1 present, 0 absent,
# empty when no attendance was saved that week), then the totals. Fifteen times fewer rows than
# one per participant per session, so a smaller file and one a facilitator's register matches.
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
    sessions: list[tuple[Any, ...]]
    attendance: list[tuple[Any, ...]]
    agreements: list[tuple[Any, ...]]


def _local(value: datetime | None, tz: str) -> datetime | None:
    """Spreadsheets have no time zones: the group's local time, without its zone."""
    return value.astimezone(ZoneInfo(tz)).replace(tzinfo=None) if value else None


def _present() -> ColumnElement[int]:
    return case((Attendance.present, 1), else_=0)


async def export_rows(session: AsyncSession, scope: Scope) -> Export:
    """Sessions, attendance and agreements of every group in scope (no summaries, no notes).

    Plain columns, counted and laid out by the database, so that a whole programme's export
    costs a few queries and little Python work.
    """
    return Export(
        await _session_rows(session, scope),
        await _register_rows(session, scope),
        await _agreement_rows(session, scope),
    )


async def _session_rows(session: AsyncSession, scope: Scope) -> list[tuple[Any, ...]]:
    rows = _rows(
        session,
        select(
            SessionRecord.group_id,
            Group.name,
            SessionRecord.week,
            SessionRecord.status,
            SessionRecord.held_on,
            SessionRecord.reason,
            SessionRecord.attendance_saved,
            func.sum(_present()),
            func.count(Attendance.id),
        )
        .join(Group, Group.id == SessionRecord.group_id)
        .outerjoin(Attendance, Attendance.session_id == SessionRecord.id)
        .where(scope.group_filter())
        .group_by(SessionRecord.id, Group.id)
        .order_by(SessionRecord.group_id, SessionRecord.held_on, SessionRecord.id),
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
                (and_(SessionRecord.held_week == n, Attendance.present), 1),
                (SessionRecord.held_week == n, 0),
            )
        )
        for n in range(1, WEEKS + 1)
    ]
    rows = _rows(
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
        .join(SessionRecord, SessionRecord.id == Attendance.session_id)
        .join(Group, Group.id == SessionRecord.group_id)
        .join(Participant, Participant.id == Attendance.participant_id)
        .where(scope.group_filter(), SessionRecord.held_week.is_not(None))
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


# --- the weekly digest ---------------------------------------------------------------------------


def digest_period(local: datetime) -> str:
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


async def _zones_by_area(session: AsyncSession) -> list[tuple[str, str, int]]:
    """(area path, time zone, groups) of every group not closed, for all coordinators at once."""
    rows = await session.execute(
        select(Group.area_path, Group.timezone, func.count())
        .where(Group.status != GroupStatus.CLOSED.value)
        .group_by(Group.area_path, Group.timezone)
        .order_by(Group.timezone)
    )
    return [(path, tz, int(n)) for path, tz, n in rows.all()]


def _digest_zone(zones: list[tuple[str, str, int]], area_path: str | None) -> str | None:
    """The time zone most of the coordinator's groups meet in; None when they have no group."""
    if not area_path:
        return None
    counts: Counter[str] = Counter()
    for path, tz, n in zones:
        if path.startswith(area_path):
            counts[tz] += n
    return counts.most_common(1)[0][0] if counts else None


@finder("coordinator_digests")
async def find_digests(session: AsyncSession, now: datetime) -> Write | None:
    """One digest per coordinator per ISO week, on Monday from 07:00 in their groups' time zone."""
    rows = await session.execute(
        select(User.id, Area.path)
        .outerjoin(Area, Area.id == User.area_id)
        .where(
            User.role == Role.COORDINATOR.value,
            User.revoked_at.is_(None),
            User.unreachable_at.is_(None),
        )
        .order_by(User.id)
    )
    coordinators = rows.all()
    if not coordinators:
        return None
    known = set(
        await session.scalars(
            select(OutboxMessage.key).where(
                OutboxMessage.kind == "digest", OutboxMessage.created_at >= now - timedelta(days=8)
            )
        )
    )
    zones = await _zones_by_area(session)
    messages = []
    for coordinator_id, area_path in coordinators:
        tz = _digest_zone(zones, area_path)
        if tz is None:
            continue
        local = now.astimezone(ZoneInfo(tz))
        if local.weekday() != DIGEST_WEEKDAY or local.hour < DIGEST_HOUR:
            continue
        period = digest_period(local)
        subject = f"user:{coordinator_id}"
        message = Queued("digest", subject, period, coordinator_id, {"week": period})
        if message.key not in known:
            messages.append(message)
    return queue_found(messages)
