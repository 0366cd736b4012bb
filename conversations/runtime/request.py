"""What a handler is given (`Request`) and the answers every flow shares: not registered,
not your role, a stale button, a domain error."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.error import BadRequest

from conversations.runtime import arrivals
from conversations.runtime.context import BotContext, Services
from conversations.runtime.reply import Reply
from locales import LANGUAGES, Translator, translator
from models.errors import DomainError
from models.users import Role, User

log = logging.getLogger(__name__)

MAX_TEXT_INPUT = 1000


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
        if arrivals.of(self.services.extra).may_answer(self.update.update_id):
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
    from conversations.vocabulary.errors import domain_error_text

    return Reply(domain_error_text(tr, error), new=True, toast=None)


def stale_button_reply(tr: Translator) -> Reply:
    return Reply(
        "",
        toast=tr.pgettext(
            "access", "This button is no longer valid. Send /help to see what you can do."
        ),
        alert=True,
    )


def authorise(user: User | None, roles: frozenset[Role], tr: Translator) -> Reply | None:
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
