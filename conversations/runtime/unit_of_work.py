"""The per-update unit of work behind `@handler(...)`.

A handler is a plain async function `(Request) -> Reply | list[Reply]` wrapped by `@handler(...)`.
The wrapper opens one database session for the update, checks who may do it, calls the handler,
records the update with the reply in the same transaction, commits, and only then talks to
Telegram. So a confirmation is never sent for a write that is not committed, no transaction is
held open across a Telegram call, and an update redelivered after a crash changes nothing: its
stored reply is sent again, to the same chat only.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.constants import ChatType

from conversations.runtime import updatelog
from conversations.runtime.callbacks import BadCallback
from conversations.runtime.cancelling import cancelled_draft
from conversations.runtime.context import BotContext, Services
from conversations.runtime.delivery import deliver, finish_or_later
from conversations.runtime.reply import Reply
from conversations.runtime.request import (
    REGISTERED,
    Handler,
    Request,
    answered_early,
    authorise,
    error_reply,
    guess_language,
    stale_button_reply,
)
from locales import translator
from models import outbox, service, users
from models.clock import clock
from models.errors import DomainError
from models.users import Role, User, get_user

log = logging.getLogger(__name__)


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
    started = time.perf_counter()
    outcome = updatelog.FAILED
    try:
        outcome = await _handle(fn, update, context, roles=roles, write=write)
    finally:
        if outcome:
            updatelog.record(update.update_id, updatelog.action_name(fn), outcome, started)


async def _handle(
    fn: Handler, update: Update, context: BotContext, *, roles: frozenset[Role], write: bool
) -> str:
    """Handles the update; returns its outcome for the log (empty: not ours to handle)."""
    services = context.services
    tg_user = update.effective_user
    chat = update.effective_chat
    if tg_user is None or chat is None or chat.type != ChatType.PRIVATE:
        return ""
    outcome = updatelog.DONE
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
    key = update_key(update, chat.id, tg_user.id)
    try:
        session_scope = services.db.write() if write else services.db.read()
        async with session_scope as session:
            done = await service.stored_reply(session, key) if write else None
            if done is None:
                user = await get_user(session, tg_user.id)
                if user is not None:
                    tr = translator(user.language)
                denial = authorise(user, roles, tr)
                if denial is not None:
                    replies = [denial]
                    outcome = updatelog.REFUSED
                elif cancelled_draft(update, context.user_data):
                    raise BadCallback("a draft stopped by /cancel")
                else:
                    request = Request(update, context, session, user, tr, services)
                    if user is not None and user.last_active_on != clock.now().date():
                        # Once a day a person: the day `user list` shows as last active.
                        request.after_commit.append(_seen_today(services, user.id))
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
        outcome = updatelog.STALE
    except DomainError as error:
        replies = [error_reply(tr, error)]
        outcome = updatelog.DECLINED
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
            if stored:
                await deliver(update, context, stored, delete=False)
                await _delivered(services, key)

        await finish_or_later(context, again, update.update_id)
        _wake_outbox(context)
        return updatelog.REPEAT
    # Nothing was committed after a failure, so nothing is to follow the commit.
    after_commit = request.after_commit if request is not None and not failed else []
    answered = request is not None and request.tap_answered
    answered_early(services).discard(update.update_id)

    async def finish() -> None:
        for action in after_commit:
            await action()
        await deliver(update, context, replies, delete=not write, answered=answered)
        if write and not failed:
            await _delivered(services, key)

    await finish_or_later(context, finish, update.update_id)
    if write and any(r.delete_user_message for r in replies):
        _wake_outbox(context)
    return outcome


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


async def _delivered(services: Services, key: service.UpdateKey) -> None:
    """A redelivery of this update will send nothing again."""
    try:
        async with services.db.write() as session:
            await service.mark_delivered(session, key)
    except SQLAlchemyError:
        log.exception("update %s: delivery not recorded", key.update_id)


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
            kind=outbox.OutboxKind.DELETE_TYPED,
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
            await users.record_menu(session, user_id=user.id, menu_key=menu_key(user))


def _wake_outbox(context: BotContext) -> None:
    from conversations.runtime.jobs import wake_outbox

    wake_outbox(context)


def _seen_today(services: Services, user_id: int) -> Callable[[], Awaitable[None]]:
    async def seen() -> None:
        async with services.db.write() as session:
            await users.seen_today(session, user_id=user_id, today=clock.now().date())

    return seen


def _reachable_again(services: Services, user_id: int) -> Callable[[], Awaitable[None]]:
    async def clear() -> None:
        await set_reachable(services, user_id, reachable=True)

    return clear


async def set_reachable(services: Services, user_id: int, *, reachable: bool) -> None:
    async with services.db.write() as session:
        await users.set_reachable(session, user_id=user_id, reachable=reachable)


async def flush_message_log(services: Services) -> None:
    from models.privacy import log_messages

    rows, services.message_log[:] = list(services.message_log), []
    if rows:
        async with services.db.write() as session:
            await log_messages(session, rows)
