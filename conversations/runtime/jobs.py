"""The repeating jobs (PTB's JobQueue): the sweep, the outbox worker and a heartbeat.

Nothing that must survive a restart lives in the scheduler: the sweep derives what is due from
the database, and the outbox holds what must be sent. There are no per-group `run_daily` jobs.
"""

from __future__ import annotations

import logging
import time

from telegram.ext import Application

from conversations.runtime.context import BotContext, Services
from conversations.runtime.outbox import OutboxWorker
from conversations.runtime.unit_of_work import flush_message_log
from models import lease, service
from models.clock import clock
from models.settings import Settings
from models.sweep import run_sweep

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 30
# While the outbox works through a backlog the sweep waits, but never longer than this.
SWEEP_DELAY_AT_MOST = 300.0


async def heartbeat(context: BotContext) -> None:
    services: Services = context.services
    await flush_message_log(services)
    async with services.db.write() as session:
        await service.set_state(session, "heartbeat", clock.now().isoformat())
        if services.last_update_id is not None:
            await service.set_state(session, "last_update", str(services.last_update_id))
        # How Telegram last answered (401: token refused; 409: another poller), for `bot.py
        # health`: getUpdates when polling, the other calls with a webhook (token_watch.py);
        # written when it changes, so its time says since when.
        watching = "token_watch" if services.settings.webhook_url else "confirm"
        code = getattr(services.extra.get(watching), "last_code", None)
        if code is not None:
            known = await service.get_state(session, "telegram")
            if known is None or known.value != str(code):
                await service.set_state(session, "telegram", str(code))


async def sweep(context: BotContext) -> None:
    services: Services = context.services
    worker: OutboxWorker = services.extra["outbox"]
    now = time.monotonic()
    # What a sweep queues now would go behind the outbox's backlog anyway, and its transaction
    # (a second or more with a thousand groups) would hold up the marking of every sent row, and
    # so the sending, meanwhile.
    swept_at = services.extra.get("swept_at")
    if worker.running and swept_at is not None and now - swept_at < SWEEP_DELAY_AT_MOST:
        return
    services.extra["swept_at"] = now
    await run_sweep(services.db, services.extra["sweep_plan"])
    await send_outbox(context)


async def send_outbox(context: BotContext) -> None:
    worker: OutboxWorker = context.services.extra["outbox"]
    application = context.application
    if not application.running:  # stopping: nothing would wait for a task
        await worker.run_once(context.bot)
        return
    # A run lasts as long as there is something due (a minute or more on a Monday morning): it
    # goes beside the jobs, so that the job that started it is not held up, or skipped, meanwhile.
    application.create_task(worker.run_once(context.bot), name="outbox")


def wake_outbox(context: BotContext) -> None:
    """Called by handlers that queued messages: send them now rather than at the next tick."""
    queue = context.job_queue
    if queue is not None:
        # PTB types the queue for its default context, not this application's BotContext.
        queue.run_once(send_outbox, 0, name="outbox-now")  # type: ignore[arg-type]


async def renew_lease(context: BotContext) -> None:
    services: Services = context.services
    async with services.db.write() as session:
        held = await lease.renew(session, services.extra["lease"])
    if not held:
        log.error("another process took this database's lease: stopping")
        context.application.stop_running()


def keep_lease(application: Application, holder: lease.Holder) -> None:  # type: ignore[type-arg]
    """Renews the lease `bot.py run` took, for as long as this application runs."""
    services: Services = application.bot_data["services"]
    services.extra["lease"] = holder
    every = max(clock.wait(lease.RENEW_EVERY).total_seconds(), 0.5)
    queue = application.job_queue
    assert queue is not None
    queue.run_repeating(renew_lease, interval=every, first=every, name="lease")


def schedule(application: Application, settings: Settings) -> None:  # type: ignore[type-arg]
    queue = application.job_queue
    if queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    services: Services = application.bot_data["services"]
    services.extra["outbox"] = OutboxWorker(services)
    queue.run_repeating(heartbeat, interval=HEARTBEAT_SECONDS, first=1, name="heartbeat")
    queue.run_repeating(sweep, interval=settings.sweep_seconds, first=5, name="sweep")
    queue.run_repeating(send_outbox, interval=settings.outbox_seconds, first=1, name="outbox")
