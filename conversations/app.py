"""Builds the python-telegram-bot Application: handlers, persistence, jobs, error handler."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from types import ModuleType

from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.ext import AIORateLimiter, Application, ContextTypes

from conversations import (
    agreement,
    auditlog,
    coordinator,
    fallback,
    guard,
    guide,
    jobs,
    newgroup,
    privacy,
    registration,
    reminders,
    roster,
    session,
)
from conversations.context import BotApplication, BotContext, Services
from conversations.errors import on_error
from conversations.menu import push_default_menus
from conversations.persistence import SQLPersistence
from conversations.state import UserData
from models import retention
from models.db import Database
from models.settings import Settings

log = logging.getLogger(__name__)

# Every flow module exports handlers(); order matters only for overlapping patterns.
FLOWS: list[ModuleType] = [
    registration,
    guide,
    session,
    reminders,
    roster,
    newgroup,
    agreement,
    coordinator,
    privacy,
    auditlog,
]


def build_application(
    settings: Settings,
    *,
    database: Database | None = None,
    rate_limiter: bool = True,
    read_timeout: float = 10.0,
) -> BotApplication:
    database = database or Database(settings.database_url, schema=settings.database_schema)
    services = Services(settings=settings, db=database)
    builder = (
        Application.builder()
        .token(settings.require_token())
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .context_types(ContextTypes(context=BotContext, user_data=UserData))
        .persistence(SQLPersistence(database, settings.persistence_flush_seconds))
        .read_timeout(read_timeout)
        .write_timeout(read_timeout)
        .connect_timeout(read_timeout)
        .pool_timeout(read_timeout)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if rate_limiter:
        # Telegram's overall and per-group limits; a 429 is retried after retry_after.
        builder = builder.rate_limiter(AIORateLimiter(max_retries=5))
    application: BotApplication = builder.build()  # type: ignore[assignment]
    application.bot_data["services"] = services
    application.add_handlers(guard.handlers(), group=-2)
    application.add_handlers(fallback.group_handlers(), group=-1)
    for flow in FLOWS:
        application.add_handlers(flow.handlers())
    application.add_handlers(fallback.handlers())
    application.add_error_handler(on_error)  # type: ignore[arg-type]
    retention.configure(settings.retention_months)
    guard.configure(settings.user_updates_per_minute)
    jobs.schedule(application, settings)
    return application


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    services: Services = application.bot_data["services"]
    try:
        await push_default_menus(application.bot, services.settings.default_language)
    except (NetworkError, TimedOut) as error:
        log.warning("default command menus not set yet: %s", type(error).__name__)


async def _post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
    services: Services = application.bot_data["services"]
    await services.db.dispose()


def run(settings: Settings) -> None:
    """Long polling, or a webhook when WEBHOOK_URL is set. Retries while Telegram is unreachable."""
    delay = 5.0
    while True:
        application = build_application(settings)
        try:
            if settings.webhook_url:
                application.run_webhook(
                    listen=settings.webhook_listen,
                    port=settings.webhook_port,
                    url_path="telegram",
                    webhook_url=settings.webhook_url.rstrip("/") + "/telegram",
                    secret_token=settings.webhook_secret,
                    allowed_updates=Update.ALL_TYPES,
                )
            else:
                application.run_polling(allowed_updates=Update.ALL_TYPES, timeout=30)
            return
        except (NetworkError, TimedOut) as error:
            log.warning(
                "Telegram unreachable at start (%s); retrying in %.0f s",
                type(error).__name__,
                delay,
            )
            time.sleep(delay)
            delay = min(delay * 2, 300)


HEARTBEAT_EVERY = timedelta(seconds=30)
