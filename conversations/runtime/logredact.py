"""Keeps what people typed out of python-telegram-bot's log records.

PTB logs whole updates: at CRITICAL when one cannot be parsed (its default, whatever the log
level), and at DEBUG every Bot API call's parameters and answers. Updates carry what people
wrote to the bot, which must never reach the logs. The filter below withholds such payloads
from PTB's records and keeps the rest, so the operator still learns that something failed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from telegram import TelegramObject
from telegram.error import TelegramError

# PTB's loggers that are given payloads: updates, API parameters and answers, raw bodies.
PAYLOAD_LOGGERS = (
    "telegram.Bot",  # get_updates' parse failure; API calls at DEBUG
    "telegram.ext.ExtBot",  # the same, for the bot the Application uses
    "telegram.ext.Updater",  # webhook bodies; polling's parse failure
    "telegram.ext.Application",  # "Processing update %s" at DEBUG
    "telegram.request.BaseRequest",  # an answer that is not JSON
)


class WithholdPayloads(logging.Filter):
    """Replaces payload arguments by a placeholder and exception details by their type."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            # A lone mapping argument is stored as the args themselves (logging.LogRecord).
            args = (record.args,) if isinstance(record.args, Mapping) else record.args
            record.args = tuple(_withheld(arg) for arg in args)
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and not isinstance(error, TelegramError):
            # A parse error's message may quote the payload; network and API errors do not,
            # and keep their traceback.
            record.msg = f"{record.msg} ({type(error).__name__})"
            record.exc_info = None
            record.exc_text = None
        return True


class _Placeholder(str):
    # PTB formats some payloads with %r: the placeholder reads the same either way.
    def __repr__(self) -> str:
        return str(self)


def _withheld(arg: Any) -> Any:
    if isinstance(arg, list | tuple) and all(isinstance(item, int) for item in arg):
        return arg  # update ids: numbers chosen by Telegram, not typed
    if isinstance(arg, dict) and isinstance(arg.get("update_id"), int):
        return _Placeholder(f"<withheld: update {arg['update_id']}>")
    if isinstance(arg, list) and all(isinstance(item, dict) for item in arg):
        ids = [item.get("update_id") for item in arg]
        return _Placeholder(f"<withheld: updates {[i for i in ids if isinstance(i, int)]}>")
    if isinstance(arg, Mapping | list | tuple | bytes | bytearray | TelegramObject):
        return _Placeholder("<withheld>")
    if isinstance(arg, str) and arg.lstrip()[:1] in ("{", "["):
        return _Placeholder("<withheld>")  # a JSON body, as received
    return arg


_FILTER = WithholdPayloads()


def install() -> None:
    """Attaches the filter to PTB's payload loggers; calling it again changes nothing."""
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).addFilter(_FILTER)  # the same filter is added once only
