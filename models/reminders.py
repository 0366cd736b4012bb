"""What the sweep queues for facilitators: meeting reminders, record nudges, self-help meeting
reminders and check-ins.

Everything is computed from each group's own meeting weekday and time in its time zone, and
queued under a unique (kind, group, date) key, so a sweep that runs twice, late, or after a
restart queues each reminder exactly once.

Each finder reads the running groups, the keys already queued and the facilitators of the groups
that are due in a few queries however many groups there are, so that the sweep's steady case (all
queued already) costs the same few reads every 30 seconds and takes no write lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.groups import WEEKS, Group, GroupStatus
from models.meetings import (
    MeetingRecord,
    chunks,
    facilitators_by_group,
    last_meeting,
    next_meeting,
    next_self_help_meeting,
)
from models.outbox import OutboxMessage, Queued
from models.sweep import Write, queue_found

REMIND_BEFORE = timedelta(hours=24)
NUDGE_AFTER = timedelta(hours=24)
# A meeting missed for longer than this gets no nudge (e.g. after a long outage): the next one will.
NUDGE_UNTIL = timedelta(days=6)
CHECKIN_HOUR = 9


@dataclass(frozen=True)
class Due:
    """One group's message, due for each of its facilitators."""

    group: Group
    period: str
    payload: dict[str, Any]


async def _running_groups(session: AsyncSession) -> list[Group]:
    rows = await session.scalars(
        select(Group).where(
            Group.status.in_([GroupStatus.PREPARING.value, GroupStatus.ACTIVE.value]),
            Group.current_week <= WEEKS,
        )
    )
    return list(rows)


async def _queued_keys(session: AsyncSession, kind: str, since: datetime) -> set[str]:
    rows = await session.scalars(
        select(OutboxMessage.key).where(
            OutboxMessage.kind == kind, OutboxMessage.created_at >= since
        )
    )
    return set(rows)


async def _for_facilitators(
    session: AsyncSession, *, kind: str, due: list[Due], since: datetime
) -> Write | None:
    """The messages of `due` not yet queued since `since`, one per facilitator, in group order."""
    if not due:
        return None
    known = await _queued_keys(session, kind, since)
    facilitators = await facilitators_by_group(session, [d.group.id for d in due])
    messages = []
    for d in due:
        for user_id in facilitators[d.group.id]:
            message = Queued(kind, f"group:{d.group.id}", d.period, user_id, d.payload)
            if message.key not in known:
                messages.append(message)
    return queue_found(messages)


def _about(group: Group, meeting: datetime) -> dict[str, Any]:
    return {"group_id": group.id, "week": group.current_week, "meeting": meeting.isoformat()}


async def find_meeting_reminders(session: AsyncSession, now: datetime) -> Write | None:
    """The day before the meeting, at the meeting's time: a reminder with the week's guide."""
    due = []
    for group in await _running_groups(session):
        meeting = next_meeting(group, now)
        if meeting - REMIND_BEFORE <= now:
            due.append(Due(group, meeting.date().isoformat(), _about(group, meeting)))
    return await _for_facilitators(
        session, kind="meeting_reminder", due=due, since=now - timedelta(days=3)
    )


async def _recorded(session: AsyncSession, meetings: dict[int, datetime]) -> set[int]:
    """The groups with a record of their meeting in `meetings` (group id: meeting time)."""
    if not meetings:
        return set()
    # One query for all groups, narrowed by the earliest meeting; each group's own test follows.
    since_day = min(m.date() for m in meetings.values()) - timedelta(days=6)
    since = min(meetings.values()) - timedelta(days=1)
    recorded = set()
    for some in chunks(sorted(meetings)):
        rows = await session.execute(
            select(MeetingRecord.group_id, MeetingRecord.held_on, MeetingRecord.created_at).where(
                MeetingRecord.group_id.in_(some),
                (MeetingRecord.held_on >= since_day) | (MeetingRecord.created_at >= since),
            )
        )
        for group_id, held_on, created_at in rows.all():
            meeting = meetings[group_id]
            if held_on >= meeting.date() - timedelta(days=6) or created_at >= meeting - timedelta(
                days=1
            ):
                recorded.add(group_id)
    return recorded


async def find_record_nudges(session: AsyncSession, now: datetime) -> Write | None:
    """24 hours after the meeting time with nothing recorded: one nudge."""
    groups, meetings = {}, {}
    for group in await _running_groups(session):
        meeting = last_meeting(group, now - NUDGE_AFTER)
        if meeting is not None and now - meeting <= NUDGE_UNTIL:
            groups[group.id], meetings[group.id] = group, meeting
    recorded = await _recorded(session, meetings)
    due = [
        Due(groups[gid], meeting.date().isoformat(), _about(groups[gid], meeting))
        for gid, meeting in meetings.items()
        if gid not in recorded
    ]
    return await _for_facilitators(
        session, kind="record_nudge", due=due, since=now - timedelta(days=10)
    )


async def find_self_help_reminders(session: AsyncSession, now: datetime) -> Write | None:
    """A self-help group's meeting, the day before at its time, like the weekly sessions'."""
    groups = await session.scalars(select(Group).where(Group.status == GroupStatus.SELF_HELP.value))
    due = []
    for group in groups:
        meeting = next_self_help_meeting(group, now)
        if meeting - REMIND_BEFORE <= now:
            payload = {"group_id": group.id, "meeting": meeting.isoformat()}
            # The time is part of the key: a meeting moved to another hour is reminded again.
            due.append(Due(group, f"{meeting:%Y-%m-%dT%H%M}", payload))
    return await _for_facilitators(
        session, kind="selfhelp_reminder", due=due, since=now - timedelta(days=3)
    )


async def find_self_help_checkins(session: AsyncSession, now: datetime) -> Write | None:
    """Once a month, from the morning of the 1st: how is the self-help group doing?"""
    groups = await session.scalars(select(Group).where(Group.status == GroupStatus.SELF_HELP.value))
    due = []
    for group in groups:
        local = now.astimezone(ZoneInfo(group.timezone))
        since = group.self_help_since
        if (
            local.hour < CHECKIN_HOUR
            or since is None
            or (since.year, since.month) == (local.year, local.month)
        ):
            continue
        due.append(Due(group, f"{local:%Y-%m}", {"group_id": group.id}))
    return await _for_facilitators(
        session, kind="selfhelp_checkin", due=due, since=now - timedelta(days=40)
    )
