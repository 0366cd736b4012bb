"""What the measurements share: databases, the bot process, percentiles, the machine."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-token_for-the-benchmark"
BOT_USERNAME = "sociotherapy_bench_bot"
# The schema the PostgreSQL runs use; nothing else in the database is touched.
PG_SCHEMA = "bench"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


# --- Telegram, further away ----------------------------------------------------------------------


def test_server(latency: float = 0.0, flood_control: bool = False) -> Any:
    """The project's Bot API test server; with `latency`, every call takes that much longer, as
    a real network round trip to Telegram does."""
    from tests.support.tgserver import TelegramTestServer

    class DistantServer(TelegramTestServer):
        async def _dispatch(self, request: Any) -> Any:
            if latency:
                await asyncio.sleep(latency)
            return await super()._dispatch(request)

    server = DistantServer(token=TOKEN, bot_username=BOT_USERNAME)
    server.flood_control = flood_control
    return server


# --- figures ----------------------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (share 0.99 = p99); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    return {
        "count": len(seconds),
        "p50_ms": percentile(seconds, 0.50) * 1000,
        "p95_ms": percentile(seconds, 0.95) * 1000,
        "p99_ms": percentile(seconds, 0.99) * 1000,
        "max_ms": (max(seconds) if seconds else float("nan")) * 1000,
    }


def rss_mb(pid: int | None = None) -> tuple[float, float]:
    """(current, peak) resident memory of a process in MB, from /proc."""
    values = {}
    status = Path(f"/proc/{pid or 'self'}/status").read_text()
    for line in status.splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of a live process, from /proc."""
    fields = Path(f"/proc/{pid or 'self'}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


class MemorySampler:
    """Samples a process's resident memory every few milliseconds: the peak during a span."""

    def __init__(self, pid: int, every: float = 0.01) -> None:
        self.pid = pid
        self.every = every
        self.peak = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            self.peak = max(self.peak, rss_mb(self.pid)[0])
            await asyncio.sleep(self.every)

    def __enter__(self) -> MemorySampler:
        self.peak = rss_mb(self.pid)[0]
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
        self.peak = max(self.peak, rss_mb(self.pid)[0])


async def start_polling(application: Any, long_poll: int) -> None:
    """Starts an application as `run_polling` does, without taking over the event loop."""
    from telegram import Update

    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0, timeout=long_poll, allowed_updates=Update.ALL_TYPES
    )


async def cancel_all(tasks: Iterable[asyncio.Task[Any]]) -> None:
    """Cancels the simulated people's tasks until every one has ended.

    On Python 3.11, `asyncio.wait_for` can lose a cancellation that arrives just as what it
    waits for completes; the task then goes on to its next step. Cancelling again ends it.
    """
    pending = {task for task in tasks if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=1.0)


def machine() -> dict[str, str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = int(line.split()[1]) // 1024
    return {
        "cpus": str(os.cpu_count() or 1),
        "cpu": cpu,
        "memory": f"{memory / 1024:.0f} GB",
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }


# --- databases --------------------------------------------------------------------------------


def pg_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or PG_DEFAULT


async def pg_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    from sqlalchemy import text

    from models.db import Database
    from models.settings import normalise_database_url

    database = Database(normalise_database_url(pg_url()))
    try:
        async with database.read() as session:
            await asyncio.wait_for(session.execute(text("SELECT 1")), 5)
    except Exception as error:
        return f"{type(error).__name__}: {str(error)[:120]}"
    finally:
        await database.dispose()
    return None


@dataclass
class BenchDatabase:
    kind: str  # "sqlite" or "postgresql"
    url: str
    schema: str | None = None

    def open(self) -> Any:
        from models.db import Database

        return Database(self.url, schema=self.schema)


async def fresh_database(kind: str, workdir: Path) -> BenchDatabase:
    """An empty database at the latest migration: a new SQLite file, or the `bench` schema."""
    from sqlalchemy import text

    from models.db import Database
    from models.migrate import upgrade
    from models.settings import normalise_database_url

    if kind == "sqlite":
        path = workdir / f"bench-{os.getpid()}-{time.monotonic_ns()}.sqlite3"
        url = f"sqlite+aiosqlite:///{path}"
        upgrade(url)
        return BenchDatabase(kind, url)
    url = normalise_database_url(pg_url())
    database = Database(url)
    async with database.write() as session:
        await session.execute(text(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE'))
        await session.execute(text(f'CREATE SCHEMA "{PG_SCHEMA}"'))
    await database.dispose()
    upgrade(url, PG_SCHEMA)
    return BenchDatabase(kind, url, PG_SCHEMA)


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def drop_database(bench: BenchDatabase) -> None:
    from sqlalchemy import text

    from models.db import Database

    if bench.kind == "sqlite":
        await asyncio.to_thread(
            _remove_sqlite, Path(bench.url.removeprefix("sqlite+aiosqlite:///"))
        )
        return
    database = Database(bench.url)
    async with database.write() as session:
        await session.execute(text(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE'))
    await database.dispose()


# --- the bot under test, in a process of its own ------------------------------------------------


@dataclass
class BotProcess:
    """`python -m benchmarks.botproc`, driven by JSON lines on its stdin and stdout."""

    process: asyncio.subprocess.Process
    log: Path
    ready: dict[str, Any] = field(default_factory=dict)

    @classmethod
    async def start(
        cls,
        *,
        mode: str,
        api: str,
        workdir: Path,
        database: BenchDatabase | None = None,
        rate_limiter: bool = False,
        user_limit: bool = True,
        clock_at: datetime | None = None,
        key: str | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> BotProcess:
        args = [sys.executable, "-m", "benchmarks.botproc", "--mode", mode, "--api", api]
        if database is not None:
            args += ["--database", database.url]
            if database.schema:
                args += ["--schema", database.schema]
        if rate_limiter:
            args.append("--rate-limiter")
        if not user_limit:
            args.append("--no-user-limit")
        if clock_at is not None:
            args += ["--clock-at", clock_at.isoformat()]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **(extra_env or {})}
        if key:
            env["ENCRYPTION_KEYS"] = key
        log = workdir / f"bot-{mode}-{time.monotonic_ns()}.log"
        process = await asyncio.create_subprocess_exec(
            *args,
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=log.open("wb"),
            limit=2**24,
        )
        bot = cls(process, log)
        bot.ready = await bot._read(within=120)
        return bot

    @property
    def pid(self) -> int:
        return self.process.pid

    async def _read(self, within: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        try:
            line = await asyncio.wait_for(self.process.stdout.readline(), within)
        except TimeoutError:
            raise RuntimeError(f"the bot process did not answer; see {self.log}") from None
        if not line:
            tail = self.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the bot process ended:\n{tail}")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"the bot process failed: {answer['error']}")
        return answer

    async def call(self, command: str, within: float = 600, **args: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps({"command": command, **args}) + "\n").encode())
        await self.process.stdin.drain()
        return await self._read(within)

    async def stop(self) -> dict[str, Any]:
        """Stops the bot cleanly; returns its own figures (peak memory, CPU time)."""
        stats = await self.call("stop", within=120)
        await asyncio.wait_for(self.process.wait(), 60)
        return stats

    async def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


# --- results ------------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the results table."""

    section: str
    measure: str
    value: str
    target: str = ""
    ok: bool | None = None  # None: no target

    def to_json(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "measure": self.measure,
            "value": self.value,
            "target": self.target,
            "ok": self.ok,
        }


def write_result(path: Path, rows: Iterable[Row], details: dict[str, Any]) -> None:
    path.write_text(
        json.dumps({"rows": [r.to_json() for r in rows], "details": details}, indent=1, default=str)
    )


def ms(value: float) -> str:
    if value != value:  # NaN
        return "-"
    return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


def mb(value: float) -> str:
    return f"{value:.0f} MB"


def kb(value: float) -> str:
    return f"{value / 1024:.1f} KB"
