"""The bot under test, in a process of its own: ours (the real application) or a bare bot.

    python -m benchmarks.botproc --mode ours --api http://127.0.0.1:PORT/bot --database URL
    python -m benchmarks.botproc --mode bare --api http://127.0.0.1:PORT/bot

It polls the test server like production does and is driven by JSON lines on stdin (one answer
per line on stdout): "stats", "sweep" (what the sweep job does), "stop". The bare bot makes the
same Bot API calls per update as ours and nothing else: a reply for a text, an answer and an edit
for a tap; it is built with the same builder settings (timeouts, rate limiter, update processor).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import resource
import sys
import time
from datetime import UTC, datetime
from typing import Any

STARTED = time.monotonic()

BARE_TEXT = (
    "<b>Bare bot</b>\n"
    + "A reply about as long as one screen of a session guide, so that both bots send similar "
    "amounts of text over the same HTTP connection pool. " * 5
)
READ_TIMEOUT = 10.0


class Counter(logging.Handler):
    """Counts what the bot logs: errors, and the rate limiter's retries after a 429."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.errors = 0
        self.first_errors: list[str] = []
        self.rate_limit_retries = 0
        # Lines written at INFO and above: one per update handled ("updates"), and the rest.
        self.update_lines = 0
        self.other_lines = 0
        self.other_loggers: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "updates":
            self.update_lines += 1
        else:
            self.other_lines += 1
            self.other_loggers[record.name] = self.other_loggers.get(record.name, 0) + 1
        message = record.getMessage()
        if message.startswith("Rate limit hit"):
            if "retrying" in message.lower():
                self.rate_limit_retries += 1
            else:
                self.errors += 1
        elif record.levelno >= logging.ERROR:
            self.errors += 1
            if len(self.first_errors) < 5:
                self.first_errors.append(f"{record.name}: {message[:300]}")


def own_figures() -> dict[str, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    current = 0.0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
    return {
        "rss_mb": current,
        "peak_mb": usage.ru_maxrss / 1024,
        "cpu_s": usage.ru_utime + usage.ru_stime,
    }


def answer(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, default=str) + "\n")
    sys.stdout.flush()


def settings_for(args: argparse.Namespace) -> Any:
    from dataclasses import replace

    from models.settings import Settings

    env = {
        "TELEGRAM_BOT_TOKEN": args.token,
        "DATABASE_URL": args.database or "sqlite:///:memory:",
        "TELEGRAM_API_BASE_URL": args.api,
        "DEFAULT_LANGUAGE": "rn",
        "BOT_USERNAME": "sociotherapy_bench_bot",
        "LOG_LEVEL": "INFO",
    }
    if args.no_user_limit:
        # The headroom run measures the bot with no limits; people there tap without pause.
        env["USER_UPDATES_PER_MINUTE"] = "1000000"
    settings = Settings.from_env(env, load_dotenv=False)
    return replace(settings, database_schema=args.schema)


def builder_settings(application: Any) -> dict[str, Any]:
    """What the builder configured, to show that ours and the bare bot match."""
    bot = application.bot
    limiter = bot.rate_limiter
    processor = application.update_processor
    found: dict[str, Any] = {
        "update_processor": type(processor).__name__,
        "max_concurrent_updates": processor.max_concurrent_updates,
        "rate_limiter": type(limiter).__name__ if limiter else None,
    }
    try:
        found["get_updates_request"] = type(bot._request[0]).__name__
        request = bot._request[1]
        found["read_timeout"] = request.read_timeout
        found["pool_size"] = request._client._transport._pool._max_connections
    except AttributeError:  # private attributes of python-telegram-bot and httpx
        pass
    return found


def build_bare(settings: Any, reference: Any, rate_limiter: bool) -> Any:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.constants import ParseMode
    from telegram.error import BadRequest
    from telegram.ext import Application, CallbackQueryHandler, MessageHandler
    from telegram.ext import filters as f

    # About the size of an attendance screen: twelve toggles, a save and a back button.
    toggles = [
        InlineKeyboardButton(f"✓ P{n + 1:02d}", callback_data=f"at:{1000 + n}:2:3:0:{n}")
        for n in range(12)
    ]
    keyboard = InlineKeyboardMarkup(
        [
            *(toggles[n : n + 3] for n in range(0, 12, 3)),
            [
                InlineKeyboardButton("‹ Back", callback_data="b"),
                InlineKeyboardButton("Next ›", callback_data="n"),
            ],
        ]
    )
    from conversations.runtime.confirm import ConfirmWhenHandled
    from conversations.runtime.ordering import PerUserUpdateProcessor
    from conversations.runtime.ratelimit import TelegramLimits

    confirm = ConfirmWhenHandled()
    processor = reference.update_processor
    builder = (
        Application.builder()
        # Ours confirms fetched updates only once handled; the bare bot waits the same way.
        .get_updates_request(confirm)
        .token(settings.require_token())
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .read_timeout(READ_TIMEOUT)
        .write_timeout(READ_TIMEOUT)
        .connect_timeout(READ_TIMEOUT)
        .pool_timeout(READ_TIMEOUT)
        # The same update processor as ours.
        .concurrent_updates(PerUserUpdateProcessor(processor.workers, on_done=confirm.handled))
    )
    if rate_limiter:
        builder = builder.rate_limiter(TelegramLimits(max_retries=5))
    application = builder.build()

    async def on_text(update: Update, context: Any) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(
            update.effective_chat.id, BARE_TEXT, parse_mode=ParseMode.HTML, reply_markup=keyboard
        )

    async def on_tap(update: Update, context: Any) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None

        async def answer() -> None:
            try:
                await query.answer()
            except BadRequest:  # too old to answer (ours also edits then)
                pass

        # Like ours: the tap is answered while the message is edited.
        await asyncio.gather(
            answer(),
            context.bot.edit_message_text(
                f"{BARE_TEXT}{update.update_id}",
                chat_id=query.message.chat.id,
                message_id=query.message.message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard,
            ),
        )

    application.add_handler(MessageHandler(f.TEXT, on_text))
    application.add_handler(CallbackQueryHandler(on_tap))
    return application


async def main(args: argparse.Namespace) -> None:

    from cli import logs
    from conversations.app import build_application
    from locales import compile_catalogs
    from models import crypto
    from models.clock import clock
    from models.db import Database

    counter = Counter()
    # Logging as `bot.py run` sets it up, so that the lines counted are the ones it would write.
    logs.configure("INFO", "text")
    logging.getLogger().addHandler(counter)
    compile_catalogs()
    crypto.configure([os.environ.get("ENCRYPTION_KEYS") or crypto.generate_key()])
    if args.clock_at:
        clock.advance(datetime.fromisoformat(args.clock_at) - datetime.now(UTC))

    settings = settings_for(args)
    database = Database(settings.database_url, schema=settings.database_schema)
    ours = build_application(
        settings, database=database, rate_limiter=args.rate_limiter, read_timeout=READ_TIMEOUT
    )
    application = ours if args.mode == "ours" else build_bare(settings, ours, args.rate_limiter)
    from benchmarks.common import start_polling

    await start_polling(application, long_poll=10)
    from telegram.ext import CommandHandler

    from conversations.runtime.outbox import RENDERERS

    commands = sorted(
        {
            name
            for group in ours.handlers.values()
            for h in group
            if isinstance(h, CommandHandler)
            for name in h.commands
        }
    )
    answer(
        {
            "ready": True,
            "startup_s": time.monotonic() - STARTED,
            "builder": builder_settings(application),
            "renderers": sorted(RENDERERS),
            "commands": commands,
            **own_figures(),
        }
    )

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        request = json.loads(line) if line.strip() else {"command": "stop"}
        command = request["command"]
        try:
            if command == "stats":
                answer(
                    {
                        **own_figures(),
                        "errors": counter.errors,
                        "update_lines": counter.update_lines,
                        "other_lines": counter.other_lines,
                        "other_loggers": counter.other_loggers,
                    }
                )
            elif command == "sweep":
                answer(await sweep_now(application))
            elif command == "outbox":
                answer(await outbox_state(application))
            elif command == "stop":
                break
            else:
                answer({"error": f"unknown command {command}"})
        except Exception as error:  # reported to the driver, which stops the run
            answer({"error": f"{type(error).__name__}: {error}"})

    if application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
    elif args.mode == "bare":
        await database.dispose()
    answer(
        {
            **own_figures(),
            "errors": counter.errors,
            "first_errors": counter.first_errors,
            "rate_limit_retries": counter.rate_limit_retries,
        }
    )


async def sweep_now(application: Any) -> dict[str, Any]:
    """What the sweep job does at its next tick: queue what is due, then send."""
    from models.sweep import run_sweep

    services = application.bot_data["services"]
    started = time.monotonic()
    queued = await run_sweep(services.db)
    swept = time.monotonic() - started
    # The send runs as the job does, in the background, so the driver can watch it.
    application.create_task(services.extra["outbox"].run_once(application.bot))
    return {"queued": queued, "sweep_s": swept}


async def outbox_state(application: Any) -> dict[str, Any]:
    from models import outbox

    services = application.bot_data["services"]
    async with services.db.read() as session:
        return {"backlog": await outbox.backlog(session)}


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.botproc")
    p.add_argument("--mode", choices=["ours", "bare"], required=True)
    p.add_argument("--api", required=True, help="the test server's base URL, ending in /bot")
    p.add_argument("--database", help="SQLAlchemy URL (ours)")
    p.add_argument("--schema", help="PostgreSQL schema")
    p.add_argument("--token", default="123456:BENCH-token_for-the-benchmark")
    p.add_argument("--rate-limiter", action="store_true")
    p.add_argument("--no-user-limit", action="store_true", help="no per-person update limit")
    p.add_argument("--clock-at", help="ISO time the bot's clock shows at start (it then runs)")
    return p.parse_args(argv)


if __name__ == "__main__":
    try:
        asyncio.run(main(parse(sys.argv[1:])))
    except Exception as error:
        answer({"error": f"{type(error).__name__}: {error}"})
        raise
