"""Outages: Telegram failing for hours, and the database out of reach for a moment.

The bot runs as a real process. TIME_SCALE shrinks its own waits (outbox backoff, 429 waits,
restart delays), so six hours of failures pass in seconds: every Bot API call fails in turn
with 500, 502, 429 and a dropped connection, the server is stopped for a while (connections
refused) and started again on the same port, and one send hangs past the bot's timeout and is
then carried out anyway. Meanwhile people write to the bot and the sweep queues a reminder and
alerts. Afterwards: the same process is still running, every update is answered, every queued
message is delivered, and nothing arrives twice except that one send (at least once, as the
outbox documents).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from locales import translator
from models import crypto, outbox, roster
from models.clock import clock
from models.db import Database
from models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from models.roster import Participant
from models.settings import Settings, SettingsError
from models.sweep import run_sweep
from models.users import Role, User
from tests.support import factories
from tests.support.chaos import ForkedBot, Person, Send, Tap, drive, report
from tests.support.tgserver import TelegramTestServer
from tests.support.webhook import WebhookBot

LANG = "fr"
HOURS = 6
TIME_SCALE = 0.0005  # six hours in 10.8 seconds
# Longer than the bot's read timeout (10 s): the bot gives up, Telegram carries it out later.
HANG_SECONDS = 11.0
TZ = ZoneInfo("Africa/Bujumbura")


def t(context: str, message: str) -> str:
    return translator(LANG).pgettext(context, message)


@dataclass
class Outage:
    """Every Bot API call fails, each with the next fault in turn; optionally one send hangs."""

    tg: TelegramTestServer
    modes: tuple[str, ...] = ("500", "502", "429", "drop")
    injected: Counter[str] = field(default_factory=Counter)
    hang_next_send: bool = False
    hung: list[dict[str, Any]] = field(default_factory=list)
    hung_at: float = 0.0
    _turn: int = 0

    def begin(self) -> None:
        self.tg.on_call = self._on_call

    def end(self) -> None:
        self.tg.on_call = None

    def _on_call(self, method: str, params: dict[str, Any]) -> bool:
        if self.hang_next_send and method == "sendMessage":
            self.hang_next_send = False
            self.tg.fail(method, mode="hang", seconds=HANG_SECONDS)
            self.injected["hang, then carried out"] += 1
            self.hung.append(params)
            self.hung_at = asyncio.get_running_loop().time()
            return False
        mode = self.modes[self._turn % len(self.modes)]
        self._turn += 1
        self.tg.fail(method, mode=mode, retry_after=1)
        self.injected[mode] += 1
        return False


async def until(condition: Callable[[], Awaitable[bool]], within: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError(f"{what}: not within {within} s")
        await asyncio.sleep(0.1)


async def outbox_rows(db: Database) -> list[OutboxMessage]:
    async with db.read() as s:
        return list(await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture(params=["polling", "webhook"])
async def bot_process(
    tg: TelegramTestServer,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> AsyncIterator[ForkedBot]:
    # The test writes encrypted records (agreements) that the bot reads: one key for both.
    key = crypto.generate_key()
    monkeypatch.setattr(crypto, "_keyring", crypto._keyring)  # restored after the test
    crypto.configure([key])
    # Webhook mode: the updates keep arriving while the bot cannot reach Telegram.
    runner = WebhookBot if request.param == "webhook" else ForkedBot
    process = runner(
        tg,
        settings,
        key,
        tmp_path / "bot.log",
        env={"TIME_SCALE": str(TIME_SCALE), "SQLITE_BUSY_SECONDS": "1"},
    )
    yield process
    tg.on_call = None
    await process.stop()


async def test_six_hours_without_telegram_lose_nothing(
    tg: TelegramTestServer,
    db: Database,
    bot_process: ForkedBot,
    request: pytest.FixtureRequest,
) -> None:
    # A group whose next meeting is tomorrow at this time: its reminder is due now.
    now = datetime.now(TZ) - timedelta(minutes=1)
    async with db.write() as s:
        group = await factories.group(
            s,
            weekday=(now + timedelta(days=1)).weekday(),
            meet_time=now.time().replace(second=0, microsecond=0),
            start_date=now.date() - timedelta(days=14),
        )
        await roster.add_codes(s, group=group, text="A1, A2, A3", actor_id=None)
        facilitator = await factories.user(
            s, 7501, Role.FACILITATOR, group_id=group.id, language=LANG
        )
        for user_id in (7502, 7503):
            await factories.user(s, user_id, Role.COORDINATOR, area="Gitega/Giheta", language=LANG)
    people = {
        user_id: Person(tg, tg.add_user(user_id=user_id, first_name="P", started=True))
        for user_id in (7501, 7502, 7503)
    }
    await bot_process.start()
    pid = bot_process.pid
    await drive(people[7501], lambda: None if people[7501].latest else Send("/guide"))

    outage = Outage(tg)
    loop = asyncio.get_running_loop()
    started = loop.time()
    outage.begin()
    # While Telegram fails: people write, the sweep queues a reminder, agreements are saved.
    sent_during = ["/help", "/roster", "/session"]
    for typed in sent_during:
        await people[7501].user.send(typed)
    await run_sweep(db)
    async with db.write() as s:
        stored = await s.get(type(group), group.id)
        assert stored is not None
        for n in range(3):
            # Reached on different days: each alert's text is its own.
            await factories.agreement(
                s,
                group=stored,
                reporter=facilitator,
                codes=("A1", "A2"),
                summary=f"kp {n}",
                reached_on=now.date() - timedelta(days=n),
            )
    rows = await outbox_rows(db)
    assert Counter(r.kind for r in rows) == {"meeting_reminder": 1, "agreement.alert": 6}
    scaled = HOURS * 3600 * TIME_SCALE
    await asyncio.sleep(scaled / 3)
    # Connections refused: the server is gone for a while, then back on the same port.
    await tg.stop()
    refused = scaled / 4
    await asyncio.sleep(refused)
    await tg.start()
    outage.hang_next_send = True
    await asyncio.sleep(max(0.0, started + scaled - loop.time()))
    outage.end()
    assert bot_process.alive and bot_process.pid == pid, bot_process.log()
    attempts = sum(r.attempts for r in await outbox_rows(db))

    # Afterwards everything arrives.
    async def delivered() -> bool:
        return all(r.status == OutboxStatus.SENT.value for r in await outbox_rows(db))

    await until(delivered, 60, "every queued message delivered")
    help_text = t("help", "You are a facilitator.")
    answered = {
        "/help": lambda m: help_text in m.plain,
        "/roster": lambda m: "3/15" in m.plain,
        "/session": lambda m: t("meeting", "Held today") in m.labels,
    }

    async def all_answered() -> bool:
        return all(people[7501].received(check) for check in answered.values())

    await until(all_answered, 60, "the updates sent during the outage answered")
    # The hung send is carried out late, as it may be on Telegram.
    assert outage.hung, "no send was made to hang"
    await asyncio.sleep(max(0.0, outage.hung_at + HANG_SECONDS + 0.5 - loop.time()))
    assert bot_process.alive and bot_process.pid == pid, "the bot restarted"

    # Everything arrived, nothing twice, except the send that timed out and was carried out.
    late = Counter((int(p["chat_id"]), p.get("text")) for p in outage.hung)
    rows = await outbox_rows(db)
    repeats = 0
    for user_id, person in people.items():
        sent = Counter(m.text for m in person.user.all_bot_messages)
        for text, times in sent.items():
            assert times <= 1 + late[(user_id, text)], (user_id, text, times)
            repeats += times - 1
        queued = [r for r in rows if r.recipient_id in await user_ids(db, user_id)]
        assert len({r.telegram_message_id for r in queued}) == len(queued)
    for check in answered.values():
        assert len(people[7501].received(check)) in (1, 2)
    faults = ", ".join(f"{fault}×{n}" for fault, n in sorted(outage.injected.items()))
    mode = "webhook" if isinstance(bot_process, WebhookBot) else "polling"
    report(
        request,
        "outage",
        f"{mode}: Telegram down {HOURS} h (TIME_SCALE {TIME_SCALE}: {scaled:.1f} s): {faults}, "
        f"connections refused {refused:.1f} s; {attempts} delivery attempts failed meanwhile",
    )
    report(
        request,
        "outage",
        f"{mode}, afterwards: same process, {len(sent_during)}/{len(sent_during)} updates "
        "answered, "
        f"{len(rows)}/{len(rows)} queued messages delivered, "
        f"{repeats} delivered twice (the send that timed out but arrived)",
    )


async def user_ids(db: Database, telegram_id: int) -> set[int]:
    async with db.read() as s:
        return set(await s.scalars(select(User.id).where(User.telegram_id == telegram_id)))


# --- the database out of reach ------------------------------------------------------------------


class Relay:
    """A TCP relay to PostgreSQL that the test can cut: open connections dropped, new ones
    refused, until it is restored on the same port."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._link, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()
        for writer in list(self._links):
            writer.transport.abort()
        self._links.clear()

    @contextlib.asynccontextmanager
    async def cut_off(self) -> AsyncIterator[str]:
        await self.cut()
        try:
            yield "PostgreSQL connections dropped and refused"
        finally:
            await self.start()

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._links |= {writer, upstream}

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.transport.abort()
            self._links.discard(sink)

        await asyncio.gather(pump(reader, upstream), pump(upstream_reader, writer))


@contextlib.asynccontextmanager
async def sqlite_locked(db: Database) -> AsyncIterator[str]:
    """Another program holds the SQLite write lock longer than the bot waits for it."""
    path = make_url(db.url).database
    assert path is not None
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield "the SQLite write lock held by another program"
    finally:
        holder.rollback()
        holder.close()


async def test_database_out_of_reach_for_a_moment(
    tg: TelegramTestServer,
    db: Database,
    settings: Settings,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    async with db.write() as s:
        group = await factories.group(s)
        await factories.user(s, 7601, Role.FACILITATOR, group_id=group.id, language=LANG)
    env = {"TIME_SCALE": str(TIME_SCALE), "SQLITE_BUSY_SECONDS": "1"}
    relay: Relay | None = None
    if not db.is_sqlite:
        url = make_url(db.url)
        relay = Relay(url.host or "127.0.0.1", url.port or 5432)
        await relay.start()
        env["DATABASE_URL"] = url.set(host="127.0.0.1", port=relay.port).render_as_string(
            hide_password=False
        )
    process = ForkedBot(tg, settings, crypto.generate_key(), tmp_path / "bot.log", env=env)
    person = Person(tg, tg.add_user(user_id=7601, first_name="F", language_code="fr"))
    add = "+ " + t("roster", "Add codes")
    try:
        await process.start()
        pid = process.pid
        await person.do(Send("/roster"))
        latest = person.latest
        assert latest is not None
        await person.do(Tap(latest, add))

        sorry = t(
            "error",
            "The bot cannot reach its records right now. Nothing was lost: please try again "
            "in a few minutes.",
        )
        down = relay.cut_off() if relay is not None else sqlite_locked(db)
        async with down as what:
            outcome = await person.do(Send("K1, K2"))
            assert not outcome.silent, "no answer while the database was out of reach"
            latest = person.latest
            assert latest is not None and latest.plain == sorry, latest
        await person.do(Send("K1, K2"))
        latest = person.latest
        assert latest is not None and "2/15" in latest.plain, latest
        assert process.alive and process.pid == pid, "the bot restarted"
        async with db.read() as s:
            codes = sorted(p.code for p in await s.scalars(select(Participant)))
        assert codes == ["K1", "K2"]
    finally:
        await process.stop()
        if relay is not None:
            await relay.cut()
    report(
        request,
        "database",
        f"{what}: the person was told to try again; once back, the same process stored "
        "what they sent again, once",
    )


async def test_database_out_of_reach_in_webhook_mode(
    tg: TelegramTestServer,
    db: Database,
    settings: Settings,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    """The inbox cannot be written: Telegram is answered 500 and keeps the update, and delivers
    it again until the database is back; the person does not have to send it again."""
    async with db.write() as s:
        group = await factories.group(s)
        await factories.user(s, 7611, Role.FACILITATOR, group_id=group.id, language=LANG)
    env = {"TIME_SCALE": str(TIME_SCALE), "SQLITE_BUSY_SECONDS": "1"}
    relay: Relay | None = None
    if not db.is_sqlite:
        url = make_url(db.url)
        relay = Relay(url.host or "127.0.0.1", url.port or 5432)
        await relay.start()
        env["DATABASE_URL"] = url.set(host="127.0.0.1", port=relay.port).render_as_string(
            hide_password=False
        )
    process = WebhookBot(tg, settings, crypto.generate_key(), tmp_path / "bot.log", env=env)
    person = Person(tg, tg.add_user(user_id=7611, first_name="F", language_code="fr"))
    try:
        await process.start()
        pid = process.pid
        await person.do(Send("/roster"))
        latest = person.latest
        assert latest is not None
        await person.do(Tap(latest, "+ " + t("roster", "Add codes")))
        tried = len(tg.webhook_deliveries)
        down = relay.cut_off() if relay is not None else sqlite_locked(db)

        async def refused() -> bool:
            return any(status != 200 for _, status in tg.webhook_deliveries[tried:])

        async with down as what:
            await person.user.send("K1, K2")
            await until(refused, 15, "a delivery refused")
            assert tg.pending_updates, "Telegram keeps the update"
        answer = await person.user.next_message(timeout=15)
        assert "2/15" in answer.plain, answer
        failed = [s for _, s in tg.webhook_deliveries[tried:] if s != 200]
        assert process.alive and process.pid == pid, "the bot restarted"
        async with db.read() as s:
            codes = sorted(p.code for p in await s.scalars(select(Participant)))
        assert codes == ["K1", "K2"]
    finally:
        await process.stop()
        if relay is not None:
            await relay.cut()
    report(
        request,
        "database",
        f"webhook: {what}: Telegram was answered {failed[0]} ({len(failed)} times) and "
        "delivered the update again; once the database was back it was stored and handled "
        "once, without the person sending it again",
    )


# --- one message that cannot be written --------------------------------------------------------


async def test_a_message_that_cannot_be_written_holds_up_no_other(
    tg: TelegramTestServer, bot: Any, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """E.g. encrypted with a key that is gone: that row waits, the reminder beside it goes."""
    from conversations.runtime import outbox as worker

    async def unreadable(*_: Any) -> None:
        raise crypto.KeysMissing("no configured key decrypts this value")

    # A real kind whose renderer fails (outbox kinds are an enum, checked at start-up).
    monkeypatch.setitem(worker.RENDERERS, OutboxKind.RECORD_NUDGE, unreadable)
    person = tg.add_user(user_id=7701, first_name="F", started=True)
    async with db.write() as s:
        group = await factories.group(s)
        user = await factories.user(s, 7701, Role.FACILITATOR, group_id=group.id, language=LANG)
        await outbox.enqueue(
            s, kind=OutboxKind.RECORD_NUDGE, subject="x", period="1", recipient_id=user.id
        )
        meeting = datetime(2026, 11, 25, 9, 0, tzinfo=TZ).isoformat()
        await outbox.enqueue(
            s,
            kind="meeting_reminder",
            subject=f"group:{group.id}",
            period="1",
            recipient_id=user.id,
            payload={"group_id": group.id, "week": 1, "meeting": meeting},
        )
    await bot.bot_data["services"].extra["outbox"].run_once(bot.bot)
    reminder = await person.next_message()
    assert reminder.plain.startswith(t("reminder", "Reminder for tomorrow"))
    broken = next(r for r in await outbox_rows(db) if r.kind == OutboxKind.RECORD_NUDGE)
    assert broken.status == OutboxStatus.PENDING.value and broken.last_error == "KeysMissing"
    assert broken.next_attempt_at - clock.now() > timedelta(minutes=59)


def test_the_time_scale_shortens_the_bots_own_waits_only_when_set() -> None:
    assert Settings.from_env({}).time_scale == 1.0
    settings = Settings.from_env({"TIME_SCALE": "0.001", "SQLITE_BUSY_SECONDS": "2"})
    assert (settings.time_scale, settings.sqlite_busy_seconds) == (0.001, 2.0)
    with pytest.raises(SettingsError, match="TIME_SCALE"):
        Settings.from_env({"TIME_SCALE": "0"})
    assert clock.wait(outbox.backoff(20)) == timedelta(minutes=15)
    clock.time_scale = settings.time_scale
    assert clock.wait(outbox.backoff(20)) == timedelta(seconds=0.9)
