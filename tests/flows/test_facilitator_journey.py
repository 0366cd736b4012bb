"""A whole cycle end to end: a coordinator creates a group, two facilitators join by invite,
build a 12-person roster, run weeks 1 to 15 (a cancelled week, a late entry, a correction by the
co-facilitator), get and act on reminders (the clock set, never slept), and the group ends as a
self-help group. Every confirmed record is then in the database with the right dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from conversations.vocabulary.meetings import PHASE_NAMES
from locales import translator
from models.clock import clock
from models.db import Database
from models.groups import Group, GroupStatus
from models.meetings import Attendance, MeetingRecord, RecordHistory, Reflection
from models.outbox import OutboxMessage
from models.sweep import run_sweep
from models.users import Role
from tests.flows.test_newgroup import NOW, create_group_by_taps, setup_areas
from tests.support.e2e import flush_outbox, join, register

START = date(2026, 11, 4)  # a Wednesday; the group meets at 09:00 Bujumbura time (07:00 UTC)
CODES = [f"K{n:02d}" for n in range(1, 13)]


def at_local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour - 2, 0, tzinfo=UTC)


def s(lang: str, msgid: str) -> str:
    return translator(lang).pgettext("meeting", msgid)


async def reminded(person: Any, lang: str) -> Any:
    tomorrow = translator(lang).pgettext("reminder", "Reminder for tomorrow")
    return await person.wait_for(lambda m: m.plain.startswith(tomorrow))


async def record_week(person: Any, lang: str, absent: list[str], climate: str) -> None:
    await person.send("/session")
    panel = await person.next_message()
    await person.tap(panel, s(lang, "Held today"))
    screen = await person.next_message()
    await record_attendance_and_reflection(person, lang, screen, absent, climate)


async def record_attendance_and_reflection(
    person: Any, lang: str, screen: Any, absent: list[str], climate: str
) -> None:
    for code in absent:
        await person.tap(screen, f"✓ {code}")
        screen = await person.next_message()
    save = (
        s(lang, "Save: {absent} absent").format(absent=len(absent))
        if absent
        else s(lang, "All present: save")
    )
    await person.tap(screen, save)
    step = await person.next_message()
    await person.tap(step, translator(lang).pgettext(*PHASE_NAMES["trust"]))
    step = await person.next_message()
    await person.tap(step, climate)
    step = await person.next_message()
    await person.tap(step, s(lang, "Next"))
    step = await person.next_message()
    await person.tap(step, "1")
    step = await person.next_message()
    await person.tap(step, s(lang, "No referral"))
    step = await person.next_message()
    await person.tap(step, s(lang, "Save"))
    summary = await person.next_message()
    assert s(lang, "Reflection: saved") in summary.plain


@pytest.mark.parametrize("lang", ["rn", "fr"])
async def test_a_group_from_creation_to_self_help(
    tg: Any, bot: Any, db: Database, lang: str
) -> None:
    clock.set(NOW)
    areas = await setup_areas(db)
    coordinator = await register(tg, db, 1300, Role.COORDINATOR, lang, area_id=areas["gitega"])
    _, codes = await create_group_by_taps(coordinator, lang)
    first = await join(tg, 1301, codes[0], lang)
    second = await join(tg, 1302, codes[1], lang)

    # The roster, in one message: commas and new lines.
    await first.send("/roster")
    roster_screen = await first.next_message()
    await first.tap(roster_screen, "+ " + translator(lang).pgettext("roster", "Add codes"))
    await first.next_message()
    await first.send(", ".join(CODES[:6]) + "\n" + "\n".join(CODES[6:]))
    added = await first.wait_for(lambda m: "K12" in m.plain)
    assert "12/15" in added.plain

    meeting = START
    week = 1
    held_on: dict[int, date] = {}
    while week <= 15:
        # The day before, at meeting time: both facilitators are reminded.
        clock.set(at_local(meeting - timedelta(days=1), 9))
        await run_sweep(db)
        await flush_outbox(bot, db)
        reminder = await reminded(first, lang)
        await reminded(second, lang)
        assert f"{week}" in reminder.plain

        if week == 4 and 4 not in held_on and meeting == START + timedelta(weeks=3):
            # Heavy rain: the meeting is cancelled; week 4 happens the next Wednesday.
            clock.set(at_local(meeting, 12))
            await first.send("/session")
            panel = await first.next_message()
            await first.tap(panel, s(lang, "Did not take place"))
            await first.tap(await first.next_message(), s(lang, "Cancelled"))
            await first.tap(await first.next_message(), s(lang, "Weather"))
            await first.next_message()
            meeting += timedelta(weeks=1)
            continue

        if week == 6:
            # Phones were off: nothing recorded; the nudge comes 24 hours later, and the
            # co-facilitator enters it late with the right date.
            clock.set(at_local(meeting + timedelta(days=1), 10))
            await run_sweep(db)
            await flush_outbox(bot, db)
            nudge_text = translator(lang).pgettext("reminder", "A short reminder")
            nudge = await second.wait_for(lambda m, text=nudge_text: m.plain.startswith(text))
            await second.tap(nudge, translator(lang).pgettext("reminder", "Record it now"))
            panel = await second.next_message()
            await second.tap(panel, s(lang, "Held on another day"))
            dates = await second.next_message()
            await second.tap(dates, translator(lang).date(meeting))
            screen = await second.next_message()
            await record_attendance_and_reflection(second, lang, screen, ["K03"], "3")
        else:
            clock.set(at_local(meeting, 12))
            await record_week(first, lang, ["K01", "K07"] if week % 3 == 0 else [], "4")

        if week == 8:
            # The co-facilitator corrects the attendance: K05 had come late, then left.
            await second.send("/session")
            panel = await second.next_message()
            label = s(lang, "Week {week}: held on {date}").format(
                week=8, date=translator(lang).date(meeting)
            )
            await second.tap(panel, label)
            await second.tap(await second.next_message(), s(lang, "Correct attendance"))
            screen = await second.next_message()
            await second.tap(screen, "✓ K05")
            screen = await second.next_message()
            await second.tap(screen, s(lang, "Save: {absent} absent").format(absent=1))
            await second.next_message()

        held_on[week] = meeting
        week += 1
        meeting += timedelta(weeks=1)

    # After week 15: the self-help group.
    clock.set(at_local(meeting, 12))
    await first.send("/session")
    panel = await first.next_message()
    await first.tap(panel, s(lang, "Start the self-help group"))
    await first.next_message()
    await first.send("Twese hamwe")
    days = await first.next_message()
    await first.tap(days, days.labels[5])
    done = await first.next_message()
    assert "Twese hamwe" in done.plain

    async with db.read() as session:
        group = await session.scalar(select(Group).where(Group.name == "Kabuye centre"))
        assert group is not None
        assert (group.status, group.self_help_name, group.self_help_weekday) == (
            GroupStatus.SELF_HELP,
            "Twese hamwe",
            5,
        )
        records = list(
            await session.scalars(
                select(MeetingRecord)
                .where(MeetingRecord.group_id == group.id)
                .order_by(MeetingRecord.id)
            )
        )
        held = {r.week: r.held_on for r in records if r.status == "held"}
        assert held == held_on
        cancelled = [(r.week, r.held_on, r.reason) for r in records if r.status == "cancelled"]
        assert cancelled == [(4, START + timedelta(weeks=3), "weather")]
        assert held[6] == START + timedelta(weeks=6)  # entered a day late, dated right
        for record in records:
            if record.status == "held":
                count = await session.scalar(
                    select(func.count())
                    .select_from(Attendance)
                    .where(Attendance.meeting_id == record.id)
                )
                assert count == 12
        week8 = next(r for r in records if r.week == 8 and r.status == "held")
        absent8 = await session.scalar(
            select(func.count())
            .select_from(Attendance)
            .where(Attendance.meeting_id == week8.id, Attendance.present.is_(False))
        )
        assert absent8 == 1
        assert (
            await session.scalar(
                select(func.count())
                .select_from(RecordHistory)
                .where(RecordHistory.record_id == week8.id)
            )
            == 1
        )
        assert await session.scalar(select(func.count()).select_from(Reflection)) == 15
        reminders = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "meeting_reminder")
        )
        assert reminders == 2 * 16  # 15 weeks and the cancelled meeting, two facilitators
