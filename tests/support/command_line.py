"""Running the operator's command line (`python bot.py ...`) in a process of its own, as an
operator would, against the test's database and a data folder of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from models import crypto
from models.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
KEY = crypto.generate_key()


def cli(
    settings: Settings, *args: str, umask: int = -1, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    """`umask`: the one the operator's shell would have (-1: this process's own)."""
    env = {
        **os.environ,
        "BOT_SYSTEM_PYTHON": "1",
        "DATABASE_URL": settings.database_url,
        "DATA_DIR": str(settings.data_dir),
        "BOT_USERNAME": "sociotherapy_test_bot",
        # No Bot API here: the username comes from BOT_USERNAME.
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",
        "ENCRYPTION_KEYS": KEY,
        **extra_env,
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    if settings.database_schema:
        env["DATABASE_SCHEMA"] = settings.database_schema
    return subprocess.run(
        [sys.executable, "bot.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        umask=umask,
    )
