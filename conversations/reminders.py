"""How the reminders the sweep queues look when they are sent (in the facilitator's language).

The first line is neutral: on a shared phone the lock screen shows it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from content.telegram_html import escape
from conversations.runtime.callbacks import pack
from conversations.runtime.outbox import renders
from conversations.runtime.reply import Button, Reply
from locales import Translator
from models.groups import WEEKS, Group
from models.outbox import OutboxMessage
from models.roster import Participant
from models.users import User


async def _group(session: AsyncSession, row: OutboxMessage) -> Group | None:
    return await session.get(Group, int(row.data.get("group_id", 0)))


@renders("meeting_reminder")
async def meeting_reminder(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    group = await _group(session, row)
    if group is None or group.current_week > WEEKS:
        return None
    meeting = datetime.fromisoformat(row.data["meeting"])
    week = group.current_week
    lines = [
        tr.pgettext("reminder", "Reminder for tomorrow"),
        tr.pgettext("reminder", "{group}: week {week}, {day} at {time}.").format(
            group=escape(group.name),
            week=week,
            day=tr.weekday_date(meeting.date()),
            time=tr.time(meeting.timetz()),
        ),
        tr.pgettext("reminder", "Read the week's guide before you meet."),
    ]
    buttons = [
        [
            Button(
                tr.pgettext("reminder", "Open the guide for week {week}").format(week=week),
                pack("gd", f"week-{week:02d}", 0),
            )
        ],
        [Button(tr.pgettext("reminder", "This week"), pack("so", group.id))],
    ]
    return Reply("\n".join(lines), buttons=buttons)


@renders("record_nudge")
async def record_nudge(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    group = await _group(session, row)
    if group is None:
        return None
    meeting = datetime.fromisoformat(row.data["meeting"])
    lines = [
        tr.pgettext("reminder", "A short reminder"),
        tr.pgettext(
            "reminder",
            "Nothing is recorded yet for the meeting of {day} ({group}). Did it take place?",
        ).format(day=tr.date(meeting.date()), group=escape(group.name)),
    ]
    return Reply(
        "\n".join(lines),
        buttons=[[Button(tr.pgettext("reminder", "Record it now"), pack("so", group.id))]],
    )


@renders("absence_visit")
async def absence_visit(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    group = await _group(session, row)
    participant = await session.get(Participant, int(row.data.get("participant_id", 0)))
    if group is None or participant is None or participant.left_at is not None:
        return None
    lines = [
        tr.pgettext("reminder", "A note for your group"),
        tr.pgettext(
            "reminder",
            "{code} was absent twice in a row ({group}). Caring for each "
            "other is part of the method: could someone visit?",
        ).format(code=escape(participant.code), group=escape(group.name)),
    ]
    return Reply("\n".join(lines))


@renders("selfhelp_checkin")
async def self_help_checkin(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    group = await _group(session, row)
    if group is None or group.self_help_name is None:
        return None
    month = row.key.split(":")[3].replace("-", "")
    lines = [
        tr.pgettext("reminder", "Monthly question"),
        tr.pgettext("reminder", "How is the self-help group {name} doing?").format(
            name=escape(group.self_help_name)
        ),
    ]
    answers = [
        ("meeting", tr.pgettext("session", "Still meeting")),
        ("paused", tr.pgettext("session", "Paused")),
        ("stopped", tr.pgettext("session", "Stopped")),
    ]
    buttons = [[Button(label, pack("hc", group.id, month, key))] for key, label in answers]
    return Reply("\n".join(lines), buttons=buttons)


def handlers() -> list:  # type: ignore[type-arg]
    """Nothing to handle: the buttons lead to the session and guide flows."""
    return []
