"""What every flow shares: the reply type, the per-update unit of work, authorisation, sending.

A handler is a plain async function `(Request) -> Reply | list[Reply]` wrapped by `@handler(...)`.
The wrapper opens one database session for the update, checks who may do it, calls the handler,
records the update id with the reply in the same transaction, commits, and only then talks to
Telegram. So a confirmation is never sent for a write that is not committed, no transaction is
held open across a Telegram call, and an update redelivered after a crash changes nothing: its
stored reply is sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import itertools
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from conversations.runtime.callbacks import BadCallback
from conversations.runtime.context import BotContext, Services
from locales import LANGUAGES, Translator, translator
from models import outbox, service
from models.clock import clock
from models.errors import DomainError
from models.users import Role, User, get_user

log = logging.getLogger(__name__)

MAX_TEXT_INPUT = 1000
# An answer Telegram could not take is tried again for this long (a message can be edited or
# deleted for 48 hours).
ANSWER_LATER_FOR = timedelta(hours=48)
# Outbox kind: a message the user typed, deleted from the chat once what it said is stored.
DELETE_TYPED = "delete_typed"


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
    tap_answered: bool = False

    async def answer_tap_now(self, toast: str) -> None:
        """For work that takes seconds: the tap's spinner stops now, with a short note, and
        the answer follows when the work is done."""
        query = self.update.callback_query
        if query is None or self.tap_answered:
            return
        with contextlib.suppress(BadRequest):
            await query.answer(toast[:200])
        self.tap_answered = True
        # If the work then fails, the apology comes as a message (conversations/runtime/errors.py).
        answered_early(self.services).add(self.update.update_id)

    def send_outbox_soon(self) -> None:
        """After the commit, send what this update queued in the outbox without waiting."""

        async def wake() -> None:
            from conversations.runtime.jobs import wake_outbox  # jobs imports this module

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


def answered_early(services: Services) -> set[int]:
    """Ids of the updates being handled whose tap has been answered already."""
    found: set[int] = services.extra.setdefault("answered_early", set())
    return found


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
    from conversations.vocabulary import domain_error_text

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
    state_before = context.user_data.dumps() if context.user_data is not None else None
    if message is not None and (message.text or "").startswith("/") and context.user_data:
        # A new command abandons whatever text the bot was waiting for.
        context.state.clear()
    tr = translator(guess_language(tg_user.language_code, services.settings.default_language))
    replies: list[Reply]
    request: Request | None = None
    # An update handled before a crash or a lost confirmation: its stored reply, again.
    done: list[Any] | None = None
    failed = False
    if not write:
        confirm = services.extra.get("confirm")
        if confirm is not None:
            confirm.reading(update.update_id)
    try:
        session_scope = services.db.write() if write else services.db.read()
        async with session_scope as session:
            key = update_key(update, chat.id, tg_user.id)
            done = await service.stored_reply(session, key) if write else None
            if done is None:
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
                        if user is not None:
                            await _commit_with_records(
                                session, update, context, user, state_before, replies
                            )
                        await service.mark_processed(session, key, [r.to_json() for r in replies])
                    elif user is not None and _state_changed(context, state_before):
                        request.after_commit.insert(
                            0, _save_state_now(services, context, tg_user.id)
                        )
    except BadCallback:
        replies = [stale_button_reply(tr)]
        failed = True
    except DomainError as error:
        replies = [error_reply(tr, error)]
        if update.callback_query is not None and not (request and request.tap_answered):
            # On a tap the answer is a pop-up: the message the button was on stays as it was.
            replies = [Reply("", toast=replies[0].text[:200], alert=True)]
        elif update.callback_query is not None:
            # The pop-up said the answer would follow: it does, as a message.
            replies = [replace(replies[0], new=True)]
        failed = True
    if done is not None:
        stored = [Reply.from_json(r) for r in done]

        async def again() -> None:
            await _push_stale_menu(context, tg_user.id)
            await deliver(update, context, stored, delete=False)

        await _finish_or_later(context, again, update.update_id)
        _wake_outbox(context)
        return
    # Nothing was committed after a failure, so nothing is to follow the commit.
    after_commit = request.after_commit if request is not None and not failed else []
    answered = request is not None and request.tap_answered
    answered_early(services).discard(update.update_id)

    async def finish() -> None:
        for action in after_commit:
            await action()
        await deliver(update, context, replies, delete=not write, answered=answered)

    await _finish_or_later(context, finish, update.update_id)
    if write and any(r.delete_user_message for r in replies):
        _wake_outbox(context)


def update_key(update: Update, chat_id: int, user_id: int) -> service.UpdateKey:
    """Identifies an update by who sent it and what it is, besides Telegram's reusable id.

    Ids and dates only: the digest is stored, and what people typed must not be.
    """
    query = update.callback_query
    message = update.effective_message
    edited = getattr(message, "edit_date", None)
    parts: list[object] = [
        chat_id,
        user_id,
        "tap" if query is not None else "edit" if update.edited_message else "message",
        query.id if query is not None else None,
        query.data if query is not None else None,
        message.message_id if message is not None else None,
        int(message.date.timestamp()) if message is not None and message.date else None,
        int(edited.timestamp()) if edited else None,
    ]
    digest = hashlib.sha256(json.dumps(parts).encode()).hexdigest()
    return service.UpdateKey(update.update_id, chat_id, digest)


async def _finish_or_later(
    context: BotContext, finish: Callable[[], Awaitable[None]], update_id: int
) -> None:
    """Answers now, or, while Telegram cannot be reached, again and again until it can.

    What the update changed is committed already; only the answer waits (in this process).
    """
    try:
        await finish()
        return
    except (NetworkError, RetryAfter) as error:
        log.warning("update %s: Telegram unreachable (%s); answering later", update_id, error)
    task = asyncio.create_task(_answer_later(finish, update_id))
    later: set[asyncio.Task[None]] = context.services.extra.setdefault("answers_later", set())
    later.add(task)
    task.add_done_callback(later.discard)


async def _answer_later(finish: Callable[[], Awaitable[None]], update_id: int) -> None:
    give_up = clock.now() + clock.wait(ANSWER_LATER_FOR)
    for attempt in itertools.count(1):
        await asyncio.sleep(clock.wait(outbox.backoff(attempt)).total_seconds())
        try:
            await finish()
            log.info("update %s answered after %s attempts", update_id, attempt + 1)
            return
        except (NetworkError, RetryAfter):
            if clock.now() > give_up:
                log.warning("update %s: not answered, Telegram unreachable too long", update_id)
                return
        except TelegramError as error:
            log.info("update %s: answer refused late: %s", update_id, error)
            return


def _state_changed(context: BotContext, before: str | None) -> bool:
    return context.user_data is not None and context.user_data.dumps() != before


async def _save_state(session: AsyncSession, context: BotContext, telegram_id: int) -> None:
    data = context.user_data
    await service.save_user_data(
        session, telegram_id, None if data is None or data.is_empty else data.dumps()
    )


def _save_state_now(
    services: Services, context: BotContext, telegram_id: int
) -> Callable[[], Awaitable[None]]:
    async def save() -> None:
        async with services.db.write() as session:
            await _save_state(session, context, telegram_id)

    return save


async def _commit_with_records(
    session: AsyncSession,
    update: Update,
    context: BotContext,
    user: User,
    state_before: str | None,
    replies: Sequence[Reply],
) -> None:
    """What must survive a crash right after the commit, stored in the same transaction.

    The step the user is at (so the text they type next is not taken for stray text), and the
    deletion of a message they typed whose content is now stored: the outbox does it, so it
    happens even if the process dies before it could delete the message itself.
    """
    if _state_changed(context, state_before):
        await _save_state(session, context, user.telegram_id)
    message = update.message
    if message is not None and any(r.delete_user_message for r in replies):
        await outbox.enqueue(
            session,
            kind=DELETE_TYPED,
            subject=f"{message.chat_id}:{message.message_id}",
            period="",
            recipient_id=user.id,
            payload={"message_id": message.message_id},
        )


async def _push_stale_menu(context: BotContext, telegram_id: int) -> None:
    """An update handled before a crash: the process may have died before the command menu
    that its change called for (a role, a language) was pushed."""
    from conversations.runtime.menu import menu_key, push_user_menu

    services = context.services
    async with services.db.read() as session:
        user = await get_user(session, telegram_id)
    if user is None or user.menu_key == menu_key(user):
        return
    if await push_user_menu(context.bot, user):
        async with services.db.write() as session:
            stored = await session.get(User, user.id)
            if stored is not None:
                stored.menu_key = menu_key(user)


def _wake_outbox(context: BotContext) -> None:
    from conversations.runtime.jobs import wake_outbox

    wake_outbox(context)


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


async def deliver(
    update: Update,
    context: BotContext,
    replies: Sequence[Reply],
    *,
    delete: bool = True,
    answered: bool = False,
) -> None:
    """Sends the replies: answer the tap, edit in place where possible, else send.

    `delete=False`: a typed message to delete is left to the outbox (queued with the commit).
    """
    query = update.callback_query
    # The tap is answered while the message is edited: with Telegram a round trip away, one
    # round trip less before the person sees the new screen.
    answering = (
        asyncio.ensure_future(_answer_tap(query, replies[0] if replies else None))
        if query is not None and not answered
        else None
    )
    try:
        await _show_all(update, context, replies, delete=delete)
    finally:
        if answering is not None:
            await answering


async def _answer_tap(query: CallbackQuery, first: Reply | None) -> None:
    try:
        await query.answer(
            text=(first.toast if first else None) or None,
            show_alert=bool(first and first.alert),
        )
    except BadRequest as error:
        # A tap redelivered after a restart is too old to answer; the edit still helps.
        log.info("callback answer refused: %s", error.message)


async def _show_all(
    update: Update, context: BotContext, replies: Sequence[Reply], *, delete: bool
) -> None:
    query = update.callback_query
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
        if delete and reply.delete_user_message and update.message is not None:
            try:
                await update.message.delete()
            except BadRequest as error:
                log.info("could not delete a user message: %s", error.message)


def _already_shows(message: Message, reply: Reply) -> bool:
    """A second tap on the same button: the message shows this reply already, and Telegram
    refuses an edit that changes nothing. (PTB escapes quotes that Telegram's HTML leaves.)"""
    shown = message.text_html.replace("&#x27;", "'").replace("&quot;", '"')
    wanted = reply.text.replace("&quot;", '"')
    return shown == wanted and message.reply_markup == reply.markup()


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
        if _already_shows(target, reply):
            return target
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
