"""Bookkeeping of the running bot: handled updates, conversation state, heartbeat."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, String, Text, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.clock import clock


class ProcessedUpdate(Base):
    """An update whose effects are committed; its reply is kept to answer a redelivery."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(index=True)
    reply: Mapped[str | None] = mapped_column(Text)


class ServiceState(Base):
    __tablename__ = "service_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime]


class ConversationRow(Base):
    """PTB conversation state; says only where a user was, the records are the truth."""

    __tablename__ = "conversation_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(Text)


class UserDataRow(Base):
    __tablename__ = "user_data"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


async def find_processed(session: AsyncSession, update_id: int) -> ProcessedUpdate | None:
    return await session.get(ProcessedUpdate, update_id)


async def mark_processed(session: AsyncSession, update_id: int, reply: Any | None) -> None:
    session.add(
        ProcessedUpdate(
            update_id=update_id,
            handled_at=clock.now(),
            reply=json.dumps(reply) if reply is not None else None,
        )
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


async def load_conversations(session: AsyncSession, name: str) -> dict[str, str]:
    rows = await session.scalars(select(ConversationRow).where(ConversationRow.name == name))
    return {row.key: row.state for row in rows}


async def save_conversation(session: AsyncSession, name: str, key: str, state: str | None) -> None:
    row = await session.get(ConversationRow, (name, key))
    if state is None:
        if row is not None:
            await session.delete(row)
    elif row is None:
        session.add(ConversationRow(name=name, key=key, state=state))
    else:
        row.state = state


async def load_user_data(session: AsyncSession) -> dict[int, str]:
    rows = await session.scalars(select(UserDataRow))
    return {row.telegram_id: row.data for row in rows}


async def save_user_data(session: AsyncSession, telegram_id: int, data: str | None) -> None:
    row = await session.get(UserDataRow, telegram_id)
    if data is None:
        if row is not None:
            await session.delete(row)
    elif row is None:
        session.add(UserDataRow(telegram_id=telegram_id, data=data, updated_at=clock.now()))
    elif row.data != data:
        row.data = data
        row.updated_at = clock.now()
