"""The facilitator's week end to end: record held/cancelled, attendance, reflection, corrections."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from locales import translator
from models import meetings, roster
from models.audit import AuditEntry
from models.clock import clock
from models.db import Database
from models.groups import Group
from models.meetings import Attendance, MeetingRecord, RecordHistory, Reflection
from models.users import Role
from tests.support import factories
from tests.support.e2e import register
from tests.support.tgserver import TelegramTestServer

# A Wednesday morning in Bujumbura (UTC+2); the group meets on Wednesdays at 09:00.
WEDNESDAY = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CODES = [f"A{n}" for n in range(1, 13)]


def p(lang: str, msgid: str) -> str:
    return translator(lang).pgettext("meeting", msgid)


async def make_group(db: Database, size: int = 12) -> Group:
    async with db.write() as s:
        group = await factories.group(
            s, weekday=2, meet_time=time(9, 0), start_date=date(2026, 11, 4)
        )
        await roster.add_codes(s, group=group, text=", ".join(CODES[:size]), actor_id=None)
    return group


async def facilitator(
    tg: TelegramTestServer, db: Database, user_id: int, group: Group, lang: str = "fr"
) -> Any:
    return await register(tg, db, user_id, Role.FACILITATOR, lang, group_id=group.id)


async def open_meeting(person: Any) -> Any:
    await person.send("/session")
    return await person.next_message()


@pytest.mark.parametrize("lang", ["fr", "rn"])
async def test_twelve_with_two_absentees_takes_four_taps(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    clock.set(WEDNESDAY)
    group = await make_group(db)
    person = await facilitator(tg, db, 900, group, lang)
    panel = await open_meeting(person)
    assert (
        translator(lang).pgettext("meeting", "Week {week}/15 · {phase}").split("{")[0]
        in panel.plain
    )

    taps = 0
    await person.tap(panel, p(lang, "Held today"))
    taps += 1
    screen = await person.next_message()
    assert screen.message_id == panel.message_id
    assert [label for label in screen.labels if label.startswith("✓")] == [f"✓ {c}" for c in CODES]
    for code in ("A3", "A7"):
        await person.tap(screen, f"✓ {code}")
        taps += 1
        screen = await person.next_message()
    assert "✗ A3" in screen.labels and "✗ A7" in screen.labels
    await person.tap(screen, p(lang, "Save: {absent} absent").format(absent=2))
    taps += 1
    saved = await person.next_message()
    assert (
        p(lang, "Attendance saved: {present}/{total} present.").format(present=10, total=12)
        in saved.plain
    )
    assert taps <= 4  # plus the /session command itself: 5 steps at most

    async with db.read() as s:
        record = await s.scalar(select(MeetingRecord))
        assert record is not None
        assert (record.week, record.status, record.held_on) == (1, "held", date(2026, 11, 25))
        rows = {r.participant_id: r.present for r in await s.scalars(select(Attendance))}
        codes = {pp.id: pp.code for pp in await roster.active_participants(s, group.id)}
        assert sorted(codes[pid] for pid, present in rows.items() if not present) == ["A3", "A7"]
        assert len(rows) == 12
        stored = await s.get(Group, group.id)
        assert stored is not None and stored.current_week == 2


async def test_all_present_is_one_tap_and_the_reflection_follows(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    clock.set(WEDNESDAY)
    group = await make_group(db)
    person = await facilitator(tg, db, 901, group)
    panel = await open_meeting(person)
    await person.tap(panel, p("fr", "Held today"))
    screen = await person.next_message()
    await person.tap(screen, p("fr", "All present: save"))
    step = await person.next_message()
    assert (
        p(
            "fr",
            "Which phase is the group in now? It moves with the group's readiness, not "
            "the calendar.",
        )
        in step.plain
    )
    # Phase, climate, two topics, next, follow-ups, referral: then the summary.
    await person.tap(step, translator("fr").pgettext("guide", "Trust"))
    step = await person.next_message()
    await person.tap(step, "4")
    step = await person.next_message()
    await person.tap(step, p("fr", "Land and other disputes"))
    step = await person.next_message()
    await person.tap(step, p("fr", "Daily worries"))
    step = await person.next_message()
    assert "✓ " + p("fr", "Land and other disputes") in step.labels
    await person.tap(step, p("fr", "Next"))
    step = await person.next_message()
    await person.tap(step, "2")
    step = await person.next_message()
    await person.tap(step, p("fr", "Legal"))
    summary = await person.next_message()
    assert p("fr", "Climate: {climate}").format(climate=4) in summary.plain
    await person.tap(summary, p("fr", "Add a short note"))
    ask = await person.next_message()
    assert "No names" in ask.text or "noms" in ask.text or "amazina" in ask.text

    note = "Le groupe a parlé calmement du champ du bas; marker-5519"
    sent = await person.send(note)
    saved = await person.next_message()
    assert p("fr", "Reflection saved.") in saved.plain
    assert note not in saved.plain
    await _eventually_deleted(person, sent["message_id"])

    async with db.read() as s:
        reflection = await s.scalar(select(Reflection))
        assert reflection is not None
        assert (reflection.phase, reflection.climate, reflection.topics) == (
            "trust",
            4,
            "daily,land",
        )
        assert (reflection.follow_ups, reflection.referral) == (2, "legal")
        assert reflection.note == note
        raw = await s.scalar(text("SELECT note FROM reflections"))
        assert "marker-5519" not in raw


async def _eventually_deleted(person: Any, message_id: int) -> None:
    from tests.support.e2e import eventually

    await eventually(
        lambda: any(m.message_id == message_id and m.deleted for m in person.user_messages)
    )


async def test_second_facilitator_corrects_and_simultaneous_edits_do_not_overwrite(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    clock.set(WEDNESDAY)
    group = await make_group(db)
    first = await facilitator(tg, db, 902, group)
    second = await facilitator(tg, db, 903, group)
    panel = await open_meeting(first)
    await first.tap(panel, p("fr", "Held today"))
    screen = await first.next_message()
    await first.tap(screen, p("fr", "All present: save"))
    await first.next_message()

    # Both open the correction screen of the same record.
    views = []
    for person in (first, second):
        panel = await open_meeting(person)
        label = p("fr", "Week {week}: held on {date}").format(
            week=1, date=translator("fr").date(date(2026, 11, 25))
        )
        await person.tap(panel, label)
        summary = await person.next_message()
        await person.tap(summary, p("fr", "Correct attendance"))
        views.append(await person.next_message())
    await second.tap(views[1], "✓ A5")
    marked = await second.next_message()
    await second.tap(marked, p("fr", "Save: {absent} absent").format(absent=1))
    await second.next_message()

    # The first facilitator's screen is now out of date: its save is refused, not applied.
    await first.tap(views[0], "✓ A9")
    refreshed = await first.next_message()
    assert "✗ A5" in refreshed.labels and "✓ A9" in refreshed.labels
    async with db.read() as s:
        rows = list(await s.scalars(select(Attendance).where(Attendance.present.is_(False))))
        assert len(rows) == 1
        history = list(await s.scalars(select(RecordHistory)))
        assert [h.record_type for h in history] == ["attendance"]
        actions = list(await s.scalars(select(AuditEntry.action)))
        assert actions.count("attendance.correct") == 1


async def test_late_entry_cancelled_week_and_bad_dates(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    clock.set(WEDNESDAY)
    group = await make_group(db)
    person = await facilitator(tg, db, 904, group)

    panel = await open_meeting(person)
    await person.tap(panel, p("fr", "Did not take place"))
    menu = await person.next_message()
    await person.tap(menu, p("fr", "Cancelled"))
    reasons = await person.next_message()
    await person.tap(reasons, p("fr", "Weather"))
    after = await person.next_message()
    assert (
        p("fr", "Saved: cancelled. Next time the group does week {week}.").format(week=1)
        in after.plain
    )

    clock.set(WEDNESDAY + timedelta(days=9))  # a Friday: the phone was off all week
    panel = await open_meeting(person)
    await person.tap(panel, p("fr", "Held on another day"))
    dates = await person.next_message()
    await person.send("28/12")  # last December: more than 60 days ago
    refused = await person.next_message()
    assert p("fr", "That date is more than 60 days ago.") in refused.plain
    panel = await open_meeting(person)
    await person.tap(panel, p("fr", "Held on another day"))
    dates = await person.next_message()
    await person.send("not a date")
    assert (
        p("fr", "Please type the date as day/month, for example 3/11, or day/month/year.")
        in (await person.next_message()).plain
    )
    await person.send("2/12/2026")
    attendance = await person.next_message()
    assert translator("fr").date(date(2026, 12, 2)) in attendance.plain
    async with db.read() as s:
        records = list(await s.scalars(select(MeetingRecord).order_by(MeetingRecord.id)))
        assert [(r.week, r.status) for r in records] == [(1, "cancelled"), (1, "held")]
        assert records[1].held_on == date(2026, 12, 2)
    assert dates is not None


async def test_future_date_and_stale_or_forged_buttons_change_nothing(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    clock.set(WEDNESDAY)
    group = await make_group(db)
    other = await make_group(db, size=9)
    person = await facilitator(tg, db, 905, group)
    panel = await open_meeting(person)
    # Someone else's group, a week that is not current, a made-up date, junk.
    fr = translator("fr")
    not_found = fr.pgettext("error", "This record no longer exists or is not yours to see.")
    stale = fr.pgettext(
        "access", "This button is no longer valid. Send /help to see what you can do."
    )
    for forged, expected in [
        (f"st:{other.id}:1", not_found),
        (f"sa:{group.id}:1:2026133", stale),
        (f"sa:{group.id}:1:20261399", stale),
        ("as:99999:1:1:0", not_found),
        ("at:1:1:1:99999999:0", not_found),
        ("rf:1:0:9.9.9.9.9.9:s", not_found),
    ]:
        await person.tap_data(panel, forged)
        answer = await person.wait_for_callback_answer()
        assert answer.show_alert and answer.text == expected, forged
    async with db.read() as s:
        assert list(await s.scalars(select(MeetingRecord))) == []

    await person.tap_data(panel, f"sa:{group.id}:1:20261126")  # tomorrow
    refused = await person.next_message()
    assert p("fr", "That date is in the future.") in refused.plain
    async with db.read() as s:
        assert list(await s.scalars(select(MeetingRecord))) == []


async def test_corrections_close_after_seven_days(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    clock.set(WEDNESDAY)
    group = await make_group(db)
    person = await facilitator(tg, db, 906, group)
    panel = await open_meeting(person)
    await person.tap(panel, p("fr", "Held today"))
    screen = await person.next_message()
    await person.tap(screen, p("fr", "All present: save"))
    await person.next_message()
    clock.advance(timedelta(days=8))
    async with db.read() as s:
        record = await s.scalar(select(MeetingRecord))
        assert record is not None
    panel = await open_meeting(person)
    await person.tap(
        panel,
        p("fr", "Week {week}: held on {date}").format(
            week=1, date=translator("fr").date(date(2026, 11, 25))
        ),
    )
    summary = await person.next_message()
    await person.tap(summary, p("fr", "Correct attendance"))
    screen = await person.next_message()
    await person.tap(screen, "✓ A1")
    screen = await person.next_message()
    await person.tap(screen, p("fr", "Save: {absent} absent").format(absent=1))
    answer = await person.wait_for_callback_answer()
    assert answer.show_alert and answer.text == translator("fr").pgettext(
        "error",
        "Records can be corrected for {days} days after they are saved. For this one, tell "
        "your coordinator what needs correcting.",
    ).format(days=7)
    async with db.read() as s:
        assert list(await s.scalars(select(Attendance).where(Attendance.present.is_(False)))) == []


async def test_domain_refuses_a_week_recorded_twice(db: Database) -> None:
    clock.set(WEDNESDAY)
    group = await make_group(db)
    async with db.write() as s:
        stored = await s.get(Group, group.id)
        assert stored is not None
        first = await meetings.record_held(
            s, group=stored, held_on=date(2026, 11, 25), actor_id=None
        )
    async with db.write() as s:
        stored = await s.get(Group, group.id)
        assert stored is not None
        stored.current_week = 1  # as if a second facilitator's screen was still on week 1
        again = await meetings.record_held(
            s, group=stored, held_on=date(2026, 11, 25), actor_id=None
        )
        assert again.id == first.id


@pytest.mark.parametrize("lang", ["rn", "fr"])
async def test_a_second_session_held_on_the_same_day_is_refused_and_the_first_is_shown(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    clock.set(WEDNESDAY)
    group = await make_group(db)
    first = await facilitator(tg, db, 940, group, lang)
    second = await facilitator(tg, db, 941, group, lang)
    panel = await open_meeting(first)
    await first.tap(panel, p(lang, "Held today"))
    screen = await first.next_message()
    await first.tap(screen, p(lang, "All present: save"))
    await first.next_message()

    # The co-facilitator opens /session afterwards: the panel is on week 2 now, and "Held
    # today" again would have recorded week 2 on the same day.
    panel = await open_meeting(second)
    await second.tap(panel, p(lang, "Held today"))
    shown = await second.next_message()
    assert shown.plain.split("\n")[0] == p(
        lang,
        "A session is already recorded on that day (perhaps by your co-facilitator): here it "
        "is. A group meets once a day; to change this record, correct it.",
    )
    async with db.read() as s:
        held = list(
            await s.scalars(
                select(MeetingRecord).where(
                    MeetingRecord.group_id == group.id, MeetingRecord.status == "held"
                )
            )
        )
        stored = await s.get(Group, group.id)
    assert [(r.week, r.held_on) for r in held] == [(1, date(2026, 11, 25))]
    assert stored is not None and stored.current_week == 2


async def test_domain_refuses_a_second_held_session_on_one_day(db: Database) -> None:
    clock.set(WEDNESDAY)
    group = await make_group(db)
    async with db.write() as s:
        stored = await s.get(Group, group.id)
        assert stored is not None
        first = await meetings.record_held(
            s, group=stored, held_on=date(2026, 11, 25), actor_id=None
        )
    async with db.write() as s:
        stored = await s.get(Group, group.id)
        assert stored is not None and stored.current_week == 2
        with pytest.raises(meetings.AlreadyHeld) as refused:
            await meetings.record_held(s, group=stored, held_on=date(2026, 11, 25), actor_id=None)
        assert refused.value.record.id == first.id
        # Another day is a new week, as before.
        clock.set(WEDNESDAY + timedelta(days=1))
        later = await meetings.record_held(
            s, group=stored, held_on=date(2026, 11, 26), actor_id=None
        )
        assert later.week == 2
