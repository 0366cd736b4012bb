"""Consent per participant code in /roster, end to end: given today for two codes, withdrawn for
a third after a confirmation that says what happens; the roster counts and marks them, the
withdrawn code is gone from every roster screen, and the meeting's figures do not move."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from locales import translator
from models import meetings, roster
from models.audit import AuditEntry
from models.clock import clock
from models.db import Database
from models.reports.export import export_tables
from models.reports.period import Period
from models.roster import Participant
from models.scope import Scope
from models.users import Role
from tests.support import factories
from tests.support.e2e import register
from tests.support.tgserver import TelegramTestServer
from tests.support.tgserver.users import BotMessage, TestUser

# 10:00 in Bujumbura on Wednesday 3 March 2027, the group's meeting day.
NOW = datetime(2027, 3, 3, 8, tzinfo=UTC)
TODAY = date(2027, 3, 3)
MARK = "○"


def ui(lang: str, message: str, context: str = "roster") -> str:
    return translator(lang).pgettext(context, message)


async def tap(person: TestUser, message: BotMessage, label: str) -> BotMessage:
    await person.tap(message, label)
    edited = await person.next_message()
    assert edited.message_id == message.message_id, "the same message is edited in place"
    return edited


def lines(message: BotMessage) -> list[str]:
    return [line.strip() for line in message.plain.splitlines()]


def counted(lang: str, given: int, total: int) -> str:
    return ui(lang, "Consent recorded: {given} of {total}").format(given=given, total=total)


ADMIN = Scope(user_id=0, role=Role.ADMIN, area_path=None)


async def figures(db: Database) -> tuple[list[Any], set[str]]:
    """The export's meeting rows (present and absent counts) and the codes its register names."""
    everything = Period(date(2020, 1, 1), date(2030, 12, 31))
    async with db.read() as s:
        tables = {t.name: t for t in await export_tables(s, ADMIN, everything)}
    codes = tables["register"].column_names.index("participant")
    return tables["meetings"].rows, {row[codes] for row in tables["register"].rows}


@pytest.mark.parametrize("lang", ["rn", "fr"])
async def test_consent_given_for_two_codes_and_withdrawn_for_a_third(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    clock.set(NOW)
    async with db.write() as s:
        group = await factories.group(s, weekday=2, start_date=date(2027, 1, 6))
        await roster.add_codes(s, group=group, text="K1, K2, K3, K4", actor_id=None)
        *_, k3, k4 = await roster.active_participants(s, group.id)
        record = await meetings.record_held(s, group=group, held_on=TODAY, actor_id=None)
        await meetings.save_attendance(
            s,
            group=group,
            record=record,
            absent={k4.id},
            version=record.version,
            roster_version=group.roster_version,
            actor_id=None,
        )
        group_id, k3_id = group.id, k3.id
    meetings_before, codes_before = await figures(db)
    assert meetings_before[0][-2:] == (3, 1) and "K3" in codes_before
    person = await register(tg, db, 8201, Role.FACILITATOR, lang, group_id=group_id)

    await person.send("/roster")
    view = await person.next_message()
    assert counted(lang, 0, 4) in view.plain
    assert {f"{MARK} {n}. K{n}" for n in range(1, 5)} <= set(lines(view))
    assert ui(lang, "{mark} consent not recorded yet").format(mark=MARK) in view.plain

    # K1 and K2: consent given today; each tap goes back to the roster, counted and unmarked.
    for done, code in enumerate(("K1", "K2"), 1):
        screen = await tap(person, view, code)
        assert ui(lang, "Consent: not recorded") in screen.plain
        view = await tap(person, screen, ui(lang, "Consent given today"))
        assert counted(lang, done, 4) in view.plain
        assert ui(lang, "{code}: consent given today.").format(code=code) in view.plain
        assert f"{done}. {code}" in lines(view)
    screen = await tap(person, view, "K1")
    given_on = translator(lang).date(TODAY)
    assert ui(lang, "Consent: given on {date}").format(date=given_on) in screen.plain
    assert ui(lang, "Consent given today") not in screen.labels
    assert ui(lang, "Consent withdrawn") in screen.labels
    view = await tap(person, screen, "‹ " + ui(lang, "Back"))

    # An older roster message still shows K3.
    await person.send("/roster")
    older = await person.next_message()
    await person.send("/roster")
    view = await person.next_message()
    # K3: the withdrawal is confirmed on a second screen that says what happens.
    screen = await tap(person, view, "K3")
    question = await tap(person, screen, ui(lang, "Consent withdrawn"))
    assert ui(lang, "Record that {code} withdrew consent?").format(code="K3") in question.plain
    warning = ui(
        lang,
        "The code {code} will be removed. Past attendance stays only as an anonymous count. "
        "This cannot be undone.",
    ).format(code="K3")
    assert warning in question.plain
    # Back changes nothing.
    screen = await tap(person, question, "‹ " + ui(lang, "Back"))
    question = await tap(person, screen, ui(lang, "Consent withdrawn"))
    view = await tap(person, question, ui(lang, "Yes, consent withdrawn"))
    removed = ui(
        lang,
        "Consent withdrawn: the code was removed. Past attendance stays only as an anonymous "
        "count.",
    )
    assert removed in view.plain
    assert "3/15" in view.plain and counted(lang, 2, 3) in view.plain
    assert {"1. K1", "2. K2", f"{MARK} 3. K4"} <= set(lines(view))

    # K3 is nowhere in the roster: not in the list, not on a button, not among those who left.
    async def nowhere(message: BotMessage) -> None:
        assert "K3" not in message.plain and "K3" not in message.labels
        assert not any(
            ui(lang, "Left the group: {count}").split(":")[0] in label for label in message.labels
        )

    await nowhere(view)
    # K3's button on the older message answers that the person left, with the current roster.
    again = await tap(person, older, "K3")
    answer = await person.wait_for_callback_answer()
    assert answer.text == ui(lang, "This person has left the group. Here is the current roster.")
    assert removed in again.plain
    await nowhere(again)
    await person.send("/roster")
    await nowhere(await person.next_message())

    async with db.read() as s:
        row = await s.get(Participant, k3_id)
        assert row is not None and row.code != "K3" and not row.active
        assert row.consent_withdrawn_on == TODAY
        given = await s.scalars(
            select(Participant.code).where(Participant.consent_given_on == TODAY)
        )
        assert set(given) == {"K1", "K2"}
        audited = list(
            await s.scalars(
                select(AuditEntry.action).where(AuditEntry.action.like("participant.consent.%"))
            )
        )
        assert sorted(audited) == [
            "participant.consent.given",
            "participant.consent.given",
            "participant.consent.withdrawn",
        ]
    # The meeting's figures are the same; the export no longer names K3.
    meetings_after, codes_after = await figures(db)
    assert meetings_after == meetings_before
    assert codes_after == codes_before - {"K3"} | {f"~{k3_id}"}


@pytest.mark.parametrize("lang", ["rn", "fr"])
async def test_consent_is_recorded_at_recruitment_before_the_group_starts(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    clock.set(NOW)
    async with db.write() as s:
        group = await factories.group(s, start_date=date(2027, 3, 10))
        await roster.add_codes(s, group=group, text="K1", actor_id=None)
        group_id = group.id
    person = await register(tg, db, 8202, Role.FACILITATOR, lang, group_id=group_id)
    await person.send("/roster")
    view = await person.next_message()
    screen = await tap(person, view, "K1")
    await person.tap(screen, ui(lang, "Consent given today"))
    roster_again = await person.next_message()
    assert ui(lang, "Consent recorded: {given} of {total}").format(given=1, total=1) in (
        roster_again.plain
    )
    async with db.read() as s:
        k1 = await s.scalar(select(Participant).where(Participant.group_id == group_id))
        assert k1 is not None and k1.consent_given_on == NOW.date()
