"""1. Headroom: N facilitators doing their week at once, no rate limits; ours against a bare bot.

Every simulated person waits for each answer before the next step (a closed loop), so the bot is
always busy: the throughput is the most it can do, and the latencies are those of a queue of N
people tapping as fast as the bot answers. The realistic latency is measured in `production`.
"""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.common import (
    BOT_USERNAME,
    TOKEN,
    BotProcess,
    cpu_seconds,
    drop_database,
    fresh_database,
    latency_summary,
)
from benchmarks.flows import Person, Timings, bare_week, flow_shape, one_week
from benchmarks.seed import TIMEZONE, Shape, seed
from tests.support.tgserver import TelegramTestServer


def guide_screens() -> int:
    from content.guides import default_library

    guide, _ = default_library().guide("rn", "week-03")
    return len(guide.screens)


def headroom_shape(users: int) -> Shape:
    """One group per simulated facilitator, two weeks recorded, next meeting in four days.

    So no reminder, nudge or absence visit falls due during the run: every message in a chat is
    the answer to that person's last step.
    """
    today = datetime.now(ZoneInfo(TIMEZONE))
    return Shape(
        provinces=5,
        communes=10,
        collines=4,
        groups_per_colline=max(1, math.ceil(users / 200)),
        facilitators_per_group=1,
        weeks_done=2,
        weekday=(today.weekday() - 3) % 7,
        absent_in_history=False,
        max_groups=users,
    )


async def run(
    kind: str,
    users: int,
    workdir: Path,
    key: str,
    full_weeks: bool = False,
    give_up_after: float = 1800,
) -> dict[str, Any]:
    """kind: "bare", "sqlite" or "postgresql". Each person does one part of the week (a third
    each), or the whole week with `full_weeks`."""
    server = TelegramTestServer(token=TOKEN, bot_username=BOT_USERNAME)
    await server.start()
    database = None
    people: list[tuple[int, str]]
    if kind == "bare":
        people = [(20_000_000 + n, "rn") for n in range(users)]
    else:
        database = await fresh_database(kind, workdir)
        db = database.open()
        seeded = await seed(db, headroom_shape(users), datetime.now(UTC))
        await db.dispose()
        people = [(p.telegram_id, p.language) for p in seeded.facilitators]
        # Coordinators receive the agreement alerts.
        for p in seeded.coordinators:
            server.add_user(p.telegram_id, "Coordinator", language_code=p.language, started=True)
    timings = Timings()
    persons = [
        Person(
            server.add_user(tid, "Facilitator", language_code=lang, started=True),
            timings,
            bare=kind == "bare",
        )
        for tid, lang in people
    ]
    bot = await BotProcess.start(
        mode="bare" if kind == "bare" else "ours",
        api=server.base_url,
        workdir=workdir,
        database=database,
        user_limit=False,
        key=key,
    )
    loop = asyncio.get_running_loop()
    shape = flow_shape(guide_screens())
    started, bot_cpu, own_cpu = loop.time(), cpu_seconds(bot.pid), cpu_seconds()
    pg_cpu = postgres_cpu()
    parts = len(shape) if full_weeks else 1
    weeks = [
        bare_week(p, n % len(shape), shape, parts)
        if kind == "bare"
        else one_week(p, n % len(shape), parts)
        for n, p in enumerate(persons)
    ]
    try:
        await asyncio.wait_for(asyncio.gather(*weeks), give_up_after)
    finally:
        elapsed = loop.time() - started
        bot_cpu, own_cpu = cpu_seconds(bot.pid) - bot_cpu, cpu_seconds() - own_cpu
        pg_cpu = postgres_cpu() - pg_cpu
        final = await bot.stop()
        await server.stop()
        if database is not None:
            await drop_database(database)
    steps = timings.steps
    answered = sorted(s[0] + s[1] for s in steps)
    # The rate while everyone is busy: between the 10th and the 90th percent of the answers.
    first, last = answered[len(answered) // 10], answered[len(answered) * 9 // 10]
    refused = server.unexpected_refusals()
    calls: dict[str, int] = {}
    for method, _ in server.calls:
        calls[method] = calls.get(method, 0) + 1
    return {
        "kind": kind,
        "users": users,
        "calls_per_update": {m: round(n / max(len(steps), 1), 2) for m, n in calls.items()},
        "elapsed_s": elapsed,
        "updates": len(steps),
        "updates_per_s": (len(answered) * 0.8) / max(last - first, 1e-9),
        "latency": latency_summary([s[1] for s in steps]),
        "latency_text": latency_summary([s[1] for s in steps if s[2] == "text"]),
        "latency_tap": latency_summary([s[1] for s in steps if s[2] == "tap"]),
        "peak_mb": final["peak_mb"],
        "bot_cpu_share": bot_cpu / elapsed,
        "cpu_ms_per_update": bot_cpu / max(len(steps), 1) * 1000,
        "driver_cpu_share": own_cpu / elapsed,
        "postgres_cpu_share": pg_cpu / elapsed,
        "startup_s": bot.ready["startup_s"],
        "builder": bot.ready["builder"],
        "stuck": timings.stuck,
        "first_stuck": timings.first_stuck,
        "refusals": len(refused),
        "first_refusals": [str(r) for r in refused[:3]],
        "bot_errors": final["errors"],
        "first_bot_errors": final["first_errors"],
        "weeks_recorded": sum(p.cycles for p in persons),
    }


def postgres_cpu() -> float:
    """CPU seconds used so far by the local PostgreSQL server's processes (0 when none)."""
    total = 0.0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if (proc / "comm").read_text().strip() in ("postgres", "postmaster"):
                total += cpu_seconds(int(proc.name))
        except (OSError, IndexError, ValueError):
            continue
    return total
