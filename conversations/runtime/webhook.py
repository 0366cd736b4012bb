"""Webhook mode with the guarantee of long polling: an update is committed before Telegram gets
its 200, so a crash at any point loses none and repeats none.

python-telegram-bot's own webhook server answers 200 before the update is handled and reads a
whole body (up to 100 MB) before it checks the secret. This server, on tornado (installed with
python-telegram-bot's webhooks extra):
- refuses a request without the right secret token, or announcing a body over MAX_BODY, from its
  headers alone, before any of its body is read;
- writes the body as an encrypted inbox row (models/inbox.py), commits, and only then answers
  200; a failed commit answers 500 and Telegram delivers the update again;
- leaves the handling to the inbox's consumer (conversations/runtime/inbox.py);
- answers GET /health without the secret: 200 "healthy", or 503 and the problems `bot.py health`
  would print (models/operations.py), nothing else.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from datetime import timedelta

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from telegram import Update
from telegram.error import RetryAfter
from tornado import httpserver, web

from conversations.runtime import failpoints
from conversations.runtime.context import BotApplication, Services
from conversations.runtime.inbox import InboxConsumer
from models import inbox, operations
from models.clock import clock
from models.settings import Settings

log = logging.getLogger(__name__)

PATH = "/telegram"
HEALTH_PATH = "/health"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are small: a message is at most 4096 characters (a caption 1024), and with
# its entities, a quoted reply and the sender an update stays far under 100 KB. 1 MB leaves room
# and bounds what one request can cost: Telegram opens at most 40 connections at once.
MAX_BODY = 1024 * 1024
# A shutdown lets the updates being handled finish this long; the rest stay in the inbox.
DRAIN_SECONDS = 10.0


class _Hub:
    """What the request handlers share: the secret, the database, the consumer to wake."""

    def __init__(self, secret: str, services: Services, consumer: InboxConsumer) -> None:
        self.secret = secret.encode()
        self.services = services
        self.consumer = consumer


@web.stream_request_body
class UpdateHandler(web.RequestHandler):
    SUPPORTED_METHODS = ("POST",)

    def initialize(self, hub: _Hub) -> None:
        self.hub = hub
        self._chunks: list[bytes] = []
        self._size = 0

    def prepare(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "").encode()
        length = self.request.headers.get("Content-Length", "")
        if not self.hub.secret or not hmac.compare_digest(given, self.hub.secret):
            self._refuse(403)
        elif not length.isdigit():
            self._refuse(411)
        elif int(length) > MAX_BODY:
            self._refuse(413)

    def _refuse(self, status: int) -> None:
        # Answered from the headers; the connection is closed without reading the body.
        self.set_header("Connection", "close")
        self.set_status(status)
        self.finish()

    def data_received(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size <= MAX_BODY:
            self._chunks.append(chunk)

    async def post(self) -> None:
        body = b"".join(self._chunks)
        try:
            data = json.loads(body)
            update_id = data["update_id"]
            if not isinstance(update_id, int):
                raise TypeError("update_id")
        except (ValueError, KeyError, TypeError):
            self.set_status(400)
            return
        failpoints.reached("webhook.received")
        try:
            async with self.hub.services.db.write() as session:
                await inbox.receive(session, update_id, inbox.fingerprint(data), body.decode())
        except IntegrityError:
            pass  # the same update received twice at once: the other request stored it
        except SQLAlchemyError as error:
            log.warning("update %s not stored (%s): Telegram sends it again", update_id, error)
            self.set_status(500)
            return
        failpoints.reached("webhook.committed")
        await self.finish()
        failpoints.reached("webhook.answered")
        self.hub.consumer.wakeup.set()


class HealthHandler(web.RequestHandler):
    def initialize(self, hub: _Hub) -> None:
        self.hub = hub

    async def get(self) -> None:
        settings = self.hub.services.settings
        try:
            async with self.hub.services.db.read() as session:
                problems = await operations.health_problems(
                    session, clock.now(), settings.sweep_seconds
                )
        except Exception as error:  # any failure to answer is unhealthy
            problems = [f"database: {type(error).__name__}"]
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        if problems:
            self.set_status(503)
            self.write("".join(f"unhealthy: {problem}\n" for problem in problems))
        else:
            self.write("healthy\n")


def server(hub: _Hub) -> httpserver.HTTPServer:
    routes = web.Application(
        [(PATH, UpdateHandler, {"hub": hub}), (HEALTH_PATH, HealthHandler, {"hub": hub})]
    )
    return httpserver.HTTPServer(
        routes,
        max_body_size=MAX_BODY,
        body_timeout=30,
        idle_connection_timeout=120,
        xheaders=False,
    )


async def _set_webhook(application: BotApplication, settings: Settings) -> None:
    for _ in range(5):
        try:
            await application.bot.set_webhook(
                settings.webhook_url.rstrip("/") + PATH if settings.webhook_url else "",
                secret_token=settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
            return
        except RetryAfter as error:  # set twice within a second (a quick restart)
            wait = error.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            await asyncio.sleep(seconds)
    raise RuntimeError("Telegram refused to set the webhook")


def run(application: BotApplication, settings: Settings, holder: str) -> None:
    """The counterpart of `Application.run_webhook`: set up, serve until stopped, shut down.

    `Application.stop_running` (a lost lease) stops the loop, as it does for PTB's runners.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGABRT):
        loop.add_signal_handler(sig, loop.stop)
    services: Services = application.bot_data["services"]
    consumer = InboxConsumer(application, holder)
    http: httpserver.HTTPServer | None = None
    consuming: asyncio.Task[None] | None = None
    try:
        loop.run_until_complete(application.initialize())
        if application.post_init is not None:
            loop.run_until_complete(application.post_init(application))
        loop.run_until_complete(application.start())
        # Rows a killed process left are claimed first; then what arrives.
        consuming = loop.create_task(consumer.run())
        hub = _Hub(settings.webhook_secret or "", services, consumer)
        http = server(hub)
        http.listen(settings.webhook_port, settings.webhook_listen)
        loop.run_until_complete(_set_webhook(application, settings))
        log.info("webhook set; listening on %s:%s", settings.webhook_listen, settings.webhook_port)
        loop.run_forever()
    finally:
        if http is not None:
            http.stop()
        if consuming is not None:
            consuming.cancel()
        loop.run_until_complete(consumer.drain(DRAIN_SECONDS))
        if application.running:
            loop.run_until_complete(application.stop())
        loop.run_until_complete(application.shutdown())
        if application.post_shutdown is not None:
            loop.run_until_complete(application.post_shutdown(application))
        loop.close()
