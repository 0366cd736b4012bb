"""How the reminders the sweep queues look when they are sent (in the facilitator's language).

The first line is neutral: on a shared phone the lock screen shows it. A reminder whose group or
participant is gone (or has moved on) is not sent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import BaseHandler

from conversations.runtime.callbacks import pack
from conversations.runtime.outbox import renders
from conversations.runtime.reply import Button, Reply
from locales import Translator
from models.groups import WEEKS, Group, GroupStatus, get_group
from models.meetings import self_help_time, self_help_weekday
from models.outbox import OutboxMessage
from models.roster import participant_by_id
from models.users import User

SELF_HELP_GUIDE = "self-help-group"


async def _group(session: AsyncSession, row: OutboxMessage) -> Group | None:
    return await get_group(session, int(row.data.get("group_id", 0)))


@renders("meeting_reminder")
async def meeting_reminder(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    group = await _group(session, row)
    if group is None or group.current_week > WEEKS:
        return None
    meeting = datetime.fromisoformat(row.data["meeting"])
    week = group.current_week
    text = tr.render(
        "reminders/meeting.j2",
        group=group.name,
        week=week,
        day=tr.weekday_date(meeting.date()),
        at=tr.time(meeting.timetz()),
    )
    buttons = [
        [
            Button(
                tr.pgettext("reminder", "Open the guide for week {week}").format(week=week),
                pack("gd", f"week-{week:02d}", 0),
            )
        ],
        [Button(tr.pgettext("reminder", "This week"), pack("so", group.id))],
    ]
    return Reply(text, buttons=buttons)


@renders("record_nudge")
async def record_nudge(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    group = await _group(session, row)
    if group is None:
        return None
    meeting = datetime.fromisoformat(row.data["meeting"])
    text = tr.render("reminders/record_nudge.j2", day=tr.date(meeting.date()), group=group.name)
    return Reply(
        text,
        buttons=[[Button(tr.pgettext("reminder", "Record it now"), pack("so", group.id))]],
    )


@renders("absence_visit")
async def absence_visit(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    group = await _group(session, row)
    participant = await participant_by_id(session, int(row.data.get("participant_id", 0)))
    if group is None or participant is None or participant.left_at is not None:
        return None
    text = tr.render("reminders/absence_visit.j2", code=participant.code, group=group.name)
    return Reply(text)


@renders("selfhelp_reminder")
async def self_help_reminder(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    group = await _group(session, row)
    if group is None or group.status != GroupStatus.SELF_HELP:
        return None
    meeting = datetime.fromisoformat(row.data["meeting"])
    if (meeting.weekday(), meeting.timetz().replace(tzinfo=None)) != (
        self_help_weekday(group),
        self_help_time(group),
    ):
        return None  # the meeting was moved since: the sweep queues the new one
    text = tr.render(
        "reminders/selfhelp_meeting.j2",
        name=group.self_help_name or group.name,
        day=tr.weekday_date(meeting.date()),
        at=tr.time(meeting.timetz()),
    )
    buttons = [
        [
            Button(
                tr.pgettext("reminder", "Open the self-help guide"), pack("gd", SELF_HELP_GUIDE, 0)
            )
        ],
        [Button(tr.pgettext("reminder", "The group"), pack("so", group.id))],
    ]
    return Reply(text, buttons=buttons)


@renders("selfhelp_checkin")
async def self_help_checkin(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    group = await _group(session, row)
    if group is None or group.self_help_name is None:
        return None
    month = row.key.split(":")[3].replace("-", "")
    text = tr.render("reminders/selfhelp_checkin.j2", name=group.self_help_name)
    answers = [
        ("meeting", tr.pgettext("meeting", "Still meeting")),
        ("paused", tr.pgettext("meeting", "Paused")),
        ("stopped", tr.pgettext("meeting", "Stopped")),
    ]
    buttons = [[Button(label, pack("hc", group.id, month, key))] for key, label in answers]
    return Reply(text, buttons=buttons)


def handlers() -> list[BaseHandler]:
    """Nothing to handle: the buttons lead to the meeting and guide flows."""
    return []
