"""How the process logs: a level, text or JSON lines, and the libraries kept quiet.

Lines go to standard error; Docker (or systemd) keeps and rotates them, as compose.yaml sets.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

# Fields a record may carry besides its message (conversations/runtime/updatelog.py sets them).
EXTRA_FIELDS = ("update_id", "action", "outcome", "ms")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonLines(logging.Formatter):
    """One JSON object per line, for a log collector: time, level, logger, message, fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in EXTRA_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(level: str, style: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if style == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL, which contains the bot token; aiosqlite logs every
    # statement with its values at DEBUG. APScheduler writes two lines each time a job runs
    # (the outbox every 2 s): about 90,000 lines a day that say nothing.
    for name in ("httpx", "aiosqlite", "alembic", "apscheduler"):
        logging.getLogger(name).setLevel(logging.WARNING)
