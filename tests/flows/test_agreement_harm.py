"""Violence is never an agreement, end to end: a summary whose words may point to violence is
stopped with a question (Yes ends the draft with everything typed; No stores it, marked for the
coordinator to check), and a coordinator's "not an agreement: violence, refer" erases the record's
text everywhere, removes the messages that showed it and tells the facilitators neutrally."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from locales import translator
from models import crypto, outbox, roster
from models.agreements import (
    Agreement,
    AgreementDraft,
    AgreementParty,
    AgreementScreen,
    Status,
)
from models.audit import AuditEntry
from models.clock import clock
from models.db import Database
from models.groups import Group
from models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from models.users import Role, get_user
from tests.support import factories
from tests.support.e2e import eventually, flush_outbox, register
from tests.support.tgserver import TelegramTestServer
from tests.trust.test_plaintext import every_value

WEDNESDAY = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
# A "family arrangement" that is about violence: it must never be stored as an agreement.
VIOLENT = {
    "en": "A1 will not beat his wife A3 again, she will not file a complaint. marker-4410",
    "fr": "A1 ne frappera plus sa femme A3, elle ne portera pas plainte. marker-4410",
    "rn": "A1 ntazosubira gukubita umugore wiwe A3, ntazorega. marker-4410",
}
PEACEFUL = "A1 lets A3 farm the lower field until the harvest. marker-5520"
NOT_FOUND = "This record no longer exists or is not yours to see."


def a(lang: str, msgid: str) -> str:
    return translator(lang).pgettext("agreement", msgid)


def c(lang: str, msgid: str) -> str:
    return translator(lang).pgettext("coordinator", msgid)


async def people(tg: TelegramTestServer, db: Database, lang: str) -> tuple[Any, ...]:
    clock.set(WEDNESDAY)
    async with db.write() as s:
        group = await factories.group(
            s, weekday=2, meet_time=time(9, 0), start_date=date(2026, 11, 4)
        )
        await roster.add_codes(s, group=group, text="A1, A2, A3, A4", actor_id=None)
    facilitator = await register(tg, db, 700, Role.FACILITATOR, lang, group_id=group.id)
    first = await register(tg, db, 701, Role.COORDINATOR, lang)
    second = await register(tg, db, 702, Role.COORDINATOR, lang)
    return group, facilitator, first, second


async def step(person: Any, screen: Any, label: str) -> Any:
    await person.tap(screen, label)
    return await person.next_message()


async def to_summary(person: Any, lang: str, kind: str = "Family or household arrangement") -> Any:
    """/agreement up to the summary step; returns its screen."""
    await person.send("/agreement")
    screen = await person.next_message()
    screen = await step(person, screen, a(lang, kind))
    screen = await step(person, screen, "A1")
    screen = await step(person, screen, "A3")
    screen = await step(person, screen, a(lang, "Next"))
    screen = await step(person, screen, a(lang, "Family member"))
    screen = await step(person, screen, a(lang, "Next"))
    screen = await step(person, screen, a(lang, "Next"))
    screen = await step(person, screen, a(lang, "Today"))
    screen = await step(person, screen, a(lang, "Not yet"))
    # The summary step says it plainly, beside "no names, no stories".
    assert a(lang, "Violence can never be part of an agreement.") in screen.plain
    return screen


async def readable_text(db: Database) -> str:
    """Every value of every table, with every encrypted value decrypted."""
    found = []
    for value in await every_value(db):
        found.append(value)
        if value.startswith("gAAAA"):
            try:
                found.append(crypto.decrypt(value))
            except Exception:  # not a token after all
                pass
    return "\n".join(found)


async def count(db: Database, table: Any) -> int:
    async with db.read() as s:
        return int(await s.scalar(select(func.count()).select_from(table)) or 0)


@pytest.mark.parametrize("lang", ["rn", "fr", "en"])
async def test_violence_in_a_summary_asks_and_yes_ends_the_draft_with_nothing_kept(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    _, facilitator, _, _ = await people(tg, db, lang)
    await to_summary(facilitator, lang)
    await facilitator.send(VIOLENT[lang])
    question = await facilitator.next_message()
    assert (
        a(lang, "Does this involve violence between partners, in the family, or sexual violence?")
        in question.plain
    )
    only_asks = (
        "Some words of the summary may point to violence. The list of words only prompts this "
        "question: your judgement decides."
    )
    assert a(lang, only_asks) in question.plain
    assert question.labels == [a(lang, "Yes"), a(lang, "No"), a(lang, "Cancel")]
    assert a(lang, "Save") not in question.labels and "marker-4410" not in question.plain
    # The typed message leaves the chat, as every summary does.
    await eventually(lambda: facilitator.user_messages[-1].deleted)
    no = question.button_data(a(lang, "No")) or ""

    guidance = await step(facilitator, question, a(lang, "Yes"))
    assert a(lang, "No agreement is recorded for violence.") in guidance.plain
    assert a(lang, "Tell the coordinator a referral is needed") in guidance.labels
    # No way back to the words, nor to saving them.
    for label in (a(lang, "Save"), a(lang, "Write the summary again"), a(lang, "No")):
        assert label not in guidance.labels
    assert await count(db, AgreementDraft) == 0 and await count(db, Agreement) == 0
    assert "marker-4410" not in await readable_text(db)

    # The stale "No" of the question is refused with a sentence; nothing comes back.
    await facilitator.tap_data(guidance, no)
    refused = await facilitator.wait_for_callback_answer()
    assert refused.text == translator(lang).pgettext("error", NOT_FOUND)
    assert await count(db, AgreementDraft) == 0 and await count(db, Agreement) == 0
    # The referral guidance's own option still works: the coordinator is told, with no details.
    done = await step(facilitator, guidance, a(lang, "Tell the coordinator a referral is needed"))
    assert "marker-4410" not in done.plain


@pytest.mark.parametrize("lang", ["rn", "fr"])
async def test_no_stores_the_summary_marked_and_the_coordinator_is_asked_to_check(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    _, facilitator, first, _ = await people(tg, db, lang)
    await to_summary(facilitator, lang)
    await facilitator.send(VIOLENT[lang])
    question = await facilitator.next_message()
    confirm = await step(facilitator, question, a(lang, "No"))
    assert "marker-4410" in confirm.plain and a(lang, "Save") in confirm.labels
    await step(facilitator, confirm, a(lang, "Save"))
    async with db.read() as s:
        agreement = await s.scalar(select(Agreement))
        assert agreement is not None and agreement.violence_check
    await flush_outbox(bot, db)
    alert = await first.next_message()
    details = await step(first, alert, c(lang, "View details"))
    check = "The facilitator was asked about violence and answered no: check for violence."
    assert c(lang, check) in details.plain
    assert c(lang, "Not an agreement: violence, refer") in details.labels

    # A later summary without such words is stored without the mark.
    await to_summary(facilitator, lang, "Land or boundary")
    await facilitator.send(PEACEFUL)
    confirm = await facilitator.next_message()
    assert "marker-5520" in confirm.plain and a(lang, "Save") in confirm.labels
    await step(facilitator, confirm, a(lang, "Save"))
    async with db.read() as s:
        marks = list(await s.scalars(select(Agreement.violence_check).order_by(Agreement.id)))
    assert marks == [True, False]


@pytest.mark.parametrize(("lang", "later"), [("fr", False), ("rn", True)])
async def test_not_an_agreement_erases_it_everywhere_and_tells_the_facilitator(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str, later: bool
) -> None:
    group, facilitator, first, second = await people(tg, db, lang)
    await to_summary(facilitator, lang)
    await facilitator.send(PEACEFUL)
    confirm = await facilitator.next_message()
    saved = await step(facilitator, confirm, a(lang, "Save"))
    await flush_outbox(bot, db)
    details = []
    for coordinator in (first, second):
        alert = await coordinator.next_message()
        details.append(await step(coordinator, alert, c(lang, "View details")))
        assert "marker-5520" in details[-1].plain
    async with db.write() as s:
        agreement = await s.scalar(select(Agreement))
        assert agreement is not None
        # A reminder waiting to be sent: it goes with the rest.
        await outbox.enqueue(
            s,
            kind=OutboxKind.AGREEMENT_REMINDER,
            subject=f"agreement:{agreement.id}",
            period="test",
            recipient_id=agreement.reported_by or 0,
            payload={"agreement_id": agreement.id},
            not_before=WEDNESDAY + timedelta(days=30),
        )
    # The screens that showed it are recorded just after they are shown.
    for _ in range(250):
        if await count(db, AgreementScreen) == 3:
            break
        await asyncio.sleep(0.02)
    assert await count(db, AgreementScreen) == 3
    if later:
        # Two days on: the messages can no longer be deleted, only their text replaced.
        clock.set(WEDNESDAY + timedelta(hours=50))
        tg.advance_time(50 * 3600)
        tg.expect_refusal("can't be deleted")

    shown = details[0]
    ask = await step(first, shown, c(lang, "Not an agreement: violence, refer"))
    assert ask.message_id == shown.message_id and "marker-5520" not in ask.plain
    back = await step(first, ask, c(lang, "Back to the details"))
    assert "marker-5520" in back.plain
    ask = await step(first, back, c(lang, "Not an agreement: violence, refer"))
    done = await step(first, ask, c(lang, "Yes: not an agreement, refer"))
    land = a(lang, "Family or household arrangement")
    assert land in done.plain and "marker-5520" not in done.plain

    async with db.read() as s:
        record = await s.get(Agreement, agreement.id)
        assert record is not None and record.status == Status.REFERRED
        assert record.summary is None and record.outside_roles == "" and not record.witness_roles
        assert record.group_id == group.id and record.kind == "family"
        parties = select(func.count()).select_from(AgreementParty)
        assert await s.scalar(parties) == 0
        assert await s.scalar(select(func.count()).select_from(AgreementScreen)) == 0
        reminder = await s.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.AGREEMENT_REMINDER)
        )
        assert reminder is not None and reminder.status == OutboxStatus.CANCELLED
        audited = select(func.count()).where(AuditEntry.action == "agreement.referred")
        assert await s.scalar(audited) == 1
    assert "marker-5520" not in await readable_text(db)

    await flush_outbox(bot, db)
    # The facilitator's "saved" screen and the second coordinator's details are removed.
    removed = a(lang, "This message was removed.")
    for message in (saved, details[1]):
        current = tg._current_bot_message(message)
        if later:
            assert current.plain == removed and not current.labels
        else:
            assert current.deleted
    deleted = {int(p["message_id"]) for p in tg.calls_to("deleteMessage")}
    assert {saved.message_id, details[1].message_id} <= deleted
    # The first coordinator keeps the answer to their own tap.
    assert not tg._current_bot_message(done).deleted

    notice = await facilitator.wait_for(lambda m: a(lang, "A message about your group") in m.plain)
    assert notice.plain.split("\n")[0] == a(lang, "A message about your group")
    for secret in ("marker-5520", "A1", "A3", land):
        assert secret not in notice.plain
    assert a(lang, "Referral and self-care guide") in notice.labels

    # The referred record is no longer waiting, and its buttons are refused or answered plainly.
    first.drain()
    await first.send("/pending")
    assert c(lang, "No agreement is waiting for you.") in (await first.next_message()).plain
    await first.tap_data(done, f"co:ny:{agreement.id}")
    again = await first.wait_for(lambda m: c(lang, "This was already referred.") in m.plain)
    assert again is not None


async def test_forged_and_stale_referral_taps_are_refused_with_a_sentence(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    group, facilitator, first, _ = await people(tg, db, "fr")
    async with db.write() as s:
        stored = await s.get(Group, group.id)
        reporter = await get_user(s, 700)
        assert stored is not None and reporter is not None
        agreement_id = (await factories.agreement(s, group=stored, reporter=reporter)).id
        ngozi = (await factories.area_path(s, "Ngozi/Busiga")).id
    # A coordinator of another province: the agreement is not theirs to see, nor to refer.
    elsewhere = await register(tg, db, 703, Role.COORDINATOR, "fr", area_id=ngozi)
    await flush_outbox(bot, db)
    sentence = translator("fr").pgettext("error", NOT_FOUND)
    for person, data in (
        (first, "co:ny:999999"),
        (first, "co:nv:999999"),
        (first, "co:nb:999999"),
        (elsewhere, f"co:ny:{agreement_id}"),
        (elsewhere, f"co:nv:{agreement_id}"),
        (facilitator, "ag:vy:bogus"),
        (facilitator, "ag:vo:bogus"),
    ):
        await person.tap_data(await _any(person), data)
        answer = await person.wait_for_callback_answer()
        assert answer.text == sentence, data
    # A facilitator is not a coordinator: refused at the door, with a sentence.
    await facilitator.tap_data(await _any(facilitator), f"co:ny:{agreement_id}")
    not_theirs = "This is not part of your role. Send /help to see what you can do."
    assert (await facilitator.next_message()).plain == translator("fr").pgettext(
        "access", not_theirs
    )
    # A draft's "No" after the question was answered: stale.
    await to_summary(facilitator, "fr")
    await facilitator.send(VIOLENT["fr"])
    question = await facilitator.next_message()
    no = question.button_data(a("fr", "No")) or ""
    await step(facilitator, question, a("fr", "No"))
    await facilitator.tap_data(question, no)
    assert (await facilitator.wait_for_callback_answer()).text == sentence
    async with db.read() as s:
        record = await s.get(Agreement, agreement_id)
        assert record is not None and record.status == Status.REPORTED


async def _any(person: Any) -> Any:
    """A message of the person's chat to tap forged data on."""
    person.drain()
    await person.send("/help")
    return await person.next_message()
