"""What every flow shares: the reply type, the per-update unit of work, authorisation, sending.

A handler is a plain async function `(Request) -> Reply | list[Reply]` wrapped by `@handler(...)`.
The wrapper opens one database session for the update, checks who may do it, calls the handler,
records the update id with the reply in the same transaction, commits, and only then talks to
Telegram. So a confirmation is never sent for a write that is not committed, no transaction is
held open across a Telegram call, and an update redelivered after a crash changes nothing: its
stored reply is sent again.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden

from conversations.callbacks import BadCallback
from conversations.context import BotContext, Services
from locales import LANGUAGES, Translator, translator
from models import service
from models.clock import clock
from models.errors import DomainError
from models.users import Role, User, get_user

log = logging.getLogger(__name__)

MAX_TEXT_INPUT = 1000


@dataclass(frozen=True)
class Button:
    label: str
    data: str | None = None
    url: str | None = None

    def markup(self) -> InlineKeyboardButton:
        if self.url:
            return InlineKeyboardButton(self.label, url=self.url)
        return InlineKeyboardButton(self.label, callback_data=self.data)


@dataclass
class Reply:
    """One message to show. For a button tap it replaces the tapped message unless `new`."""

    text: str
    buttons: Sequence[Sequence[Button]] = ()
    new: bool = False
    toast: str | None = None
    alert: bool = False
    delete_user_message: bool = False
    protect: bool = False
    silent: bool = False
    document: tuple[str, bytes] | None = None
    # Remember the sent message as the panel that later steps edit (user data `panel_id`).
    panel: bool = False

    def markup(self) -> InlineKeyboardMarkup | None:
        if not self.buttons:
            return None
        return InlineKeyboardMarkup([[b.markup() for b in row] for row in self.buttons])

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["document"] = None  # documents are regenerated, never stored
        data["buttons"] = [[asdict(b) for b in row] for row in self.buttons]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        data = dict(data)
        data["buttons"] = [[Button(**b) for b in row] for row in data.get("buttons") or []]
        return cls(**data)


@dataclass
class Request:
    update: Update
    context: BotContext
    session: AsyncSession
    user: User | None
    tr: Translator
    services: Services
    # Telegram calls to make once the transaction is committed (e.g. pushing a command menu).
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def send_outbox_soon(self) -> None:
        """After the commit, send what this update queued in the outbox without waiting."""

        async def wake() -> None:
            from conversations.jobs import wake_outbox  # jobs imports this module

            wake_outbox(self.context)

        self.after_commit.append(wake)

    @property
    def me(self) -> User:
        if self.user is None:  # the wrapper never calls a registered-only handler without a user
            raise DomainError("not_registered")
        return self.user

    @property
    def text(self) -> str:
        message = self.update.effective_message
        return (message.text or "") if message and self.update.message else ""

    @property
    def data(self) -> str:
        query = self.update.callback_query
        return (query.data or "") if query else ""

    @property
    def args(self) -> list[str]:
        return list(self.context.args or [])

    @property
    def is_tap(self) -> bool:
        return self.update.callback_query is not None


Handler = Callable[[Request], Awaitable["Reply | list[Reply] | None"]]
# `roles=ANYONE`: also for people who have not registered (e.g. /start with an invite).
ANYONE: frozenset[Role] = frozenset()
REGISTERED: frozenset[Role] = frozenset(Role)


def guess_language(code: str | None, default: str) -> str:
    base = (code or "").split("-")[0].lower()
    return base if base in LANGUAGES else default


def in_all_languages(context: str, message: str) -> str:
    """For people the bot does not know yet: the same sentence in Kirundi, French and English."""
    return "\n\n".join(translator(lang).pgettext(context, message) for lang in LANGUAGES)


def not_registered_text() -> str:
    return in_all_languages(
        "access",
        "This bot is for the sociotherapy programme. To use it you need an invitation link "
        "from your coordinator. Ask them for one, then open it on this phone.",
    )


def error_reply(tr: Translator, error: DomainError) -> Reply:
    from conversations.messages import domain_error_text

    return Reply(domain_error_text(tr, error), new=True, toast=None)


def stale_button_reply(tr: Translator) -> Reply:
    return Reply(
        "",
        toast=tr.pgettext(
            "access", "This button is no longer valid. Send /help to see what you can do."
        ),
        alert=True,
    )


def _authorise(user: User | None, roles: frozenset[Role], tr: Translator) -> Reply | None:
    if roles is ANYONE:
        return None
    if user is None:
        return Reply(not_registered_text(), new=True)
    if user.revoked_at is not None:
        return Reply(
            tr.pgettext("access", "Your access to this bot has ended. Ask your coordinator."),
            new=True,
        )
    if Role(user.role) not in roles:
        return Reply(
            tr.pgettext(
                "access", "This is not part of your role. Send /help to see what you can do."
            ),
            new=True,
        )
    return None


def handler(
    *, roles: frozenset[Role] = REGISTERED, write: bool = False
) -> Callable[[Handler], Any]:
    """Wraps a flow function into a PTB callback (see the module docstring)."""

    def wrap(fn: Handler) -> Callable[[Update, BotContext], Awaitable[None]]:
        @functools.wraps(fn)
        async def callback(update: Update, context: BotContext) -> None:
            await _run(fn, update, context, roles=roles, write=write)

        return callback

    return wrap


async def _run(
    fn: Handler, update: Update, context: BotContext, *, roles: frozenset[Role], write: bool
) -> None:
    services = context.services
    tg_user = update.effective_user
    chat = update.effective_chat
    if tg_user is None or chat is None or chat.type != ChatType.PRIVATE:
        return
    services.last_update_id = update.update_id
    message = update.message
    if message is not None:
        services.message_log.append((chat.id, message.message_id, clock.now()))
    if message is not None and (message.text or "").startswith("/") and context.user_data:
        # A new command abandons whatever text the bot was waiting for.
        context.state.clear()
    tr = translator(guess_language(tg_user.language_code, services.settings.default_language))
    replies: list[Reply]
    request: Request | None = None
    if write:
        async with services.db.read() as session:
            done = await service.find_processed(session, update.update_id)
        if done is not None:
            stored = json.loads(done.reply) if done.reply else []
            await deliver(update, context, [Reply.from_json(r) for r in stored])
            return
    try:
        session_scope = services.db.write() if write else services.db.read()
        async with session_scope as session:
            user = await get_user(session, tg_user.id)
            if user is not None:
                tr = translator(user.language)
            denial = _authorise(user, roles, tr)
            if denial is not None:
                replies = [denial]
            else:
                request = Request(update, context, session, user, tr, services)
                if user is not None and user.unreachable_at is not None:
                    # They write to us again, so they can be reached again.
                    request.after_commit.append(_reachable_again(services, user.id))
                result = await fn(request)
                replies = (
                    [] if result is None else [result] if isinstance(result, Reply) else result
                )
                if write:
                    await service.mark_processed(
                        session, update.update_id, [r.to_json() for r in replies]
                    )
    except BadCallback:
        replies = [stale_button_reply(tr)]
        request = None
    except DomainError as error:
        replies = [error_reply(tr, error)]
        if update.callback_query is not None:
            # On a tap the answer is a pop-up: the message the button was on stays as it was.
            replies = [Reply("", toast=replies[0].text[:200], alert=True)]
        request = None
    if request is not None:
        for action in request.after_commit:
            await action()
    await deliver(update, context, replies)


def _reachable_again(services: Services, user_id: int) -> Callable[[], Awaitable[None]]:
    async def clear() -> None:
        await set_reachable(services, user_id, reachable=True)

    return clear


async def set_reachable(services: Services, user_id: int, *, reachable: bool) -> None:
    async with services.db.write() as session:
        user = await session.get(User, user_id)
        if user is not None:
            user.unreachable_at = None if reachable else (user.unreachable_at or clock.now())


async def flush_message_log(services: Services) -> None:
    from models.privacy import log_messages

    rows, services.message_log[:] = list(services.message_log), []
    if rows:
        async with services.db.write() as session:
            await log_messages(session, rows)


async def deliver(update: Update, context: BotContext, replies: Sequence[Reply]) -> None:
    """Sends the replies: answer the tap, edit in place where possible, else send."""
    query = update.callback_query
    if query is not None:
        first = replies[0] if replies else None
        try:
            await query.answer(
                text=(first.toast if first else None) or None,
                show_alert=bool(first and first.alert),
            )
        except BadRequest as error:
            # A tap redelivered after a restart is too old to answer; the edit below still helps.
            log.info("callback answer refused: %s", error.message)
    chat = update.effective_chat
    if chat is None:
        return
    for reply in replies:
        if not reply.text and reply.document is None:
            continue
        sent = await _show(update, context, chat.id, reply)
        if sent is not None and (query is None or sent is not query.message):
            context.services.message_log.append((chat.id, sent.message_id, clock.now()))
        if reply.panel and sent is not None and context.user_data is not None:
            context.state.panel_id = sent.message_id
        if reply.delete_user_message and update.message is not None:
            try:
                await update.message.delete()
            except BadRequest as error:
                log.info("could not delete a user message: %s", error.message)


async def _show(update: Update, context: BotContext, chat_id: int, reply: Reply) -> Message | None:
    bot = context.bot
    if reply.document is not None:
        name, content = reply.document
        return await bot.send_document(
            chat_id,
            document=content,
            filename=name,
            caption=reply.text or None,
            parse_mode=ParseMode.HTML,
            protect_content=reply.protect,
        )
    query = update.callback_query
    target = query.message if query is not None else None
    if target is not None and not reply.new and isinstance(target, Message) and target.text:
        try:
            edited = await bot.edit_message_text(
                reply.text,
                chat_id=chat_id,
                message_id=target.message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=reply.markup(),
            )
            return edited if isinstance(edited, Message) else target
        except BadRequest as error:
            if "not modified" in error.message:
                return target
            if "not found" not in error.message and "can't be edited" not in error.message:
                raise
    try:
        return await bot.send_message(
            chat_id,
            reply.text,
            parse_mode=ParseMode.HTML,
            reply_markup=reply.markup(),
            protect_content=reply.protect,
            disable_notification=reply.silent,
        )
    except Forbidden:
        log.info("user %s blocked the bot", chat_id)
        return None
