"""Named steps at which the fault tests SIGKILL the bot, where no outside observer could.

Between a commit and the HTTP answer that follows it there is no Bot API call for the test
server to kill the bot at. `BOT_FAILPOINT=webhook.committed:2` kills the process the second time
it reaches that step. Unset (always, outside tests) it does nothing.
"""

from __future__ import annotations

import os
import signal

_reached: dict[str, int] = {}


def reached(step: str) -> None:
    wanted = os.environ.get("BOT_FAILPOINT")
    if not wanted:
        return
    name, _, times = wanted.partition(":")
    if name != step:
        return
    _reached[step] = _reached.get(step, 0) + 1
    if _reached[step] == int(times or 1):
        os.kill(os.getpid(), signal.SIGKILL)
