"""Updates are confirmed to Telegram once handled, so a crash loses none of them.

A getUpdates call's offset confirms to Telegram the updates fetched by the call before it, and
python-telegram-bot makes the next call as soon as it has queued them. Here the next call waits
until the updates fetched before are handled: an update being handled when the process dies is
not confirmed, Telegram delivers it again after a restart, and a write already committed is
answered from its stored reply (conversations/runtime/unit_of_work.py) instead of being lost.

The wait has limits, so that one slow update does not hold up everyone else's:
- an update whose handler only reads (a guide page, a report, an export) is waited for at most
  READ_WAIT: replaying it would change nothing, and if the process dies meanwhile the person
  taps again;
- any other update is waited for at most WRITE_WAIT (Telegram or the database hanging).

An update python-telegram-bot cannot read makes it refuse the whole batch and fetch it again,
forever, holding back every update after it. A batch fetched a second time is checked, and an
update that cannot be read is replaced by its bare id: it is confirmed and skipped, and only its
id is logged (what it carries may be what someone typed).

Each update's arrival is noted (conversations/runtime/arrivals.py): those of the first batch
after a start, and those fetched a second time, may have been handled by a process that died.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from telegram import Update
from telegram.request import HTTPXRequest

from conversations.runtime.arrivals import Arrivals

log = logging.getLogger(__name__)

READ_WAIT = 0.2
WRITE_WAIT = 2.0


class ConfirmWhenHandled(HTTPXRequest):
    """The getUpdates request of the application (`ApplicationBuilder.get_updates_request`)."""

    def __init__(self, arrivals: Arrivals | None = None) -> None:
        super().__init__(connection_pool_size=1)
        self._arrivals = arrivals or Arrivals()
        self._started = True
        # Update ids fetched and not yet handled; True for those whose handler only reads.
        self._pending: dict[int, bool] = {}
        self._changed = asyncio.Event()
        self._fetched: set[int] = set()
        # The HTTP status of the last getUpdates (the heartbeat records it for `health`).
        self.last_code: int | None = None

    def handled(self, update_id: int) -> None:
        """Called once an update's processing is over, whatever its outcome."""
        if self._pending.pop(update_id, None) is not None:
            self._changed.set()

    def reading(self, update_id: int) -> None:
        """Called when an update's handler turns out to change nothing."""
        if update_id in self._pending:
            self._pending[update_id] = True
            self._changed.set()

    async def _wait(self) -> None:
        started = time.monotonic()
        while self._pending:
            waited = time.monotonic() - started
            if waited >= WRITE_WAIT or (waited >= READ_WAIT and all(self._pending.values())):
                return
            limit = READ_WAIT if waited < READ_WAIT else WRITE_WAIT
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), limit - waited)
            except TimeoutError:
                continue

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        await self._wait()
        # This call confirms everything fetched so far, handled or given up on.
        self._pending.clear()
        code, payload = await super().do_request(*args, **kwargs)
        self.last_code = code
        if code == 200:
            updates = _updates(payload)
            ids = {u.get("update_id") for u in updates}
            if ids & self._fetched:
                payload = _readable(payload, updates)
            fetched = {i for i in ids if isinstance(i, int)}
            for update_id in fetched:
                again = self._started or update_id in self._fetched
                self._arrivals.note(update_id, again=again)
            self._started = False
            self._fetched = fetched
            for update_id in self._fetched:
                self._pending.setdefault(update_id, False)
        return code, payload


def _updates(payload: bytes) -> list[dict[str, Any]]:
    try:
        result = json.loads(payload).get("result")
    except (ValueError, AttributeError):
        return []
    return [u for u in result if isinstance(u, dict)] if isinstance(result, list) else []


def _readable(payload: bytes, updates: list[dict[str, Any]]) -> bytes:
    """The batch with each update that cannot be read replaced by its bare id."""
    kept: list[dict[str, Any]] = []
    for update in updates:
        try:
            Update.de_json(update, None)
            kept.append(update)
        except Exception:  # whatever the parser raises, the update is unreadable
            update_id = update.get("update_id")
            log.error("update %s cannot be read and is skipped", update_id)
            kept.append({"update_id": update_id})
    if all(a is b for a, b in zip(kept, updates, strict=True)):
        return payload
    return json.dumps({"ok": True, "result": kept}).encode()
