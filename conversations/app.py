"""Builds the python-telegram-bot Application: handlers, persistence, jobs, error handler."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from types import ModuleType

from sqlalchemy.exc import IntegrityError
from telegram import LinkPreviewOptions, Update
from telegram.error import NetworkError, TimedOut
from telegram.ext import Application, ContextTypes, Defaults

from content.guides import default_library
from conversations import (
    agreement,
    auditlog,
    coordinator,
    guide,
    meeting,
    newgroup,
    privacy,
    registration,
    reminders,
    review,
    roster,
    routes,
)
from conversations.runtime import (
    arrivals,
    cancelling,
    fallback,
    guard,
    jobs,
    logredact,
    registry,
    state,
)
from conversations.runtime import outbox as outbox_worker
from conversations.runtime import webhook as webhook_server
from conversations.runtime.about import push_descriptions
from conversations.runtime.confirm import ConfirmWhenHandled
from conversations.runtime.context import BotApplication, BotContext, Services
from conversations.runtime.errors import on_error
from conversations.runtime.menu import push_default_menus
from conversations.runtime.ordering import PerUserUpdateProcessor
from conversations.runtime.persistence import SQLPersistence
from conversations.runtime.ratelimit import TelegramLimits
from conversations.runtime.state import UserData
from conversations.runtime.token_watch import WatchedRequest
from models import lease, retention, schedule
from models.clock import clock
from models.db import Database
from models.outbox import OutboxKind
from models.settings import Settings

log = logging.getLogger(__name__)

# Updates handled at once (of different people): within PostgreSQL's pool of 20 connections.
UPDATE_WORKERS = 16

# Every flow module exports handlers(); order matters only for overlapping patterns.
FLOWS: list[ModuleType] = [
    registration,
    guide,
    meeting,
    reminders,
    roster,
    newgroup,
    agreement,
    coordinator,
    privacy,
    auditlog,
    review,
]


def build_application(
    settings: Settings,
    *,
    database: Database | None = None,
    rate_limiter: bool = True,
    read_timeout: float = 10.0,
) -> BotApplication:
    database = database or Database(
        settings.database_url,
        schema=settings.database_schema,
        busy_seconds=settings.sqlite_busy_seconds,
    )
    clock.time_scale = settings.time_scale
    # PTB logs whole updates (what people typed) unless its records are filtered.
    logredact.install()
    services = Services(settings=settings, db=database)
    # What the sweep runs, listed in models/schedule.py rather than collected by imports.
    services.extra["sweep_plan"] = schedule.PLAN
    confirm = ConfirmWhenHandled(arrivals.of(services.extra))
    services.extra["confirm"] = confirm
    watched = WatchedRequest(
        read_timeout=read_timeout,
        write_timeout=read_timeout,
        connect_timeout=read_timeout,
        pool_timeout=read_timeout,
    )
    services.extra["token_watch"] = watched
    builder = (
        Application.builder()
        .get_updates_request(confirm)
        .token(settings.require_token())
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .context_types(ContextTypes(context=BotContext, user_data=UserData))
        .persistence(SQLPersistence(database, settings.persistence_flush_seconds))
        .request(watched)
        # An invite link or a guide's address would otherwise unfold into a card: data and space.
        .defaults(Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        # Different people's updates side by side, each person's in order (ordering.py).
        .concurrent_updates(PerUserUpdateProcessor(UPDATE_WORKERS, on_done=confirm.handled))
    )
    if rate_limiter:
        # Telegram's flood limits kept on our side; a 429 is retried after retry_after.
        limited = builder.rate_limiter(TelegramLimits(max_retries=5))
        application: BotApplication = limited.build()  # type: ignore[assignment]
    else:
        application = builder.build()  # type: ignore[assignment]
    application.bot_data["services"] = services
    application.add_handlers(guard.handlers(), group=-2)
    application.add_handlers(fallback.group_handlers(), group=-1)
    for flow in FLOWS:
        application.add_handlers(flow.handlers())
    application.add_handlers(fallback.handlers())
    _check_registries(application)
    application.add_error_handler(on_error)  # type: ignore[arg-type]
    retention.configure(settings.retention_months)
    guard.configure(settings.user_updates_per_minute)
    jobs.schedule(application, settings)
    return application


def _check_registries(application: BotApplication) -> None:
    """Refuses to start with a gap or a duplicate (conversations/runtime/registry.py)."""
    handlers = [h for group in application.handlers.values() for h in group]
    registry.check_callbacks(handlers, (prefix for prefix, _ in routes.CALLBACKS))
    registry.check_text_steps(fallback.TEXT_INPUTS, (step for step, _ in routes.TEXT_STEPS))
    registry.check_outbox(
        outbox_worker.RENDERERS,
        OutboxKind,
        OutboxKind.DELETE_TYPED,
        OutboxKind.CHAT_WIPE,
        OutboxKind.MENU_REFRESH,
    )
    state.KNOWN_STEPS.update(step for step, _ in (*routes.TEXT_STEPS, *routes.TAP_STEPS))
    cancelling.configure(routes.DRAFT_TAPS, (prefix for prefix, _ in routes.CALLBACKS))


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    services: Services = application.bot_data["services"]
    # Which bot this is (initialize asked Telegram): an operator with several tokens can tell.
    bot = application.bot
    log.info("running as @%s (id %s)", bot.username, bot.id)
    # Parsed once before the first update, so the first person to open a guide does not wait.
    default_library()
    try:
        await push_default_menus(application.bot, services.settings.default_language)
        await push_descriptions(application.bot, services.settings.default_language)
    except (NetworkError, TimedOut) as error:
        log.warning("default command menus not set yet: %s", type(error).__name__)


async def _post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
    services: Services = application.bot_data["services"]
    await services.db.dispose()


class LeaseTaken(Exception):
    """Another process serves this database; the message says who and what to do."""


def run(settings: Settings) -> None:
    """Long polling, or a webhook when WEBHOOK_URL is set. Retries while Telegram is unreachable.

    Only while holding the database's lease (models/lease.py): LeaseTaken otherwise.
    """
    me = lease.Holder.me()
    taken = asyncio.run(_lease(settings, me, take=True))
    if taken is not None:
        raise LeaseTaken(taken.sentence())
    try:
        _run_holding_lease(settings, me)
    finally:
        asyncio.run(_lease(settings, me, take=False))


async def _lease(settings: Settings, me: lease.Holder, *, take: bool) -> lease.Taken | None:
    database = Database(
        settings.database_url,
        schema=settings.database_schema,
        busy_seconds=settings.sqlite_busy_seconds,
    )
    try:
        if not take:
            async with database.write() as session:
                await lease.release(session, me)
            return None
        try:
            async with database.write() as session:
                return await lease.acquire(session, me)
        except IntegrityError:
            # Another process inserted the first lease at the same moment: it is theirs.
            async with database.write() as session:
                return await lease.acquire(session, me)
    finally:
        await database.dispose()


def _run_holding_lease(settings: Settings, me: lease.Holder) -> None:
    delay = 5.0
    while True:
        application = build_application(settings)
        jobs.keep_lease(application, me)
        try:
            if settings.webhook_url:
                # Not PTB's run_webhook: it answers Telegram before the update is handled.
                webhook_server.run(application, settings, str(me))
            else:
                application.run_polling(allowed_updates=Update.ALL_TYPES, timeout=30)
            return
        except (NetworkError, TimedOut) as error:
            wait = clock.wait(timedelta(seconds=delay)).total_seconds()
            log.warning(
                "Telegram unreachable at start (%s); retrying in %.1f s",
                type(error).__name__,
                wait,
            )
            time.sleep(wait)
            delay = min(delay * 2, 300)


HEARTBEAT_EVERY = timedelta(seconds=30)
