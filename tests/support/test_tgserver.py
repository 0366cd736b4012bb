"""The Bot API test server refuses what Telegram refuses, as python-telegram-bot sees it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from tests.support.tgserver import TelegramTestServer, TestUser, parse_html, utf16_len
from tests.support.tgserver.validation import ApiError


@pytest.fixture(autouse=True)
def _timedelta_durations(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns on integer durations (retry_after, voice duration) unless opted in, and the
    # project turns telegram's deprecation warnings into errors.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def server() -> AsyncIterator[TelegramTestServer]:
    server = TelegramTestServer(token="123456:TEST", bot_username="sociotherapy_test_bot")
    await server.start()
    try:
        yield server
        server.assert_no_unexpected_refusals()
    finally:
        await server.stop()


@pytest.fixture
async def bot(server: TelegramTestServer) -> AsyncIterator[Bot]:
    async with Bot(
        server.token, base_url=server.base_url, base_file_url=server.file_base_url
    ) as bot:
        yield bot


@pytest.fixture
async def user(server: TelegramTestServer) -> TestUser:
    user = server.add_user(user_id=1001, first_name="Aline", language_code="fr")
    await user.send("/start")
    return user


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"d:{label}")] for label in labels]
    )


async def confirm_all(bot: Bot) -> None:
    updates = await bot.get_updates()
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1)


# --------------------------------------------------------------------------- updates


async def test_commands_arrive_with_bot_command_entities(
    server: TelegramTestServer, bot: Bot
) -> None:
    user = server.add_user(user_id=1001, first_name="Aline", language_code="fr")
    await user.send("/start abc")
    (update,) = await bot.get_updates()
    assert update.message.text == "/start abc"
    assert update.message.chat.type == "private"
    assert update.message.chat.id == update.message.from_user.id == 1001
    assert update.message.from_user.language_code == "fr"
    entity = update.message.entities[0]
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, 6)


async def test_offset_confirms_earlier_updates(
    server: TelegramTestServer, bot: Bot, user: TestUser
) -> None:
    await user.send("one")
    updates = await bot.get_updates()
    assert [u.message.text for u in updates] == ["/start", "one"]
    # Without a higher offset nothing is confirmed.
    assert len(await bot.get_updates()) == 2
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == ()
    assert server.pending_updates == []
    await user.send("two")
    (later,) = await bot.get_updates(limit=5)
    assert later.message.text == "two"
    assert later.update_id == updates[-1].update_id + 1


async def test_long_poll_wakes_as_soon_as_an_update_arrives(bot: Bot, user: TestUser) -> None:
    await confirm_all(bot)
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    await user.send("hello")
    (update,) = await poll
    assert update.message.text == "hello"
    assert time.monotonic() - started < 0.6


async def test_long_poll_without_updates_answers_empty_after_timeout(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 < time.monotonic() - started < 2


async def test_a_second_poller_terminates_the_first_with_409(
    server: TelegramTestServer, bot: Bot, user: TestUser
) -> None:
    await confirm_all(bot)
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    async with Bot(server.token, base_url=server.base_url) as other:
        second = asyncio.create_task(other.get_updates(timeout=5))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await first
        await user.send("for the survivor")
        (update,) = await second
    assert update.message.text == "for the survivor"
    assert [r.error_code for r in server.unexpected_refusals()] == [409]
    server.expect_refusal("terminated by other getUpdates")


async def test_allowed_updates_filter_updates_when_they_are_created(
    server: TelegramTestServer, bot: Bot, user: TestUser
) -> None:
    await confirm_all(bot)
    message = await bot.send_message(user.id, "Choose", reply_markup=keyboard("Yes"))
    assert await bot.get_updates(allowed_updates=["message"]) == ()
    await user.tap(server.chat(user.id).messages[-1], "Yes")
    await user.send("text")
    updates = await bot.get_updates(allowed_updates=Update.ALL_TYPES)
    assert [u.message.text for u in updates] == ["text"]
    assert message.message_id


async def test_webhook_blocks_get_updates_until_deleted(
    server: TelegramTestServer, bot: Bot
) -> None:
    assert await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()
    server.expect_refusal("webhook is active")


async def test_user_edits_and_voice_notes_arrive_as_updates(
    server: TelegramTestServer, bot: Bot, user: TestUser
) -> None:
    await confirm_all(bot)
    sent = await user.send("draft")
    await user.edit(sent["message_id"], "final")
    await user.send_voice(duration=4, data=b"OggS-voice")
    draft, edited, voice = await bot.get_updates()
    assert draft.message.text == "draft"
    assert edited.edited_message.text == "final"
    assert edited.edited_message.message_id == sent["message_id"]
    assert voice.message.voice.duration.total_seconds() == 4
    file = await bot.get_file(voice.message.voice.file_id)
    assert await file.download_as_bytearray() == b"OggS-voice"


async def test_group_privacy_lets_through_only_commands_for_this_bot(
    server: TelegramTestServer, bot: Bot, user: TestUser
) -> None:
    await confirm_all(bot)
    group = server.add_group_chat(chat_id=-100500, title="Village group")
    await user.send_in(group, "hello everyone")
    await user.send_in(group, "/start@other_bot")
    await user.send_in(group, "/start@sociotherapy_test_bot")
    await user.send_in(group, "/help")
    updates = await bot.get_updates()
    assert [u.message.text for u in updates] == ["/start@sociotherapy_test_bot", "/help"]
    assert updates[0].message.chat.type == "supergroup"
    await bot.send_message(group.id, "Bonjour")
    assert (await group.next_message()).plain == "Bonjour"


# --------------------------------------------------------------------------- sending


async def test_sent_message_is_recorded_with_html_and_plain_text(
    server: TelegramTestServer, bot: Bot, user: TestUser
) -> None:
    sent = await bot.send_message(
        user.id,
        "<b>Muraho</b> &amp; bienvenue",
        parse_mode="HTML",
        reply_markup=keyboard("Oui", "Non"),
        protect_content=True,
        disable_notification=True,
    )
    assert sent.text == "Muraho & bienvenue"
    assert sent.entities[0].type == "bold"
    msg = await user.next_message()
    assert msg.message_id == sent.message_id
    assert msg.text == "<b>Muraho</b> &amp; bienvenue"
    assert msg.plain == "Muraho & bienvenue"
    assert msg.parse_mode == "HTML"
    assert msg.buttons == [[("Oui", "d:Oui")], [("Non", "d:Non")]]
    assert msg.protect_content and msg.disable_notification
    assert user.messages == [msg]
    assert server.calls_to("sendMessage")[0]["chat_id"] == str(user.id)


async def test_text_length_counts_utf16_units_after_entity_parsing(
    server: TelegramTestServer, bot: Bot, user: TestUser
) -> None:
    await bot.send_message(user.id, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    await bot.send_message(user.id, "é" * 4096)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(user.id, "😀" * 2049)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(user.id, "&lt;" * 4097, parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message must be non-empty"):
        await bot.send_message(user.id, "<b> </b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(user.id, "")
    server.expect_refusal("too long")
    server.expect_refusal("empty")


async def test_html_refusals_name_the_tag_and_byte_offset(
    server: TelegramTestServer, bot: Bot, user: TestUser
) -> None:
    with pytest.raises(BadRequest) as unsupported:
        await bot.send_message(user.id, "Amahoro <p>x</p>", parse_mode="HTML")
    with pytest.raises(BadRequest) as unclosed:
        await bot.send_message(user.id, "<b>x", parse_mode="HTML")
    with pytest.raises(BadRequest) as entity:
        await bot.send_message(user.id, "é&nbsp;x", parse_mode="HTML")
    descriptions = [r.description for r in server.refusals]
    assert descriptions == [
        'Bad Request: can\'t parse entities: Unsupported start tag "p" at byte offset 8',
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
        'Bad Request: can\'t parse entities: Unknown HTML entity "&nbsp;" at byte offset 2',
    ]
    assert "unsupported start tag" in str(unsupported.value)
    assert unclosed.value and entity.value
    server.expect_refusal("can't parse entities")


def test_html_parser_follows_telegram_rules() -> None:
    parsed = parse_html(
        '  <a href="https://t.me/x?a=1&amp;b=2">lien</a> <tg-spoiler>s</tg-spoiler> '
        '<span class="tg-spoiler">t</span> <pre><code class="language-python">x=1</code></pre>'
        " <blockquote expandable>q</blockquote> &#x1F600;&#33; a > b\n"
    )
    assert parsed.text == "lien s t x=1 q 😀! a > b"
    types = [(e["type"], e["offset"], e["length"]) for e in parsed.entities]
    assert types == [
        ("text_link", 0, 4),
        ("spoiler", 5, 1),
        ("spoiler", 7, 1),
        ("pre", 9, 3),
        ("expandable_blockquote", 13, 1),
    ]
    assert parsed.entities[0]["url"] == "https://t.me/x?a=1&b=2"
    assert parsed.entities[3]["language"] == "python"
    for text, message in [
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<br/>", 'Unsupported start tag "br/" at byte offset 0'),
    ]:
        with pytest.raises(ApiError) as error:
            parse_html(text)
        assert error.value.description == f"Bad Request: can't parse entities: {message}"
    # A lone ampersand is text, as on Telegram.
    assert parse_html("R&D &amp").text == "R&D &"


def test_utf16_lengths_count_surrogate_pairs() -> None:
    assert utf16_len("😀é") == 3


async def test_inline_keyboard_limits(server: TelegramTestServer, bot: Bot, user: TestUser) -> None:
    accented = "é" * 32  # 64 bytes: allowed
    allowed = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data=accented)]])
    await bot.send_message(user.id, "ok", reply_markup=allowed)
    cases = [
        ([[InlineKeyboardButton("a", callback_data="é" * 33)]], "button_data_invalid"),
        ([[InlineKeyboardButton("a", callback_data="")]], "text buttons are unallowed"),
        ([[InlineKeyboardButton("a")]], "text buttons are unallowed in the inline keyboard"),
        ([[InlineKeyboardButton(" ", callback_data="x")]], "button_text_invalid"),
        ([[InlineKeyboardButton(str(i), callback_data="x") for i in range(9)]], "too long"),
        ([[InlineKeyboardButton("b", callback_data="x")] for _ in range(101)], "too long"),
        ([[InlineKeyboardButton("b", callback_data="x", url="https://x.org")]], "exactly one"),
    ]
    for rows, expected in cases:
        with pytest.raises(BadRequest) as refused:
            await bot.send_message(user.id, "x", reply_markup=InlineKeyboardMarkup(rows))
        assert expected in str(refused.value).lower()
    assert len(server.refusals) == len(cases)
    assert all(r.error_code == 400 for r in server.refusals)
    server.expect_refusal("button")
    server.expect_refusal("reply markup is too long")


async def test_chat_not_found_blocked_and_never_started(
    server: TelegramTestServer, bot: Bot, user: TestUser
) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "hi")
    stranger = server.add_user(user_id=2002, first_name="Jean")
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(stranger.id, "hi")
    await confirm_all(bot)
    user.block()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(user.id, "hi")
    (update,) = await bot.get_updates()
    assert update.my_chat_member.new_chat_member.status == "kicked"
    user.unblock()
    await bot.send_message(user.id, "welcome back")
    assert (await user.next_message()).plain == "welcome back"
    assert [r.error_code for r in server.refusals] == [400, 403, 403]
    server.expect_refusal("chat not found")
    server.expect_refusal("blocked")
    server.expect_refusal("initiate")


async def test_documents_and_photos_round_trip(
    server: TelegramTestServer, bot: Bot, user: TestUser
) -> None:
    sent = await bot.send_document(
        user.id,
        b"%PDF-1.4 report",
        filename="rapport.pdf",
        caption="<i>Rapport</i>",
        parse_mode="HTML",
    )
    msg = await user.next_message()
    assert msg.document == ("rapport.pdf", b"%PDF-1.4 report", "application/pdf")
    assert msg.plain == "Rapport" and msg.kind == "document"
    file = await bot.get_file(sent.document.file_id)
    assert await file.download_as_bytearray() == b"%PDF-1.4 report"
    again = await bot.send_document(user.id, sent.document.file_id)
    assert again.document.file_id == sent.document.file_id
    await bot.send_photo(user.id, b"\x89PNG....")
    assert (await user.next_message()).kind == "document"
    assert (await user.next_message()).photo == b"\x89PNG...."
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_document(user.id, b"x", filename="a.txt", caption="c" * 1025)
    server.expect_refusal("caption is too long")


async def test_file_size_limits(server: TelegramTestServer, bot: Bot, user: TestUser) -> None:
    await confirm_all(bot)
    await user.send_document("big.mp3", b"x", mime_type="audio/mpeg", file_size=21 * 1024 * 1024)
    (update,) = await bot.get_updates()
    with pytest.raises(BadRequest, match="File is too big"):
        await bot.get_file(update.message.document.file_id)
    server.max_upload_bytes = 1000
    with pytest.raises(NetworkError, match="Request Entity Too Large"):
        await bot.send_document(user.id, b"x" * 2000, filename="a.bin")
    assert [r.error_code for r in server.refusals] == [400, 413]
    server.expect_refusal("file is too big")
    server.expect_refusal("Request Entity Too Large")


# --------------------------------------------------------------------------- editing and deleting


async def test_edits_refuse_identical_content_and_drop_the_keyboard_when_omitted(
    server: TelegramTestServer, bot: Bot, user: TestUser
) -> None:
    sent = await bot.send_message(
        user.id, "<b>Q</b>", parse_mode="HTML", reply_markup=keyboard("A")
    )
    msg = await user.next_message()
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<strong>Q</strong>",
            user.id,
            sent.message_id,
            parse_mode="HTML",
            reply_markup=keyboard("A"),
        )
    await bot.edit_message_text("<b>Q</b>", user.id, sent.message_id, parse_mode="HTML")
    edited = await user.next_message()
    assert edited is msg
    assert msg.edited == 1 and msg.reply_markup is None and msg.buttons == []
    await bot.edit_message_reply_markup(user.id, sent.message_id, reply_markup=keyboard("B"))
    assert (await user.next_message()).labels == ["B"]
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(user.id, sent.message_id, reply_markup=keyboard("B"))
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", user.id, 999)
    assert server.refusals[0].description == (
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    )
    server.expect_refusal("not modified")
    server.expect_refusal("not found")


async def test_delete_rules(server: TelegramTestServer, bot: Bot, user: TestUser) -> None:
    first = await bot.send_message(user.id, "one")
    second = await bot.send_message(user.id, "two")
    assert await bot.delete_message(user.id, first.message_id)
    assert [m.plain for m in user.messages] == ["two"]
    assert [m.deleted for m in user.all_bot_messages] == [True, False]
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(user.id, first.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", user.id, first.message_id)
    users_own = user.user_messages[0].message_id
    assert await bot.delete_message(user.id, users_own)
    server.advance_time(48 * 3600 + 1)
    with pytest.raises(BadRequest, match="Message can't be deleted"):
        await bot.delete_message(user.id, second.message_id)
    third = await bot.send_message(user.id, "three")
    assert await bot.delete_messages(user.id, [second.message_id, third.message_id, 777])
    assert [m.plain for m in user.messages] == ["two"]
    server.expect_refusal("not found")
    server.expect_refusal("can't be deleted")


# --------------------------------------------------------------------------- callback queries


async def test_tap_and_answer_callback_query_once(
    server: TelegramTestServer, bot: Bot, user: TestUser
) -> None:
    await confirm_all(bot)
    await bot.send_message(user.id, "Choose", reply_markup=keyboard("Ego", "Oya"))
    msg = await user.next_message()
    query_id = await user.tap(msg, "Ego")
    (update,) = await bot.get_updates()
    query = update.callback_query
    assert query.id == query_id and query.data == "d:Ego"
    assert query.message.message_id == msg.message_id and query.chat_instance
    assert server.unanswered_callback_queries() == [query_id]
    assert await bot.answer_callback_query(query.id, text="Byakiriwe", show_alert=True)
    assert user.last_callback_answer is not None
    assert (user.last_callback_answer.text, user.last_callback_answer.show_alert) == (
        "Byakiriwe",
        True,
    )
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query.id)
    await user.tap(msg, "Oy")  # a substring when no label matches exactly
    with pytest.raises(AssertionError, match="no button"):
        await user.tap(msg, "Nta")
    forged = await user.tap_data(msg, "admin:delete_all")
    (_, forged_update) = await bot.get_updates(offset=update.update_id + 1)
    assert forged_update.callback_query.data == "admin:delete_all"
    server.advance_time(16)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(forged)
    server.expect_refusal("query is too old")


async def test_callback_answer_text_limit(
    server: TelegramTestServer, bot: Bot, user: TestUser
) -> None:
    await bot.send_message(user.id, "Choose", reply_markup=keyboard("A"))
    query_id = await user.tap(await user.next_message(), "A")
    with pytest.raises(BadRequest, match="Message_too_long"):
        await bot.answer_callback_query(query_id, text="x" * 201)
    assert await bot.answer_callback_query(query_id, text="x" * 200)
    server.expect_refusal("MESSAGE_TOO_LONG")


# --------------------------------------------------------------------------- commands and chats


async def test_commands_by_scope_and_language(
    server: TelegramTestServer, bot: Bot, user: TestUser
) -> None:
    await bot.set_my_commands([BotCommand("start", "Commencer")], language_code="fr")
    await bot.set_my_commands([BotCommand("start", "Start")])
    await bot.set_my_commands([BotCommand("help", "Aide")], scope=BotCommandScopeAllPrivateChats())
    await bot.set_my_commands([BotCommand("report", "Rapport")], scope=BotCommandScopeChat(user.id))
    assert server.default_commands() == [("start", "Start")]
    assert server.default_commands(language_code="fr") == [("start", "Commencer")]
    assert server.default_commands(scope_type="all_private_chats") == [("help", "Aide")]
    assert user.commands == [("report", "Rapport")]
    assert user.visible_commands == [("report", "Rapport")]
    got = await bot.get_my_commands(language_code="fr")
    assert [(c.command, c.description) for c in got] == [("start", "Commencer")]
    await bot.delete_my_commands(scope=BotCommandScopeChat(user.id))
    assert user.commands is None
    assert user.visible_commands == [("help", "Aide")]
    for commands, expected in [
        ([BotCommand("Start", "x")], "Bot_command_invalid"),
        ([BotCommand("a" * 33, "x")], "Bot_command_invalid"),
        ([BotCommand("start", "")], "Bot_command_invalid"),
        ([BotCommand("start", "d" * 257)], "Bot_command_invalid"),
        ([BotCommand(f"c{i}", "x") for i in range(101)], "Bot_commands_too_much"),
    ]:
        with pytest.raises(BadRequest, match=expected):
            await bot.set_my_commands(commands)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.set_my_commands([BotCommand("a", "b")], scope=BotCommandScopeChat(5))
    server.expect_refusal("BOT_COMMAND")
    server.expect_refusal("chat not found")


async def test_chat_methods(server: TelegramTestServer, bot: Bot, user: TestUser) -> None:
    chat = await bot.get_chat(user.id)
    assert (chat.id, chat.type, chat.first_name) == (user.id, "private", "Aline")
    assert await bot.send_chat_action(user.id, "typing")
    assert await bot.set_chat_menu_button()
    group = server.add_group_chat(chat_id=-4242, title="Itsinda")
    assert (await bot.get_chat(group.id)).type == "group"
    assert await bot.leave_chat(group.id)
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await bot.send_message(group.id, "still here?")
    with pytest.raises(BadRequest, match="Chat member status can't be changed in private chats"):
        await bot.leave_chat(user.id)
    server.expect_refusal("not a member")
    server.expect_refusal("private chats")


async def test_unknown_method_and_wrong_token(server: TelegramTestServer, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", {"chat_id": 1})
    wrong = Bot("999:WRONG", base_url=server.base_url)
    with pytest.raises(InvalidToken):
        await wrong.get_me()
    assert [(r.method, r.error_code) for r in server.refusals] == [
        ("sendTelepathy", 404),
        ("getMe", 401),
    ]
    assert len(server.unexpected_refusals()) == 2
    server.expect_refusal("not found")
    server.expect_refusal("unauthorized")
    assert server.unexpected_refusals() == []


# --------------------------------------------------------------------------- faults and flood


async def test_injected_faults_surface_as_the_matching_ptb_errors(
    server: TelegramTestServer, bot: Bot, user: TestUser
) -> None:
    server.fail("sendMessage", times=1, mode="500")
    with pytest.raises(NetworkError) as internal:
        await bot.send_message(user.id, "x")
    assert type(internal.value) is NetworkError
    server.fail("sendMessage", mode="429", retry_after=7)
    with pytest.raises(RetryAfter) as retry:
        await bot.send_message(user.id, "x")
    assert retry.value.retry_after.total_seconds() == 7
    server.fail("sendMessage", mode="502")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(user.id, "x")
    server.fail("sendMessage", mode="drop")
    with pytest.raises(NetworkError, match="disconnected"):
        await bot.send_message(user.id, "x")
    server.fail("sendMessage", mode="hang")
    with pytest.raises(TimedOut):
        await bot.send_message(user.id, "x", read_timeout=0.2)
    assert user.messages == []
    await bot.send_message(user.id, "through")
    assert [m.plain for m in user.messages] == ["through"]
    assert server.refusals == []  # faults are not refusals


async def test_a_timed_out_call_can_still_take_effect(
    server: TelegramTestServer, bot: Bot, user: TestUser
) -> None:
    server.fail("sendMessage", mode="hang", seconds=0.3)
    with pytest.raises(TimedOut):
        await bot.send_message(user.id, "late", read_timeout=0.1)
    assert (await user.next_message(timeout=2)).plain == "late"


async def test_flood_control(server: TelegramTestServer, bot: Bot, user: TestUser) -> None:
    server.flood_control = True
    for n in range(3):
        await bot.send_message(user.id, f"burst {n}")
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(user.id, "one too many")
    assert flood.value.retry_after.total_seconds() >= 1
    assert server.refusals[0].description.startswith("Too Many Requests: retry after ")
    server.expect_refusal("Too Many Requests")


async def test_flood_control_overall_limit(server: TelegramTestServer, bot: Bot) -> None:
    server.flood_control = True
    for n in range(31):
        server.add_user(user_id=5000 + n, first_name=f"U{n}", started=True)
    for n in range(30):
        await bot.send_message(5000 + n, "announcement")
    with pytest.raises(RetryAfter):
        await bot.send_message(5030, "announcement")
    server.expect_refusal("Too Many Requests")


async def test_markdown_and_unknown_parse_modes_are_refused(
    server: TelegramTestServer, bot: Bot, user: TestUser
) -> None:
    # The bot sends HTML only: Markdown fails a test instead of passing unchecked.
    # (python-telegram-bot writes Telegram's descriptions in lower case after the first letter.)
    with pytest.raises(BadRequest, match=r"(?i)this test server checks HTML only"):
        await bot.send_message(user.id, r"*Murakaza neza*\!", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match="Unsupported parse_mode"):
        await bot.send_message(user.id, "x", parse_mode="Textile")
    server.expect_refusal("checks HTML only")
    server.expect_refusal("parse_mode")


async def test_event_queue_wait_for_and_drain(bot: Bot, user: TestUser) -> None:
    for text in ("one", "two", "three"):
        await bot.send_message(user.id, text)
    found = await user.wait_for(lambda m: m.plain == "two")
    assert found.plain == "two"
    assert [m.plain for m in user.drain()] == ["three"]
    with pytest.raises(AssertionError, match="sent or edited nothing"):
        await user.next_message(timeout=0.05)
    assert [m.plain for m in user.messages] == ["one", "two", "three"]


# --------------------------------------------------------------------------- the real Application


async def test_application_round_trip_over_long_polling(
    server: TelegramTestServer,
) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(
            f"<i>{update.message.text}</i>",
            parse_mode="HTML",
            reply_markup=keyboard("OK"),
        )

    app = (
        Application.builder()
        .token(server.token)
        .base_url(server.base_url)
        .base_file_url(server.file_base_url)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    user = server.add_user(user_id=1001, first_name="Aline", language_code="fr")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=10)
        await asyncio.sleep(0.1)  # the updater is now waiting in a long poll
        started = time.monotonic()
        await user.send("Amakuru")
        reply = await user.next_message(timeout=3)
        assert time.monotonic() - started < 1
        assert reply.plain == "Amakuru" and reply.text == "<i>Amakuru</i>"
        assert reply.labels == ["OK"]
        await app.updater.stop()
        await app.stop()
    assert server.pending_updates == []  # the last update was confirmed on shutdown


# --------------------------------------------------------------------------- raw updates


async def test_a_raw_update_is_delivered_as_given_under_the_next_update_id(
    server: TelegramTestServer, bot: Bot, user: TestUser
) -> None:
    (started,) = await bot.get_updates()
    await bot.get_updates(offset=started.update_id + 1)
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    sent = time.monotonic()
    malformed = {"message": {"message_id": 7, "date": "tomorrow", "text": "unchecked"}}
    update_id = server.push_raw_update(malformed)
    assert update_id == started.update_id + 1
    # Delivered at once and unchanged, so PTB fails to read it as it would from Telegram.
    with pytest.raises(TypeError):
        await poll
    assert time.monotonic() - sent < 0.6
    assert server.pending_updates == [{**malformed, "update_id": update_id}]
