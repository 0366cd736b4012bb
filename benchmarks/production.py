"""2. The production configuration: the rate limiter on, the test server enforcing Telegram's
flood limits (about 30 messages a second overall, one a second per chat, short bursts allowed).

a) Latency at a steady 30 updates a second (Telegram's overall limit), spread over many
   facilitators doing their week: an open loop, each person waits for the answer to their
   previous step before they may take the next.
b) Monday morning: the reminders for 2,000 facilitators and the digests for 50 coordinators
   fall due at once. How long until the last one arrives, against the minimum the overall limit
   allows; whether any 429 reached the bot's code; whether anything was lost or sent twice.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from benchmarks.common import (
    BotProcess,
    cancel_all,
    drop_database,
    fresh_database,
    latency_summary,
    test_server,
)
from benchmarks.flows import Pacer, Person, Timings, reading, weeks
from benchmarks.headroom import headroom_shape
from benchmarks.seed import TIMEZONE, Shape, seed
from tests.support.tgserver import TelegramTestServer

OVERALL_LIMIT = 30.0  # messages a second, Telegram's documented overall limit
# Long enough for everyone to have begun: people take a step every people/rate seconds.
WARMUP_S = 12.0


async def steady_rate(
    kind: str,
    people: int,
    rate: float,
    duration: float,
    workdir: Path,
    key: str,
    latency: float = 0.0,
    warmup: float = WARMUP_S,
) -> dict[str, Any]:
    """Update-to-answer latency at a steady `rate` of updates a second; `latency`: the time a
    Bot API call takes over the network (0: the test server on this machine).

    The first `warmup` seconds are not counted: everyone starts with a command at once, which
    is a start, not the steady mix of a week (mostly taps, one command in about twelve steps)."""
    server = test_server(latency, flood_control=True)
    await server.start()
    database = await fresh_database(kind, workdir)
    db = database.open()
    seeded = await seed(db, headroom_shape(people), datetime.now(UTC))
    await db.dispose()
    timings, pacer = Timings(), Pacer()
    persons = [
        Person(
            server.add_user(p.telegram_id, "Facilitator", language_code=p.language, started=True),
            timings,
            pacer=pacer,
        )
        for p in seeded.facilitators
    ]
    bot = await BotProcess.start(
        mode="ours",
        api=server.base_url,
        workdir=workdir,
        database=database,
        rate_limiter=True,
        key=key,
    )
    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(weeks(p, n % 2)) for n, p in enumerate(persons)]
    try:
        start = loop.time() + warmup
        window = loop.create_task(_between(bot, warmup, duration))
        granted = await pacer.run(rate, warmup + duration)
        before, after = await window
        cpu_s = float(after["cpu_s"]) - float(before["cpu_s"])
        # Let the last steps be answered before counting.
        await asyncio.sleep(2)
        end = loop.time()
    finally:
        await cancel_all(tasks)
        final = await bot.stop()
        await server.stop()
        await drop_database(database)
    steps = [s for s in timings.steps if start <= s[0] < start + duration]
    return {
        "kind": kind,
        "latency_s": latency,
        "rate": rate,
        "duration_s": duration,
        "warmup_s": warmup,
        "granted": granted,
        "kinds": _kinds(steps),
        "cpu_ms_per_update": cpu_s / max(len(steps), 1) * 1000,
        # What the log holds for the window: lines per update handled, other lines an hour.
        "log_update_lines": after["update_lines"] - before["update_lines"],
        "log_other_lines_per_hour": (after["other_lines"] - before["other_lines"])
        * 3600
        / duration,
        "log_other_loggers": {
            name: count - before["other_loggers"].get(name, 0)
            for name, count in after["other_loggers"].items()
            if count != before["other_loggers"].get(name, 0)
        },
        "answered": len(steps),
        "achieved_per_s": len(steps) / duration,
        "missed_ticks": pacer.missed,
        "latency": latency_summary([s[1] for s in steps]),
        "window_s": end - start,
        "throttled_429": sum(1 for r in server.refusals if r.error_code == 429),
        "limiter_retries": final["rate_limit_retries"],
        "bot_errors": final["errors"],
        "first_bot_errors": final["first_errors"],
        "stuck": timings.stuck,
        "first_stuck": timings.first_stuck,
        "refusals": [str(r) for r in server.unexpected_refusals() if r.error_code != 429][:3],
        "throttled": throttled(server),
    }


async def _between(
    bot: BotProcess, warmup: float, duration: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The bot's own figures (CPU, log lines) at the start and the end of the measured window."""
    await asyncio.sleep(warmup)
    before = await bot.call("stats")
    await asyncio.sleep(duration)
    return before, await bot.call("stats")


def _kinds(steps: list[tuple[float, float, str]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for _, _, kind in steps:
        found[kind] = found.get(kind, 0) + 1
    return found


def throttled(server: TelegramTestServer) -> dict[str, int]:
    """The 429s the test server answered, by method and whether the chat was hit twice."""
    found: dict[str, int] = {}
    for refusal in server.refusals:
        if refusal.error_code == 429:
            key = f"{refusal.method} {refusal.description}"
            found[key] = found.get(key, 0) + 1
    return found


def monday_clock() -> datetime:
    """The coming Monday, 07:00:30 in Bujumbura: digests are due, tomorrow's meetings remind."""
    now = datetime.now(ZoneInfo(TIMEZONE))
    monday = now.date() + timedelta(days=(7 - now.weekday()) % 7 or 7)
    return datetime.combine(monday, time(7, 0, 30), ZoneInfo(TIMEZONE))


def monday_shape(groups: int, coordinators: int) -> Shape:
    """Groups meeting on Tuesdays at 07:00, two facilitators each, one coordinator per commune."""
    per_commune = max(1, groups // max(coordinators, 1))
    return Shape(
        provinces=max(1, coordinators // 10),
        communes=min(10, max(coordinators, 1)),
        collines=max(1, per_commune // 5),
        groups_per_colline=min(5, per_commune),
        facilitators_per_group=2,
        weeks_done=5,
        weekday=1,
        meet_time=time(7, 0),
        max_groups=groups,
    )


async def monday_burst(
    kind: str, groups: int, coordinators: int, workdir: Path, key: str, light_rate: float = 1.0
) -> dict[str, Any]:
    """Everything due on Monday morning, sent with the limits on; trainees read meanwhile."""
    server = test_server(flood_control=True)
    await server.start()
    database = await fresh_database(kind, workdir)
    db = database.open()
    at = monday_clock()
    shape = monday_shape(groups, coordinators)
    shape.trainees = 20
    seeded = await seed(db, shape, at)
    await db.dispose()
    recipients = {
        p.telegram_id: server.add_user(
            p.telegram_id, "Person", language_code=p.language, started=True
        )
        for p in [*seeded.facilitators, *seeded.coordinators]
    }
    bot = await BotProcess.start(
        mode="ours",
        api=server.base_url,
        workdir=workdir,
        database=database,
        rate_limiter=True,
        clock_at=at,
        key=key,
    )
    digests = "digest" in bot.ready["renderers"]
    expected = len(seeded.facilitators) + (len(seeded.coordinators) if digests else 0)
    loop = asyncio.get_running_loop()
    arrivals: dict[int, list[float]] = {tid: [] for tid in recipients}

    async def watch(tid: int) -> None:
        user = recipients[tid]
        while True:
            await user.next_message(timeout=3600)
            arrivals[tid].append(loop.time())

    watchers = [loop.create_task(watch(tid)) for tid in recipients]
    # A few facilitators use the bot meanwhile (one step a second): how long do they wait?
    timings, pacer = Timings(), Pacer()
    readers = [
        Person(
            server.add_user(p.telegram_id, "Trainee", language_code=p.language, started=True),
            timings,
            pacer=pacer,
        )
        for p in seeded.trainees
    ]
    reading_tasks = [loop.create_task(reading(p, n % 15 + 1)) for n, p in enumerate(readers)]
    try:
        started = loop.time()
        swept = await bot.call("sweep")
        queued = loop.time()
        deadline = started + max(600.0, expected / OVERALL_LIMIT * 4)
        pacing = loop.create_task(pacer.run(light_rate, 3600))
        while sum(1 for times in arrivals.values() if times) < expected:
            if loop.time() > deadline:
                break
            await asyncio.sleep(0.2)
        # Anything more (repeats) would arrive within the next outbox ticks.
        await asyncio.sleep(3)
        backlog = (await bot.call("outbox"))["backlog"]
        pacing.cancel()
    finally:
        await cancel_all([*watchers, *reading_tasks])
        final = await bot.stop()
        await server.stop()
    retried = await _rows_retried(database)
    await drop_database(database)
    firsts = sorted(times[0] for times in arrivals.values() if times)
    delivered = len(firsts)
    duration = (firsts[-1] - started) if firsts else float("nan")
    sending = (firsts[-1] - firsts[0]) if len(firsts) > 1 else float("nan")
    minimum = expected / OVERALL_LIMIT
    return {
        "kind": kind,
        "facilitators": len(seeded.facilitators),
        "coordinators": len(seeded.coordinators),
        "digests_rendered": digests,
        "expected": expected,
        "delivered": delivered,
        "repeats": sum(max(0, len(t) - 1) for t in arrivals.values()),
        "sweep_s": swept["sweep_s"],
        "queued": swept["queued"],
        "queue_to_first_s": (firsts[0] - queued) if firsts else float("nan"),
        "total_s": duration,
        "sending_s": sending,
        "minimum_s": minimum,
        "efficiency": minimum / duration if duration == duration and duration else 0.0,
        "backlog": backlog,
        "throttled_429": sum(1 for r in server.refusals if r.error_code == 429),
        "limiter_retries": final["rate_limit_retries"],
        "rows_retried": retried,
        "bot_errors": final["errors"],
        "first_bot_errors": final["first_errors"],
        "light_latency": latency_summary([s[1] for s in timings.steps]),
    }


async def _rows_retried(database: Any) -> int:
    """Outbox rows the worker had to send more than once (a failure reached its code)."""
    from models.outbox import OutboxMessage

    db = database.open()
    try:
        async with db.read() as session:
            count = await session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.attempts > 1)
            )
    finally:
        await db.dispose()
    return int(count or 0)
