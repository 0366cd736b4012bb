"""The outbox: every message the bot starts by itself is a row here first.

A row is written in the same transaction as the event that causes it, under a unique key
(kind, subject, period, recipient), so the same reminder can never be queued twice. A worker sends
due rows and records the result; delivery is at least once: a repeat happens only if the process
dies between Telegram accepting the message and the row being marked sent.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, String, Table, Text, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.clock import clock
from models.users import User


class OutboxKind(enum.StrEnum):
    """Every kind of message the bot starts itself; each has a renderer, checked at start-up."""

    MEETING_REMINDER = "meeting_reminder"
    RECORD_NUDGE = "record_nudge"
    ABSENCE_VISIT = "absence_visit"
    SELFHELP_CHECKIN = "selfhelp_checkin"
    SELFHELP_REMINDER = "selfhelp_reminder"
    AGREEMENT_ALERT = "agreement.alert"
    AGREEMENT_REMINDER = "agreement.reminder"
    AGREEMENT_ESCALATION = "agreement.escalation"
    AGREEMENT_ANSWER = "agreement.answer"
    AGREEMENT_REFERRAL = "agreement.referral"
    AGREEMENT_FOLLOWUP = "agreement.followup"
    AGREEMENT_UNDOCUMENTED = "agreement.undocumented"
    AGREEMENT_NOTICE = "agreement.notice"
    # To the facilitators, neutral: an agreement of their group was referred (violence).
    AGREEMENT_REFERRED = "agreement.referred"
    # Not a message: a bot message that showed a referred agreement, deleted (or, too old to
    # delete, its text replaced by the rendered one).
    AGREEMENT_ERASE_SCREEN = "agreement.erase_screen"
    DIGEST = "digest"
    MONTHLY_EXPORT = "monthly_export"
    # Not a message: a message the person typed, deleted from the chat once it is stored.
    DELETE_TYPED = "delete_typed"
    # Not a message: on revocation, the bot's and the person's logged messages are deleted from
    # the chat, without a word (the phone may be someone else's now).
    CHAT_WIPE = "chat.wipe"
    # Not a message: the person's command menu set again after the command line changed their
    # role (or revoked them), so that it does not wait for their next message.
    MENU_REFRESH = "menu.refresh"


def _known(kind: str) -> str:
    """A row of a kind nothing renders would wait forever: refused when it is queued."""
    return OutboxKind(kind).value


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    # The recipient blocked the bot; the fallback took the message over.
    UNREACHABLE = "unreachable"
    CANCELLED = "cancelled"


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(80))
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING.value, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    telegram_message_id: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(200))

    @property
    def data(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.payload or "{}")
        return value


def outbox_key(kind: str, subject: str, period: str, recipient_id: int) -> str:
    return f"{kind}:{subject}:{period}:{recipient_id}"


async def enqueue(
    session: AsyncSession,
    *,
    kind: str,
    subject: str,
    period: str,
    recipient_id: int,
    payload: dict[str, Any] | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Queues a message unless the same (kind, subject, period, recipient) exists; True if new."""
    now = clock.now()
    values = {
        "key": outbox_key(kind, subject, period, recipient_id),
        "kind": _known(kind),
        "subject": subject,
        "recipient_id": recipient_id,
        "payload": json.dumps(payload or {}, sort_keys=True),
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": not_before or now,
        "created_at": now,
    }
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    result = await session.execute(_INSERTS[dialect], values)
    return bool(getattr(result, "rowcount", 0))


@dataclass(frozen=True)
class Queued:
    """A message a sweep found due, to be queued by `enqueue_many`."""

    kind: str
    subject: str
    period: str
    recipient_id: int
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return outbox_key(self.kind, self.subject, self.period, self.recipient_id)


async def enqueue_many(session: AsyncSession, messages: Sequence[Queued]) -> int:
    """`enqueue` for many messages in one statement; returns how many were new."""
    if not messages:
        return 0
    now = clock.now()
    values = [
        {
            "key": m.key,
            "kind": _known(m.kind),
            "subject": m.subject,
            "recipient_id": m.recipient_id,
            "payload": json.dumps(m.payload, sort_keys=True),
            "status": OutboxStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for m in messages
    ]
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    # RETURNING names the rows inserted: a key queued meanwhile by another writer returns none.
    inserted = await session.scalars(_INSERTS_RETURNING[dialect], values)
    return len(inserted.all())


def _table() -> Table:
    table = OutboxMessage.__table__
    assert isinstance(table, Table)
    return table


# Built once: a sweep queues thousands of rows, and building the statement anew for each one
# (values and all) cost more than running it.
_INSERTS = {
    name: insert(_table()).on_conflict_do_nothing(index_elements=["key"])
    for name, insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}
_INSERTS_RETURNING = {name: insert.returning(_table().c.id) for name, insert in _INSERTS.items()}


async def due_messages(
    session: AsyncSession, *, limit: int = 100, besides: Collection[int] = ()
) -> list[OutboxMessage]:
    """The rows due now, oldest first; `besides`: rows the caller already has in hand."""
    query = select(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.PENDING.value,
        OutboxMessage.next_attempt_at <= clock.now(),
    )
    if besides:
        query = query.where(OutboxMessage.id.not_in(besides))
    rows = await session.scalars(
        query.order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
    )
    return list(rows)


async def next_due_at(session: AsyncSession) -> datetime | None:
    return await session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status == OutboxStatus.PENDING.value
        )
    )


async def mark_sent(
    session: AsyncSession, message_id: int, telegram_message_id: int | None
) -> None:
    row = await session.get(OutboxMessage, message_id)
    if row is None or row.status != OutboxStatus.PENDING.value:
        return
    row.status = OutboxStatus.SENT.value
    row.sent_at = clock.now()
    row.attempts += 1
    row.telegram_message_id = telegram_message_id
    row.last_error = None


async def mark_sent_many(session: AsyncSession, accepted: Sequence[tuple[int, int | None]]) -> None:
    """mark_sent for many rows in one statement: (row id, Telegram's message id) each."""
    table = _table()
    statement = (
        update(table)
        .where(table.c.id == bindparam("row_id"), table.c.status == OutboxStatus.PENDING.value)
        .values(
            status=OutboxStatus.SENT.value,
            sent_at=clock.now(),
            attempts=table.c.attempts + 1,
            telegram_message_id=bindparam("message_id"),
            last_error=None,
        )
    )
    connection = await session.connection()
    await connection.execute(
        statement, [{"row_id": row, "message_id": message} for row, message in accepted]
    )


# Backoff for network errors and 5xx: 5 s, 10 s, 20 s … capped at 15 minutes; never given up.
def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 900))


async def mark_retry(
    session: AsyncSession, message_id: int, *, error: str, delay: timedelta | None = None
) -> None:
    row = await session.get(OutboxMessage, message_id)
    if row is None or row.status != OutboxStatus.PENDING.value:
        return
    row.attempts += 1
    row.last_error = error[:200]
    wait = delay if delay is not None else backoff(row.attempts)
    row.next_attempt_at = clock.now() + clock.wait(wait)


async def postpone(session: AsyncSession, message_ids: list[int], delay: timedelta) -> None:
    """Rows of a chat Telegram asked to wait: due again after `delay`, in their order, and
    without counting an attempt (none was made)."""
    rows = await session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.id.in_(message_ids),
            OutboxMessage.status == OutboxStatus.PENDING.value,
        )
    )
    due = clock.now() + clock.wait(delay)
    for row in rows:
        row.next_attempt_at = max(row.next_attempt_at, due)


async def mark_unreachable(session: AsyncSession, message_id: int) -> OutboxMessage | None:
    """The recipient blocked the bot: flag them and close the row; the caller runs the fallback."""
    row = await session.get(OutboxMessage, message_id)
    if row is None or row.status != OutboxStatus.PENDING.value:
        return None
    row.status = OutboxStatus.UNREACHABLE.value
    row.attempts += 1
    row.last_error = "blocked"
    user = await session.get(User, row.recipient_id)
    if user is not None and user.unreachable_at is None:
        user.unreachable_at = clock.now()
    return row


async def cancel(session: AsyncSession, message_id: int, reason: str) -> None:
    row = await session.get(OutboxMessage, message_id)
    if row is not None and row.status == OutboxStatus.PENDING.value:
        row.status = OutboxStatus.CANCELLED.value
        row.last_error = reason[:200]


async def backlog(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    return {status: int(count) for status, count in rows.all()}
