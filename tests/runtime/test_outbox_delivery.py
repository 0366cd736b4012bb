"""The outbox worker against the test server: faults delay a message but never drop it, a
blocked recipient hands it to the fallback, and a repeat happens only when a send timed out
after Telegram had already taken it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

# The flows register their renderers when the application's module is imported: imported
# first, so that a renderer replaced here is put back, not removed, afterwards.
import conversations.app  # noqa: F401
from conversations.runtime.outbox import FALLBACKS, RENDERERS
from conversations.runtime.reply import Reply
from locales import Translator
from models import outbox
from models.clock import clock
from models.db import Database
from models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from models.settings import Settings
from models.users import Role, User, get_user
from tests.conftest import start_bot, stop_bot
from tests.support.e2e import register
from tests.support.tgserver import TelegramTestServer

# A real kind (outbox kinds are an enum, each checked for a renderer at start-up) whose renderer
# the tests replace; no test here has a self-help group, so nothing else queues it.
KIND = OutboxKind.SELFHELP_CHECKIN


async def hand_to_admins(session: AsyncSession, row: OutboxMessage) -> None:
    admins = await session.scalars(select(User).where(User.role == Role.ADMIN))
    for admin in admins:
        await outbox.enqueue(
            session,
            kind=KIND,
            subject=row.subject,
            period="fallback",
            recipient_id=admin.id,
            payload=row.data,
        )


@pytest.fixture(autouse=True)
def notice_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    async def render(
        session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
    ) -> Reply:
        return Reply(f"Notice {row.data['n']}")

    monkeypatch.setitem(RENDERERS, KIND, render)
    monkeypatch.setitem(FALLBACKS, KIND, hand_to_admins)


@pytest.fixture
async def quick_bot(tg: TelegramTestServer, settings: Settings, db: Database) -> AsyncIterator[Any]:
    """The bot with a one-second read timeout, so hung calls time out quickly."""
    application = await start_bot(tg, settings, db, read_timeout=1)
    yield application
    await stop_bot(application)


async def queue_notice(db: Database, telegram_id: int, n: int) -> None:
    async with db.write() as s:
        user = await get_user(s, telegram_id)
        assert user is not None
        await outbox.enqueue(
            s,
            kind=KIND,
            subject=f"notice:{n}",
            period="once",
            recipient_id=user.id,
            payload={"n": n},
        )


async def drain_outbox(application: Any, db: Database, rounds: int = 30) -> None:
    """Runs the worker, moving the clock past each backoff, until nothing is pending."""
    worker = application.bot_data["services"].extra["outbox"]
    for _ in range(rounds):
        await worker.run_once(application.bot)
        async with db.read() as s:
            pending = await s.scalar(
                select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.PENDING.value)
            )
        if pending is None:
            return
        clock.advance(timedelta(minutes=16))
    raise AssertionError("outbox still pending")


def notices(person: Any) -> list[str]:
    return [m.plain for m in person.all_bot_messages if m.plain.startswith("Notice")]


@pytest.mark.parametrize("mode", ["500", "502", "429", "drop"])
async def test_failures_delay_but_never_drop(
    tg: TelegramTestServer, quick_bot: Any, db: Database, mode: str
) -> None:
    person = await register(tg, db, 700, Role.TRAINEE, "fr")
    clock.set(clock.now())
    tg.fail("sendMessage", times=3, mode=mode, retry_after=1)
    await queue_notice(db, 700, 1)
    await drain_outbox(quick_bot, db)
    assert notices(person) == ["Notice 1"]
    async with db.read() as s:
        row = await s.scalar(select(OutboxMessage).where(OutboxMessage.kind == KIND))
        assert row is not None and row.status == OutboxStatus.SENT


async def test_a_send_that_timed_out_but_arrived_is_repeated_not_lost(
    tg: TelegramTestServer, quick_bot: Any, db: Database
) -> None:
    person = await register(tg, db, 701, Role.TRAINEE, "fr")
    clock.set(clock.now())
    tg.fail("sendMessage", times=1, mode="hang", seconds=1.5)
    await queue_notice(db, 701, 2)
    await drain_outbox(quick_bot, db)
    # At least once: the hung call went through after the client gave up, then the retry.
    assert notices(person) in (["Notice 2"], ["Notice 2", "Notice 2"])
    assert "Notice 2" in notices(person)


async def test_blocked_recipient_hands_the_message_to_the_fallback(
    tg: TelegramTestServer, quick_bot: Any, db: Database
) -> None:
    facilitator = await register(tg, db, 702, Role.TRAINEE, "fr")
    admin = await register(tg, db, 703, Role.ADMIN, "fr")
    facilitator.block()
    tg.expect_refusal("blocked")
    await queue_notice(db, 702, 3)
    await drain_outbox(quick_bot, db)
    assert notices(facilitator) == []
    assert notices(admin) == ["Notice 3"]
    async with db.read() as s:
        blocked = await get_user(s, 702)
        assert blocked is not None and blocked.unreachable_at is not None
        statuses = sorted(r.status for r in await s.scalars(select(OutboxMessage)))
    assert statuses == [OutboxStatus.SENT, OutboxStatus.UNREACHABLE]

    # Writing to the bot again makes the person reachable again.
    facilitator.unblock()
    await facilitator.send("/help")
    await facilitator.next_message()
    async with db.read() as s:
        back = await get_user(s, 702)
        assert back is not None and back.unreachable_at is None


async def test_sends_to_one_chat_are_paced(
    tg: TelegramTestServer, quick_bot: Any, db: Database
) -> None:
    person = await register(tg, db, 704, Role.TRAINEE, "fr")
    tg.flood_control = True
    for n in range(4):
        await queue_notice(db, 704, 10 + n)
    await drain_outbox(quick_bot, db)
    assert sorted(notices(person)) == [f"Notice {10 + n}" for n in range(4)]
    # Paced about a second apart, so flood control refused nothing (the tg fixture checks too).
    assert not tg.unexpected_refusals()
    sends = [m for m in person.all_bot_messages if m.plain.startswith("Notice")]
    assert sends[-1].date - sends[0].date >= 2


async def test_one_run_sends_everything_due_batch_after_batch(
    tg: TelegramTestServer, quick_bot: Any, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conversations.runtime import outbox as worker
    from models.privacy import deletable_messages

    monkeypatch.setattr(worker, "BATCH", 2)
    monkeypatch.setattr(worker, "AHEAD", 3)
    monkeypatch.setattr(worker, "CHATS_PER_SENDER", 1)  # several senders at once
    tg.flood_control = True
    people = [await register(tg, db, 710 + n, Role.TRAINEE, "fr") for n in range(7)]
    for n in range(7):
        await queue_notice(db, 710 + n, 20 + n)
    sent = await quick_bot.bot_data["services"].extra["outbox"].run_once(quick_bot.bot)
    assert sent == 7
    assert [notices(p) for p in people] == [[f"Notice {20 + n}"] for n in range(7)]
    assert not tg.unexpected_refusals()
    async with db.read() as s:
        rows = list(await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == KIND)))
        assert {r.status for r in rows} == {OutboxStatus.SENT}
        # Each message is logged with its mark, so that /forget can delete it.
        for row, person in zip(sorted(rows, key=lambda r: r.id), people, strict=True):
            assert row.telegram_message_id in await deletable_messages(s, person.id)


async def test_a_429_for_one_chat_holds_up_that_chat_only_and_keeps_its_order(
    tg: TelegramTestServer, quick_bot: Any, db: Database
) -> None:
    first = await register(tg, db, 710, Role.TRAINEE, "fr")
    other = await register(tg, db, 711, Role.TRAINEE, "rn")
    clock.set(clock.now())
    await queue_notice(db, 710, 1)
    await queue_notice(db, 711, 2)
    await queue_notice(db, 710, 3)
    tg.fail("sendMessage", times=1, mode="429", retry_after=15)
    worker = quick_bot.bot_data["services"].extra["outbox"]

    await worker.run_once(quick_bot.bot)
    # The other chat's message went out in the same run; the first chat's two wait, in order.
    assert notices(other) == ["Notice 2"]
    assert notices(first) == []
    async with db.read() as s:
        waiting = list(
            await s.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.PENDING.value)
                .order_by(OutboxMessage.id)
            )
        )
    assert [row.data["n"] for row in waiting] == [1, 3]
    assert all(row.next_attempt_at > clock.now() for row in waiting)
    assert [row.attempts for row in waiting] == [1, 0], "only the refused send counts"

    await drain_outbox(quick_bot, db)
    assert notices(first) == ["Notice 1", "Notice 3"]
