"""A Bot API server on loopback that behaves like api.telegram.org for the methods the bot uses.

It refuses what Telegram refuses, with the same HTTP status and description, so that the
python-telegram-bot exceptions raised under test are the ones production would raise. Every
refusal is recorded in ``refusals``; tests fail on those they did not declare with
``expect_refusal``. Injected faults (``fail``) are not refusals.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import inspect
import itertools
import json
import math
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .users import (
    BotMessage,
    CallbackAnswer,
    ChatView,
    SentFile,
    TestGroup,
    TestUser,
    UserMessage,
    _command_entities,
)
from .validation import (
    MAX_CALLBACK_ANSWER_LENGTH,
    ApiError,
    ParsedText,
    bad_request,
    check_caption,
    check_language_code,
    check_text_length,
    parse_commands,
    parse_reply_markup,
    parse_text,
    utf16_len,
)

MB = 1024 * 1024
DELETE_WINDOW = 48 * 3600
CALLBACK_QUERY_LIFETIME = 15
# Telegram tries a webhook again soon after a failure, then less often.
WEBHOOK_BACKOFF = 0.05
LONG_POLL_MAX_TIMEOUT = 50
CONFLICT_OTHER_POLLER = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
# What getUpdates delivers when allowed_updates was never given (Bot API documentation).
DEFAULT_ALLOWED_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
ALL_UPDATES = DEFAULT_ALLOWED_UPDATES | {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


@dataclass
class Refusal:
    """A call the server refused, as the bot saw it."""

    method: str
    params: dict[str, Any]
    error_code: int
    description: str

    def __str__(self) -> str:
        return f"{self.method} -> {self.error_code} {self.description!r}"


@dataclass
class UploadedFile:
    """A multipart file part as it arrived."""

    filename: str | None
    data: bytes
    mime_type: str | None

    def __repr__(self) -> str:
        return f"<UploadedFile {self.filename!r} {len(self.data)} bytes {self.mime_type}>"


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes | None
    size: int
    mime_type: str | None
    filename: str | None


@dataclass
class _Fault:
    mode: str
    retry_after: int
    seconds: float | None


@dataclass
class _CallbackQuery:
    query_id: str
    user: TestUser
    created: float
    answered: bool = False


@dataclass
class _Poll:
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    conflict: str | None = None


class TelegramTestServer:
    """The fake Bot API. Start it, point the bot at ``base_url``/``file_base_url``."""

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_username: str = "sociotherapy_test_bot",
        bot_first_name: str = "Sociotherapy Test Bot",
        host: str = "127.0.0.1",
    ):
        self.token = token
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.bot_id = int(token.split(":", 1)[0])
        self.host = host
        self.port: int | None = None

        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.refusals: list[Refusal] = []
        self._expected_refusals: list[str] = []

        self.flood_control = False
        # Bots in groups see only commands and replies to them unless privacy mode is off.
        self.group_privacy = True
        self.max_upload_bytes = 50 * MB
        self.max_download_bytes = 20 * MB
        self.webhook: dict[str, Any] = {"url": ""}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.logged_out = False
        self.closed = False
        # Called with (method, parameters) as each call arrives, before it is handled; returning
        # True drops the call unanswered, as if it never reached Telegram (fault tests kill the
        # bot at a chosen call this way).
        self.on_call: Callable[[str, dict[str, Any]], bool] | None = None

        self._clock_offset = 0.0
        self._chats: dict[int, ChatView] = {}
        self._updates: deque[dict[str, Any]] = deque()
        self._next_update_id = 1
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self._poller: _Poll | None = None
        self._faults: dict[str, deque[_Fault]] = {}
        self._files: dict[str, StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._callback_queries: dict[str, _CallbackQuery] = {}
        self._query_counter = itertools.count(1)
        self._commands: dict[tuple[tuple[Any, ...], str], list[tuple[str, str]]] = {}
        self._hanging: set[asyncio.Event] = set()
        self._background: set[asyncio.Task[Any]] = set()
        self._last_webhook_set = -math.inf
        self._chat_tokens: dict[int, tuple[float, float]] = {}
        self._group_sends: dict[int, deque[float]] = {}
        self._global_sends: deque[float] = deque()
        self._runner: web.AppRunner | None = None
        # Webhook delivery (deliver_webhooks_to): where to, and each attempt's outcome.
        self.webhook_target: str | None = None
        self.webhook_deliveries: list[tuple[int, int | str]] = []
        self._webhook_wake = asyncio.Event()

        # (field, language code or "") -> text: the bot's description and short description.
        self.profile_texts: dict[tuple[str, str], str] = {}
        self._methods: dict[str, tuple[str, Callable[..., Any]]] = {}
        for name in (
            "getMe",
            "getUpdates",
            "setWebhook",
            "deleteWebhook",
            "getWebhookInfo",
            "sendMessage",
            "editMessageText",
            "editMessageCaption",
            "editMessageReplyMarkup",
            "deleteMessage",
            "deleteMessages",
            "answerCallbackQuery",
            "setMyCommands",
            "getMyCommands",
            "setMyDescription",
            "getMyDescription",
            "setMyShortDescription",
            "getMyShortDescription",
            "deleteMyCommands",
            "sendDocument",
            "sendPhoto",
            "getFile",
            "leaveChat",
            "getChat",
            "sendChatAction",
            "setChatMenuButton",
            "getChatMenuButton",
            "close",
            "logOut",
        ):
            handler = getattr(self, "_m_" + name)
            self._methods[name.lower()] = (name, handler)

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def file_base_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    async def start(self) -> None:
        app = web.Application(client_max_size=self.max_upload_bytes + 4 * MB)
        app.router.add_route("*", "/{path:.*}", self._dispatch)
        # Cancelling handlers when the client goes away ends abandoned long polls, as on
        # Telegram, instead of letting them answer (and conflict) into a closed socket.
        self._runner = web.AppRunner(
            app, handler_cancellation=True, shutdown_timeout=0.2, access_log=None
        )
        await self._runner.setup()
        # Started again after stop(), it listens on the same port: the bot finds it back.
        site = web.TCPSite(self._runner, self.host, self.port or 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        if self.webhook_target is not None:
            self._start_delivery()

    async def stop(self) -> None:
        for event in list(self._hanging):
            event.set()
        if self._poller is not None:
            self._poller.wake.set()
        for task in list(self._background):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> TelegramTestServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ test-side API

    def add_user(
        self,
        user_id: int,
        first_name: str,
        language_code: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        started: bool = False,
    ) -> TestUser:
        """A user with a private chat (chat id == user id).

        Until the user writes to the bot (or ``started=True``), Telegram refuses the bot's
        messages to them with 403 "bot can't initiate conversation with a user".
        """
        if user_id in self._chats:
            raise ValueError(f"chat {user_id} already exists")
        user = TestUser(self, user_id, first_name, last_name, username, language_code, started)
        self._chats[user_id] = user
        return user

    def add_group_chat(
        self, chat_id: int, title: str, chat_type: str | None = None, bot_is_admin: bool = False
    ) -> TestGroup:
        """A group the bot is a member of; ids starting -100 are supergroups."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        if chat_id in self._chats:
            raise ValueError(f"chat {chat_id} already exists")
        kind = chat_type or ("supergroup" if str(chat_id).startswith("-100") else "group")
        group = TestGroup(self, chat_id, title, kind)
        group.bot_is_admin = bot_is_admin
        self._chats[chat_id] = group
        return group

    def chat(self, chat_id: int) -> ChatView:
        return self._chats[chat_id]

    def now(self) -> float:
        """Server time (Unix seconds), shifted by ``advance_time``."""
        return time.time() + self._clock_offset

    def advance_time(self, seconds: float) -> None:
        """Move the server clock forward (message ages, callback query expiry)."""
        self._clock_offset += seconds

    def restart_update_ids(self, first: int = 1) -> None:
        """Number the next updates from ``first`` again, as Telegram does for a new bot token on
        the same database, or with a random id after a week without updates."""
        if self._updates:
            raise RuntimeError("updates are still pending; confirm them first")
        self._next_update_id = first

    def push_raw_update(self, payload: dict[str, Any]) -> int:
        """Queue ``payload`` as an update, unchecked and unfiltered, under the next update_id.

        For updates Telegram should never send but a bot must survive (fields missing or of
        the wrong type); returns the update_id given to it.
        """
        update_id = self._next_update_id
        self._next_update_id += 1
        self._updates.append({**payload, "update_id": update_id})
        if self._poller is not None:
            self._poller.wake.set()
        self._webhook_wake.set()
        return update_id

    def fail(
        self,
        method: str,
        times: int = 1,
        mode: str = "500",
        retry_after: int = 1,
        seconds: float | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail.

        Modes: "500" (Internal Server Error), "502" (an HTML Bad Gateway page, as from
        Telegram's front end), "429" (Too Many Requests with ``retry_after``), "hang" (no
        answer until the server stops; with ``seconds``, the call is then carried out anyway,
        as a request that timed out on the client may still take effect), "drop" (the
        connection is closed without an answer), "401" (the token revoked in @BotFather), "409"
        (another process polls with the same token).
        """
        if mode not in ("500", "502", "429", "hang", "drop", "401", "409"):
            raise ValueError(f"unknown fault mode {mode!r}")
        queue = self._faults.setdefault(method.lower(), deque())
        for _ in range(times):
            queue.append(_Fault(mode, retry_after, seconds))

    def deliver_webhooks_to(self, url: str) -> None:
        """While a webhook is set, POST each pending update to ``url`` (the bot's local address;
        the webhook's public https URL is only recorded), one at a time in order, with the
        secret token header, and again after a short backoff until the answer is a 200, as
        Telegram does. Each attempt is recorded in ``webhook_deliveries``."""
        self.webhook_target = url
        self._start_delivery()

    def _start_delivery(self) -> None:
        task = asyncio.create_task(self._deliver_webhooks())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _deliver_webhooks(self) -> None:
        import aiohttp

        backoff = WEBHOOK_BACKOFF
        async with aiohttp.ClientSession() as http:
            while True:
                self._webhook_wake.clear()
                if not self.webhook["url"] or not self._updates or self.webhook_target is None:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._webhook_wake.wait(), 0.2)
                    continue
                update = self._updates[0]
                headers = {"Content-Type": "application/json"}
                if self.webhook.get("secret_token"):
                    headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
                status: int | str
                try:
                    async with http.post(
                        self.webhook_target,
                        data=json.dumps(update),
                        headers=headers,
                        timeout=aiohttp.ClientTimeout(total=10),
                    ) as response:
                        await response.read()
                        status = response.status
                except (aiohttp.ClientError, TimeoutError) as error:
                    status = type(error).__name__
                self.webhook_deliveries.append((update["update_id"], status))
                if status == 200:
                    if self._updates and self._updates[0] is update:
                        self._updates.popleft()
                    backoff = WEBHOOK_BACKOFF
                else:
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 1.0)

    def expect_refusal(self, description_substring: str) -> None:
        """Declare refusals whose description contains this text (any case) as expected."""
        self._expected_refusals.append(description_substring.lower())

    def unexpected_refusals(self) -> list[Refusal]:
        return [
            r
            for r in self.refusals
            if not any(s in r.description.lower() for s in self._expected_refusals)
        ]

    def assert_no_unexpected_refusals(self) -> None:
        unexpected = self.unexpected_refusals()
        if unexpected:
            lines = "\n".join(f"  {r}  params={r.params}" for r in unexpected)
            raise AssertionError(f"the Bot API test server refused calls:\n{lines}")

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        """Parameters of every call of ``method`` (case-insensitive), in order."""
        return [params for name, params in self.calls if name.lower() == method.lower()]

    def default_commands(
        self, language_code: str | None = None, scope_type: str = "default"
    ) -> list[tuple[str, str]] | None:
        """Commands stored by setMyCommands for a chat-independent scope, or None."""
        return self._commands.get(((scope_type,), language_code or ""))

    def commands_for_scope(
        self, scope: dict[str, Any], language_code: str | None = None
    ) -> list[tuple[str, str]] | None:
        return self._commands.get((self._scope_key(json.dumps(scope)), language_code or ""))

    def unanswered_callback_queries(self) -> list[str]:
        return [q.query_id for q in self._callback_queries.values() if not q.answered]

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self._updates)

    # ------------------------------------------------------------------ HTTP plumbing

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        if path.startswith("file/bot"):
            return self._serve_file(path[len("file/bot") :])
        if not path.startswith("bot") or "/" not in path:
            return self._error_response(404, "Not Found")
        token, _, method = path[3:].partition("/")
        if token != self.token:
            self.calls.append((method, {}))
            self.refusals.append(Refusal(method, {}, 401, "Unauthorized"))
            return self._error_response(401, "Unauthorized")

        known = self._methods.get(method.lower())
        name = known[0] if known else method
        if request.content_length is not None and request.content_length > self.max_upload_bytes:
            self.calls.append((name, {}))
            self.refusals.append(Refusal(name, {}, 413, "Request Entity Too Large"))
            return self._error_response(413, "Request Entity Too Large")
        params = await self._read_params(request)
        self.calls.append((name, params))
        if self.on_call is not None and self.on_call(name, params):
            return await self._drop(request)

        faults = self._faults.get(method.lower())
        if faults:
            return await self._apply_fault(faults.popleft(), request, name, params)
        if known is None:
            self.refusals.append(Refusal(name, params, 404, "Not Found"))
            return self._error_response(404, "Not Found")
        return await self._call(name, known[1], params, request)

    async def _call(
        self, name: str, handler: Callable[..., Any], params: dict[str, Any], request: web.Request
    ) -> web.Response:
        try:
            if sum(isinstance(v, UploadedFile) and len(v.data) for v in params.values()) > (
                self.max_upload_bytes
            ):
                raise ApiError(413, "Request Entity Too Large")
            if inspect.iscoroutinefunction(handler):
                result = await handler(params, request)
            else:
                result = handler(params)
        except ApiError as error:
            abandoned = request.transport is None or request.transport.is_closing()
            if not (error.error_code == 409 and abandoned):
                self.refusals.append(Refusal(name, params, error.error_code, error.description))
            return self._error_response(error.error_code, error.description, error.retry_after)
        description = None
        if isinstance(result, _Described):
            result, description = result.result, result.description
        body: dict[str, Any] = {"ok": True, "result": result}
        if description:
            body["description"] = description
        return web.json_response(body)

    async def _apply_fault(
        self, fault: _Fault, request: web.Request, name: str, params: dict[str, Any]
    ) -> web.StreamResponse:
        if fault.mode == "500":
            return self._error_response(500, "Internal Server Error")
        if fault.mode == "502":
            return web.Response(
                status=502,
                text="<html><head><title>502 Bad Gateway</title></head><body>"
                "<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center>"
                "</body></html>",
                content_type="text/html",
            )
        if fault.mode == "429":
            return self._error_response(
                429, f"Too Many Requests: retry after {fault.retry_after}", fault.retry_after
            )
        if fault.mode == "drop":
            return await self._drop(request)
        if fault.mode == "401":
            return self._error_response(401, "Unauthorized")
        if fault.mode == "409":
            return self._error_response(409, CONFLICT_OTHER_POLLER)
        # hang
        if fault.seconds is None:
            event = asyncio.Event()
            self._hanging.add(event)
            try:
                await event.wait()
            finally:
                self._hanging.discard(event)
            return self._error_response(500, "Internal Server Error")

        async def late() -> web.Response:
            await asyncio.sleep(fault.seconds or 0)
            return await self._call(name, self._methods[name.lower()][1], params, request)

        if name.lower() not in self._methods:
            await asyncio.sleep(fault.seconds)
            return self._error_response(404, "Not Found")
        task = asyncio.create_task(late())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return await asyncio.shield(task)

    @staticmethod
    async def _drop(request: web.Request) -> web.StreamResponse:
        """Closes the connection without an answer."""
        if request.transport is not None:
            request.transport.abort()
        await asyncio.sleep(3600)  # cancelled as the connection is gone
        raise asyncio.CancelledError

    @staticmethod
    def _error_response(
        code: int, description: str, retry_after: int | None = None
    ) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return web.json_response(body, status=code)

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if not request.can_read_body:
            return params
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                body = {}
            for key, value in (body if isinstance(body, dict) else {}).items():
                if value is None:
                    continue
                params[key] = value if isinstance(value, str) else json.dumps(value)
            return params
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                params[key] = UploadedFile(value.filename, value.file.read(), value.content_type)
            else:
                params[key] = value
        return params

    def _serve_file(self, rest: str) -> web.Response:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            return self._error_response(401, "Unauthorized")
        for stored in self._files.values():
            if stored.file_path == file_path and stored.data is not None:
                return web.Response(
                    body=stored.data, content_type=stored.mime_type or "application/octet-stream"
                )
        return self._error_response(404, "Not Found")

    # ------------------------------------------------------------------ updates

    def _push_update(self, kind: str, payload: dict[str, Any]) -> int | None:
        # Telegram filters by allowed_updates when the update is created, not when fetched.
        if kind not in self._allowed_updates:
            return None
        update_id = self._next_update_id
        self._next_update_id += 1
        self._updates.append({"update_id": update_id, kind: payload})
        if self._poller is not None:
            self._poller.wake.set()
        self._webhook_wake.set()
        return update_id

    def _confirm(self, offset: int) -> int:
        if offset < 0:
            offset += self._next_update_id
        if offset > 0:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
        return offset

    def _pending(self, offset: int, limit: int) -> list[dict[str, Any]]:
        return [u for u in self._updates if u["update_id"] >= offset][:limit]

    def _abort_poll(self, reason: str) -> None:
        if self._poller is not None:
            self._poller.conflict = reason
            self._poller.wake.set()
            self._poller = None

    async def _m_getUpdates(self, p: dict[str, Any], _request: web.Request) -> Any:
        if self.webhook["url"]:
            raise ApiError(409, CONFLICT_WEBHOOK)
        offset = _int_arg(p, "offset", 0)
        limit = min(max(_int_arg(p, "limit", 100), 1), 100)
        timeout = min(max(_int_arg(p, "timeout", 0), 0), LONG_POLL_MAX_TIMEOUT)
        self._set_allowed_updates(p.get("allowed_updates"))
        offset = self._confirm(offset)
        pending = self._pending(offset, limit)
        if pending or timeout == 0:
            return pending
        self._abort_poll(CONFLICT_OTHER_POLLER)
        poll = _Poll()
        self._poller = poll
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(poll.wake.wait(), timeout)
        finally:
            if self._poller is poll:
                self._poller = None
        if poll.conflict:
            raise ApiError(409, poll.conflict)
        return self._pending(offset, limit)

    def _set_allowed_updates(self, raw: str | None) -> None:
        if not raw:
            return
        try:
            value = json.loads(raw)
        except ValueError:
            return
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return
        chosen = frozenset(v.lower() for v in value) & ALL_UPDATES
        self._allowed_updates = chosen or DEFAULT_ALLOWED_UPDATES

    def _m_setWebhook(self, p: dict[str, Any]) -> Any:
        url = p.get("url", "")
        if not url:
            return self._m_deleteWebhook(p)
        now = time.monotonic()
        if now < self._last_webhook_set + 1:
            raise ApiError(429, "Too Many Requests: retry after 1", 1)
        if not url.lower().startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self._last_webhook_set = now
        self._abort_poll("Conflict: terminated by setWebhook request")
        if _bool_arg(p, "drop_pending_updates"):
            self._updates.clear()
        self._set_allowed_updates(p.get("allowed_updates"))
        self.webhook = {k: v for k, v in p.items() if not isinstance(v, UploadedFile)}
        return _Described(True, "Webhook was set")

    def _m_deleteWebhook(self, p: dict[str, Any]) -> Any:
        was_set = bool(self.webhook["url"])
        self.webhook = {"url": ""}
        if _bool_arg(p, "drop_pending_updates"):
            self._updates.clear()
        return _Described(True, "Webhook was deleted" if was_set else "Webhook is already deleted")

    def _m_getWebhookInfo(self, p: dict[str, Any]) -> Any:
        info: dict[str, Any] = {
            "url": self.webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook["url"]:
            info["max_connections"] = _int_arg(self.webhook, "max_connections", 40)
            info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    # ------------------------------------------------------------------ identity

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _m_getMe(self, p: dict[str, Any]) -> Any:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.group_privacy,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _m_close(self, p: dict[str, Any]) -> Any:
        self.closed = True
        return True

    def _m_logOut(self, p: dict[str, Any]) -> Any:
        self.logged_out = True
        return True

    # ------------------------------------------------------------------ chats

    def _target_chat(self, p: dict[str, Any], key: str = "chat_id") -> ChatView:
        raw = p.get(key, "")
        if raw == "":
            raise bad_request(f"{key} is empty")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        chat = self._chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    @staticmethod
    def _check_can_write(chat: ChatView) -> None:
        if isinstance(chat, TestUser):
            if chat.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if not chat.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        elif isinstance(chat, TestGroup) and not chat.bot_is_member:
            kind = "supergroup" if chat.chat_type == "supergroup" else "group"
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")

    def _m_getChat(self, p: dict[str, Any]) -> Any:
        chat = self._target_chat(p)
        if isinstance(chat, TestGroup) and not chat.bot_is_member:
            raise bad_request("chat not found")
        info = {
            **chat._api_chat(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
        return info

    def _m_leaveChat(self, p: dict[str, Any]) -> Any:
        chat = self._target_chat(p)
        if isinstance(chat, TestUser):
            raise bad_request("chat member status can't be changed in private chats")
        assert isinstance(chat, TestGroup)
        if not chat.bot_is_member:
            kind = "supergroup" if chat.chat_type == "supergroup" else "group"
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
        chat.bot_is_member = False
        return True

    def _m_sendChatAction(self, p: dict[str, Any]) -> Any:
        chat = self._target_chat(p)
        if p.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._check_can_write(chat)
        return True

    def _m_setChatMenuButton(self, p: dict[str, Any]) -> Any:
        chat_id = None
        if p.get("chat_id"):
            chat = self._target_chat(p)
            if not isinstance(chat, TestUser):
                raise bad_request("chat not found")
            chat_id = chat.chat_id
        button = {"type": "commands"}
        if p.get("menu_button"):
            try:
                button = json.loads(p["menu_button"])
            except ValueError:
                raise bad_request("can't parse menu button JSON object") from None
            if not isinstance(button, dict) or button.get("type") not in (
                "commands",
                "web_app",
                "default",
            ):
                raise bad_request("unsupported menu button type")
        self.menu_buttons[chat_id] = button
        return True

    def _m_getChatMenuButton(self, p: dict[str, Any]) -> Any:
        chat_id = int(p["chat_id"]) if p.get("chat_id") else None
        return self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {"type": "commands"}

    # ------------------------------------------------------------------ flood control

    def _check_flood(self, chat: ChatView) -> None:
        if not self.flood_control:
            return
        now = time.monotonic()
        while self._global_sends and now - self._global_sends[0] >= 1:
            self._global_sends.popleft()
        if len(self._global_sends) >= 30:
            self._flood(1 - (now - self._global_sends[0]))
        if isinstance(chat, TestGroup):
            sends = self._group_sends.setdefault(chat.chat_id, deque())
            while sends and now - sends[0] >= 60:
                sends.popleft()
            if len(sends) >= 20:
                self._flood(60 - (now - sends[0]))
        tokens, last = self._chat_tokens.get(chat.chat_id, (3.0, now))
        tokens = min(3.0, tokens + (now - last))
        self._chat_tokens[chat.chat_id] = (tokens, now)
        if tokens < 1:
            self._flood(1 - tokens)

    @staticmethod
    def _flood(wait: float) -> None:
        seconds = max(1, math.ceil(wait))
        raise ApiError(429, f"Too Many Requests: retry after {seconds}", seconds)

    def _count_send(self, chat: ChatView) -> None:
        if not self.flood_control:
            return
        now = time.monotonic()
        self._global_sends.append(now)
        if isinstance(chat, TestGroup):
            self._group_sends.setdefault(chat.chat_id, deque()).append(now)
        tokens, _ = self._chat_tokens.get(chat.chat_id, (3.0, now))
        self._chat_tokens[chat.chat_id] = (tokens - 1, now)

    # ------------------------------------------------------------------ sending

    def _reply_to(self, chat: ChatView, p: dict[str, Any]) -> int | None:
        message_id: int | None = None
        allow_missing = _bool_arg(p, "allow_sending_without_reply")
        if p.get("reply_parameters"):
            try:
                reply = json.loads(p["reply_parameters"])
                message_id = int(reply["message_id"])
            except (ValueError, KeyError, TypeError):
                raise bad_request("can't parse reply parameters JSON object") from None
            allow_missing = bool(reply.get("allow_sending_without_reply"))
        elif p.get("reply_to_message_id"):
            message_id = _int_arg(p, "reply_to_message_id", 0)
        if message_id is None:
            return None
        target = chat._find(message_id)
        if target is None or target.deleted:
            if allow_missing:
                return None
            raise bad_request("message to be replied not found")
        return message_id

    def _new_bot_message(
        self,
        chat: ChatView,
        p: dict[str, Any],
        raw_text: str | None,
        parsed: ParsedText,
        markup: dict[str, Any] | None,
        reply_to: int | None,
        kind: str = "text",
    ) -> BotMessage:
        message = BotMessage(
            message_id=chat._take_message_id(),
            chat_id=chat.chat_id,
            text=raw_text,
            plain=parsed.text,
            parse_mode=p.get("parse_mode") or None,
            reply_markup=_inline_only(markup),
            date=int(self.now()),
            kind=kind,
            entities=parsed.entities,
            protect_content=_bool_arg(p, "protect_content"),
            disable_notification=_bool_arg(p, "disable_notification"),
            reply_to_message_id=reply_to,
            link_preview=_link_preview(p, parsed.text),
        )
        return message

    def _publish(self, chat: ChatView, message: BotMessage) -> dict[str, Any]:
        self._render(chat, message)
        chat._store(message)
        chat._event(message)
        self._count_send(chat)
        return message.api

    def _render(self, chat: ChatView, message: BotMessage) -> None:
        api: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self._bot_user(),
            "chat": chat._api_chat(),
            "date": message.date,
        }
        text_key, entities_key = "text", "entities"
        if message.kind == "document":
            api["document"] = self._file_api(message.file_id, document=True)
            text_key, entities_key = "caption", "caption_entities"
        elif message.kind == "photo":
            api["photo"] = self._photo_api(message.file_id)
            text_key, entities_key = "caption", "caption_entities"
        if message.plain or message.kind == "text":
            api[text_key] = message.plain
        if message.entities:
            api[entities_key] = message.entities
        if message.reply_to_message_id is not None:
            target = chat._find(message.reply_to_message_id)
            if target is not None:
                api["reply_to_message"] = dict(target.api)
        if message.reply_markup:
            api["reply_markup"] = message.reply_markup
        if message.protect_content:
            api["has_protected_content"] = True
        if message.edit_date is not None:
            api["edit_date"] = message.edit_date
        message.api = api

    def _m_sendMessage(self, p: dict[str, Any]) -> Any:
        text = p.get("text")
        if not text:
            raise bad_request("message text is empty")
        parsed = parse_text(text, p.get("parse_mode"), p.get("entities"))
        markup = parse_reply_markup(p.get("reply_markup"))
        chat = self._target_chat(p)
        reply_to = self._reply_to(chat, p)
        check_text_length(parsed)
        self._check_can_write(chat)
        self._check_flood(chat)
        message = self._new_bot_message(chat, p, text, parsed, markup, reply_to)
        return self._publish(chat, message)

    def _send_file(self, p: dict[str, Any], field_name: str) -> Any:
        kind = "document" if field_name == "document" else "photo"
        value = p.get(field_name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = p.get(value[len("attach://") :])
        if value is None or value == "":
            raise bad_request(f"there is no {field_name} in the request")
        caption = p.get("caption")
        parsed = check_caption(caption, p.get("parse_mode"), p.get("caption_entities"))
        markup = parse_reply_markup(p.get("reply_markup"))
        chat = self._target_chat(p)
        reply_to = self._reply_to(chat, p)
        if isinstance(value, UploadedFile):
            folder = "documents" if kind == "document" else "photos"
            suffix = ".jpg" if kind == "photo" else _suffix(value.filename)
            stored = self._store_file(
                value.data, folder, value.mime_type, value.filename, suffix, size=None
            )
        elif value in self._files:
            stored = self._files[value]
        elif value.lower().startswith(("http://", "https://")):
            stored = self._store_file(None, "documents", None, value.rsplit("/", 1)[-1], "", 0)
        else:
            raise bad_request("wrong file identifier/HTTP URL specified")
        self._check_can_write(chat)
        self._check_flood(chat)
        message = self._new_bot_message(chat, p, caption, parsed, markup, reply_to, kind)
        message.file_id = stored.file_id
        if kind == "document":
            message.document = SentFile(stored.filename, stored.data, stored.mime_type)
        else:
            message.photo = stored.data
        return self._publish(chat, message)

    def _m_sendDocument(self, p: dict[str, Any]) -> Any:
        return self._send_file(p, "document")

    def _m_sendPhoto(self, p: dict[str, Any]) -> Any:
        return self._send_file(p, "photo")

    # ------------------------------------------------------------------ editing

    def _message_to_edit(self, p: dict[str, Any]) -> tuple[ChatView, BotMessage]:
        if p.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._target_chat(p)
        message_id = _int_arg(p, "message_id", 0)
        if message_id <= 0:
            raise bad_request("message identifier is not specified")
        message = chat._find(message_id)
        if message is None or message.deleted:
            raise bad_request("message to edit not found")
        if not isinstance(message, BotMessage):
            raise bad_request("message can't be edited")
        if isinstance(chat, TestUser) and chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat, message

    def _apply_edit(
        self,
        chat: ChatView,
        message: BotMessage,
        raw_text: str | None,
        parsed: ParsedText | None,
        markup: dict[str, Any] | None,
        parse_mode: str | None,
    ) -> Any:
        new_plain = parsed.text if parsed is not None else message.plain
        new_entities = parsed.entities if parsed is not None else message.entities
        new_markup = _inline_only(markup)
        if (new_plain, new_entities, new_markup) == (
            message.plain,
            message.entities,
            message.reply_markup,
        ):
            raise bad_request(NOT_MODIFIED)
        message.history.append((message.text, message.reply_markup))
        if parsed is not None:
            message.text = raw_text
            message.plain = parsed.text
            message.entities = parsed.entities
            message.parse_mode = parse_mode
        message.reply_markup = new_markup
        message.edited += 1
        message.edit_date = int(self.now())
        self._render(chat, message)
        chat._event(message)
        return message.api

    def _m_editMessageText(self, p: dict[str, Any]) -> Any:
        text = p.get("text")
        if not text:
            raise bad_request("message text is empty")
        parsed = parse_text(text, p.get("parse_mode"), p.get("entities"))
        markup = parse_reply_markup(p.get("reply_markup"))
        _check_inline(markup)
        chat, message = self._message_to_edit(p)
        if message.kind != "text":
            raise bad_request("there is no text in the message to edit")
        check_text_length(parsed)
        return self._apply_edit(chat, message, text, parsed, markup, p.get("parse_mode") or None)

    def _m_editMessageCaption(self, p: dict[str, Any]) -> Any:
        caption = p.get("caption") or ""
        parsed = check_caption(caption, p.get("parse_mode"), p.get("caption_entities"))
        markup = parse_reply_markup(p.get("reply_markup"))
        _check_inline(markup)
        chat, message = self._message_to_edit(p)
        if message.kind == "text":
            raise bad_request("there is no caption in the message to edit")
        return self._apply_edit(chat, message, caption, parsed, markup, p.get("parse_mode"))

    def _m_editMessageReplyMarkup(self, p: dict[str, Any]) -> Any:
        markup = parse_reply_markup(p.get("reply_markup"))
        _check_inline(markup)
        chat, message = self._message_to_edit(p)
        return self._apply_edit(chat, message, None, None, markup, None)

    # ------------------------------------------------------------------ deleting

    def _deletable(self, chat: ChatView, message_id: int) -> BotMessage | UserMessage:
        message = chat._find(message_id)
        if message is None or message.deleted:
            raise bad_request("message to delete not found")
        if self.now() - message.date > DELETE_WINDOW:
            raise bad_request("message can't be deleted")
        if isinstance(chat, TestGroup) and isinstance(message, UserMessage):
            if not chat.bot_is_admin:
                raise bad_request("message can't be deleted")
        return message

    def _m_deleteMessage(self, p: dict[str, Any]) -> Any:
        chat = self._target_chat(p)
        message_id = _int_arg(p, "message_id", 0)
        if message_id <= 0:
            raise bad_request("message identifier is not specified")
        self._deletable(chat, message_id).deleted = True
        return True

    def _m_deleteMessages(self, p: dict[str, Any]) -> Any:
        chat = self._target_chat(p)
        try:
            ids = json.loads(p.get("message_ids") or "[]")
        except ValueError:
            raise bad_request("can't parse message identifiers JSON object") from None
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message identifiers are not specified")
        for message_id in ids:
            # Messages that can't be found or deleted are skipped, as documented.
            with contextlib.suppress(ApiError, TypeError, ValueError):
                self._deletable(chat, int(message_id)).deleted = True
        return True

    # ------------------------------------------------------------------ callback queries

    def _m_answerCallbackQuery(self, p: dict[str, Any]) -> Any:
        query = self._callback_queries.get(p.get("callback_query_id", ""))
        if query is None or query.answered or self.now() - query.created > CALLBACK_QUERY_LIFETIME:
            raise bad_request(QUERY_INVALID)
        text = p.get("text") or None
        if text is not None and utf16_len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        answer = CallbackAnswer(
            text=text,
            show_alert=_bool_arg(p, "show_alert"),
            url=p.get("url") or None,
            cache_time=_int_arg(p, "cache_time", 0),
        )
        query.user.callback_answers[query.query_id] = answer
        if query.user.last_callback_query_id == query.query_id:
            query.user.last_callback_answer = answer
        return True

    # ------------------------------------------------------------------ commands

    def _scope_key(self, raw: str | None) -> tuple[Any, ...]:
        if not raw:
            return ("default",)
        try:
            scope = json.loads(raw)
        except ValueError:
            raise bad_request("can't parse BotCommandScope JSON object") from None
        kind = scope.get("type") if isinstance(scope, dict) else None
        if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
            return (kind,)
        if kind in ("chat", "chat_administrators", "chat_member"):
            chat = self._target_chat({"chat_id": str(scope.get("chat_id", ""))})
            if kind == "chat_member":
                return (kind, chat.chat_id, _int_arg({"u": str(scope.get("user_id"))}, "u", 0))
            return (kind, chat.chat_id)
        raise bad_request("unsupported bot command scope type")

    def _m_setMyCommands(self, p: dict[str, Any]) -> Any:
        commands = parse_commands(p.get("commands"))
        key = (self._scope_key(p.get("scope")), check_language_code(p.get("language_code")))
        if commands:
            self._commands[key] = commands
        else:
            self._commands.pop(key, None)
        return True

    def _m_setMyDescription(self, p: dict[str, Any]) -> Any:
        return self._set_profile_text(p, "description", 512)

    def _m_getMyDescription(self, p: dict[str, Any]) -> Any:
        lang = check_language_code(p.get("language_code"))
        return {"description": self.profile_texts.get(("description", lang), "")}

    def _m_setMyShortDescription(self, p: dict[str, Any]) -> Any:
        return self._set_profile_text(p, "short_description", 120)

    def _m_getMyShortDescription(self, p: dict[str, Any]) -> Any:
        lang = check_language_code(p.get("language_code"))
        return {"short_description": self.profile_texts.get(("short_description", lang), "")}

    def _set_profile_text(self, p: dict[str, Any], field_name: str, limit: int) -> Any:
        text = str(p.get(field_name) or "")
        if len(text) > limit:
            raise bad_request(f"{field_name} is too long")
        lang = check_language_code(p.get("language_code"))
        if text:
            self.profile_texts[(field_name, lang)] = text
        else:
            self.profile_texts.pop((field_name, lang), None)
        return True

    def _m_getMyCommands(self, p: dict[str, Any]) -> Any:
        key = (self._scope_key(p.get("scope")), check_language_code(p.get("language_code")))
        return [{"command": c, "description": d} for c, d in self._commands.get(key, [])]

    def _m_deleteMyCommands(self, p: dict[str, Any]) -> Any:
        key = (self._scope_key(p.get("scope")), check_language_code(p.get("language_code")))
        self._commands.pop(key, None)
        return True

    def _commands_for(
        self, scope: tuple[Any, ...], language_code: str | None
    ) -> list[tuple[str, str]] | None:
        if language_code and (scope, language_code) in self._commands:
            return self._commands[(scope, language_code)]
        return self._commands.get((scope, ""))

    # ------------------------------------------------------------------ files

    def _store_file(
        self,
        data: bytes | None,
        folder: str,
        mime_type: str | None,
        filename: str | None,
        suffix: str,
        size: int | None,
    ) -> StoredFile:
        number = next(self._file_counter)
        digest = hashlib.sha1(f"{folder}{number}".encode()).hexdigest()
        stored = StoredFile(
            file_id=f"{folder[:3].upper()}{number}-{digest[:24]}",
            file_unique_id=f"U{number}{digest[:8]}",
            file_path=f"{folder}/file_{number}{suffix}",
            data=data,
            size=size if size is not None else len(data or b""),
            mime_type=mime_type,
            filename=filename,
        )
        self._files[stored.file_id] = stored
        return stored

    def _file_api(self, file_id: str | None, document: bool = False) -> dict[str, Any]:
        stored = self._files[file_id or ""]
        api: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
        }
        if document:
            if stored.filename:
                api["file_name"] = stored.filename
            if stored.mime_type:
                api["mime_type"] = stored.mime_type
        return api

    def _photo_api(self, file_id: str | None) -> list[dict[str, Any]]:
        return [{**self._file_api(file_id), "width": 320, "height": 320}]

    def _m_getFile(self, p: dict[str, Any]) -> Any:
        stored = self._files.get(p.get("file_id", ""))
        if stored is None:
            raise bad_request("wrong file_id or the file is temporarily unavailable")
        if stored.size > self.max_download_bytes:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    # ------------------------------------------------------------------ user side (internal)

    def _user_message(
        self,
        user: TestUser,
        chat: ChatView,
        content: dict[str, Any],
        reply_to: BotMessage | int | None,
    ) -> dict[str, Any]:
        if chat.chat_id not in self._chats:
            raise ValueError(f"unknown chat {chat.chat_id}")
        if chat is user:
            user.started = True
        message_id = chat._take_message_id()
        date = int(self.now())
        api: dict[str, Any] = {
            "message_id": message_id,
            "from": user._api_user(),
            "chat": chat._api_chat(),
            "date": date,
            **content,
        }
        replied: BotMessage | UserMessage | None = None
        if reply_to is not None:
            reply_id = reply_to if isinstance(reply_to, int) else reply_to.message_id
            replied = chat._find(reply_id)
            if replied is None:
                raise ValueError(f"no message {reply_id} in chat {chat.chat_id}")
            api["reply_to_message"] = dict(replied.api)
        chat._store(UserMessage(message_id, chat.chat_id, date, api))
        if self._bot_sees(chat, content, replied):
            self._push_update("message", api)
        return api

    def _bot_sees(
        self,
        chat: ChatView,
        content: dict[str, Any],
        replied: BotMessage | UserMessage | None,
    ) -> bool:
        if not isinstance(chat, TestGroup):
            return True
        if not chat.bot_is_member:
            return False
        if not self.group_privacy or chat.bot_is_admin or isinstance(replied, BotMessage):
            return True
        text = content.get("text", "")
        if not text.startswith("/"):
            return False
        command = text.split()[0]
        return "@" not in command or command.split("@", 1)[1].lower() == self.bot_username.lower()

    def _user_edit(self, user: TestUser, message_id: int, text: str) -> dict[str, Any]:
        message = user._find(message_id)
        if not isinstance(message, UserMessage) or message.deleted:
            raise ValueError(f"{user!r} has no message {message_id} to edit")
        if "text" not in message.api:
            raise ValueError(f"message {message_id} has no text")
        message.history.append(message.api["text"])
        message.api = {**message.api, "text": text, "edit_date": int(self.now())}
        entities = _command_entities(text)
        if entities:
            message.api["entities"] = entities
        else:
            message.api.pop("entities", None)
        self._push_update("edited_message", message.api)
        return message.api

    def _current_bot_message(self, message: BotMessage) -> BotMessage:
        chat = self._chats.get(message.chat_id)
        current = chat._find(message.message_id) if chat else None
        if not isinstance(current, BotMessage):
            raise AssertionError(f"{message!r} is not a message of the bot")
        return current

    def _callback_query(self, user: TestUser, message: BotMessage, data: str) -> str:
        query_id = f"{user.id}{next(self._query_counter):06d}"
        self._callback_queries[query_id] = _CallbackQuery(query_id, user, self.now())
        instance = hashlib.sha1(f"{message.chat_id}:{self.bot_id}".encode()).hexdigest()[:16]
        self._push_update(
            "callback_query",
            {
                "id": query_id,
                "from": user._api_user(),
                "message": dict(message.api),
                "chat_instance": str(int(instance, 16)),
                "data": data,
            },
        )
        return query_id

    def _member_status_changed(self, user: TestUser, old: str, new: str) -> None:
        def member(status: str) -> dict[str, Any]:
            entry: dict[str, Any] = {"status": status, "user": self._bot_user()}
            if status == "kicked":
                entry["until_date"] = 0
            return entry

        self._push_update(
            "my_chat_member",
            {
                "chat": user._api_chat(),
                "from": user._api_user(),
                "date": int(self.now()),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        )


@dataclass
class _Described:
    """A successful result that Telegram accompanies with a description."""

    result: Any
    description: str


def _int_arg(p: dict[str, Any], key: str, default: int) -> int:
    raw = p.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(str(raw).strip())
    except ValueError:
        return 0


def _link_preview(p: dict[str, Any], plain: str) -> bool:
    """Whether Telegram would show a preview card: a link in the text, previews not disabled."""
    if not re.search(r"https?://|\bt\.me/", plain):
        return False
    raw = p.get("link_preview_options")
    options = json.loads(raw) if isinstance(raw, str) and raw else raw or {}
    return not (isinstance(options, dict) and options.get("is_disabled"))


def _bool_arg(p: dict[str, Any], key: str) -> bool:
    return str(p.get(key, "")).lower() in ("true", "1")


def _suffix(filename: str | None) -> str:
    return "." + filename.rsplit(".", 1)[-1] if filename and "." in filename else ""


def _inline_only(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """Telegram keeps (and returns) only inline keyboards on a message."""
    if markup and markup.get("inline_keyboard"):
        return {"inline_keyboard": markup["inline_keyboard"]}
    return None


def _check_inline(markup: dict[str, Any] | None) -> None:
    if markup is not None and "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
