"""Rosters: the domain rules for codes, and /roster end to end for what the group story in
test_newgroup.py does not cover (details, typing mistakes, several groups, old buttons)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from conversations.runtime.callbacks import pack
from locales import translator
from models import roster
from models.audit import AuditEntry
from models.db import Database
from models.errors import InvalidInput
from models.groups import Group, add_member
from models.roster import Gender, Origin, Participant
from models.users import Role, get_user
from tests.support import factories
from tests.support.e2e import eventually, register
from tests.support.tgserver import TelegramTestServer
from tests.support.tgserver.users import BotMessage, TestUser


def ui(lang: str, message: str, context: str = "roster") -> str:
    return translator(lang).pgettext(context, message)


# --- domain ------------------------------------------------------------------------------------


async def test_codes_are_split_checked_and_counted(db: Database) -> None:
    async with db.write() as s:
        group = await factories.group(s)
        result = await roster.add_codes(
            s,
            group=group,
            text="K1, K2;K3\n\n k4 ,K1, k2\nMarie Nshimirimana\nABCDEFGHIJKLM\nA#1\nÉ1",
            actor_id=None,
        )
        assert result.added == ["K1", "K2", "K3", "k4"]
        assert result.rejected == [
            ("K1", "duplicate"),
            ("k2", "duplicate"),  # case does not make a new code
            ("Marie Nshimirimana", "has_space"),  # a name, however long
            ("ABCDEFGHIJKLM", "too_long"),
            ("A#1", "bad_characters"),
            ("É1", "bad_characters"),
        ]
        assert group.roster_version == 2
        full = await roster.add_codes(
            s, group=group, text=",".join(f"F{n}" for n in range(20)), actor_id=None
        )
        assert len(full.added) == roster.MAX_PARTICIPANTS - 4
        assert {reason for _, reason in full.rejected} == {"roster_full"}
        assert await roster.count_active(s, group.id) == roster.MAX_PARTICIPANTS
        version = group.roster_version
        nothing = await roster.add_codes(s, group=group, text="Z9", actor_id=None)
        assert nothing.added == [] and group.roster_version == version
        actions = list(await s.scalars(select(AuditEntry.action)))
        assert actions.count("roster.add") == 2


async def test_leaving_keeps_the_record_and_the_same_code_brings_them_back(db: Database) -> None:
    async with db.write() as s:
        group = await factories.group(s)
        await roster.add_codes(s, group=group, text="K1, K2", actor_id=None)
        k1, k2 = await roster.active_participants(s, group.id)
        await roster.mark_left(s, group=group, participant=k1, actor_id=None)
        assert [p.code for p in await roster.active_participants(s, group.id)] == ["K2"]
        assert [p.code for p in await roster.left_participants(s, group.id)] == ["K1"]
        assert await s.get(Participant, k1.id) is not None
        # The code stays taken while they are away, so a rename cannot reuse it.
        with pytest.raises(InvalidInput) as refused:
            await roster.rename(s, group=group, participant=k2, code="k1", actor_id=None)
        assert refused.value.code == "code_duplicate"
        back = await roster.add_codes(s, group=group, text="K1", actor_id=None)
        assert back.added == ["K1"] and k1.left_at is None
        assert await roster.left_participants(s, group.id) == []


@pytest.mark.parametrize(
    ("code", "problem"),
    [("", "code_empty"), ("Jean Paul", "code_has_space"), ("X" * 13, "code_too_long")],
)
async def test_rename_is_checked_like_adding(db: Database, code: str, problem: str) -> None:
    async with db.write() as s:
        group = await factories.group(s)
        await roster.add_codes(s, group=group, text="K1", actor_id=None)
        (k1,) = await roster.active_participants(s, group.id)
        with pytest.raises(InvalidInput) as refused:
            await roster.rename(s, group=group, participant=k1, code=code, actor_id=None)
        assert refused.value.code == problem
        assert k1.code == "K1"


async def test_details_toggle(db: Database) -> None:
    async with db.write() as s:
        group = await factories.group(s)
        await roster.add_codes(s, group=group, text="K1", actor_id=None)
        (k1,) = await roster.active_participants(s, group.id)
        await roster.set_details(s, participant=k1, gender=Gender.FEMALE, actor_id=None)
        await roster.set_details(s, participant=k1, origin=Origin.RETURNEE, actor_id=None)
        assert (k1.gender, k1.origin) == ("f", "returnee")
        await roster.set_details(s, participant=k1, gender=Gender.FEMALE, actor_id=None)
        await roster.set_details(s, participant=k1, origin=Origin.RESIDENT, actor_id=None)
        assert (k1.gender, k1.origin) == (None, "resident")


# --- end to end ----------------------------------------------------------------------------------


async def tap(person: TestUser, message: BotMessage, label: str) -> BotMessage:
    await person.tap(message, label)
    edited = await person.next_message()
    assert edited.message_id == message.message_id, "the same message is edited in place"
    return edited


async def facilitator_with_group(
    tg: TelegramTestServer, db: Database, user_id: int, lang: str, codes: str = ""
) -> tuple[TestUser, int]:
    async with db.write() as s:
        group = await factories.group(s)
        if codes:
            await roster.add_codes(s, group=group, text=codes, actor_id=None)
        group_id = group.id
    person = await register(tg, db, user_id, Role.FACILITATOR, lang, group_id=group_id)
    return person, group_id


@pytest.mark.parametrize("lang", ["fr", "rn"])
async def test_gender_and_origin_show_a_check_mark_and_clear_on_a_second_tap(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    person, _ = await facilitator_with_group(tg, db, 8001, lang, "K1, K2")
    await person.send("/roster")
    view = await person.next_message()
    screen = await tap(person, view, "K1")
    female, male = ui(lang, "Female"), ui(lang, "Male")
    returnee = ui(lang, "Returnee")
    assert female in screen.labels and f"✓ {female}" not in screen.labels
    screen = await tap(person, screen, female)
    assert f"✓ {female}" in screen.labels and male in screen.labels
    assert female in screen.plain
    screen = await tap(person, screen, returnee)
    assert f"✓ {returnee}" in screen.labels
    screen = await tap(person, screen, f"✓ {female}")
    assert female in screen.labels and f"✓ {female}" not in screen.labels
    async with db.read() as s:
        k1 = await s.scalar(select(Participant).where(Participant.code == "K1"))
        assert k1 is not None and (k1.gender, k1.origin) == (None, "returnee")
    back = await tap(person, screen, ui(lang, "Back"))
    assert "2/15" in back.plain


async def test_typing_mistakes_lose_nothing(tg: TelegramTestServer, bot: Any, db: Database) -> None:
    person, group_id = await facilitator_with_group(tg, db, 8002, "fr")
    await person.send("/roster")
    view = await person.next_message()
    assert ui("fr", "No codes yet: tap Add codes.") in view.plain
    await tap(person, view, ui("fr", "Add codes"))

    await person.send(" , ;")
    empty = await person.next_message()
    assert ui("fr", "No codes found in that message.") in empty.plain
    await person.send("K" * 4096)
    huge = await person.next_message()
    assert ui("fr", "That message is too long.") in huge.plain
    # Still waiting for the codes.
    await person.send("K1, K2, K3")
    added = await person.next_message()
    assert "3/15" in added.plain
    assert ui("fr", "Groups usually have 8 to 15 people.") in added.plain
    async with db.read() as s:
        assert [p.code for p in await roster.active_participants(s, group_id)] == [
            "K1",
            "K2",
            "K3",
        ]

    # Done: more text is not taken as codes.
    await person.send("K4")
    stray = await person.next_message()
    assert stray.plain == ui(
        "fr",
        "I was not waiting for a message. Use the buttons, or send /help to see what you can do.",
        "fallback",
    )
    # Back abandons adding; /cancel too.
    prompt = await tap(person, added, ui("fr", "Add codes"))
    view = await tap(person, prompt, ui("fr", "Back"))
    await person.send("K5")
    await person.next_message()
    await tap(person, view, ui("fr", "Add codes"))
    await person.send("/cancel")
    await person.next_message()
    await person.send("K6")
    await person.next_message()
    async with db.read() as s:
        assert await roster.count_active(s, group_id) == 3


async def test_rename_mistakes_and_an_old_button_of_someone_who_left(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    person, group_id = await facilitator_with_group(tg, db, 8003, "fr", "K1, K2, K3")
    await person.send("/roster")
    view = await person.next_message()
    screen = await tap(person, view, "K1")
    await tap(person, screen, ui("fr", "Rename"))
    for wrong, reason in [
        ("K2", "already on this roster"),
        ("K" * 13, "too long (at most 12 characters)"),
        ("K@1", "only letters, digits and - . _ are allowed"),
    ]:
        await person.send(wrong)
        answer = await person.next_message()
        assert ui("fr", reason) in answer.plain, wrong
    await person.send("Q1")
    renamed = await person.next_message()
    assert ui("fr", "{old} is now {new}.").format(old="K1", new="Q1") in renamed.plain

    # Three roster messages show K2; on the second, the question is open.
    first = renamed
    await person.send("/roster")
    second = await person.next_message()
    await person.send("/roster")
    third = await person.next_message()
    screen = await tap(person, second, "K2")
    stale_question = await tap(person, screen, ui("fr", "Mark as left"))
    # K2 is marked as left from the first one.
    screen = await tap(person, first, "K2")
    question = await tap(person, screen, ui("fr", "Mark as left"))
    done = await tap(person, question, ui("fr", "Yes, mark as left"))
    assert "2/15" in done.plain and "K2" not in done.labels
    async with db.read() as s:
        group = await s.get(Group, group_id)
        assert group is not None
        version = group.roster_version
        k2 = await s.scalar(select(Participant).where(Participant.code == "K2"))
        assert k2 is not None and k2.left_at is not None
    # The open question's "Yes" changes nothing more; K2's button on the third says K2 left.
    has_left = ui("fr", "{code} has left the group.").format(code="K2")
    for message, label in [(stale_question, ui("fr", "Yes, mark as left")), (third, "K2")]:
        again = await tap(person, message, label)
        answer = await person.wait_for_callback_answer()
        assert answer.text == ui(
            "fr", "This person has left the group. Here is the current roster."
        )
        assert has_left in again.plain and "K2" not in again.labels and "2/15" in again.plain
    async with db.read() as s:
        group = await s.get(Group, group_id)
        assert group is not None and group.roster_version == version

    # Adding the same code again brings K2 back.
    await tap(person, third, ui("fr", "Add codes"))
    await person.send("K2")
    back = await person.next_message()
    assert "3/15" in back.plain and "K2" in back.labels


async def test_several_groups_are_chosen_first_and_admins_see_every_group(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    async with db.write() as s:
        first = await factories.group(s, name="Amahoro")
        second = await factories.group(s, name="Ubumwe", path="Ngozi/Ngozi/Kinyami")
        await roster.add_codes(s, group=second, text="U1", actor_id=None)
        first_id, second_id = first.id, second.id
    person = await register(tg, db, 8004, Role.FACILITATOR, "fr", group_id=first_id)
    async with db.write() as s:
        me = await get_user(s, 8004)
        assert me is not None
        await add_member(s, user_id=me.id, group_id=second_id)
    await person.send("/roster")
    chooser = await person.next_message()
    assert chooser.labels == ["Amahoro", "Ubumwe"]
    view = await tap(person, chooser, "Ubumwe")
    assert "Ubumwe" in view.plain and "U1" in view.labels

    admin = await register(tg, db, 8005, Role.ADMIN, "fr")
    await admin.send("/roster")
    chooser = await admin.next_message()
    assert chooser.labels == ["Amahoro", "Ubumwe"]
    view = await tap(admin, chooser, "Ubumwe")
    await tap(admin, view, ui("fr", "Add codes"))
    await admin.send("U2")
    assert "2/15" in (await admin.next_message()).plain

    # A coordinator of Gitega opens Amahoro's roster, not Ubumwe's.
    coordinator = await register(tg, db, 8006, Role.COORDINATOR, "fr")
    await coordinator.send("/roster")
    view = await coordinator.next_message()
    assert "Amahoro" in view.plain
    await coordinator.tap_data(view, pack("ro", second_id))
    answer = await coordinator.wait_for_callback_answer()
    assert answer.text == ui("fr", "This record no longer exists or is not yours to see.", "error")


async def test_a_full_roster_offers_no_more_adding(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    codes = ", ".join(f"K{n}" for n in range(1, 16))
    person, group_id = await facilitator_with_group(tg, db, 8007, "fr", codes)
    await person.send("/roster")
    view = await person.next_message()
    assert "15/15" in view.plain
    assert not any(ui("fr", "Add codes") in label for label in view.labels)
    await person.tap_data(view, pack("ra", group_id))
    answer = await person.wait_for_callback_answer()
    assert answer.text == ui("fr", "The roster is full: at most 15 people.")
    await person.send("K16")
    await eventually(lambda: person.pending_events > 0)
    stray = await person.next_message()
    assert "15/15" not in stray.plain
    async with db.read() as s:
        assert await roster.count_active(s, group_id) == 15
