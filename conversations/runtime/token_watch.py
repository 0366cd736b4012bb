"""How Telegram last answered the bot's calls, for `bot.py health`.

With long polling the getUpdates request tells (conversations/runtime/confirm.py): 200, 401 when
the token was revoked, 409 when another process polls with it. In webhook mode there is no
getUpdates, so the bot's other calls tell instead: the last one Telegram took (200) or refused
for the token (401).
"""

from __future__ import annotations

from typing import Any

from telegram.request import HTTPXRequest

# The pool PTB gives the bot's own request (many people's answers on their way at once).
POOL = 256


class WatchedRequest(HTTPXRequest):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(connection_pool_size=POOL, **kwargs)
        self.last_code: int | None = None

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        if code in (200, 401):
            self.last_code = code
        return code, payload
