"""Webhook mode: the bot refuses requests without Telegram's secret token and serves the rest."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import aiohttp

from models import crypto
from models.settings import Settings
from tests.support.process import BotProcess
from tests.support.tgserver import TelegramTestServer

SECRET = "s3cret-token_for-the-webhook-test"


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_requires_the_secret_token(
    tg: TelegramTestServer, settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    process = BotProcess(tg, settings, crypto.generate_key(), tmp_path / "bot.log")
    process.env.update(
        {
            "WEBHOOK_URL": "https://bot.example.org",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_LISTEN": "127.0.0.1",
            "PORT": str(port),
        }
    )
    person = tg.add_user(user_id=990, first_name="W", language_code="fr", started=True)
    update = {
        "update_id": 5001,
        "message": {
            "message_id": 1,
            "date": 1_764_000_000,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            "chat": {"id": 990, "type": "private", "first_name": "W"},
            "from": {"id": 990, "is_bot": False, "first_name": "W", "language_code": "fr"},
        },
    }
    url = f"http://127.0.0.1:{port}/telegram"
    try:
        await process.start(ready_call="setWebhook")
        await listening(port)
        (call,) = tg.calls_to("setWebhook")[-1:]
        assert call["url"] == "https://bot.example.org/telegram"
        assert call["secret_token"] == SECRET
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with http.post(
                    url,
                    data=json.dumps(update),
                    headers={"Content-Type": "application/json", **headers},
                ) as response:
                    assert response.status == 403
            assert person.all_bot_messages == []
            async with http.post(
                url,
                data=json.dumps(update),
                headers={
                    "Content-Type": "application/json",
                    "X-Telegram-Bot-Api-Secret-Token": SECRET,
                },
            ) as response:
                assert response.status == 200
        reply = await person.next_message(timeout=15)
        assert "invitation" in reply.plain
    finally:
        await process.stop()
