"""The facilitator's week, end to end: corrections seen by the co-facilitator and the coordinator,
the self-help group's meeting reminder and guide, and the coordinator's group view (the
preparation checklist, replacing a facilitator who leaves)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.dates import get_day_names
from sqlalchemy import func, select

from locales import BABEL_LOCALES, translator
from models import groups, meetings, roster
from models.audit import AuditEntry
from models.clock import clock
from models.db import Database
from models.groups import Group, GroupMember, GroupStatus
from models.outbox import OutboxMessage
from models.sweep import run_sweep
from models.users import Invite, Role, get_user
from tests.support import factories
from tests.support.e2e import flush_outbox, join, register
from tests.support.tgserver import TelegramTestServer
from tests.support.tgserver.users import BotMessage, TestUser

# A Friday morning in Bujumbura; the group met on Wednesday.
NOW = datetime(2026, 11, 6, 7, 0, tzinfo=UTC)
GUIDES = Path(__file__).resolve().parents[2] / "content" / "guides"
LINK = re.compile(r"https://t\.me/sociotherapy_test_bot\?start=([A-Za-z0-9_-]+)")


def ui(lang: str, context: str, msgid: str) -> str:
    return translator(lang).pgettext(context, msgid)


async def tap(person: TestUser, message: BotMessage, label: str) -> BotMessage:
    await person.tap(message, label)
    edited = await person.next_message()
    assert edited.message_id == message.message_id, "edited in place"
    return edited


async def user_id(db: Database, telegram_id: int) -> int:
    async with db.read() as s:
        found = await get_user(s, telegram_id)
        assert found is not None
        return found.id


async def open_group_view(coordinator: TestUser, name: str) -> BotMessage:
    await coordinator.send("/groups")
    listed = await coordinator.next_message()
    return await tap(coordinator, listed, name)


@pytest.mark.parametrize("lang", ["rn", "fr"])
async def test_corrections_are_shown_to_the_co_facilitator_and_the_coordinator(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    clock.set(NOW)
    async with db.write() as s:
        group = await factories.group(s)
        await roster.add_codes(s, group=group, text="KB01, KB02, KB03, KB04", actor_id=None)
    first = await register(tg, db, 1201, Role.FACILITATOR, lang, group_id=group.id)
    await register(tg, db, 1202, Role.FACILITATOR, lang, group_id=group.id)
    coordinator = await register(tg, db, 1203, Role.COORDINATOR, lang)
    first_id, second_id = await user_id(db, 1201), await user_id(db, 1202)
    async with db.write() as s:
        stored = await s.get(Group, group.id)
        assert stored is not None
        record = await meetings.record_held(
            s, group=stored, held_on=date(2026, 11, 4), actor_id=first_id
        )
        codes = {p.code: p.id for p in await roster.active_participants(s, group.id)}
        await meetings.save_attendance(
            s,
            group=stored,
            record=record,
            absent={codes["KB04"]},
            version=record.version,
            roster_version=stored.roster_version,
            actor_id=first_id,
        )
        # The co-facilitator corrects it: KB04 came after all, KB02 and KB03 did not.
        await meetings.save_attendance(
            s,
            group=stored,
            record=record,
            absent={codes["KB02"], codes["KB03"]},
            version=record.version,
            roster_version=stored.roster_version,
            actor_id=second_id,
        )

    tr = translator(lang)
    what = ", ".join(
        [
            tr.pgettext("meeting", "attendance {before} → {after}").format(before=3, after=2),
            tr.pgettext("meeting", "{codes} marked present").format(codes="KB04"),
            tr.pgettext("meeting", "{codes} marked absent").format(codes="KB02, KB03"),
        ]
    )

    def line(who: str) -> str:
        return tr.pgettext("meeting", "Week {week}: corrected on {date} by {who}: {what}").format(
            week=1, date=tr.date(date(2026, 11, 6)), who=who, what=what
        )

    # The first facilitator sees who changed their record, as a role.
    await first.send("/session")
    panel = await first.next_message()
    held = tr.pgettext("meeting", "Week {week}: held on {date}").format(
        week=1, date=tr.date(date(2026, 11, 4))
    )
    summary = await tap(first, panel, held)
    assert line(tr.pgettext("meeting", "your co-facilitator")) in summary.plain

    # The coordinator sees it in the group's view; no name, no internal id.
    view = await open_group_view(coordinator, "Amahoro")
    assert line(tr.pgettext("meeting", "a facilitator")) in view.plain
    assert f"#{second_id}" not in view.plain and "Test" not in view.plain


@pytest.mark.parametrize("lang", ["rn", "fr"])
async def test_a_self_help_group_gets_its_reminder_and_its_guide(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    clock.set(NOW)
    async with db.write() as s:
        group = await factories.group(s)
        group.current_week = 16
        group.status = GroupStatus.SELF_HELP.value
        group.self_help_name = "Twese hamwe"
        group.self_help_weekday = 5  # Saturdays, at the sessions' 09:00
        group.self_help_since = date(2026, 11, 1)
    person = await register(tg, db, 1301, Role.FACILITATOR, lang, group_id=group.id)
    tr = translator(lang)

    # Saturday 7 November, 09:00 in Bujumbura (07:00 UTC): the reminder comes a day before.
    meeting = datetime(2026, 11, 7, 7, 0, tzinfo=UTC)
    clock.set(meeting - timedelta(hours=24, minutes=1))
    await run_sweep(db)
    clock.set(meeting - timedelta(hours=24))
    await run_sweep(db)
    await run_sweep(db)
    async with db.read() as s:
        kinds = list(await s.scalars(select(OutboxMessage.kind)))
    assert kinds.count("selfhelp_reminder") == 1
    assert "meeting_reminder" not in kinds
    await flush_outbox(bot, db)
    reminder = await person.wait_for(
        lambda m: tr.pgettext("reminder", "Reminder for tomorrow") in m.plain
    )
    assert reminder.plain.startswith(tr.pgettext("reminder", "Reminder for tomorrow"))
    said = tr.pgettext("reminder", "{group}: the group meets {day} at {time}.").format(
        group="Twese hamwe", day=tr.weekday_date(date(2026, 11, 7)), time="09:00"
    )
    assert said in reminder.plain

    # /session opens the panel of the self-help group, and from it the self-help guide.
    await person.send("/session")
    panel = await person.next_message()
    assert "Twese hamwe" in panel.plain
    guide = await tap(person, panel, tr.pgettext("meeting", "Open the self-help guide"))
    heading = next(
        line[3:].strip()
        for line in (GUIDES / lang / "self-help-group.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("## ")
    )
    assert heading in guide.plain

    # Its day and time can be changed: Sunday at 15:00; the reminder follows.
    await person.send("/session")
    panel = await person.next_message()
    days = await tap(person, panel, tr.pgettext("meeting", "Change the meeting day or time"))
    sunday = days.labels[6]
    times = await tap(person, days, sunday)
    saved = await tap(person, times, "15:00")
    note = "Saved: the group now meets every week on this day and at this time. The reminder "
    assert tr.pgettext("meeting", note + "comes the day before.") in saved.plain
    async with db.read() as s:
        stored = await s.get(Group, group.id)
        assert stored is not None
        assert (stored.self_help_weekday, stored.self_help_time) == (6, time(15, 0))
    # The reminder follows: the day before the new meeting, Sunday 8 November at 15:00.
    clock.set(datetime(2026, 11, 7, 13, 0, tzinfo=UTC))
    await run_sweep(db)
    async with db.read() as s:
        kinds = list(await s.scalars(select(OutboxMessage.kind)))
    assert kinds.count("selfhelp_reminder") == 2

    # The coordinator sees the meeting in the group's view and may change it too.
    coordinator = await register(tg, db, 1302, Role.COORDINATOR, lang)
    view = await open_group_view(coordinator, "Twese hamwe")
    meets = tr.pgettext(
        "coordinator", "Self-help group “{name}”: meets every week, {day} at {time}."
    )
    sunday_name = str(get_day_names("wide", locale=BABEL_LOCALES[lang])[6])
    assert meets.format(name="Twese hamwe", day=sunday_name, time="15:00") in view.plain
    days = await tap(
        coordinator, view, tr.pgettext("coordinator", "Change the meeting day or time")
    )
    times = await tap(coordinator, days, days.labels[0])
    moved = await tap(coordinator, times, "08:00")
    assert tr.pgettext("coordinator", "Saved: the self-help group's meeting day and time.") in (
        moved.plain
    )
    async with db.read() as s:
        stored = await s.get(Group, group.id)
        assert stored is not None
        assert (stored.self_help_weekday, stored.self_help_time) == (0, time(8, 0))
        audited = await s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "group.self_help_meeting")
        )
    assert audited == 2


@pytest.mark.parametrize("lang", ["fr", "rn"])
async def test_the_coordinator_sees_the_checklist_and_replaces_a_facilitator(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    clock.set(NOW)
    async with db.write() as s:
        group = await factories.group(s, start_date=date(2026, 11, 18))
        elsewhere = await factories.group(s, name="Kinyami", path="Ngozi/Ngozi/Kinyami")
        stranger = await factories.user(s, 1499, Role.FACILITATOR, group_id=elsewhere.id)
        foreign_member = await s.scalar(
            select(GroupMember.id).where(GroupMember.user_id == stranger.id)
        )
    leaving = await register(tg, db, 1401, Role.FACILITATOR, lang, group_id=group.id)
    await register(tg, db, 1402, Role.FACILITATOR, lang, group_id=group.id)
    coordinator = await register(tg, db, 1403, Role.COORDINATOR, lang)
    leaving_id = await user_id(db, 1401)
    async with db.write() as s:
        stored = await s.get(Group, group.id)
        assert stored is not None
        await groups.toggle_prep(s, group=stored, item="context", actor_id=leaving_id)
    tr = translator(lang)

    view = await open_group_view(coordinator, "Amahoro")
    ticked = tr.pgettext("coordinator", "ticked by a facilitator")
    assert f"✓ {tr.pgettext('meeting', 'Context analysis')} · {ticked}" in view.plain
    assert f"☐ {tr.pgettext('meeting', 'Community mapping')}" in view.plain
    first = tr.pgettext("coordinator", "Facilitator {number}").format(number=1)
    assert first in view.plain and "Test" not in view.plain

    # Replace facilitator 1: asked first, then done, with a new invitation to forward.
    label = tr.pgettext("coordinator", "Replace facilitator {number}").format(number=1)
    stale = view.button_data(label) or ""
    question = await tap(coordinator, view, label)
    async with db.read() as s:
        assert (
            await s.scalar(select(GroupMember.left_at).where(GroupMember.user_id == leaving_id))
            is None
        ), "asking changes nothing"
    yes = tr.pgettext("coordinator", "Yes, replace facilitator {number}").format(number=1)
    confirm = question.button_data(yes) or ""
    done = await tap(coordinator, question, yes)
    assert tr.pgettext("coordinator", "Facilitator {number}").format(number=2) not in done.plain
    invitation = await coordinator.next_message()
    codes = LINK.findall(invitation.plain)
    assert len(codes) == 1
    async with db.read() as s:
        actions = list(await s.scalars(select(AuditEntry.action)))
        assert actions.count("group.facilitator_removed") == 1
        coordinator_id = (await get_user(s, 1403)).id  # type: ignore[union-attr]
        invite = await s.scalar(
            select(Invite).where(Invite.group_id == group.id, Invite.created_by == coordinator_id)
        )
        assert invite is not None and invite.uses_left == 1
        assert await s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.action == "invite.create",
                AuditEntry.actor_id == coordinator_id,
                AuditEntry.record_id == invite.id,
            )
        )

    # The person who left keeps their account and sees no group.
    await leaving.send("/session")
    nothing = await leaving.next_message()
    assert "Amahoro" not in nothing.plain
    assert (
        ui(
            lang,
            "groups",
            "You do not lead a group yet. Ask your coordinator for a facilitator invitation.",
        )
        in nothing.plain
    )

    # The new facilitator joins with the link and leads the group.
    newcomer = await join(tg, 1404, codes[0], lang)
    await newcomer.send("/session")
    assert "Amahoro" in (await newcomer.next_message()).plain

    # Forged and stale buttons are refused with a sentence; nothing changes.
    not_found = ui(lang, "error", "This record no longer exists or is not yours to see.")
    for data in [confirm, stale, f"co:gy:{foreign_member}", f"co:gr:{foreign_member}"]:
        await coordinator.tap_data(invitation, data)
        answer = await coordinator.wait_for_callback_answer()
        assert answer.text == not_found, data
    async with db.read() as s:
        assert (
            await s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "group.facilitator_removed")
            )
            == 1
        )
        assert (
            await s.scalar(select(GroupMember.left_at).where(GroupMember.user_id == stranger.id))
            is None
        )
