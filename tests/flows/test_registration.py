"""Registration end to end against the Bot API test server: invites, language, menus, /help."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from locales import translator
from models import users
from models.db import Database
from models.service import UserDataRow
from models.users import Role, User
from tests.support.e2e import LANGUAGE_BUTTON, eventually, invite, register
from tests.support.tgserver import TelegramTestServer

HELP_ROLE_LINE = {
    ("rn", "trainee"): "Uri mu nyigisho.",
    ("fr", "trainee"): "Vous êtes en formation.",
    ("en", "trainee"): "You are a trainee.",
    ("fr", "facilitator"): "Vous êtes facilitateur.",
    ("fr", "coordinator"): "Vous êtes coordinateur.",
}


@pytest.mark.parametrize("lang", ["rn", "fr", "en"])
async def test_invite_then_language_then_help_in_that_language(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    person = tg.add_user(user_id=501, first_name="Aline", language_code="fr")
    code = await invite(db, Role.TRAINEE)
    await person.send(f"/start {code}")
    picker = await person.next_message()
    # Nobody has chosen yet: the question is asked in all three languages, Kirundi first.
    assert "Hitamwo ururimi" in picker.plain and "Choisissez" in picker.plain
    assert picker.labels == ["Ikirundi", "Français", "English"]

    await person.tap(picker, LANGUAGE_BUTTON[lang])
    confirmed = await person.next_message()
    assert confirmed.message_id == picker.message_id, "the picker is edited in place"
    assert HELP_ROLE_LINE[(lang, "trainee")] in confirmed.plain
    assert "/help" in confirmed.plain

    await person.send("/help")
    help_message = await person.next_message()
    assert HELP_ROLE_LINE[(lang, "trainee")] in help_message.plain
    async with db.read() as s:
        stored = await users.get_user(s, 501)
        assert stored is not None and stored.language == lang and stored.role == Role.TRAINEE


async def test_french_facilitator_gets_a_french_menu_without_coordinator_commands(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    person = await register(tg, db, 502, Role.FACILITATOR, "fr")
    await eventually(lambda: person.commands is not None)
    names = [name for name, _ in person.commands]
    assert "help" in names and "language" in names
    assert not {"pending", "groups", "report", "newgroup"} & set(names)
    descriptions = dict(person.commands)
    assert descriptions["help"] == "Ce que vous pouvez faire ici"

    await person.send("/help")
    reply = await person.next_message()
    assert HELP_ROLE_LINE[("fr", "facilitator")] in reply.plain


@pytest.mark.parametrize("lang", ["rn", "fr"])
async def test_help_again_and_again_makes_one_call_each_time(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    """The menu is pushed when it changes (role, language), not with every /help."""
    person = await register(tg, db, 503, Role.FACILITATOR, lang)
    await eventually(lambda: person.commands is not None and not tg.unanswered_callback_queries())
    before = len(tg.calls)
    for _ in range(5):
        await person.send("/help")
        await person.next_message()
    made = [method for method, _ in tg.calls[before:] if method != "getUpdates"]
    assert made == ["sendMessage"] * 5


async def test_default_menus_exist_for_kirundi_french_and_english(
    tg: TelegramTestServer, bot: Any
) -> None:
    kirundi = tg.default_commands()
    french = tg.default_commands(language_code="fr")
    english = tg.default_commands(language_code="en")
    assert kirundi and french and english
    assert dict(kirundi).keys() == dict(french).keys() == dict(english).keys()
    assert dict(kirundi)["help"] == "Ivyo ushobora gukora ngaha"
    assert dict(french)["help"] == "Ce que vous pouvez faire ici"
    assert dict(english)["help"] == "What you can do here"


async def test_start_without_an_invite_explains_in_three_languages_and_stores_nothing(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    stranger = tg.add_user(user_id=503, first_name="X", language_code="en")
    await stranger.send("/start")
    reply = await stranger.next_message()
    assert "invitation" in reply.plain  # English and French
    assert "ubutumire" in reply.plain  # Kirundi
    await stranger.send("/help")
    assert "ubutumire" in (await stranger.next_message()).plain
    await stranger.send("hello?")
    assert "ubutumire" in (await stranger.next_message()).plain
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(User)) == 0
        assert await s.scalar(select(func.count()).select_from(UserDataRow)) == 0


@pytest.mark.parametrize("problem", ["unknown", "used", "expired"])
async def test_bad_invites_get_a_clear_answer(
    tg: TelegramTestServer, bot: Any, db: Database, problem: str
) -> None:
    from datetime import timedelta

    from models.clock import clock

    code = "no-such-code"
    if problem != "unknown":
        code = await invite(db, Role.TRAINEE, uses=1, days=1)
    if problem == "used":
        first = tg.add_user(user_id=600, first_name="First", language_code="fr")
        await first.send(f"/start {code}")
        await first.next_message()
    if problem == "expired":
        clock.advance(timedelta(days=2))
    person = tg.add_user(user_id=601, first_name="Y", language_code="fr")
    await person.send(f"/start {code}")
    reply = await person.next_message()
    expected = {"unknown": "pas valable", "used": "déjà été utilisée", "expired": "a expiré"}
    assert expected[problem] in reply.plain
    async with db.read() as s:
        assert await users.get_user(s, 601) is None


async def test_revoked_user_is_told_access_has_ended(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    person = await register(tg, db, 504, Role.TRAINEE, "fr")
    async with db.write() as s:
        stored = await users.get_user(s, 504)
        assert stored is not None
        await users.revoke_user(s, user_id=stored.id, actor_id=None)
    await person.send("/help")
    assert "a pris fin" in (await person.next_message()).plain


async def test_group_chats_are_left_with_one_message(tg: TelegramTestServer, bot: Any) -> None:
    person = tg.add_user(user_id=505, first_name="Z", language_code="fr")
    group = tg.add_group_chat(chat_id=-100500, title="Village")
    await person.send_in(group, "/start")
    await eventually(lambda: any(c[0] == "leaveChat" for c in tg.calls))
    sent = [c for c in tg.calls if c[0] == "sendMessage"]
    assert len(sent) == 1 and "private" in sent[0][1]["text"]


async def test_stale_and_forged_buttons_answer_clearly(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    person = await register(tg, db, 506, Role.TRAINEE, "fr")
    help_message = person.messages[-1]
    for forged in ["lang:de", "nonsense", "lang:rn:extra", "x" * 64]:
        await person.tap_data(help_message, forged)
        await eventually(lambda: person.last_callback_answer is not None)
        answer = person.last_callback_answer
        assert answer is not None and answer.text and "plus valable" in answer.text
        person.last_callback_answer = None
    async with db.read() as s:
        stored = await users.get_user(s, 506)
        assert stored is not None and stored.language == "fr"


async def test_an_unexpected_error_gets_an_apology_and_logs_no_text(
    tg: TelegramTestServer,
    bot: Any,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from conversations import registration

    person = await register(tg, db, 507, Role.TRAINEE, "fr")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(registration, "help_reply", broken)
    await person.send("/help secret-words-7781")
    apology = await person.next_message()
    assert apology.plain == translator("fr").pgettext(
        "error", "Sorry, something went wrong. Please try again."
    )
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "RuntimeError" in logged and "507" in logged
    assert "secret-words-7781" not in logged
