"""`bot.py health` notices what an operator must act on: Telegram refusing the token, another
process polling with it, an outbox that does not send, a sweep that stopped. `status --json`
gives the same figures to monitoring."""

from __future__ import annotations

import contextlib
import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from telegram.error import InvalidToken

# The flows register their renderers when the application's module is imported: imported
# first, so that a renderer replaced here is put back, not removed, afterwards.
import conversations.app  # noqa: F401
from conversations.runtime.outbox import RENDERERS
from conversations.runtime.reply import Reply
from models import outbox, service
from models.clock import clock
from models.db import Database
from models.outbox import OutboxKind, OutboxMessage
from models.settings import Settings
from models.users import Role, get_user
from tests.conftest import start_bot, stop_bot
from tests.support import factories
from tests.support.command_line import cli
from tests.support.e2e import eventually, register
from tests.support.tgserver import TelegramTestServer


async def run_job(application: Any, name: str) -> None:
    (job,) = application.job_queue.get_jobs_by_name(name)
    await job.run(application)


def last_code(application: Any) -> int | None:
    return application.bot_data["services"].extra["confirm"].last_code


async def test_healthy_then_unhealthy_while_another_process_polls(
    tg: TelegramTestServer, bot: Any, settings: Settings
) -> None:
    await eventually(lambda: last_code(bot) == 200)
    await run_job(bot, "heartbeat")
    await run_job(bot, "sweep")
    health = cli(settings, "health")
    assert (health.returncode, health.stdout.strip()) == (0, "healthy"), health.stdout

    tg.fail("getUpdates", times=100, mode="409")
    await eventually(lambda: last_code(bot) == 409)
    await run_job(bot, "heartbeat")
    health = cli(settings, "health")
    assert health.returncode == 1
    assert "unhealthy: another process is polling with this token (409)" in health.stdout
    status = json.loads(cli(settings, "status", "--json").stdout)
    assert status["telegram"] == "409" and status["healthy"] is False


async def test_unhealthy_when_telegram_refuses_the_token(
    tg: TelegramTestServer, settings: Settings, db: Database
) -> None:
    application = await start_bot(tg, settings, db)
    try:
        await eventually(lambda: last_code(application) == 200)
        await run_job(application, "sweep")
        tg.fail("getUpdates", times=100, mode="401")
        await eventually(lambda: last_code(application) == 401)
        # Polling stops for good (PTB gives up on a refused token); the jobs go on.
        await run_job(application, "heartbeat")
        health = cli(settings, "health")
        assert health.returncode == 1
        assert "unhealthy: Telegram refuses the token (401)" in health.stdout
        assert "@BotFather" in health.stdout
    finally:
        with contextlib.suppress(InvalidToken):
            await application.updater.stop()  # re-raises why polling stopped
        await stop_bot(application)


async def test_unhealthy_when_the_outbox_does_not_send_or_the_sweep_stopped(
    settings: Settings, db: Database
) -> None:
    async with db.write() as s:
        user = await factories.user(s, 90, Role.TRAINEE)
        await service.set_state(s, "heartbeat", clock.now().isoformat())
        await service.set_state(s, "last_sweep", clock.now().isoformat())
        await outbox.enqueue(
            s,
            kind=OutboxKind.SELFHELP_CHECKIN,
            subject="stuck",
            period="once",
            recipient_id=user.id,
            payload={},
        )
    health = cli(settings, "health")
    assert (health.returncode, health.stdout.strip()) == (0, "healthy"), health.stdout

    async with db.write() as s:
        row = await s.scalar(outbox_row())
        assert row is not None
        row.next_attempt_at = clock.now() - timedelta(minutes=20)
        sweep = await service.get_state(s, "last_sweep")
        assert sweep is not None
        sweep.updated_at = clock.now() - timedelta(hours=1)
    health = cli(settings, "health")
    assert health.returncode == 1
    assert "unhealthy: outbox stuck: messages due 20 minutes ago are not sent" in health.stdout
    assert "unhealthy: the sweep has stopped" in health.stdout
    status = json.loads(cli(settings, "status", "--json").stdout)
    assert status["outbox_pending"] == 1 and len(status["problems"]) == 2


def outbox_row() -> Any:
    return select(OutboxMessage).where(OutboxMessage.subject == "stuck")


async def test_in_webhook_mode_a_refused_token_shows_in_the_other_calls(
    tg: TelegramTestServer, settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def notice(*args: Any) -> Reply:
        return Reply("Notice")

    monkeypatch.setitem(RENDERERS, OutboxKind.SELFHELP_CHECKIN, notice)
    webhook = replace(settings, webhook_url="https://bot.example.org", webhook_secret="s" * 20)
    application = await start_bot(tg, webhook, db)
    try:
        person = await register(tg, db, 7401, Role.TRAINEE, "fr")
        await run_job(application, "sweep")
        async with db.write() as s:
            user = await get_user(s, person.id)
            assert user is not None
            await outbox.enqueue(
                s,
                kind=OutboxKind.SELFHELP_CHECKIN,
                subject="token",
                period="once",
                recipient_id=user.id,
                payload={},
            )
        tg.fail("sendMessage", times=100, mode="401")
        tg.fail("deleteMessage", times=100, mode="401")
        worker = application.bot_data["services"].extra["outbox"]
        await worker.run_once(application.bot)
        await run_job(application, "heartbeat")
        health = cli(settings, "health")
        assert health.returncode == 1
        assert "unhealthy: Telegram refuses the token (401)" in health.stdout
        async with db.read() as s:
            row = await s.scalar(select(OutboxMessage).where(OutboxMessage.subject == "token"))
            assert row is not None and row.status == "pending", "kept for a valid token"
    finally:
        await stop_bot(application)
