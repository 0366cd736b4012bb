"""Shared phones: /cancel stops a draft's buttons; voice notes and stray stories leave the chat;
/wipe says what it could not delete; a revoked person's chat is cleared through the outbox."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from locales import translator
from models.agreements import Agreement, AgreementDraft
from models.db import Database
from models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from models.privacy import ChatMessage
from models.users import Role, User
from tests.flows.test_agreements_flow import a, people, record_agreement
from tests.support.e2e import eventually, flush_outbox, register
from tests.support.tgserver import TelegramTestServer

STALE = "This button is no longer valid. Send /help to see what you can do."
STORY = "My neighbour Jean hit his wife again yesterday near the market"


def fb(lang: str, msgid: str) -> str:
    return translator(lang).pgettext("fallback", msgid)


@pytest.mark.parametrize("lang", ["fr", "rn"])
async def test_cancel_makes_a_drafts_save_button_stale(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    _, facilitator, _, _ = await people(tg, db, lang)
    confirm = await record_agreement(facilitator, lang)
    await facilitator.send("/cancel")
    stopped = await facilitator.next_message()
    assert (
        fb(
            lang,
            "Stopped. Nothing more was saved: the text I was waiting for, and the buttons of an "
            "unsaved agreement, attendance, reflection or roster change, no longer work. "
            "Send /help to see what you can do.",
        )
        in stopped.plain
    )
    await facilitator.tap(confirm, a(lang, "Save"))
    answer = await facilitator.wait_for_callback_answer()
    assert answer.text == translator(lang).pgettext("access", STALE) and answer.show_alert
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(Agreement)) == 0
        assert await s.scalar(select(func.count()).select_from(AgreementDraft)) == 0

    # A draft begun after /cancel saves as usual.
    confirm = await record_agreement(facilitator, lang)
    await facilitator.tap(confirm, a(lang, "Save"))
    await facilitator.next_message()
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(Agreement)) == 1


@pytest.mark.parametrize("lang", ["fr", "rn"])
async def test_voice_notes_and_stray_stories_are_deleted(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    person = await register(tg, db, 1201, Role.TRAINEE, lang)
    await person.send_voice()
    answer = await person.next_message()
    assert answer.plain == fb(
        lang,
        "Voice notes, photos and files are not read here: yours was deleted from this "
        "chat; it is not kept. Please use the buttons or a short text without names.",
    )
    assert person.user_messages[-1].deleted

    await person.send(STORY)
    answer = await person.next_message()
    assert answer.plain == fb(
        lang,
        "I was not waiting for a message. Yours was deleted from this chat; it is not "
        "kept. Use the buttons, or send /help to see what you can do.",
    )
    assert person.user_messages[-1].deleted
    deleted = {call["message_id"] for call in tg.calls_to("deleteMessage")}
    assert {str(m.message_id) for m in person.user_messages[-2:]} <= {str(i) for i in deleted}

    # One short word (a greeting, a mistyped command) stays, and is answered as before.
    await person.send("bonjour")
    answer = await person.next_message()
    assert answer.plain == fb(
        lang,
        "I was not waiting for a message. Use the buttons, or send /help to see what you can do.",
    )
    assert not person.user_messages[-1].deleted


async def test_a_file_telegram_does_not_let_the_bot_delete_is_said(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    person = await register(tg, db, 1202, Role.TRAINEE, "fr")
    tg.fail("deleteMessage", mode="500")
    await person.send_document("notes.txt", b"a story")
    answer = await person.next_message()
    assert answer.plain == fb(
        "fr",
        "Voice notes, photos and files are not read here, and Telegram did not let me "
        "delete yours. Please delete it yourself: long-press it → Delete.",
    )
    assert "appui long" in answer.plain
    assert not person.user_messages[-1].deleted


@pytest.mark.parametrize("lang", ["fr", "rn"])
async def test_wipe_falls_back_to_one_by_one_and_reports_what_is_left(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    tr = translator(lang)
    person = await register(tg, db, 1203, Role.TRAINEE, lang)
    await person.send("/help")
    await person.next_message()
    # Two days later on Telegram's side, while the bot's log still counts them as recent:
    # these messages can no longer be deleted by the bot.
    tg.advance_time(49 * 3600)
    tg.expect_refusal("message can't be deleted")
    old = [m for m in person.messages if not m.deleted] + list(person.user_messages)
    await person.send("/mydata")
    await person.next_message()
    await person.send("/wipe")
    confirm = await person.next_message()
    tg.fail("deleteMessages", mode="500")
    await person.tap(confirm, tr.pgettext("privacy", "Delete"))
    report = await person.next_message()
    assert len(tg.calls_to("deleteMessages")) == 1
    ones = tg.calls_to("deleteMessage")
    left = len(old)
    deleted = len(ones) - left
    assert left >= 3 and deleted >= 4
    expected = (
        tr.npgettext("privacy", "Deleted {n} message.", "Deleted {n} messages.", deleted).format(
            n=deleted
        )
        + " "
        + tr.npgettext(
            "privacy",
            "{n} could not be deleted (older than 48 hours, or refused by Telegram): "
            "delete it by hand: long-press it → Delete.",
            "{n} could not be deleted (older than 48 hours, or refused by Telegram): "
            "delete them by hand: long-press each → Delete.",
            left,
        ).format(n=left)
    )
    assert report.plain == expected
    # What was two days old stays (and is counted); the rest, /wipe's own screen too, is gone.
    old_ids = {m.message_id for m in old}
    assert not any(m.deleted for m in old)
    assert [m.message_id for m in person.messages if m.message_id not in old_ids] == [
        report.message_id
    ]
    assert all(m.deleted for m in person.user_messages if m.message_id not in old_ids)
    # The report stays, to be deleted by the next /wipe; the rest of the log is forgotten.
    async with db.read() as s:
        logged = list(await s.scalars(select(ChatMessage.message_id)))
    assert logged in ([], [report.message_id])


async def test_revoking_a_user_clears_their_chat_through_the_outbox(
    tg: TelegramTestServer, bot: Any, db: Database, settings: Any
) -> None:
    from tests.cli.test_operator import cli

    person = await register(tg, db, 1204, Role.TRAINEE, "fr")
    await person.send("/help")
    await person.next_message()
    sent_before = len(person.all_bot_messages)
    async with db.read() as s:
        user_id = await s.scalar(select(User.id).where(User.telegram_id == 1204))
    result = cli(settings, "user", "revoke", str(user_id))
    assert result.returncode == 0, result.stderr
    async with db.read() as s:
        row = await s.scalar(select(OutboxMessage).where(OutboxMessage.recipient_id == user_id))
        assert row is not None and row.kind == OutboxKind.CHAT_WIPE
    await flush_outbox(bot, db)
    await eventually(lambda: not person.messages)
    assert all(m.deleted for m in person.user_messages)
    # Not a word: the phone may be someone else's now.
    assert len(person.all_bot_messages) == sent_before
    async with db.read() as s:
        row = await s.scalar(select(OutboxMessage).where(OutboxMessage.recipient_id == user_id))
        assert row is not None and row.status == OutboxStatus.SENT.value
        count = select(func.count()).select_from(ChatMessage)
        assert await s.scalar(count.where(ChatMessage.chat_id == 1204)) == 0


async def test_cancel_makes_the_attendance_on_screen_stale(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    from models.clock import clock
    from models.meetings import Attendance
    from tests.flows.test_meeting import WEDNESDAY, facilitator, make_group, open_meeting
    from tests.flows.test_meeting import p as m

    clock.set(WEDNESDAY)
    group = await make_group(db, size=4)
    person = await facilitator(tg, db, 1205, group, "fr")
    panel = await open_meeting(person)
    await person.tap(panel, m("fr", "Held today"))
    screen = await person.next_message()
    await person.tap(screen, "✓ A3")
    screen = await person.next_message()
    await person.send("/cancel")
    await person.next_message()
    await person.tap(screen, m("fr", "Save: {absent} absent").format(absent=1))
    answer = await person.wait_for_callback_answer()
    assert answer.text == translator("fr").pgettext("access", STALE)
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(Attendance)) == 0
    # The panel opened again after /cancel works as before.
    panel = await open_meeting(person)
    assert panel.message_id > screen.message_id
