"""One bot per database: a second `bot.py run` is refused while the first runs, and starts once
the first is killed; the command line works meanwhile."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path

from models import crypto, lease
from models.db import Database
from models.service import ServiceState
from models.settings import Settings
from tests.support.process import ROOT, BotProcess
from tests.support.tgserver import TelegramTestServer

REFUSAL = "Not started. Another bot is running on this database"


async def run_command(process: BotProcess, *args: str) -> tuple[int, str]:
    """`python bot.py ARGS` with the bot process's environment; its exit code and output."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "bot.py",
        *args,
        cwd=ROOT,
        env=process.env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode is not None
    return child.returncode, output.decode(errors="replace")


async def test_a_second_run_is_refused_and_starts_once_the_first_is_killed(
    tg: TelegramTestServer, settings: Settings, tmp_path: Path
) -> None:
    key = crypto.generate_key()
    first = BotProcess(tg, settings, key, tmp_path / "first.log")
    second = BotProcess(tg, settings, key, tmp_path / "second.log")
    await first.start()
    try:
        code, output = await run_command(first, "run")
        assert code == 1, output
        assert REFUSAL in output
        assert "If it was killed, its place is free within a minute" in output
        # The command line does not need the lease.
        code, output = await run_command(first, "status")
        assert code == 0, output

        await first.kill()
        await second.start()
        assert second.alive
    finally:
        await first.stop()
        await second.stop()


def holder(host: str, pid: int = 4242) -> lease.Holder:
    return lease.Holder(host, pid, "t0ken")


async def test_a_lease_held_elsewhere_is_free_only_once_it_is_stale(db: Database) -> None:
    elsewhere = holder("another-host")
    me = lease.Holder.me()
    async with db.write() as s:
        assert await lease.acquire(s, elsewhere) is None
    async with db.write() as s:
        taken = await lease.acquire(s, me)
    assert taken is not None and taken.holder == elsewhere
    assert "host another-host, process 4242" in taken.sentence()

    async with db.write() as s:
        row = await s.get(ServiceState, lease.KEY)
        assert row is not None
        row.updated_at = lease.now() - lease.length() - timedelta(seconds=1)
    async with db.write() as s:
        assert await lease.acquire(s, me) is None
    # The process that stalled past its lease learns it lost it when it renews.
    async with db.write() as s:
        assert not await lease.renew(s, elsewhere)
        assert await lease.renew(s, me)
    async with db.write() as s:
        await lease.release(s, me)
        assert await s.get(ServiceState, lease.KEY) is None


async def test_a_dead_process_on_this_host_leaves_its_lease_at_once(db: Database) -> None:
    me = lease.Holder.me()
    # A process id that no process has: far above the usual pid_max.
    dead = holder(me.host, pid=2**22 + 17)
    async with db.write() as s:
        assert await lease.acquire(s, dead) is None
    async with db.write() as s:
        assert await lease.acquire(s, me) is None
