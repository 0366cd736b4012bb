"""Typed context: every callback gets the application's services and typed user data."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from conversations.runtime.state import UserData
from models.db import Database
from models.settings import Settings


@dataclass
class Services:
    settings: Settings
    db: Database
    # Set by a handler that queued outbox rows, so the worker sends them without waiting.
    outbox_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    # Filled as the bot runs; `bot.py status` and the heartbeat read them.
    last_update_id: int | None = None
    # Ids of messages in private chats (never their text), flushed to the database by the
    # heartbeat so that /wipe can delete them while Telegram still allows it (48 hours).
    message_log: list[tuple[int, int, datetime]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


class BotContext(CallbackContext[ExtBot[None], UserData, dict[Any, Any], dict[Any, Any]]):
    @property
    def services(self) -> Services:
        services: Services = self.application.bot_data["services"]
        return services

    @property
    def state(self) -> UserData:
        data = self.user_data
        if data is None:  # updates without a user (channel posts) never reach the flows
            raise RuntimeError("no user in this update")
        return data


BotApplication = Application[
    ExtBot[None], BotContext, UserData, dict[Any, Any], dict[Any, Any], Any
]
