"""The bot as a real process (`python bot.py run`), for tests that kill and restart it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import IO

from models.settings import Settings
from tests.support.e2e import eventually
from tests.support.tgserver import TelegramTestServer

ROOT = Path(__file__).resolve().parents[2]


class BotProcess:
    def __init__(
        self,
        tg: TelegramTestServer,
        settings: Settings,
        key: str,
        log: Path,
        env: dict[str, str] | None = None,
    ) -> None:
        self.tg = tg
        self.log_path = log
        self.env = {
            **os.environ,
            "BOT_SYSTEM_PYTHON": "1",
            "TELEGRAM_BOT_TOKEN": settings.require_token(),
            "TELEGRAM_API_BASE_URL": tg.base_url,
            "DATABASE_URL": settings.database_url,
            "DATA_DIR": str(settings.data_dir),
            "ENCRYPTION_KEYS": key,
            "LOG_LEVEL": "INFO",
            "OUTBOX_SECONDS": "0.2",
            "SWEEP_SECONDS": "3600",
        }
        if settings.database_schema:
            self.env["DATABASE_SCHEMA"] = settings.database_schema
        self.env.update(env or {})
        self.process: asyncio.subprocess.Process | None = None
        self._log: IO[bytes] | None = None

    async def start(self, ready_call: str = "getUpdates") -> None:
        """Starts the bot and waits until it polls for updates (or sets its webhook)."""
        polls_before = len(self.tg.calls_to(ready_call))
        self._log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "bot.py",
            "run",
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=self._log,
        )
        try:
            await eventually(lambda: len(self.tg.calls_to(ready_call)) > polls_before, 30)
        except AssertionError:
            raise AssertionError(f"the bot did not start:\n{self.log()}") from None

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, exactly like a power cut."""
        self.kill_now()
        await self.reap()

    def kill_now(self) -> None:
        """SIGKILL without waiting, e.g. from the test server's synchronous `on_call` hook."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)

    async def reap(self) -> None:
        """Waits for the process to end (after `kill_now`) and closes its log."""
        assert self.process is not None
        await self.process.wait()
        self._close()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        self._close()

    def _close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]
