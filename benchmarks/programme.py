"""3. A whole programme's data: what coordinators ask for, at scale.

1,000 groups × 15 weeks × 12 participants (180,000 attendance rows) with agreements. A commune
coordinator (20 groups), a province coordinator (200 groups) and an admin (everything) each send
/groups and /report, choose "Since the start" and tap "Export: XLSX", end to end through the
running bot. Timed from the update to the bot's answer; memory is the bot process's resident
size, sampled during each.
Meanwhile a trainee reads guides: how long does the rest of the bot wait while a report is built?
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.common import (
    BOT_USERNAME,
    TOKEN,
    BotProcess,
    MemorySampler,
    cancel_all,
    drop_database,
    fresh_database,
    latency_summary,
    rss_mb,
)
from benchmarks.flows import Pacer, Person, Timings, datas, reading
from benchmarks.seed import Shape, seed
from tests.support.tgserver import BotMessage, TelegramTestServer, TestUser

ANSWER_TIMEOUT = 300.0


def programme_shape(groups: int) -> Shape:
    """5 provinces × 10 communes × 4 collines × 5 groups at full size, 15 weeks recorded."""
    return Shape(
        provinces=5,
        communes=10,
        collines=4,
        groups_per_colline=5,
        facilitators_per_group=1,
        weeks_done=15,
        agreements_per_group=1.5,
        commune_coordinators=True,
        province_coordinators=True,
        admin=True,
        trainees=1,
        max_groups=groups,
    )


async def _timed(user: TestUser, pid: int, action: Any) -> tuple[float, float, BotMessage]:
    """Seconds until the bot's answer arrives, and the bot's peak memory meanwhile (MB)."""
    loop = asyncio.get_running_loop()
    with MemorySampler(pid) as memory:
        started = loop.time()
        await action()
        message = await user.next_message(timeout=ANSWER_TIMEOUT)
        elapsed = loop.time() - started
    return elapsed, memory.peak, message


async def run(kind: str, groups: int, workdir: Path, key: str) -> dict[str, Any]:
    server = TelegramTestServer(token=TOKEN, bot_username=BOT_USERNAME)
    await server.start()
    database = await fresh_database(kind, workdir)
    db = database.open()
    loop = asyncio.get_running_loop()
    started = loop.time()
    seeded = await seed(db, programme_shape(groups), datetime.now(UTC))
    seed_s = loop.time() - started
    await db.dispose()
    viewers = [
        ("commune", seeded.coordinators[0]),
        ("province", seeded.province_coordinators[0]),
        ("everything", seeded.admins[0]),
    ]
    users = {
        label: server.add_user(p.telegram_id, "Coordinator", language_code="fr", started=True)
        for label, p in viewers
    }
    trainee = seeded.trainees[0]
    timings, pacer = Timings(), Pacer()
    reader = Person(
        server.add_user(trainee.telegram_id, "Trainee", started=True), timings, pacer=pacer
    )
    bot = await BotProcess.start(
        mode="ours",
        api=server.base_url,
        workdir=workdir,
        database=database,
        rate_limiter=True,
        key=key,
    )
    results: dict[str, Any] = {
        "kind": kind,
        "groups": seeded.groups,
        "rows": seeded.rows,
        "seed_s": seed_s,
        "idle_rss_mb": rss_mb(bot.pid)[0],
        "views": {},
    }
    reading_task = loop.create_task(reading(reader, 1))
    pacing = loop.create_task(pacer.run(2.0, 3600))
    try:
        for label, person in viewers:
            user = users[label]
            prefix = person.area_path or ""
            area_groups = sum(
                1 for f in seeded.facilitators if (f.area_path or "").startswith(prefix)
            )
            view: dict[str, Any] = {"groups": area_groups}
            for command in ("/groups", "/report"):
                seconds, peak, message = await _timed(
                    user, bot.pid, lambda u=user, c=command: u.send(c)
                )
                view[command] = {"s": seconds, "peak_mb": peak, "chars": len(message.plain)}
            # The files cover the whole programme's history: "Since the start", then export.
            if "co:rp" in datas(message):
                for data in ("co:rp", "co:rq:all"):
                    _, _, message = await _timed(
                        user, bot.pid, lambda u=user, m=message, d=data: u.tap_data(m, d)
                    )
            export = next((d for d in datas(message) if d == "co:rx"), None)
            if export is not None:
                seconds, peak, document = await _timed(
                    user, bot.pid, lambda u=user, m=message, d=export: u.tap_data(m, d)
                )
                size = len(document.document.data or b"") if document.document else 0
                view["xlsx"] = {"s": seconds, "peak_mb": peak, "bytes": size}
            results["views"][label] = view
    finally:
        await cancel_all([pacing, reading_task])
        final = await bot.stop()
        await server.stop()
        await drop_database(database)
    results["peak_mb"] = final["peak_mb"]
    results["reader_latency"] = latency_summary([s[1] for s in timings.steps])
    results["bot_errors"] = final["errors"]
    results["first_bot_errors"] = final["first_errors"]
    results["refusals"] = [str(r) for r in server.unexpected_refusals()][:3]
    return results
