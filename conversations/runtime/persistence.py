"""python-telegram-bot persistence in the application's own database (no pickle file).

PTB flushes marked user data every `update_interval` seconds (one second here) and on shutdown.
Nothing is stored for Telegram users who have not registered.

PTB hands over the data of every person who sent anything since the last flush, changed or not;
most taps change nothing here, so only what differs from the stored value is written (otherwise
each active person costs a write transaction a second, which on SQLite queues behind, and
delays, the writes of everyone's taps).
"""

from __future__ import annotations

from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from conversations.runtime.state import UserData
from models import service, users
from models.db import Database


class SQLPersistence(BasePersistence[UserData, dict[Any, Any], dict[Any, Any]]):
    def __init__(self, database: Database, update_interval: float = 1.0) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self.database = database
        # What the database holds for each person (no entry: nothing), as read or last written.
        self._stored: dict[int, str] = {}

    async def get_user_data(self) -> dict[int, UserData]:
        async with self.database.read() as session:
            rows = await service.load_user_data(session)
        self._stored = dict(rows)
        return {user_id: UserData.loads(raw) for user_id, raw in rows.items()}

    async def update_user_data(self, user_id: int, data: UserData) -> None:
        value = None if data.is_empty else data.dumps()
        if self._stored.get(user_id) == value:
            return
        async with self.database.write() as session:
            if value is None:
                await service.save_user_data(session, user_id, None)
            else:
                if not await users.is_registered(session, user_id):
                    return
                await service.save_user_data(session, user_id, value)
        if value is None:
            self._stored.pop(user_id, None)
        else:
            self._stored[user_id] = value

    async def drop_user_data(self, user_id: int) -> None:
        async with self.database.write() as session:
            await service.save_user_data(session, user_id, None)
        self._stored.pop(user_id, None)

    async def refresh_user_data(self, user_id: int, user_data: UserData) -> None:
        """The in-memory copy is authoritative within this single process."""

    # No ConversationHandler: the step a person is at is their user data (conversations.state).
    async def get_conversations(self, name: str) -> ConversationDict:
        return {}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        pass

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
