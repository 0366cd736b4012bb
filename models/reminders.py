"""What the sweep queues for facilitators: meeting reminders, record nudges, self-help check-ins.

Everything is computed from each group's own meeting weekday and time in its time zone, and
queued under a unique (kind, group, date) key, so a sweep that runs twice, late, or after a
restart queues each reminder exactly once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox
from models.groups import WEEKS, Group, GroupStatus
from models.outbox import OutboxMessage
from models.sessions import SessionRecord, facilitator_ids, last_meeting, next_meeting
from models.sweep import sweeper

REMIND_BEFORE = timedelta(hours=24)
NUDGE_AFTER = timedelta(hours=24)
# A meeting missed for longer than this gets no nudge (e.g. after a long outage): the next one will.
NUDGE_UNTIL = timedelta(days=6)
CHECKIN_HOUR = 9


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


async def _queue_for_facilitators(
    session: AsyncSession,
    *,
    kind: str,
    group: Group,
    period: str,
    known: set[str],
    payload: dict[str, object],
) -> int:
    queued = 0
    for user_id in await facilitator_ids(session, group.id):
        key = outbox.outbox_key(kind, f"group:{group.id}", period, user_id)
        if key in known:
            continue
        if await outbox.enqueue(
            session,
            kind=kind,
            subject=f"group:{group.id}",
            period=period,
            recipient_id=user_id,
            payload=payload,
        ):
            queued += 1
    return queued


def _about(group: Group, meeting: datetime) -> dict[str, object]:
    return {"group_id": group.id, "week": group.current_week, "meeting": meeting.isoformat()}


@sweeper("meeting_reminders")
async def queue_meeting_reminders(session: AsyncSession, now: datetime) -> int:
    """The day before the meeting, at the meeting's time: a reminder with the week's guide."""
    known = await _queued_keys(session, "meeting_reminder", now - timedelta(days=3))
    queued = 0
    for group in await _running_groups(session):
        meeting = next_meeting(group, now)
        if meeting - REMIND_BEFORE > now:
            continue
        queued += await _queue_for_facilitators(
            session,
            kind="meeting_reminder",
            group=group,
            period=meeting.date().isoformat(),
            known=known,
            payload=_about(group, meeting),
        )
    return queued


@sweeper("record_nudges")
async def queue_record_nudges(session: AsyncSession, now: datetime) -> int:
    """24 hours after the meeting time with nothing recorded: one nudge."""
    known = await _queued_keys(session, "record_nudge", now - timedelta(days=10))
    queued = 0
    for group in await _running_groups(session):
        meeting = last_meeting(group, now - NUDGE_AFTER)
        if meeting is None or now - meeting > NUDGE_UNTIL:
            continue
        recorded = await session.scalar(
            select(SessionRecord.id).where(
                SessionRecord.group_id == group.id,
                (SessionRecord.held_on >= meeting.date() - timedelta(days=6))
                | (SessionRecord.created_at >= meeting - timedelta(days=1)),
            )
        )
        if recorded is not None:
            continue
        queued += await _queue_for_facilitators(
            session,
            kind="record_nudge",
            group=group,
            period=meeting.date().isoformat(),
            known=known,
            payload=_about(group, meeting),
        )
    return queued


@sweeper("self_help_checkins")
async def queue_self_help_checkins(session: AsyncSession, now: datetime) -> int:
    """Once a month, from the morning of the 1st: how is the self-help group doing?"""
    groups = await session.scalars(select(Group).where(Group.status == GroupStatus.SELF_HELP.value))
    known = await _queued_keys(session, "selfhelp_checkin", now - timedelta(days=40))
    queued = 0
    for group in groups:
        local = now.astimezone(ZoneInfo(group.timezone))
        since = group.self_help_since
        if (
            local.hour < CHECKIN_HOUR
            or since is None
            or (since.year, since.month) == (local.year, local.month)
        ):
            continue
        queued += await _queue_for_facilitators(
            session,
            kind="selfhelp_checkin",
            group=group,
            period=f"{local:%Y-%m}",
            known=known,
            payload={"group_id": group.id},
        )
    return queued
