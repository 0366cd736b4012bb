"""Webhook mode: the bot refuses requests without Telegram's secret token (from the headers,
before reading a body), caps bodies, commits each update before answering 200, and answers a
health path."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select, text

from conversations.runtime import webhook
from models import crypto, service
from models.db import Database
from models.inbox import InboxRow
from models.settings import Settings
from tests.support.process import BotProcess
from tests.support.tgserver import TelegramTestServer
from tests.support.webhook import SECRET, WebhookBot, free_port, listening, settled


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


@pytest.fixture
async def webhook_bot(
    tg: TelegramTestServer, settings: Settings, tmp_path: Path
) -> AsyncIterator[WebhookBot]:
    process = WebhookBot(tg, settings, crypto.generate_key(), tmp_path / "bot.log")
    await process.start()
    yield process
    await process.stop()


async def raw_request(port: int, head: str) -> tuple[bytes, bool]:
    """Sends only a request's headers; returns the answer and whether the server then closed
    the connection (without waiting for the body the headers announced)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head.encode())
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(65536), 5)
        closed = await asyncio.wait_for(reader.read(1), 5) == b""
        return answer, closed
    finally:
        writer.close()


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


async def test_a_request_without_the_secret_is_refused_before_its_body_is_read(
    webhook_bot: WebhookBot,
) -> None:
    process, port = webhook_bot, webhook_bot.port
    assert process.pid is not None
    before = rss_kb(process.pid)
    huge = 90 * 1024 * 1024
    for secret in ("", "X-Telegram-Bot-Api-Secret-Token: wrong\r\n"):
        # Six of them at once, as in the measured attack; not a byte of the bodies is sent.
        answers = await asyncio.gather(
            *(
                raw_request(
                    port,
                    "POST /telegram HTTP/1.1\r\nHost: bot\r\n"
                    f"Content-Type: application/json\r\n{secret}"
                    f"Content-Length: {huge}\r\n\r\n",
                )
                for _ in range(6)
            )
        )
        for answer, closed in answers:
            assert answer.startswith(b"HTTP/1.1 403"), answer[:80]
            assert closed
    # The secret given, a body over the cap is refused the same way.
    answer, closed = await raw_request(
        port,
        "POST /telegram HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
        f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n"
        f"Content-Length: {webhook.MAX_BODY + 1}\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 413") and closed, answer[:80]
    assert rss_kb(process.pid) - before < 20 * 1024, "the refused requests cost memory"


async def test_a_body_over_the_cap_sent_without_length_is_cut_off(
    webhook_bot: WebhookBot, db: Database
) -> None:
    port = webhook_bot.port
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        (
            "POST /telegram HTTP/1.1\r\nHost: bot\r\nTransfer-Encoding: chunked\r\n"
            f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(65536), 5)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 411"), answer[:80]
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(InboxRow)) == 0


async def test_an_update_is_committed_encrypted_before_the_200_and_erased_once_handled(
    tg: TelegramTestServer, webhook_bot: WebhookBot, db: Database
) -> None:
    person = tg.add_user(user_id=991, first_name="W", language_code="fr")
    await person.send("/start kp-secret-words")
    reply = await person.next_message(timeout=15)
    assert "invitation" in reply.plain
    assert [status for _, status in tg.webhook_deliveries] == [200]
    await settled(tg, db)
    async with db.read() as s:
        rows = list(
            await s.execute(select(InboxRow.update_id, InboxRow.claimed_by, InboxRow.handled_at))
        )
        stored = list(await s.scalars(text("SELECT body FROM webhook_inbox")))
    assert [(r.update_id, r.claimed_by is not None) for r in rows] == [
        (tg.webhook_deliveries[0][0], True)
    ]
    assert rows[0].handled_at is not None
    assert stored == [None], "what the person typed is erased once handled"


async def test_the_health_path_answers_without_the_secret_and_says_only_what_is_wrong(
    webhook_bot: WebhookBot, db: Database
) -> None:
    port = webhook_bot.port
    url = f"http://127.0.0.1:{port}/health"
    async with aiohttp.ClientSession() as http:
        # Just started: no heartbeat yet, and the first sweep is seconds away.
        async with http.get(url) as response:
            body = await response.text()
            assert response.status == 503, body
            assert "unhealthy: no recent heartbeat: the bot is not running" in body
            assert all(line.startswith("unhealthy: ") for line in body.splitlines()), body
        async with db.write() as s:
            await service.set_state(s, "heartbeat", "now")
            await service.set_state(s, "last_sweep", "now")
        async with http.get(url) as response:
            assert (response.status, await response.text()) == (200, "healthy\n")
        async with http.post(url, data=b"{}") as response:
            assert response.status == 405
