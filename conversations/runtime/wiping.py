"""Deleting what the bot can still delete in a chat, for /wipe and when access is revoked.

The ids come from the message log (models/privacy.py): the bot's messages and the person's,
of the last 48 hours. They go in batches of deleteMessages; a batch Telegram refuses is deleted
one message at a time, so that one undeletable message does not keep the others, and each one
left is counted for the report.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, RetryAfter, TelegramError

from conversations.runtime.context import Services
from conversations.runtime.unit_of_work import flush_message_log
from models import privacy
from models.clock import clock

log = logging.getLogger(__name__)

BATCH = 100  # deleteMessages takes at most 100 ids
TRIES = 3  # for one message, when Telegram asks to wait


@dataclass
class Wiped:
    deleted: int = 0
    # Still in the chat: too old for the bot, or refused by Telegram.
    left: int = 0


async def wipe_chat(bot: Bot, services: Services, chat_id: int) -> Wiped:
    """Deletes the logged messages of the chat, then forgets the log."""
    await flush_message_log(services)
    async with services.db.read() as session:
        ids = await privacy.deletable_messages(session, chat_id)
        result = Wiped(left=await privacy.undeletable_count(session, chat_id))
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        try:
            await bot.delete_messages(chat_id, batch)
            result.deleted += len(batch)
        except TelegramError as error:
            log.info("bulk delete in chat %s: %s; one by one", chat_id, type(error).__name__)
            for message_id in batch:
                if await _delete_one(bot, chat_id, message_id):
                    result.deleted += 1
                else:
                    result.left += 1
    async with services.db.write() as session:
        await privacy.forget_messages(session, chat_id)
    return result


async def _delete_one(bot: Bot, chat_id: int, message_id: int) -> bool:
    """False when the message stays in the chat; a message already gone counts as deleted."""
    for _ in range(TRIES):
        try:
            await bot.delete_message(chat_id, message_id)
            return True
        except RetryAfter as error:
            wait = error.retry_after
            delay = wait if isinstance(wait, timedelta) else timedelta(seconds=float(wait))
            await asyncio.sleep(clock.wait(delay).total_seconds())
        except BadRequest as error:
            return "not found" in error.message
        except TelegramError as error:
            log.info("delete in chat %s: %s", chat_id, type(error).__name__)
            return False
    return False
