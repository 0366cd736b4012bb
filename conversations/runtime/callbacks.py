"""Button data: compact ASCII naming an action and a record, resolved against the database.

Buttons carry no authority and no state beyond ids: a tap on a button from an old message, from
before a restart, or forged by a client is parsed here and then authorised like any other request.
"""

from __future__ import annotations

import re

MAX_BYTES = 64
SEPARATOR = ":"
_PART = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")


class BadCallback(ValueError):
    """The data is not something this bot produced."""


def pack(action: str, *parts: object) -> str:
    text = SEPARATOR.join([action, *(str(p) for p in parts)])
    if len(text.encode("ascii")) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {text!r}")
    for piece in text.split(SEPARATOR):
        if not _PART.match(piece):
            raise ValueError(f"callback part not compact ASCII: {piece!r}")
    return text


def unpack(data: str | None, action: str, count: int | None = None) -> list[str]:
    """The parts after `action`; raises BadCallback when the shape is wrong."""
    if not data or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        raise BadCallback(data)
    pieces = data.split(SEPARATOR)
    if pieces[0] != action or not all(_PART.match(p) for p in pieces):
        raise BadCallback(data)
    parts = pieces[1:]
    if count is not None and len(parts) != count:
        raise BadCallback(data)
    return parts


def unpack_sub(data: str | None, action: str, sub: str, count: int) -> list[str]:
    """For actions with sub-actions ("ag:k:12:land"): the parts after `action:sub`."""
    parts = unpack(data, action, count + 1)
    if parts[0] != sub:
        raise BadCallback(data)
    return parts[1:]


# Ids are database integers, 32-bit on PostgreSQL: a larger number makes the query itself fail.
MAX_INT = 2**31 - 1


def int_part(value: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 10 or int(value) > MAX_INT:
        raise BadCallback(value)
    return int(value)


def pattern(action: str) -> str:
    """The CallbackQueryHandler pattern for an action."""
    return rf"^{re.escape(action)}(:|$)"
