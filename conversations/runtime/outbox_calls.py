"""The Bot API calls of the outbox worker, and what each answer means for its row.

Network errors and 5xx: try again with backoff. 429: this chat waits retry_after. 403 (or a chat
Telegram does not know): the recipient is unreachable. Any other refusal of a message is a defect
of ours: kept, tried again slowly, logged as an error. A deletion Telegram refuses (already gone,
or too old) ends its row, or replaces the text when the row says what to show instead.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter

from conversations.runtime.reply import Reply, send_new

log = logging.getLogger(__name__)

REFUSED_RETRY = timedelta(hours=1)
TOKEN_RETRY = timedelta(minutes=5)


class Outcome(enum.Enum):
    DONE = "done"
    RETRY = "retry"
    WAIT = "wait"  # a 429: the chat waits `delay`
    UNREACHABLE = "unreachable"
    CANCEL = "cancel"


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    message_id: int | None = None
    error: str = ""
    delay: timedelta | None = None


class ChatWaits(Exception):
    """A 429 for one chat: its rows wait `delay`; the sender goes on with other chats."""

    def __init__(self, delay: timedelta) -> None:
        super().__init__(delay)
        self.delay = delay


def _token_refused(what: str) -> Answer:
    # Kept for when the operator has set a valid token again; `bot.py health` says so meanwhile.
    log.error("%s: Telegram refuses the token (401)", what)
    return Answer(Outcome.RETRY, error="401", delay=TOKEN_RETRY)


def waited(error: RetryAfter) -> Answer:
    delay = error.retry_after
    seconds = delay if isinstance(delay, timedelta) else timedelta(seconds=float(delay))
    return Answer(Outcome.WAIT, error="429", delay=seconds)


async def send(bot: Bot, chat_id: int, reply: Reply, what: str) -> Answer:
    """`what`: the row, for the log ("outbox 12 (agreement.alert)")."""
    try:
        message = await send_new(bot, chat_id, reply)
    except RetryAfter as error:
        return waited(error)
    except InvalidToken:
        return _token_refused(what)
    except Forbidden:
        return Answer(Outcome.UNREACHABLE)
    except BadRequest as error:
        if "chat not found" in error.message:
            return Answer(Outcome.UNREACHABLE)
        log.error("%s refused: %s", what, error.message)
        return Answer(Outcome.RETRY, error=error.message, delay=REFUSED_RETRY)
    except NetworkError as error:  # includes TimedOut and 5xx
        return Answer(Outcome.RETRY, error=type(error).__name__)
    return Answer(Outcome.DONE, message_id=message.message_id)


async def delete(bot: Bot, chat_id: int, message_id: int, instead: Reply | None) -> Answer:
    """`instead`: the text that replaces a message too old to delete (else it stays)."""
    try:
        await bot.delete_message(chat_id, message_id)
    except RetryAfter as error:
        return waited(error)
    except InvalidToken:
        return _token_refused(f"deleting a message in chat {chat_id}")
    except BadRequest as error:
        # Already gone (deleted before a restart, or by the user), or too old to delete.
        if instead is not None and "can't be deleted" in error.message:
            return await _replace(bot, chat_id, message_id, instead)
        return Answer(Outcome.CANCEL, error=error.message)
    except Forbidden as error:
        return Answer(Outcome.CANCEL, error=error.message)
    except NetworkError as error:
        return Answer(Outcome.RETRY, error=type(error).__name__)
    return Answer(Outcome.DONE)


async def _replace(bot: Bot, chat_id: int, message_id: int, reply: Reply) -> Answer:
    try:
        await bot.edit_message_text(reply.text, chat_id=chat_id, message_id=message_id)
    except NetworkError as error:
        return Answer(Outcome.RETRY, error=type(error).__name__)
    except (BadRequest, Forbidden) as error:
        return Answer(Outcome.CANCEL, error=error.message)
    return Answer(Outcome.DONE)
