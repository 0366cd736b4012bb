"""Recording an agreement end to end: the facilitator's steps, the coordinators' alerts,
acknowledging and documenting, the follow-ups, violence refused with referral guidance, and
bad input along the way."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from sqlalchemy import func, select

from content.guides import default_library
from locales import translator
from models import roster
from models.agreements import Agreement, AgreementDraft, FollowUp, Status
from models.audit import AuditEntry
from models.clock import clock
from models.db import Database
from models.groups import Group
from models.sweep import run_sweep
from models.users import Role
from tests.support import factories
from tests.support.e2e import eventually, flush_outbox, register
from tests.support.tgserver import TelegramTestServer

# Wednesday 25 November 2026, 14:00 in Bujumbura; the group meets on Wednesdays at 09:00.
WEDNESDAY = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SUMMARY = "A1 lets A3 farm the lower field until the harvest; A3 repairs the fence."


def a(lang: str, msgid: str) -> str:
    return translator(lang).pgettext("agreement", msgid)


def c(lang: str, msgid: str) -> str:
    return translator(lang).pgettext("coordinator", msgid)


async def make_group(db: Database) -> Group:
    async with db.write() as s:
        group = await factories.group(
            s, weekday=2, meet_time=time(9, 0), start_date=date(2026, 11, 4)
        )
        await roster.add_codes(s, group=group, text="A1, A2, A3, A4, A5", actor_id=None)
    return group


async def people(tg: TelegramTestServer, db: Database, lang: str = "fr") -> tuple[Any, ...]:
    clock.set(WEDNESDAY)
    group = await make_group(db)
    facilitator = await register(tg, db, 900, Role.FACILITATOR, lang, group_id=group.id)
    first = await register(tg, db, 901, Role.COORDINATOR, lang)
    second = await register(tg, db, 902, Role.COORDINATOR, lang)
    return group, facilitator, first, second


async def step(person: Any, screen: Any, label: str) -> Any:
    await person.tap(screen, label)
    return await person.next_message()


async def record_agreement(person: Any, lang: str) -> Any:
    """Every step of /agreement; returns the confirmation screen."""
    await person.send("/agreement")
    screen = await person.next_message()
    assert a(lang, "What is the agreement about?") in screen.plain
    assert a(lang, "Violence in a family or sexual violence") in screen.labels
    screen = await step(person, screen, a(lang, "Land or boundary"))
    assert screen.labels[:5] == ["A1", "A2", "A3", "A4", "A5"]
    screen = await step(person, screen, "A1")
    screen = await step(person, screen, "A3")
    assert "✓ A1" in screen.labels and "✓ A3" in screen.labels and "A2" in screen.labels
    screen = await step(person, screen, a(lang, "Next"))
    screen = await step(person, screen, a(lang, "Neighbour"))
    screen = await step(person, screen, a(lang, "Next"))
    screen = await step(person, screen, a(lang, "Elder (mushingantahe)"))
    screen = await step(person, screen, a(lang, "Next"))
    assert a(lang, "When was the agreement reached?") in screen.plain
    screen = await step(person, screen, a(lang, "Today"))
    screen = await step(person, screen, a(lang, "Yes, signed"))
    # The typed step keeps its reminder visible.
    assert a(lang, "No names, no stories: use the participant codes.") in screen.plain
    await person.send(SUMMARY)
    confirm = await person.next_message()
    await eventually(lambda: person.user_messages[-1].deleted)
    for expected in ("A1, A3", SUMMARY, a(lang, "Neighbour"), a(lang, "Elder (mushingantahe)")):
        assert expected in confirm.plain
    return confirm


@pytest.mark.parametrize("lang", ["fr", "rn"])
async def test_recorded_alerted_acknowledged_documented_and_followed_up(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    _, facilitator, first, second = await people(tg, db, lang)
    confirm = await record_agreement(facilitator, lang)
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(Agreement)) == 0
    saved = await step(facilitator, confirm, a(lang, "Save"))
    async with db.read() as s:
        agreement = await s.scalar(select(Agreement))
        assert agreement is not None and agreement.status == Status.REPORTED
        assert agreement.kind == "land" and agreement.written
        assert agreement.reached_on == date(2026, 11, 25)
        assert agreement.outside_roles == "neighbour" and agreement.witness_roles == "elder"
    # What a person recognises, never the internal number.
    land, day = a(lang, "Land or boundary"), translator(lang).date(date(2026, 11, 25))
    assert a(lang, "Agreement saved: {kind}, reached on {date}.").format(kind=land, date=day) in (
        saved.plain
    )

    # Both coordinators of the area are alerted; the first line says nothing.
    alerts = [await first.next_message(), await second.next_message()]
    for alert in alerts:
        assert alert.plain.split("\n")[0] == c(lang, "A group needs your attention")
        assert alert.labels == [c(lang, "Acknowledge"), c(lang, "View details")]
        for secret in ("A1", "Amahoro", "Kabuye", "field", a(lang, "Land or boundary")):
            assert secret not in alert.plain

    await first.tap(alerts[0], c(lang, "View details"))
    details = await first.next_message()
    assert details.message_id != alerts[0].message_id and details.protect_content
    for expected in ("A1, A3", SUMMARY, "Amahoro", "Gitega / Giheta / Kabuye"):
        assert expected in details.plain
    details = await step(first, details, c(lang, "Acknowledge"))
    assert c(lang, "Acknowledged, paper not yet documented") in details.plain

    await first.tap(details, c(lang, "Record the reference number"))
    await first.next_message()
    await first.send("Marie")
    assert "30" in (await first.next_message()).plain  # refused: a name, not a number
    await first.send("GIT-2026/014")
    done = await first.next_message()
    assert (
        c(
            lang,
            "The agreement about {kind}, reached on {date}, is documented: reference {reference}.",
        ).format(kind=land, date=day, reference="GIT-2026/014")
        in done.plain
    )

    # The second coordinator's Acknowledge comes too late and changes nothing.
    late = await step(second, alerts[1], c(lang, "Acknowledge"))
    assert (
        c(lang, "The agreement of {date} was already acknowledged.").format(date=day) in late.plain
    )
    assert late.labels == [c(lang, "View details")]
    async with db.read() as s:
        stored = await s.get(Agreement, agreement.id)
        assert stored is not None and stored.status == Status.DOCUMENTED
        assert stored.reference == "GIT-2026/014"
        views = await s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "agreement.view", AuditEntry.record_id == agreement.id)
        )
        assert views == 2  # opening the details, and the details shown again on Acknowledge

    # One month later, at 09:00 in Bujumbura: the facilitator is asked; the answer reaches both.
    for when, answer in (
        (datetime(2026, 12, 25, 7, 0, tzinfo=UTC), "It holds"),
        (datetime(2027, 2, 25, 7, 0, tzinfo=UTC), "Renegotiated"),
    ):
        clock.set(when)
        await run_sweep(db)
        await flush_outbox(bot, db)
        question = await facilitator.wait_for(
            lambda m: a(lang, "A question about your group") in m.plain
        )
        assert question.plain.split("\n")[0] == a(lang, "A question about your group")
        await facilitator.tap(question, a(lang, answer))
        thanks = await facilitator.wait_for(lambda m, q=question: m.message_id == q.message_id)
        assert a(lang, answer) in thanks.plain
        await flush_outbox(bot, db)
        for coordinator in (first, second):
            news = await coordinator.wait_for(lambda m, answer=answer: a(lang, answer) in m.plain)
            assert news.plain.split("\n")[0] == c(lang, "A group needs your attention")
    async with db.read() as s:
        answers = {f.step: f.answer for f in await s.scalars(select(FollowUp))}
    assert answers == {"m1": "holds", "m3": "renegotiated"}


@pytest.mark.parametrize("lang", ["rn", "fr"])
async def test_violence_is_refused_with_referral_guidance_and_nothing_stored(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    group, facilitator, first, _ = await people(tg, db, lang)
    # A draft begun for land is dropped when the matter turns out to be violence.
    await facilitator.send("/agreement")
    screen = await facilitator.next_message()
    await step(facilitator, screen, a(lang, "Family or household arrangement"))
    await facilitator.send("/agreement")
    screen = await facilitator.next_message()
    screen = await step(facilitator, screen, a(lang, "Violence in a family or sexual violence"))
    library = default_library()
    violence = library.guide(lang, "problem-areas")[0].screen("violence")
    never = library.guide(lang, "agreements")[0].screen("never")
    assert violence is not None and never is not None
    assert violence.title in screen.plain
    assert a(lang, "No agreement is recorded for violence.") in screen.plain
    # The services of the group's area follow, unknown ones as still to be completed.
    guide = translator(lang)
    assert guide.pgettext("guide", "Services in your area") in screen.plain
    assert (
        guide.pgettext("guide", "{label}: {text}").format(
            label=guide.pgettext("guide", "Legal help"),
            text=guide.pgettext("guide", "to be completed by your programme"),
        )
        in screen.plain
    )
    screen = await step(facilitator, screen, a(lang, "Why never an agreement"))
    assert never.title in screen.plain
    screen = await step(facilitator, screen, a(lang, "Tell the coordinator a referral is needed"))
    assert "Amahoro" in screen.plain

    told = await first.next_message()
    assert told.plain.split("\n")[0] == c(lang, "A group needs your attention")
    assert "Amahoro" in told.plain and "viol" not in told.plain.lower()
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(Agreement)) == 0
        assert await s.scalar(select(func.count()).select_from(AgreementDraft)) == 0
        entry = await s.scalar(select(AuditEntry).where(AuditEntry.action == "referral.requested"))
        assert entry is not None and (entry.record_type, entry.record_id) == ("group", group.id)


async def test_bad_input_gets_a_clear_answer_and_loses_nothing(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    lang = "fr"
    clock.set(WEDNESDAY)
    group = await make_group(db)
    person = await register(tg, db, 910, Role.FACILITATOR, lang, group_id=group.id)
    await person.send("/agreement")
    screen = await person.next_message()
    old = await step(person, screen, a(lang, "House or property"))
    old = await step(person, old, "A2")
    # One party only: Next is refused with a pop-up, the screen stays.
    await person.tap(old, a(lang, "Next"))
    answer = await person.wait_for_callback_answer()
    assert answer.show_alert and answer.text == a(
        lang, "Choose at least two parties from the roster."
    )
    # Text where a button is expected.
    await person.send("A2 and A4")
    assert "boutons" in (await person.next_message()).plain

    # Starting again makes the buttons of the earlier draft stale.
    await person.send("/agreement")
    screen = await person.next_message()
    screen = await step(person, screen, a(lang, "House or property"))
    await person.tap(old, "A4")
    stale = await person.wait_for_callback_answer()
    assert stale.show_alert and stale.text == translator(lang).pgettext(
        "error", "This record no longer exists or is not yours to see."
    )
    for code in ("A2", "A4"):
        screen = await step(person, screen, code)
    for _ in range(3):
        screen = await step(person, screen, a(lang, "Next"))
    screen = await step(person, screen, a(lang, "Another date: type it"))
    await person.send("30/11/2026")  # a future date
    assert a(lang, "That date is in the future.") in (await person.next_message()).plain
    await person.send("31/02/2026")
    assert "3/12/2026" in (await person.next_message()).plain
    await person.send("18/11/2026")
    screen = await person.next_message()
    screen = await step(person, screen, a(lang, "Not yet"))
    await person.send("x" * 600)
    too_long = await person.next_message()
    assert "600" in too_long.plain and "500" in too_long.plain
    await eventually(lambda: person.user_messages[-1].deleted)
    await person.send("A2 keeps the house; A4 stays until March.")
    confirm = await person.next_message()
    save = confirm.button_data(a(lang, "Save")) or ""
    saved = await step(person, confirm, a(lang, "Save"))
    # A second tap on Save (a double tap) shows the same record, not a new one.
    await person.tap_data(saved, save)
    again = await person.wait_for_callback_answer()
    assert again.text == a(lang, "The agreement is saved.")
    async with db.read() as s:
        rows = list(await s.scalars(select(Agreement)))
    assert len(rows) == 1 and rows[0].reached_on == date(2026, 11, 18) and not rows[0].written
