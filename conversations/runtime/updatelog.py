"""One log line per update handled: its id, the flow and action, the outcome and the duration.

Never what the update carried (text, names, participant codes, button data): the action is the
name of the handler the code chose, e.g. `meeting.attendance.toggle`, not anything the person
sent. With LOG_FORMAT=json the same fields are keys of the JSON line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("updates")

# What became of an update.
DONE = "done"  # handled; its answer sent or on its way
REPEAT = "repeat"  # handled before (a redelivery): its stored answer sent again
REFUSED = "refused"  # the person may not do this (no role, not their group)
STALE = "stale"  # an old or forged button
DECLINED = "declined"  # the domain said no, with a sentence for the person
FAILED = "failed"  # an unexpected error (logged on its own by the error handler)


def action_name(fn: Callable[..., Any]) -> str:
    module = fn.__module__.removeprefix("conversations.")
    return f"{module}.{fn.__name__}"


def record(update_id: int, action: str, outcome: str, started: float) -> None:
    ms = round((time.perf_counter() - started) * 1000)
    log.info(
        "update %s %s %s %sms",
        update_id,
        action,
        outcome,
        ms,
        extra={"update_id": update_id, "action": action, "outcome": outcome, "ms": ms},
    )
