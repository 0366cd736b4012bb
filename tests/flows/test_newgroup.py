"""/newgroup end to end, and the whole path of a new group: a coordinator creates it with taps,
two facilitators join with the links they are given, and build, correct and share the roster.

Interface strings are read through the translator, so these tests hold before and after the
catalogs carry the translations.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from babel.dates import get_day_names
from sqlalchemy import func, select

from conversations.runtime.callbacks import pack
from locales import translator
from models import roster
from models.areas import Area
from models.audit import AuditEntry
from models.clock import clock
from models.db import Database
from models.groups import Group, GroupMember
from models.roster import Participant
from models.users import Invite, Role, get_user
from tests.support import factories
from tests.support.e2e import eventually, join, register
from tests.support.tgserver import TelegramTestServer
from tests.support.tgserver.users import BotMessage, TestUser

LINK = re.compile(r"https://t\.me/sociotherapy_test_bot\?start=([A-Za-z0-9_-]+)")
# A Wednesday morning in Bujumbura.
NOW = datetime(2026, 10, 28, 7, 0, tzinfo=UTC)


def ui(lang: str, context: str, message: str) -> str:
    return translator(lang).pgettext(context, message)


def day_name(lang: str, weekday: int) -> str:
    name = str(get_day_names("wide", locale=lang)[weekday])
    return name[:1].upper() + name[1:]


async def tap(person: TestUser, message: BotMessage, label: str) -> BotMessage:
    """Taps a button by its label; returns the message as edited in place."""
    await person.tap(message, label)
    edited = await person.next_message()
    assert edited.message_id == message.message_id, "the same message is edited in place"
    return edited


async def setup_areas(db: Database) -> dict[str, int]:
    async with db.write() as s:
        kabuye = await factories.area_path(s, "Gitega/Giheta/Kabuye")
        await factories.area_path(s, "Gitega/Giheta/Mubuga")
        await factories.area_path(s, "Gitega/Bugendana/Mugitega")
        ngozi = await factories.area_path(s, "Ngozi/Ngozi/Kinyami")
        gitega = await s.scalar(select(Area).where(Area.name == "Gitega"))
        assert gitega is not None
        # Another group, elsewhere, with a participant: the target of forged buttons.
        other = await factories.group(s, name="Kinyami", path="Ngozi/Ngozi/Kinyami")
        await roster.add_codes(s, group=other, text="N1, N2", actor_id=None)
        return {
            "gitega": gitega.id,
            "kabuye": kabuye.id,
            "ngozi": ngozi.id,
            "other_group": other.id,
        }


async def create_group_by_taps(person: TestUser, lang: str) -> tuple[BotMessage, list[str]]:
    """The coordinator's path through /newgroup; returns the summary and the two invite codes."""
    await person.send("/newgroup")
    prompt = await person.next_message()
    assert ui(lang, "newgroup", "New group") in prompt.plain
    assert prompt.labels == [ui(lang, "newgroup", "Cancel")]

    await person.send("Kabuye  centre")
    places = await person.next_message()
    assert places.message_id != prompt.message_id, "typed text is answered with a new message"
    assert "Kabuye centre" in places.plain
    # A coordinator of Gitega starts at Gitega: its communes, not the provinces.
    assert set(places.labels) >= {"Giheta", "Bugendana"} and "Ngozi" not in places.labels
    collines = await tap(person, places, "Giheta")
    assert {"Kabuye", "Mubuga"} <= set(collines.labels)
    days = await tap(person, collines, "Kabuye")
    assert "Gitega / Giheta / Kabuye" in days.plain
    assert [label for label in days.labels if label in {day_name(lang, w) for w in range(7)}] == [
        day_name(lang, w) for w in range(7)
    ]
    times = await tap(person, days, day_name(lang, 2))
    assert "08:00" in times.labels and "16:00" in times.labels
    dates = await tap(person, times, "09:00")
    tr = translator(lang)
    offered = [date(2026, 11, 4), date(2026, 11, 11), date(2026, 11, 18), date(2026, 11, 25)]
    assert [tr.date(d) for d in offered] == dates.labels[:4]
    confirm = await tap(person, dates, tr.date(offered[0]))
    for value in ["Kabuye centre", "Gitega / Giheta / Kabuye", day_name(lang, 2), "09:00"]:
        assert value in confirm.plain
    assert tr.date(offered[0]) in confirm.plain

    await person.tap(confirm, ui(lang, "newgroup", "Create"))
    summary = await person.next_message()
    assert summary.message_id == confirm.message_id
    invites = [await person.next_message(), await person.next_message()]
    codes = []
    for message in invites:
        assert message.message_id != confirm.message_id
        found = LINK.findall(message.plain)
        assert len(found) == 1, message.plain
        # A forwarded invite must not unfold into a preview card (data, and a stranger's eyes).
        assert not message.link_preview
        codes.append(found[0])
    return summary, codes


@pytest.mark.parametrize("lang", ["fr", "rn"])
async def test_a_new_group_from_creation_to_a_shared_roster(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    clock.set(NOW)
    areas = await setup_areas(db)
    coordinator = await register(tg, db, 9001, Role.COORDINATOR, lang, area_id=areas["gitega"])

    await eventually(lambda: coordinator.commands is not None)
    assert "newgroup" in dict(coordinator.commands or [])

    # --- the coordinator creates the group with taps, plus its name
    summary, codes = await create_group_by_taps(coordinator, lang)
    async with db.read() as s:
        group = await s.scalar(select(Group).where(Group.name == "Kabuye centre"))
        assert group is not None
        assert (group.area_id, group.weekday, group.meet_time, group.start_date) == (
            areas["kabuye"],
            2,
            time(9, 0),
            date(2026, 11, 4),
        )
        assert group.timezone == "Africa/Bujumbura"
        invites = list(await s.scalars(select(Invite).where(Invite.group_id == group.id)))
        assert [(i.role, i.uses_left) for i in invites] == [("facilitator", 1)] * 2
        actions = list(await s.scalars(select(AuditEntry.action)))
        assert actions.count("group.create") == 2  # this one and the other area's
        me = await get_user(s, 9001)
        assert me is not None
        created_by = set(
            await s.scalars(select(Invite.created_by).where(Invite.group_id == group.id))
        )
        assert created_by == {me.id}
    created = ui(lang, "newgroup", "Group created (no. {id}).").format(id=group.id)
    assert created in summary.plain
    assert summary.labels == []

    # A second tap on Create (a double tap, or a retry) creates nothing more.
    await coordinator.tap_data(summary, pack("ny", areas["kabuye"], 2, "0900", "20261104"))
    answer = await coordinator.wait_for_callback_answer()
    assert answer.text == ui(
        lang, "newgroup", "This draft has ended. Send /newgroup to start again."
    )
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(Group)) == 2

    # --- the two facilitators join with the links they were forwarded
    first = await join(tg, 9101, codes[0], lang)
    second = await join(tg, 9102, codes[1], lang)
    async with db.read() as s:
        members = set(
            await s.scalars(select(GroupMember.user_id).where(GroupMember.group_id == group.id))
        )
        assert len(members) == 2

    await eventually(lambda: first.commands is not None)
    menu = dict(first.commands or [])
    assert "roster" in menu and "newgroup" not in menu
    assert menu["roster"] == ui(lang, "menu", "Your group's participant codes")

    # --- one builds a 12-person roster in one message
    await first.send("/roster")
    view = await first.next_message()
    assert "0/15" in view.plain
    assert (
        ui(lang, "roster", "Codes only, no names: the code-to-name key stays on paper with you.")
        in view.plain
    )
    prompt = await tap(first, view, ui(lang, "roster", "Add codes"))
    await first.send("A1, A2, A3, A4, A5\nA6\nA7, A8, A9\nA10\nA11, A12")
    built = await first.next_message()
    assert built.message_id != prompt.message_id
    assert "12/15" in built.plain
    codes_shown = [f"A{n}" for n in range(1, 13)]
    for number, code in enumerate(codes_shown, start=1):
        assert f"{number}. {code}\n" in built.plain + "\n"
    assert ui(lang, "roster", "Groups usually have 8 to 15 people.") not in built.plain
    async with db.read() as s:
        active = await roster.active_participants(s, group.id)
        assert [p.code for p in active] == codes_shown
        version = (await s.get(Group, group.id)).roster_version  # type: ignore[union-attr]

    # --- a bad batch: a name, a 20-character code, a duplicate, and one more than 15
    prompt = await tap(first, built, ui(lang, "roster", "Add codes"))
    before = len(first.user_messages)
    await first.send("Jean Bosco, ABCDEFGHIJKLMNOPQRST, a3, B1, B2, B3, B4")
    answer_message = await first.next_message()
    text = answer_message.plain
    assert "15/15" in text
    for reason in [
        "contains a space: is it a name? Use a code",
        "too long (at most 12 characters)",
        "already on this roster",
        "the roster is full (at most 15 people)",
    ]:
        assert ui(lang, "roster", reason) in text
    assert "Jean Bosco" not in text, "a probable name is not repeated"
    removed = "Your message was removed from this chat because it seemed to contain a name."
    assert ui(lang, "roster", removed) in text
    # The message with a name is removed from the chat (after the answer is sent).
    await eventually(lambda: first.user_messages[before].deleted)
    async with db.read() as s:
        codes_now = [p.code for p in await roster.active_participants(s, group.id)]
        assert codes_now == [*codes_shown, "B1", "B2", "B3"]
        assert (
            await s.scalar(
                select(func.count())
                .select_from(Participant)
                .where(Participant.group_id == group.id)
            )
            == 15
        )
        assert (await s.get(Group, group.id)).roster_version == version + 1  # type: ignore[union-attr]
    assert ui(lang, "roster", "Add codes") not in " ".join(answer_message.labels), (
        "full: no more adding"
    )

    # --- rename: a refused name first, then a code
    person_view = await tap(first, answer_message, "A1")
    rename_prompt = await tap(first, person_view, ui(lang, "roster", "Rename"))
    await first.send("Marie Claire")
    refused = await first.next_message()
    assert ui(lang, "roster", "contains a space: is it a name? Use a code") in refused.plain
    assert ui(lang, "roster", removed) in refused.plain
    await eventually(lambda: first.user_messages[-1].deleted)
    await first.send("Z1")
    renamed = await first.next_message()
    assert rename_prompt.message_id != renamed.message_id
    assert "1. Z1" in renamed.plain and "A1\n" not in renamed.plain

    # --- mark as left: confirmed first; the record stays
    person_view = await tap(first, renamed, "A2")
    question = await tap(first, person_view, ui(lang, "roster", "Mark as left"))
    async with db.read() as s:
        assert await roster.count_active(s, group.id) == 15, "asking changes nothing"
    after = await tap(first, question, ui(lang, "roster", "Yes, mark as left"))
    assert "14/15" in after.plain
    async with db.read() as s:
        a2 = await s.scalar(
            select(Participant).where(Participant.group_id == group.id, Participant.code == "A2")
        )
        assert a2 is not None and a2.left_at is not None
    left = await tap(first, after, ui(lang, "roster", "Left the group: {count}").format(count=1))
    assert "A2" in left.plain

    # --- the second facilitator sees the same roster
    await second.send("/roster")
    shared = await second.next_message()
    expected = ["Z1", *[f"A{n}" for n in range(3, 13)], "B1", "B2", "B3"]
    assert [label for label in shared.labels if label in expected] == expected
    assert "14/15" in shared.plain

    # --- forged buttons for another group's participant change nothing
    async with db.read() as s:
        other = await roster.active_participants(s, areas["other_group"])
        other_version = (await s.get(Group, areas["other_group"])).roster_version  # type: ignore[union-attr]
        own_version = (await s.get(Group, group.id)).roster_version  # type: ignore[union-attr]
    not_found = ui(lang, "error", "This record no longer exists or is not yours to see.")
    for forged in [
        pack("rx", areas["other_group"], other[0].id, "ly"),
        pack("rx", group.id, other[0].id, "ly"),
        pack("rp", group.id, other[0].id),
        pack("ro", areas["other_group"]),
        pack("ra", areas["other_group"]),
    ]:
        await first.tap_data(shared, forged)
        answer = await first.wait_for_callback_answer()
        assert answer.text == not_found[:200] and answer.show_alert, forged
    async with db.read() as s:
        assert await roster.count_active(s, areas["other_group"]) == 2
        assert (await s.get(Group, areas["other_group"])).roster_version == other_version  # type: ignore[union-attr]
        assert (await s.get(Group, group.id)).roster_version == own_version  # type: ignore[union-attr]

    # --- a coordinator of another area cannot open this group's roster
    outsider = await register(tg, db, 9201, Role.COORDINATOR, lang, area_id=areas["ngozi"])
    await outsider.send("/roster")
    theirs = await outsider.next_message()
    assert "Kinyami" in theirs.plain and "Z1" not in theirs.plain
    await outsider.tap_data(theirs, pack("ro", group.id))
    answer = await outsider.wait_for_callback_answer()
    assert answer.text == not_found[:200]
    await outsider.tap_data(theirs, pack("rx", group.id, a2.id, "f"))
    answer = await outsider.wait_for_callback_answer()
    assert answer.text == not_found[:200]

    # --- a trainee: not part of their role
    trainee = await register(tg, db, 9301, Role.TRAINEE, lang)
    role_text = ui(
        lang, "access", "This is not part of your role. Send /help to see what you can do."
    )
    for command in ["/roster", "/newgroup"]:
        await trainee.send(command)
        assert (await trainee.next_message()).plain == role_text
    await trainee.tap_data(trainee.messages[-1], pack("ro", group.id))
    assert (await trainee.next_message()).plain == role_text
    async with db.read() as s:
        assert await roster.count_active(s, group.id) == 14


async def test_typed_time_back_and_cancel(tg: TelegramTestServer, bot: Any, db: Database) -> None:
    clock.set(NOW)
    areas = await setup_areas(db)
    admin = await register(tg, db, 9002, Role.ADMIN, "fr")
    await admin.send("/newgroup")
    await admin.next_message()
    await admin.send("x" * 81)
    too_long = await admin.next_message()
    assert "81" in too_long.plain
    await admin.send("Nyabiho")
    places = await admin.next_message()
    # An admin starts at the provinces.
    assert {"Gitega", "Ngozi"} <= set(places.labels)
    communes = await tap(admin, places, "Gitega")
    back = await tap(admin, communes, ui("fr", "newgroup", "Back"))
    assert {"Gitega", "Ngozi"} <= set(back.labels)
    communes = await tap(admin, back, "Gitega")
    collines = await tap(admin, communes, "Giheta")
    days = await tap(admin, collines, "Kabuye")
    times = await tap(admin, days, day_name("fr", 4))
    await admin.send("25:00")
    wrong = await admin.next_message()
    assert wrong.plain == ui(
        "fr", "newgroup", "Please type a time such as 14:30, or tap one of the times above."
    )
    await admin.send("14h30")
    dates = await admin.next_message()
    assert dates.message_id != times.message_id
    assert "14:30" in dates.plain
    # Typed text is no longer a time once the time is chosen.
    await admin.send("15:00")
    stray = await admin.next_message()
    assert "14:30" not in stray.plain
    cancelled = await tap(admin, dates, ui("fr", "newgroup", "Cancel"))
    assert cancelled.plain == ui("fr", "newgroup", "Cancelled. No group was created.")
    assert cancelled.labels == []
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(Group)) == 1
    # The old buttons of a cancelled draft answer clearly and create nothing.
    await admin.tap_data(cancelled, pack("ny", areas["kabuye"], 4, "1430", "20261030"))
    answer = await admin.wait_for_callback_answer()
    assert answer.text == ui(
        "fr", "newgroup", "This draft has ended. Send /newgroup to start again."
    )
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(Group)) == 1


async def test_forged_places_and_dates_are_refused(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    clock.set(NOW)
    areas = await setup_areas(db)
    coordinator = await register(tg, db, 9003, Role.COORDINATOR, "fr", area_id=areas["gitega"])
    await coordinator.send("/newgroup")
    await coordinator.next_message()
    await coordinator.send("Mubuga")
    places = await coordinator.next_message()
    not_found = ui("fr", "error", "This record no longer exists or is not yours to see.")
    stale = ui("fr", "access", "This button is no longer valid. Send /help to see what you can do.")
    cases = {
        pack("na", areas["ngozi"]): not_found,  # another province's colline
        pack("nd", areas["ngozi"]): not_found,
        pack("nd", areas["gitega"]): stale,  # not a colline
        pack("nt", areas["kabuye"], 7): stale,  # no eighth weekday
        pack("ns", areas["kabuye"], 2, "2500"): stale,
        pack("nk", areas["kabuye"], 2, "0900", "20261105"): stale,  # a Thursday
        pack("ny", areas["ngozi"], 2, "0900", "20261104"): not_found,
    }
    for data, expected in cases.items():
        await coordinator.tap_data(places, data)
        answer = await coordinator.wait_for_callback_answer()
        assert answer.text == expected[:200], data
    # A date that has passed by the time Create is tapped is asked again.
    await coordinator.tap_data(places, pack("ny", areas["kabuye"], 2, "0900", "20261028"))
    again = await coordinator.next_message()
    assert ui("fr", "newgroup", "That date has passed. Please choose another.") in again.plain
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(Group)) == 1
