"""When the bot received each update, and whether an earlier process may have handled it.

Telegram refuses to answer a tap after about 15 seconds, and refuses a second answer to the same
tap; it also refuses an edit that changes nothing. An update that comes back after a crash (a
poll's first batch, a webhook inbox row an earlier process had taken) may have been answered and
its screen edited already, and a tap answered late (Telegram out of reach) is too old: such taps
are not answered, and such screens are sent anew rather than edited
(conversations/runtime/delivery.py).

Polling: the time getUpdates returned the update (conversations/runtime/confirm.py). Webhook:
the inbox row's received time (conversations/runtime/webhook.py).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

# Telegram answers taps for about 15 seconds; what is left is for the round trip.
ANSWER_WITHIN = 10.0
# Entries kept: far more updates than arrive in the seconds a tap can be answered.
KEEP = 20_000


class Arrivals:
    def __init__(self) -> None:
        self._seen: OrderedDict[int, tuple[float, bool]] = OrderedDict()

    def note(self, update_id: int, *, age: float = 0.0, again: bool = False) -> None:
        """`age`: seconds since it was received; `again`: an earlier process may have
        handled it (answered its tap, edited its screen)."""
        self._seen[update_id] = (time.monotonic() - age, again)
        self._seen.move_to_end(update_id)
        while len(self._seen) > KEEP:
            self._seen.popitem(last=False)

    def again(self, update_id: int) -> bool:
        found = self._seen.get(update_id)
        return found is not None and found[1]

    def may_answer(self, update_id: int) -> bool:
        """Its tap can still be answered, and has not been by an earlier process."""
        found = self._seen.get(update_id)
        if found is None:
            return True  # handled outside polling and webhook (tests feed updates directly)
        received, again = found
        return not again and time.monotonic() - received < ANSWER_WITHIN


def of(extra: dict[str, Any]) -> Arrivals:
    """The application's record (`Services.extra`)."""
    found: Arrivals = extra.setdefault("arrivals", Arrivals())
    return found
