"""The outbox rows themselves: unique keys, retry schedule, unreachable recipients."""

from datetime import timedelta

from sqlalchemy import func, select

from models import outbox
from models.clock import clock
from models.db import Database
from models.outbox import OutboxMessage, OutboxStatus
from models.users import Role, User
from tests.support import factories


async def test_the_same_message_is_never_queued_twice(db: Database) -> None:
    async with db.write() as s:
        u = await factories.user(s, 1, Role.TRAINEE)
        first = await outbox.enqueue(
            s, kind="meeting_reminder", subject="group:1", period="2026-W48", recipient_id=u.id
        )
        again = await outbox.enqueue(
            s, kind="meeting_reminder", subject="group:1", period="2026-W48", recipient_id=u.id
        )
        other_week = await outbox.enqueue(
            s, kind="meeting_reminder", subject="group:1", period="2026-W49", recipient_id=u.id
        )
    assert (first, again, other_week) == (True, False, True)
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 2


async def test_due_respects_not_before_and_retry_backoff(db: Database) -> None:
    clock.set(clock.now())
    async with db.write() as s:
        u = await factories.user(s, 1, Role.TRAINEE)
        await outbox.enqueue(
            s,
            kind="record_nudge",
            subject="s",
            period="p",
            recipient_id=u.id,
            not_before=clock.now() + timedelta(hours=1),
        )
    async with db.read() as s:
        assert await outbox.due_messages(s) == []
    clock.advance(timedelta(hours=1))
    async with db.read() as s:
        (row,) = await outbox.due_messages(s)
    async with db.write() as s:
        await outbox.mark_retry(s, row.id, error="NetworkError")
    async with db.read() as s:
        assert await outbox.due_messages(s) == []
    clock.advance(outbox.backoff(1))
    async with db.read() as s:
        (again,) = await outbox.due_messages(s)
        assert again.attempts == 1 and again.last_error == "NetworkError"
    async with db.write() as s:
        await outbox.mark_sent(s, row.id, 42)
        await outbox.mark_sent(s, row.id, 43)  # a second mark is ignored
    async with db.read() as s:
        sent = await s.get(OutboxMessage, row.id)
        assert sent is not None
        assert (sent.status, sent.telegram_message_id) == (OutboxStatus.SENT, 42)


def test_backoff_grows_and_is_capped() -> None:
    delays = [outbox.backoff(n).total_seconds() for n in range(1, 12)]
    assert delays[:4] == [5, 10, 20, 40]
    assert max(delays) == 900
    assert delays == sorted(delays)


async def test_unreachable_recipient_is_flagged(db: Database) -> None:
    async with db.write() as s:
        u = await factories.user(s, 1, Role.TRAINEE)
        await outbox.enqueue(s, kind="record_nudge", subject="s", period="p", recipient_id=u.id)
    async with db.read() as s:
        (row,) = await outbox.due_messages(s)
    async with db.write() as s:
        closed = await outbox.mark_unreachable(s, row.id)
        assert closed is not None and closed.status == OutboxStatus.UNREACHABLE
    async with db.read() as s:
        user = await s.get(User, u.id)
        assert user is not None and user.unreachable_at is not None
        assert await outbox.due_messages(s) == []


async def test_many_rows_are_marked_sent_at_once_and_only_pending_ones(db: Database) -> None:
    async with db.write() as s:
        u = await factories.user(s, 3, Role.TRAINEE)
        for period in ("1", "2", "3"):
            await outbox.enqueue(
                s, kind="record_nudge", subject="s", period=period, recipient_id=u.id
            )
        first, second, third = await outbox.due_messages(s)
        await outbox.cancel(s, third.id, "nothing to send")
    async with db.write() as s:
        await outbox.mark_sent_many(s, [(first.id, 41), (second.id, None), (third.id, 43)])
    async with db.read() as s:
        rows = {r.id: r for r in await s.scalars(select(OutboxMessage))}
        assert await outbox.due_messages(s) == []
        assert await outbox.due_messages(s, besides=[first.id]) == []
    assert (rows[first.id].status, rows[first.id].telegram_message_id) == (OutboxStatus.SENT, 41)
    assert rows[first.id].attempts == 1 and rows[first.id].sent_at is not None
    assert (rows[second.id].status, rows[second.id].telegram_message_id) == (
        OutboxStatus.SENT,
        None,
    )
    assert (rows[third.id].status, rows[third.id].telegram_message_id) == (
        OutboxStatus.CANCELLED,
        None,
    )


async def test_due_messages_leaves_out_the_rows_in_hand(db: Database) -> None:
    async with db.write() as s:
        u = await factories.user(s, 4, Role.TRAINEE)
        for period in ("1", "2", "3"):
            await outbox.enqueue(
                s, kind="record_nudge", subject="s", period=period, recipient_id=u.id
            )
    async with db.read() as s:
        first, second, third = await outbox.due_messages(s)
        assert await outbox.due_messages(s, besides={first.id, third.id}) == [second]
