"""A faithful Telegram Bot API server for end-to-end tests of the bot.

    server = TelegramTestServer(token="123456:TEST", bot_username="sociotherapy_test_bot")
    await server.start()  # then build the Application with base_url=server.base_url and
                          # base_file_url=server.file_base_url, and poll as in production
    user = server.add_user(user_id=1001, first_name="Aline", language_code="fr")
    await user.send("/start")
    msg = await user.next_message()
    await user.tap(msg, "Label")
    ...
    server.assert_no_unexpected_refusals()  # or server.expect_refusal("blocked") first
    await server.stop()

A user must have written to the bot (or be added with ``started=True``) before the bot can
message them, as on Telegram. Set ``PTB_TIMEDELTA=true`` in tests: python-telegram-bot 22 warns
on integer durations (RetryAfter.retry_after, Voice.duration) and the project makes telegram's
deprecation warnings errors.
"""

from .server import Refusal, StoredFile, TelegramTestServer, UploadedFile
from .users import BotMessage, CallbackAnswer, ChatView, SentFile, TestGroup, TestUser, UserMessage
from .validation import ApiError, ParsedText, parse_html, utf16_len

__all__ = [
    "ApiError",
    "BotMessage",
    "CallbackAnswer",
    "ChatView",
    "ParsedText",
    "Refusal",
    "SentFile",
    "StoredFile",
    "TelegramTestServer",
    "TestGroup",
    "TestUser",
    "UploadedFile",
    "UserMessage",
    "parse_html",
    "utf16_len",
]
