"""5. Start-up and an idle bot: `python3 bot.py run` itself, against the test server.

A whole programme is in the database (1,000 groups, 2,000 facilitators, 50 coordinators, five
weeks recorded). Start-up is timed from starting the process to its first getUpdates (the
catalogs compiled, the migrations checked, the command menus set); then the bot idles while its
jobs (heartbeat, outbox, sweep) run, and its resident memory is read. SIGTERM stops it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.common import (
    BOT_USERNAME,
    ROOT,
    TOKEN,
    drop_database,
    fresh_database,
    pg_url,
    rss_mb,
)
from benchmarks.headroom import headroom_shape
from benchmarks.seed import seed
from tests.support.tgserver import TelegramTestServer


async def run(kind: str, groups: int, idle: float, workdir: Path, key: str) -> dict[str, Any]:
    server = TelegramTestServer(token=TOKEN, bot_username=BOT_USERNAME)
    await server.start()
    database = await fresh_database(kind, workdir)
    db = database.open()
    shape = headroom_shape(groups)
    shape.facilitators_per_group = 2
    shape.weeks_done = 5
    seeded = await seed(db, shape, datetime.now(UTC))
    await db.dispose()
    for p in [*seeded.facilitators, *seeded.coordinators]:
        server.add_user(p.telegram_id, "Person", language_code=p.language, started=True)
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "BOT_USERNAME": BOT_USERNAME,
        "DATA_DIR": str(workdir / "data-idle"),
        "ENCRYPTION_KEYS": key,
        "LOG_LEVEL": "WARNING",
        # The benchmark already runs inside the project's environment.
        "BOT_SYSTEM_PYTHON": "1",
        "DATABASE_URL": pg_url() if kind == "postgresql" else database.url,
    }
    if database.schema:
        env["DATABASE_SCHEMA"] = database.schema
    loop = asyncio.get_running_loop()
    log = (workdir / "bot-run.log").open("wb")
    started = loop.time()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "bot.py", "run", cwd=ROOT, env=env, stdout=log, stderr=log
    )
    try:
        while not server.calls_to("getUpdates"):
            if process.returncode is not None or loop.time() - started > 120:
                raise RuntimeError(f"bot.py run did not start; see {log.name}")
            await asyncio.sleep(0.01)
        startup = loop.time() - started
        ready_rss = rss_mb(process.pid)[0]
        await asyncio.sleep(idle)
        idle_rss, peak = rss_mb(process.pid)
        sweeps = len(server.calls_to("getUpdates"))
        stopping = loop.time()
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 60)
        shutdown = loop.time() - stopping
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        log.close()
        await server.stop()
        await drop_database(database)
    return {
        "kind": kind,
        "groups": seeded.groups,
        "people": len(seeded.facilitators) + len(seeded.coordinators),
        "startup_s": startup,
        "ready_rss_mb": ready_rss,
        "idle_s": idle,
        "idle_rss_mb": idle_rss,
        "peak_mb": peak,
        "polls": sweeps,
        "shutdown_s": shutdown,
        "exit_code": process.returncode,
        "refusals": [str(r) for r in server.unexpected_refusals()][:3],
    }
