"""The bot as a real process in webhook mode, for tests that kill and restart it: on a port of
its own, restarted on the same port, with the test server delivering to it as Telegram does."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from sqlalchemy import func, select

from models.db import Database
from models.inbox import InboxRow
from models.settings import Settings
from tests.support.chaos import ForkedBot
from tests.support.tgserver import TelegramTestServer

SECRET = "s3cret-token_for-the-webhook-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def webhook_env(port: int) -> dict[str, str]:
    return {
        "WEBHOOK_URL": "https://bot.example.org",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_LISTEN": "127.0.0.1",
        "PORT": str(port),
    }


async def listening(port: int) -> None:
    """The webhook server may start listening a moment after the webhook is set."""
    for _ in range(200):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise AssertionError(f"nothing listens on port {port}")


class WebhookBot(ForkedBot):
    """`ForkedBot` in webhook mode; the test server delivers to it once it is started."""

    def __init__(
        self,
        tg: TelegramTestServer,
        settings: Settings,
        key: str,
        log: Path,
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        super().__init__(tg, settings, key, log, env={**webhook_env(self.port), **(env or {})})
        self.set_at = -1.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram"

    async def start(self, ready_call: str = "setWebhook") -> None:
        # Telegram refuses a second setWebhook within a second (429).
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, self.set_at + 1.1 - loop.time()))
        await super().start(ready_call)
        self.set_at = loop.time()
        await listening(self.port)
        if self.tg.webhook_target != self.url:
            self.tg.deliver_webhooks_to(self.url)


async def settled(tg: TelegramTestServer, db: Database, within: float = 20) -> None:
    """Every update delivered (answered 200) and its inbox row handled."""
    for _ in range(int(within / 0.02)):
        async with db.read() as s:
            waiting = await s.scalar(
                select(func.count()).select_from(InboxRow).where(InboxRow.handled_at.is_(None))
            )
        if not tg.pending_updates and not waiting:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("updates still waiting")
