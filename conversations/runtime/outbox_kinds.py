"""What each outbox kind sends: its renderer, and its fallback when the recipient blocked the bot.

Flows register theirs with `@renders(kind)`; start-up refuses a kind without a renderer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.runtime.reply import Reply
from locales import Translator
from models.outbox import OutboxMessage
from models.users import User

# kind -> renders the row for its recipient (None: the subject is gone, cancel the row).
Renderer = Callable[[AsyncSession, OutboxMessage, User, Translator], Awaitable[Reply | None]]
# kind -> when the recipient blocked the bot: queue the message for someone else.
Fallback = Callable[[AsyncSession, OutboxMessage], Awaitable[None]]
RENDERERS: dict[str, Renderer] = {}
FALLBACKS: dict[str, Fallback] = {}


def renders(kind: str, fallback: Fallback | None = None) -> Callable[[Renderer], Renderer]:
    def register(fn: Renderer) -> Renderer:
        RENDERERS[kind] = fn
        if fallback is not None:
            FALLBACKS[kind] = fallback
        return fn

    return register
