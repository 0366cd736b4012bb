"""Backups: SQLite's online backup API or pg_dump, plus the encryption keys."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from models.clock import clock
from models.crypto import KEY_FILE
from models.settings import Settings


def libpq_url(url: str) -> str:
    """pg_dump speaks libpq: drop the async driver from the URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def backup(settings: Settings, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    written: list[Path] = []
    if settings.is_sqlite:
        source_path = make_url(settings.database_url).database or ""
        target = directory / f"bot-{stamp}.sqlite3"
        source = sqlite3.connect(source_path)
        try:
            destination = sqlite3.connect(target)
            with destination:
                source.backup(destination)
            destination.close()
        finally:
            source.close()
        written.append(target)
    else:
        if shutil.which("pg_dump") is None:
            raise RuntimeError(
                "pg_dump is not installed (Debian: apt-get install postgresql-client)"
            )
        target = directory / f"bot-{stamp}.pgdump"
        command = ["pg_dump", "--format=custom", "--no-owner", f"--file={target}"]
        if settings.database_schema:
            command.append(f"--schema={settings.database_schema}")
        subprocess.run([*command, libpq_url(settings.database_url)], check=True)
        written.append(target)
    keys = directory / f"keys-{stamp}.txt"
    values = list(settings.encryption_keys)
    key_file = settings.data_dir / KEY_FILE
    if not values and key_file.exists():
        values = [key_file.read_text().strip()]
    fd = os.open(keys, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("ENCRYPTION_KEYS=" + ",".join(values) + "\n")
    written.append(keys)
    return written
