"""4. What a facilitator pays for: the bytes the bot sends them in one week, and the taps.

One facilitator's week, on the bot's clock: the reminder the day before the meeting (and the
week's guide opened from it and read to the end), then on the meeting day the meeting recorded
with twelve participants of whom two were absent, and the reflection. Every message and every
edit that reaches their phone is counted as the Bot API delivers it: the Message object in UTF-8
JSON (text, entities, buttons with their data), plus the text of pop-up answers. Telegram's own
framing and compression are not counted.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from benchmarks.common import BOT_USERNAME, TOKEN, fresh_database, start_polling
from benchmarks.flows import REFLECTION, SUMMARY, absentees, datas, find
from benchmarks.seed import TIMEZONE, Shape, seed
from models.clock import clock
from tests.support.tgserver import BotMessage, TelegramTestServer, TestUser


def message_bytes(message: BotMessage) -> int:
    size = len(json.dumps(message.api, ensure_ascii=False, separators=(",", ":")).encode())
    if message.document is not None and message.document.data:
        size += len(message.document.data)
    return size


class Meter:
    """Receives a person's messages and adds up what reached the phone."""

    def __init__(self, server: TelegramTestServer, user: TestUser) -> None:
        self.server = server
        self.user = user
        self.bytes: dict[str, int] = {}
        self.steps: dict[str, int] = {}

    async def receive(self, part: str) -> BotMessage:
        message = await self.user.next_message(timeout=30)
        self.bytes[part] = self.bytes.get(part, 0) + message_bytes(message)
        return message

    async def text(self, part: str, text: str) -> BotMessage:
        await self.user.send(text)
        self.steps[part] = self.steps.get(part, 0) + 1
        return await self.receive(part)

    async def tap(self, part: str, message: BotMessage, data: str | None) -> BotMessage:
        if data is None:
            raise AssertionError(f"no such button on {message!r}")
        await self.user.tap_data(message, data)
        self.steps[part] = self.steps.get(part, 0) + 1
        return await self.receive(part)

    def answers(self) -> int:
        """Pop-up texts of the answered taps (the phone receives them too)."""
        prefix = str(self.user.id)
        return sum(
            len((p.get("text") or "").encode())
            for p in self.server.calls_to("answerCallbackQuery")
            if str(p.get("callback_query_id", "")).startswith(prefix)
        )


def meeting_week() -> tuple[datetime, datetime, datetime]:
    """Next week's Tuesday 09:00:30 (the reminder), Wednesday 12:30 (after the meeting), and
    Thursday 10:00 (when a forgotten record would be nudged) in Bujumbura."""
    now = datetime.now(ZoneInfo(TIMEZONE))
    tuesday = now.date() + timedelta(days=(1 - now.weekday()) % 7 + 7)
    zone = ZoneInfo(TIMEZONE)
    return (
        datetime.combine(tuesday, time(9, 0, 30), zone),
        datetime.combine(tuesday + timedelta(days=1), time(12, 30), zone),
        datetime.combine(tuesday + timedelta(days=2), time(10, 0), zone),
    )


async def run(language: str, workdir: Path, key: str) -> dict[str, Any]:

    from conversations.app import build_application
    from models.settings import Settings
    from models.sweep import run_sweep

    reminder_at, meeting_day, day_after = meeting_week()
    clock.set(reminder_at)
    server = TelegramTestServer(token=TOKEN, bot_username=BOT_USERNAME)
    await server.start()
    database = await fresh_database("sqlite", workdir)
    db = database.open()
    shape = Shape(
        max_groups=1,
        facilitators_per_group=2,
        weeks_done=2,
        weekday=2,
        meet_time=time(9, 0),
        languages=(language,),
        absent_in_history=False,
    )
    seeded = await seed(db, shape, reminder_at)
    people = {
        p.telegram_id: server.add_user(
            p.telegram_id, "Person", language_code=p.language, started=True
        )
        for p in [*seeded.facilitators, *seeded.coordinators]
    }
    facilitator = people[seeded.facilitators[0].telegram_id]
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "DATABASE_URL": database.url,
        "DATA_DIR": str(workdir / "data"),
        "TELEGRAM_API_BASE_URL": server.base_url,
        "BOT_USERNAME": BOT_USERNAME,
        "LOG_LEVEL": "WARNING",
    }
    settings = Settings.from_env(env, load_dotenv=False)
    application = build_application(settings, database=db, rate_limiter=False, read_timeout=10)
    await start_polling(application, long_poll=1)
    meter = Meter(server, facilitator)
    worker = application.bot_data["services"].extra["outbox"]
    try:
        # The day before: the reminder, and the week's guide read from it.
        await run_sweep(db)
        await worker.run_once(application.bot)
        screen = await meter.receive("reminder")
        opened = find(screen, lambda d: d.startswith("gd:week-"))
        assert opened is not None, screen
        guide = opened.split(":")[1]
        screen = await meter.tap("guide", screen, opened)
        index = 0
        while (following := f"gd:{guide}:{index + 1}") in datas(screen):
            screen = await meter.tap("guide", screen, following)
            index += 1
        # After the meeting: held today, two absent of twelve, saved; then the reflection.
        clock.set(meeting_day)
        panel = await meter.text("record", "/session")
        held = find(panel, lambda d: d.startswith("st:"))
        assert held is not None, panel
        week = int(held.split(":")[2])
        screen = await meter.tap("record", panel, held)
        for absent in absentees(week):
            toggles = [d for d in datas(screen) if d.startswith("at:")]
            screen = await meter.tap("record", screen, toggles[absent])
        screen = await meter.tap("record", screen, find(screen, lambda d: d.startswith("as:")))
        record_steps = meter.steps["record"]
        for op in REFLECTION:
            screen = await meter.tap(
                "reflection", screen, find(screen, lambda d, op=op: d.endswith(":" + op))
            )
        # The day after: nothing more is due (the record is there).
        clock.set(day_after)
        await run_sweep(db)
        await worker.run_once(application.bot)
        pending = facilitator.pending_events
        agreement = await _agreement(meter)
        absent_saved = await _absent_count(db)
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
        await server.stop()
        clock.reset()
    answers = meter.answers()
    week_bytes = sum(v for k, v in meter.bytes.items() if k != "agreement") + answers
    return {
        "language": language,
        "bytes": meter.bytes,
        "answer_bytes": answers,
        "week_bytes": week_bytes,
        "steps": meter.steps,
        "record_steps": record_steps,
        "absent_saved": absent_saved,
        "unexpected_messages": pending,
        "agreement": agreement,
        "refusals": [str(r) for r in server.unexpected_refusals()][:3],
    }


async def _agreement(meter: Meter) -> bool:
    """An agreement, when the group reaches one (not every week): counted on its own."""
    screen = await meter.text("agreement", "/agreement")
    kind = find(screen, lambda d: d.startswith("ag:k:") and d.endswith(":land"))
    if kind is None:
        return False
    screen = await meter.tap("agreement", screen, kind)
    for n in range(2):
        toggles = [d for d in datas(screen) if d.startswith("ag:p:")]
        screen = await meter.tap("agreement", screen, toggles[n])
    for prefix in ("ag:pn:", "ag:on:", "ag:t:", "ag:tn:", "ag:d:", "ag:wr:"):
        screen = await meter.tap(
            "agreement", screen, find(screen, lambda d, p=prefix: d.startswith(p))
        )
    screen = await meter.text("agreement", SUMMARY)
    await meter.tap("agreement", screen, find(screen, lambda d: d.startswith("ag:s:")))
    return True


async def _absent_count(db: Any) -> int:
    from models.meetings import Attendance, MeetingRecord

    async with db.read() as session:
        latest = await session.scalar(select(MeetingRecord.id).order_by(MeetingRecord.id.desc()))
        rows = await session.scalars(
            select(Attendance.present).where(Attendance.meeting_id == latest)
        )
        return sum(1 for present in rows if not present)
