"""Kill points in webhook mode: the bot SIGKILLed at each step of receiving and handling an
update, restarted, and the person finishes what they started; every record is there exactly once
(the checks of tests/trust/test_killpoints.py).

The receiving steps have no Bot API call to kill the bot at, so the bot kills itself there
(conversations/runtime/failpoints.py): with the body read, before the inbox commit; after the
commit, before the 200; after the 200, before the update is handed over; after it is handled,
before its row is marked. While handling, the test server kills it at each Bot API call as in
the polling kill points. The test server delivers as Telegram does: one update at a time, again
until it gets a 200.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from models import crypto
from models.db import Database
from models.settings import Settings
from tests.support.chaos import KillSwitch, Stuck, drive, report_kill, until_killed
from tests.support.tgserver import TelegramTestServer
from tests.support.webhook import WebhookBot, settled
from tests.trust.test_killpoints import Flow, Registration, RosterAdd

FLOWS: dict[str, type[Flow]] = {flow.name: flow for flow in (Registration, RosterAdd)}
# The updates each flow sends, and the Bot API calls it makes (test_killpoints.CALLS without
# the polls: in webhook mode nothing confirms an update by polling).
UPDATES = {"registration": 2, "roster": 3}
CALLS = {"registration": "SCQE", "roster": "SQES"}
STEPS = ("received", "committed", "answered", "handled")
# What the person typed, which the inbox must hold only encrypted.
TYPED = {"registration": "/start", "roster": "K1, K2, K3"}


def points() -> list[Any]:
    found = [
        pytest.param(name, f"webhook.{step}", n, id=f"{name}-{step}-{n}")
        for name, count in UPDATES.items()
        for step in STEPS
        for n in range(1, count + 1)
    ]
    for name, calls in CALLS.items():
        for n, letter in enumerate(calls, start=1):
            for mode in ["dropped"] if letter == "Q" else ["dropped", "answered"]:
                found.append(pytest.param(name, mode, n, id=f"{name}-call{n}-{mode}"))
    return found


@pytest.fixture
async def process(
    tg: TelegramTestServer, settings: Settings, tmp_path: Path
) -> AsyncIterator[WebhookBot]:
    bot = WebhookBot(tg, settings, crypto.generate_key(), tmp_path / "bot.log")
    yield bot
    tg.on_call = None
    if bot.alive:
        bot.kill_now()
        await bot.reap()


async def until_dead(process: WebhookBot, work: Awaitable[None]) -> bool:
    """Runs `work` until it ends or the bot has killed itself; True if it did."""
    task = asyncio.ensure_future(work)
    while not task.done():
        if not process.alive:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Stuck):
                await task
            return True
        await asyncio.sleep(0.02)
    task.result()
    # The last step (marking the last row handled) comes after the person saw the answer.
    for _ in range(150):
        if not process.alive:
            return True
        await asyncio.sleep(0.02)
    return False


async def inbox_encrypted(db: Database, key: str, typed: str) -> None:
    """A row not yet handled holds the update as a Fernet token, never what was typed."""
    async with db.read() as s:
        bodies = [b for b in await s.scalars(text("SELECT body FROM webhook_inbox")) if b]
    for body in bodies:
        assert typed not in body
        assert Fernet(key.encode()).decrypt(body.encode())


@pytest.mark.parametrize(("flow_name", "where", "n"), points())
async def test_webhook_kill_point(
    flow_name: str,
    where: str,
    n: int,
    tg: TelegramTestServer,
    db: Database,
    process: WebhookBot,
    request: pytest.FixtureRequest,
) -> None:
    tg.expect_refusal("message to delete not found")  # a typed message deleted again
    key = process.env["ENCRYPTION_KEYS"]
    flow = FLOWS[flow_name](tg, db, key)
    await flow.setup()
    switch = KillSwitch(tg, process)
    if where.startswith("webhook."):
        process.env["BOT_FAILPOINT"] = f"{where}:{n}"
        await process.start()
        killed = await until_dead(process, drive(flow.person, flow.rules, silent_ok=True))
        method = where
    else:
        await process.start()
        switch.arm(n, answered=where == "answered")
        killed = await until_killed(switch, drive(flow.person, flow.rules, silent_ok=True))
        assert switch.killed is not None
        method = switch.killed[0]
    assert killed, f"{flow_name} finished before {where} {n}"
    if process.returncode is None:  # `alive` collects the exit of a process it saw end
        await process.reap()
    await inbox_encrypted(db, key, TYPED[flow_name])
    process.env.pop("BOT_FAILPOINT", None)
    await process.start()
    await settled(tg, db)
    await drive(flow.person, flow.rules)
    found = await flow.check(None)
    await settled(tg, db)
    async with db.read() as s:
        left = list(await s.scalars(text("SELECT body FROM webhook_inbox")))
    assert left and all(body is None for body in left), "a handled update's body is erased"
    report_kill(request, f"webhook {flow_name}", n, where, method, found, len(flow.person.toasts))
