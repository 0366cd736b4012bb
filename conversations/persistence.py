"""python-telegram-bot persistence in the application's own database (no pickle file).

PTB flushes marked user data every `update_interval` seconds (one second here) and on shutdown.
Nothing is stored for Telegram users who have not registered.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from conversations.state import UserData
from models import service
from models.db import Database
from models.users import User


class SQLPersistence(BasePersistence[UserData, dict[Any, Any], dict[Any, Any]]):
    def __init__(self, database: Database, update_interval: float = 1.0) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self.database = database

    async def get_user_data(self) -> dict[int, UserData]:
        async with self.database.read() as session:
            rows = await service.load_user_data(session)
        return {user_id: UserData.loads(raw) for user_id, raw in rows.items()}

    async def update_user_data(self, user_id: int, data: UserData) -> None:
        async with self.database.write() as session:
            if data.is_empty:
                await service.save_user_data(session, user_id, None)
                return
            registered = await session.scalar(select(User.id).where(User.telegram_id == user_id))
            if registered is not None:
                await service.save_user_data(session, user_id, data.dumps())

    async def drop_user_data(self, user_id: int) -> None:
        async with self.database.write() as session:
            await service.save_user_data(session, user_id, None)

    async def refresh_user_data(self, user_id: int, user_data: UserData) -> None:
        """The in-memory copy is authoritative within this single process."""

    async def get_conversations(self, name: str) -> ConversationDict:
        async with self.database.read() as session:
            rows = await service.load_conversations(session, name)
        return {tuple(json.loads(key)): json.loads(state) for key, state in rows.items()}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        state = None if new_state is None else json.dumps(new_state)
        async with self.database.write() as session:
            await service.save_conversation(session, name, json.dumps(list(key)), state)

    # Chat data, bot data and callback data are not used: buttons resolve against the database.
    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        pass

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        pass

    async def update_callback_data(self, data: Any) -> None:
        pass

    async def drop_chat_data(self, chat_id: int) -> None:
        pass

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        pass

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        pass

    async def flush(self) -> None:
        """Every write above is committed when it returns."""
