"""The other side of the conversation: users and groups that talk to the bot under test."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from .validation import keyboard_buttons

if TYPE_CHECKING:
    from .server import TelegramTestServer


class SentFile(NamedTuple):
    """A file the bot uploaded (or referenced by file_id/URL; then ``data`` may be None)."""

    filename: str | None
    data: bytes | None
    mime_type: str | None


@dataclass
class CallbackAnswer:
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int


@dataclass(eq=False)
class BotMessage:
    """A message the bot sent, kept up to date as the bot edits or deletes it.

    ``text`` is the text (or caption) exactly as the bot sent it, markup included; ``plain`` is
    what the user sees after entity parsing. ``api`` is the Message object as Telegram would
    return it now.
    """

    message_id: int
    chat_id: int
    text: str | None
    plain: str
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    date: int
    kind: str = "text"  # "text", "document" or "photo"
    entities: list[dict[str, Any]] = field(default_factory=list)
    document: SentFile | None = None
    photo: bytes | None = None
    file_id: str | None = None
    protect_content: bool = False
    disable_notification: bool = False
    reply_to_message_id: int | None = None
    # Telegram unfolds the first link of a text into a preview card unless told not to.
    link_preview: bool = False
    edited: int = 0
    edit_date: int | None = None
    deleted: bool = False
    history: list[tuple[str | None, dict[str, Any] | None]] = field(default_factory=list)
    api: dict[str, Any] = field(default_factory=dict)

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Rows of (label, callback_data or url) of the inline keyboard."""
        return keyboard_buttons(self.reply_markup)

    @property
    def labels(self) -> list[str]:
        return [label for row in self.buttons for label, _ in row]

    def button_data(self, label: str) -> str | None:
        for row in self.buttons:
            for text, data in row:
                if text == label:
                    return data
        raise AssertionError(f"no button {label!r} on message {self.message_id}: {self.labels}")

    def __repr__(self) -> str:
        state = " deleted" if self.deleted else ""
        return (
            f"<BotMessage {self.chat_id}/{self.message_id}{state} edited={self.edited} "
            f"{self.plain[:60]!r} buttons={self.labels}>"
        )


@dataclass(eq=False)
class UserMessage:
    """A message a user sent; the bot may delete it in a private chat."""

    message_id: int
    chat_id: int
    date: int
    api: dict[str, Any]
    deleted: bool = False
    # Earlier texts of an edited message, oldest first.
    history: list[str] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        """Every text this message has had."""
        return [*self.history, str(self.api.get("text") or "")]


class ChatView:
    """A chat as the tests see it: the bot's messages in it and a queue of send/edit events."""

    chat_type: str

    def __init__(self, server: TelegramTestServer, chat_id: int):
        self._server = server
        self.chat_id = chat_id
        self._messages: dict[int, BotMessage | UserMessage] = {}
        self._next_message_id = 1
        self._events: asyncio.Queue[BotMessage] = asyncio.Queue()

    # --- what the tests read

    @property
    def messages(self) -> list[BotMessage]:
        """The bot's messages still in the chat, oldest first."""
        return [m for m in self.all_bot_messages if not m.deleted]

    @property
    def all_bot_messages(self) -> list[BotMessage]:
        return [m for m in self._messages.values() if isinstance(m, BotMessage)]

    @property
    def user_messages(self) -> list[UserMessage]:
        return [m for m in self._messages.values() if isinstance(m, UserMessage)]

    @property
    def last_message(self) -> BotMessage | None:
        current = self.messages
        return current[-1] if current else None

    async def next_message(self, timeout: float = 5) -> BotMessage:  # noqa: ASYNC109 - tests pass a plain timeout, as with Telegram's own APIs
        """The next message the bot sent or edited in this chat, in order, none skipped."""
        try:
            return await asyncio.wait_for(self._events.get(), timeout)
        except TimeoutError:
            raise AssertionError(self._nothing_arrived(timeout)) from None

    async def wait_for(
        self,
        predicate: Callable[[BotMessage], bool],
        timeout: float = 5,  # noqa: ASYNC109 - tests pass a plain timeout, as with Telegram's own APIs
    ) -> BotMessage:
        """Consume events until one satisfies ``predicate``; the ones before it are dropped."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        seen: list[BotMessage] = []
        while True:
            remaining = deadline - loop.time()
            try:
                event = await asyncio.wait_for(self._events.get(), max(remaining, 0))
            except TimeoutError:
                raise AssertionError(
                    f"{self._nothing_arrived(timeout)}; events seen meanwhile: {seen}"
                ) from None
            if predicate(event):
                return event
            seen.append(event)

    def drain(self) -> list[BotMessage]:
        """Discard pending events; returns them."""
        drained = []
        while not self._events.empty():
            drained.append(self._events.get_nowait())
        return drained

    @property
    def pending_events(self) -> int:
        return self._events.qsize()

    def _nothing_arrived(self, timeout: float) -> str:
        refusals = self._server.unexpected_refusals()
        text = f"the bot sent or edited nothing in chat {self.chat_id} within {timeout}s"
        if refusals:
            text += f"; refused calls: {refusals}"
        return text

    # --- used by the server

    def _take_message_id(self) -> int:
        message_id = self._next_message_id
        self._next_message_id += 1
        return message_id

    def _store(self, message: BotMessage | UserMessage) -> None:
        self._messages[message.message_id] = message

    def _find(self, message_id: int) -> BotMessage | UserMessage | None:
        return self._messages.get(message_id)

    def _event(self, message: BotMessage) -> None:
        self._events.put_nowait(message)

    def _api_chat(self) -> dict[str, Any]:
        raise NotImplementedError


class TestGroup(ChatView):
    """A group or supergroup the bot is a member of."""

    __test__ = False  # not a pytest test class

    def __init__(self, server: TelegramTestServer, chat_id: int, title: str, chat_type: str):
        super().__init__(server, chat_id)
        self.id = chat_id
        self.title = title
        self.chat_type = chat_type
        self.bot_is_member = True
        self.bot_is_admin = False

    def _api_chat(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.chat_type, "title": self.title}

    def __repr__(self) -> str:
        return f"<TestGroup {self.id} {self.title!r}>"


class TestUser(ChatView):
    """A Telegram user with a private chat with the bot (chat id == user id)."""

    __test__ = False  # not a pytest test class
    chat_type = "private"

    def __init__(
        self,
        server: TelegramTestServer,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        started: bool = False,
    ):
        super().__init__(server, user_id)
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        # Telegram refuses messages to users who never wrote to the bot.
        self.started = started
        self.blocked = False
        self.last_callback_answer: CallbackAnswer | None = None
        self.last_callback_query_id: str | None = None
        self.callback_answers: dict[str, CallbackAnswer] = {}

    def __repr__(self) -> str:
        return f"<TestUser {self.id} {self.first_name!r}>"

    # --- identity as Telegram shows it

    def _api_user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def _api_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat

    # --- what the user does

    async def send(self, text: str, reply_to: BotMessage | int | None = None) -> dict[str, Any]:
        """Type ``text`` in the private chat; commands get bot_command entities."""
        return await self.send_in(self, text, reply_to=reply_to)

    async def send_in(
        self, chat: ChatView, text: str, reply_to: BotMessage | int | None = None
    ) -> dict[str, Any]:
        """Type ``text`` in ``chat`` (this user's private chat or a group)."""
        self._check_can_write(chat)
        content: dict[str, Any] = {"text": text}
        entities = _command_entities(text)
        if entities:
            content["entities"] = entities
        message = self._server._user_message(self, chat, content, reply_to)
        await asyncio.sleep(0)
        return message

    async def send_voice(
        self, duration: int = 3, data: bytes | None = None, file_size: int | None = None
    ) -> dict[str, Any]:
        """Send a voice note to the bot."""
        self._check_can_write(self)
        payload = data if data is not None else b"OggS\x00voice-note" + bytes(64)
        stored = self._server._store_file(
            payload, "voice", "audio/ogg", None, ".oga", size=file_size
        )
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": stored.size,
        }
        message = self._server._user_message(self, self, {"voice": voice}, None)
        await asyncio.sleep(0)
        return message

    async def send_document(
        self,
        filename: str,
        data: bytes,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        file_size: int | None = None,
    ) -> dict[str, Any]:
        """Send a file to the bot; ``file_size`` can claim a size larger than ``data``."""
        self._check_can_write(self)
        suffix = "." + filename.rsplit(".", 1)[-1] if "." in filename else ""
        stored = self._server._store_file(
            data, "documents", mime_type, filename, suffix, size=file_size
        )
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": filename,
            "mime_type": mime_type,
            "file_size": stored.size,
        }
        content: dict[str, Any] = {"document": document}
        if caption:
            content["caption"] = caption
        message = self._server._user_message(self, self, content, None)
        await asyncio.sleep(0)
        return message

    async def edit(self, message_id: int, text: str) -> dict[str, Any]:
        """Edit one of this user's own text messages (an edited_message update)."""
        message = self._server._user_edit(self, message_id, text)
        await asyncio.sleep(0)
        return message

    async def tap(self, message: BotMessage, label: str) -> str:
        """Tap the inline button labelled ``label``; returns the callback query id."""
        current = self._server._current_bot_message(message)
        if current.deleted:
            raise AssertionError(f"cannot tap {label!r}: message {message.message_id} is deleted")
        matches = [(text, data) for row in current.buttons for text, data in row if text == label]
        if not matches:
            matches = [
                (text, data) for row in current.buttons for text, data in row if label in text
            ]
        if not matches:
            raise AssertionError(f"no button {label!r} on {current!r}; labels: {current.labels}")
        if len(matches) > 1 and len({text for text, _ in matches}) > 1:
            raise AssertionError(f"{label!r} matches several buttons: {[t for t, _ in matches]}")
        text, _ = matches[0]
        button = _find_button(current, text)
        if "callback_data" not in button:
            raise AssertionError(f"button {text!r} is not a callback button: {button}")
        return await self.tap_data(current, button["callback_data"])

    async def tap_data(self, message: BotMessage, data: str) -> str:
        """A callback query with arbitrary (possibly forged) data on ``message``."""
        current = self._server._current_bot_message(message)
        if current.chat_id == self.id:
            self._check_can_write(self)
        self.last_callback_answer = None
        query_id = self._server._callback_query(self, current, data)
        self.last_callback_query_id = query_id
        await asyncio.sleep(0)
        return query_id

    async def wait_for_callback_answer(
        self,
        timeout: float = 5,  # noqa: ASYNC109 - tests pass a plain timeout, as with Telegram's own APIs
    ) -> CallbackAnswer:
        """Wait until the bot answers the last tap."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.last_callback_answer is None:
            if loop.time() > deadline:
                raise AssertionError(
                    f"the bot did not answer callback query {self.last_callback_query_id} "
                    f"within {timeout}s"
                )
            await asyncio.sleep(0.01)
        return self.last_callback_answer

    def block(self) -> None:
        """Block the bot: its sends to this chat fail with 403 from now on."""
        if not self.blocked:
            self.blocked = True
            self._server._member_status_changed(self, "member", "kicked")

    def unblock(self) -> None:
        if self.blocked:
            self.blocked = False
            self._server._member_status_changed(self, "kicked", "member")

    # --- what the bot configured for this user

    @property
    def commands(self) -> list[tuple[str, str]] | None:
        """Commands set with scope chat for this chat (in the user's language if set)."""
        return self._server._commands_for(("chat", self.id), self.language_code)

    @property
    def visible_commands(self) -> list[tuple[str, str]]:
        """The command menu this user sees, resolved the way Telegram resolves scopes."""
        for scope in (("chat", self.id), ("all_private_chats",), ("default",)):
            commands = self._server._commands_for(scope, self.language_code)
            if commands:
                return commands
        return []

    def _check_can_write(self, chat: ChatView) -> None:
        if chat is self and self.blocked:
            raise AssertionError(f"{self!r} blocked the bot; call unblock() before writing to it")


def _find_button(message: BotMessage, label: str) -> dict[str, Any]:
    for row in (message.reply_markup or {}).get("inline_keyboard", []):
        for button in row:
            if button.get("text") == label:
                return button
    raise AssertionError(f"no button {label!r} on {message!r}")


_COMMAND_RE = re.compile(r"(?:^|(?<=\s))/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")


def _command_entities(text: str) -> list[dict[str, Any]]:
    """bot_command entities as Telegram marks them, offsets in UTF-16 units."""
    entities = []
    for match in _COMMAND_RE.finditer(text):
        prefix = text[: match.start()]
        offset = len(prefix.encode("utf-16-le")) // 2
        length = len(match.group(0).encode("utf-16-le")) // 2
        entities.append({"type": "bot_command", "offset": offset, "length": length})
    return entities
