"""Everything that touches Telegram: one module per flow, plus the wiring they share."""

import os

# Opt in to python-telegram-bot's future API: durations (RetryAfter.retry_after) as timedelta.
# Without it every 429 raises a deprecation warning; the code handles timedelta already.
os.environ.setdefault("PTB_TIMEDELTA", "1")
