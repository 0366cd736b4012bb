"""Bookkeeping of the running bot: handled updates, conversation state, heartbeat.

What a person typed can reach two of these tables: a stored reply may quote an agreement's
summary, and a pending step may carry a name being entered. Both are kept as Fernet tokens.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, String, Text, UniqueConstraint, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models import crypto
from models.base import Base
from models.clock import clock


@dataclass(frozen=True)
class UpdateKey:
    """What makes a redelivery the same update: Telegram's id alone is not enough.

    Update ids start again with a new bot token, and Telegram picks the next id at random after
    a week without updates; `digest` fingerprints who sent it and what it is (never its text).
    """

    update_id: int
    chat_id: int
    digest: str


class ProcessedUpdate(Base):
    """An update whose effects are committed; its reply is kept to answer a redelivery."""

    __tablename__ = "processed_updates"
    __table_args__ = (UniqueConstraint("update_id", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    digest: Mapped[str] = mapped_column(String(64))
    handled_at: Mapped[datetime] = mapped_column(index=True)
    # A Fernet token of the replies as JSON: they can quote what people typed.
    reply: Mapped[str | None] = mapped_column(Text)
    # The replies reached Telegram: a redelivery then sends nothing (the same edit again is
    # refused as "message is not modified", and the same message twice is noise).
    delivered_at: Mapped[datetime | None]


class ServiceState(Base):
    __tablename__ = "service_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime]


class UserDataRow(Base):
    __tablename__ = "user_data"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


async def stored_reply(session: AsyncSession, key: UpdateKey) -> list[Any] | None:
    """The replies given to this very update (None: not handled yet; empty: nothing to send,
    or sent already).

    Only the same update from the same chat finds them, so a stored reply never reaches anyone
    else. A reply no configured key can read any more (keys rotated out) is answered with
    nothing: the update's effects are committed, only its screen is lost.
    """
    row = (
        await session.execute(
            select(ProcessedUpdate.reply, ProcessedUpdate.delivered_at).where(
                ProcessedUpdate.update_id == key.update_id,
                ProcessedUpdate.digest == key.digest,
                ProcessedUpdate.chat_id == key.chat_id,
            )
        )
    ).first()
    if row is None:
        return None
    token = row.reply
    if token is None or row.delivered_at is not None:
        return []
    try:
        replies: list[Any] = json.loads(crypto.decrypt(token))
    except crypto.KeysMissing:
        return []
    return replies


async def mark_processed(session: AsyncSession, key: UpdateKey, reply: list[Any] | None) -> None:
    session.add(
        ProcessedUpdate(
            update_id=key.update_id,
            chat_id=key.chat_id,
            digest=key.digest,
            handled_at=clock.now(),
            reply=crypto.encrypt(json.dumps(reply)) if reply else None,
        )
    )


async def mark_delivered(session: AsyncSession, key: UpdateKey) -> None:
    await session.execute(
        update(ProcessedUpdate)
        .where(
            ProcessedUpdate.update_id == key.update_id,
            ProcessedUpdate.digest == key.digest,
            ProcessedUpdate.chat_id == key.chat_id,
        )
        .values(delivered_at=clock.now())
    )


async def forget_processed(session: AsyncSession, *, older_than: timedelta) -> int:
    """Telegram redelivers for at most 24 hours; older rows only cost space."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.handled_at < clock.now() - older_than)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def set_state(session: AsyncSession, key: str, value: str) -> None:
    row = await session.get(ServiceState, key)
    now = clock.now()
    if row is None:
        session.add(ServiceState(key=key, value=value, updated_at=now))
    else:
        row.value = value
        row.updated_at = now


async def get_state(session: AsyncSession, key: str) -> ServiceState | None:
    return await session.get(ServiceState, key)


async def load_user_data(session: AsyncSession) -> dict[int, str]:
    """Each person's pending step; one that no configured key can read is forgotten (the person
    is asked to start that step again)."""
    found: dict[int, str] = {}
    for row in await session.scalars(select(UserDataRow)):
        try:
            found[row.telegram_id] = crypto.decrypt(row.data)
        except crypto.KeysMissing:
            continue
    return found


async def save_user_data(session: AsyncSession, telegram_id: int, data: str | None) -> None:
    row = await session.get(UserDataRow, telegram_id)
    if data is None:
        if row is not None:
            await session.delete(row)
    elif row is None:
        session.add(
            UserDataRow(telegram_id=telegram_id, data=crypto.encrypt(data), updated_at=clock.now())
        )
    else:
        row.data = crypto.encrypt(data)
        row.updated_at = clock.now()
