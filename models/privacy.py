"""Privacy on shared phones and on request: the ids of recent chat messages (so /wipe can delete
them), what the bot holds about a user (/mydata), and forgetting a participant's code.

Only message ids are kept, never text, and only for the 48 hours in which Telegram lets a bot
delete messages in a private chat.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import AuditEntry, audit
from models.base import Base
from models.clock import clock
from models.errors import NotFound
from models.groups import Group, GroupMember
from models.outbox import OutboxMessage, OutboxStatus
from models.roster import Participant, anonymise
from models.sweep import Write, any_row
from models.users import User

DELETABLE_FOR = timedelta(hours=48)


class ChatMessage(Base):
    __tablename__ = "chat_messages"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(index=True)


async def log_messages(session: AsyncSession, rows: list[tuple[int, int, datetime]]) -> None:
    if not rows:
        return
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    values = [{"chat_id": c, "message_id": m, "at": at} for c, m, at in rows]
    # One statement for any number of rows (executemany): compiled once, not once per size.
    await session.execute(_LOG_INSERTS[dialect], values)


_LOG_INSERTS = {
    name: insert(ChatMessage).on_conflict_do_nothing()
    for name, insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}


async def deletable_messages(session: AsyncSession, chat_id: int) -> list[int]:
    rows = await session.scalars(
        select(ChatMessage.message_id)
        .where(ChatMessage.chat_id == chat_id, ChatMessage.at > clock.now() - DELETABLE_FOR)
        .order_by(ChatMessage.message_id)
    )
    return list(rows)


async def undeletable_count(session: AsyncSession, chat_id: int) -> int:
    """Logged messages of this chat too old for the bot to delete (not yet forgotten)."""
    count = await session.scalar(
        select(func.count())
        .select_from(ChatMessage)
        .where(ChatMessage.chat_id == chat_id, ChatMessage.at <= clock.now() - DELETABLE_FOR)
    )
    return int(count or 0)


async def forget_messages(session: AsyncSession, chat_id: int) -> None:
    await session.execute(delete(ChatMessage).where(ChatMessage.chat_id == chat_id))


async def find_old_message_ids(session: AsyncSession, now: datetime) -> Write | None:
    old = ChatMessage.at < now - DELETABLE_FOR
    if not await any_row(session, select(ChatMessage).where(old)):
        return None

    async def forget(session: AsyncSession) -> int:
        result = await session.execute(delete(ChatMessage).where(old))
        return int(getattr(result, "rowcount", 0) or 0)

    return forget


async def my_data(session: AsyncSession, user: User) -> dict[str, Any]:
    """Everything stored about this account, for /mydata (counts, not contents, of records)."""
    groups = list(
        await session.scalars(
            select(Group.name)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(GroupMember.user_id == user.id, GroupMember.left_at.is_(None))
        )
    )
    actions = await session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.actor_id == user.id)
    )
    pending = await session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.recipient_id == user.id,
            OutboxMessage.status == OutboxStatus.PENDING.value,
        )
    )
    ids = await session.scalar(
        select(func.count()).select_from(ChatMessage).where(ChatMessage.chat_id == user.telegram_id)
    )
    return {
        "role": user.role,
        "language": user.language,
        "registered": user.created_at,
        "area_id": user.area_id,
        "groups": groups,
        "actions": int(actions or 0),
        "pending": int(pending or 0),
        "message_ids": int(ids or 0),
    }


async def forget_participant(
    session: AsyncSession, *, group_id: int, code: str, actor_id: int | None
) -> Participant:
    """On request: the code is replaced by a meaningless one and marked as left. Attendance
    rows stay (anonymous now), so the group's figures do not change."""
    participant = await session.scalar(
        select(Participant).where(
            Participant.group_id == group_id, func.lower(Participant.code) == code.casefold()
        )
    )
    if participant is None:
        raise NotFound("participant")
    anonymise(participant, await session.get(Group, group_id))
    await audit(
        session,
        actor_id=actor_id,
        action="participant.forget",
        record=("participant", participant.id),
    )
    return participant
