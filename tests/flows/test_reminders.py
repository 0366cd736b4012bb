"""Reminders from the sweep: at the right time in the group's time zone, once, and delivered."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from locales import translator
from models import crypto, meetings, roster
from models.clock import clock
from models.db import Database
from models.groups import Group
from models.outbox import OutboxMessage
from models.settings import Settings
from models.sweep import run_sweep
from models.users import Role
from tests.support import factories
from tests.support.e2e import eventually, register
from tests.support.process import BotProcess
from tests.support.tgserver import TelegramTestServer

# The group meets on Wednesdays at 09:00 in Bujumbura (UTC+2), i.e. 07:00 UTC.
MEETING = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)


def r(lang: str, msgid: str) -> str:
    return translator(lang).pgettext("reminder", msgid)


async def setup_group(tg: TelegramTestServer, db: Database, lang: str = "fr") -> tuple[Group, Any]:
    async with db.write() as s:
        group = await factories.group(
            s, weekday=2, meet_time=time(9, 0), start_date=date(2026, 11, 4)
        )
        await roster.add_codes(s, group=group, text="A1, A2, A3, A4, A5, A6, A7, A8", actor_id=None)
    person = await register(tg, db, 950, Role.FACILITATOR, lang, group_id=group.id)
    return group, person


async def queued(db: Database, kind: str) -> int:
    async with db.read() as s:
        return int(
            await s.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == kind)
            )
            or 0
        )


async def send_outbox(application: Any) -> None:
    worker = application.bot_data["services"].extra["outbox"]
    await worker.run_once(application.bot)


async def test_reminder_the_day_before_at_meeting_time_once(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    _, person = await setup_group(tg, db, "rn")
    clock.set(MEETING - timedelta(hours=24, minutes=1))
    await run_sweep(db)
    assert await queued(db, "meeting_reminder") == 0
    clock.set(MEETING - timedelta(hours=24))
    await run_sweep(db)
    await run_sweep(db)  # twice at the same time: still one
    clock.advance(timedelta(hours=3))
    await run_sweep(db)  # later the same day: still one
    assert await queued(db, "meeting_reminder") == 1

    await send_outbox(bot)
    reminder = await person.wait_for(lambda m: r("rn", "Reminder for tomorrow") in m.plain)
    assert reminder.plain.startswith(r("rn", "Reminder for tomorrow"))
    assert translator("rn").weekday_date(date(2026, 11, 25)) in reminder.plain
    await person.tap(reminder, r("rn", "Open the guide for week {week}").format(week=1))
    guide = await person.next_message()
    assert guide.message_id == reminder.message_id
    assert "1/" in guide.plain


async def test_nudge_24_hours_after_an_unrecorded_meeting_only(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    group, person = await setup_group(tg, db)
    clock.set(MEETING + timedelta(hours=23, minutes=59))
    await run_sweep(db)
    assert await queued(db, "record_nudge") == 0
    clock.set(MEETING + timedelta(hours=24))
    await run_sweep(db)
    await run_sweep(db)
    assert await queued(db, "record_nudge") == 1
    await send_outbox(bot)
    nudge = await person.wait_for(lambda m: r("fr", "A short reminder") in m.plain)
    await person.tap(nudge, r("fr", "Record it now"))
    panel = await person.next_message()
    assert translator("fr").pgettext("meeting", "Held today") in panel.labels

    # The next week's meeting is recorded in time: no nudge for it.
    clock.set(MEETING + timedelta(days=7, hours=3))
    async with db.write() as s:
        stored = await s.get(Group, group.id)
        assert stored is not None
        await meetings.record_held(s, group=stored, held_on=date(2026, 12, 2), actor_id=None)
    clock.set(MEETING + timedelta(days=8))
    await run_sweep(db)
    assert await queued(db, "record_nudge") == 1


async def test_no_nudge_for_meetings_long_past_after_an_outage(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    await setup_group(tg, db)
    clock.set(MEETING + timedelta(days=6, hours=1))
    await run_sweep(db)
    assert await queued(db, "record_nudge") == 0


async def test_absent_twice_in_a_row_asks_for_a_visit(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    group, person = await setup_group(tg, db)
    clock.set(MEETING + timedelta(days=7, hours=2))
    async with db.write() as s:
        stored = await s.get(Group, group.id)
        assert stored is not None
        members = await roster.active_participants(s, group.id)
        a5 = next(m for m in members if m.code == "A5")
        for day in (date(2026, 11, 25), date(2026, 12, 2)):
            record = await meetings.record_held(s, group=stored, held_on=day, actor_id=None)
            await meetings.save_attendance(
                s,
                group=stored,
                record=record,
                absent={a5.id},
                version=record.version,
                roster_version=stored.roster_version,
                actor_id=None,
            )
    assert await queued(db, "absence_visit") == 1
    await send_outbox(bot)
    visit = await person.wait_for(lambda m: "A5" in m.plain)
    assert visit.plain.startswith(r("fr", "A note for your group"))


async def test_self_help_check_in_monthly(tg: TelegramTestServer, bot: Any, db: Database) -> None:
    group, person = await setup_group(tg, db)
    clock.set(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    async with db.write() as s:
        stored = await s.get(Group, group.id)
        assert stored is not None
        stored.current_week = 16
        await meetings.start_self_help(
            s, group=stored, name="Twese hamwe", weekday=5, actor_id=None
        )
    await run_sweep(db)
    assert await queued(db, "selfhelp_checkin") == 0  # not in the month it started
    clock.set(datetime(2026, 12, 1, 6, 59, tzinfo=UTC))  # 08:59 local
    await run_sweep(db)
    assert await queued(db, "selfhelp_checkin") == 0
    clock.set(datetime(2026, 12, 1, 7, 0, tzinfo=UTC))
    await run_sweep(db)
    clock.set(datetime(2026, 12, 15, 7, 0, tzinfo=UTC))
    await run_sweep(db)
    assert await queued(db, "selfhelp_checkin") == 1
    await send_outbox(bot)
    # The self-help group's meeting reminders name the group too: the check-in is the question.
    question = await person.wait_for(lambda m: r("fr", "Monthly question") in m.plain)
    assert "Twese hamwe" in question.plain
    await person.tap(question, translator("fr").pgettext("meeting", "Still meeting"))
    await person.next_message()
    async with db.read() as s:
        answer = await s.scalar(select(meetings.SelfHelpCheckin))
        assert answer is not None and (answer.month, answer.answer) == ("2026-12", "meeting")


async def test_a_reminder_queued_before_a_kill_is_delivered_after_restart(
    tg: TelegramTestServer, db: Database, settings: Settings, tmp_path: Path
) -> None:
    async with db.write() as s:
        group = await factories.group(
            s, weekday=2, meet_time=time(9, 0), start_date=date(2026, 11, 4)
        )
    process = BotProcess(tg, settings, crypto.generate_key(), tmp_path / "bot.log")
    try:
        await process.start()
        person = await register(tg, db, 951, Role.FACILITATOR, "fr", group_id=group.id)
        # Updates are confirmed to Telegram once handled: this kill is not a redelivery test.
        await eventually(lambda: not tg.pending_updates, 15)
        await process.kill()
        clock.set(MEETING - timedelta(hours=20))
        await run_sweep(db)  # queued while the bot is down
        assert await queued(db, "meeting_reminder") == 1
        await process.start()
        reminder = await person.wait_for(
            lambda m: r("fr", "Reminder for tomorrow") in m.plain, timeout=20
        )
        assert reminder is not None
    finally:
        await process.stop()
