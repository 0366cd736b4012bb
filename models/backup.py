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
from models.files import create_file, create_folder
from models.settings import Settings


def libpq_url(url: str) -> str:
    """pg_dump speaks libpq: drop the async driver from the URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def backup(settings: Settings, directory: Path) -> list[Path]:
    """Copies are the database itself: owner-only from their first byte (0600, folders 0700).

    `backup` runs without the start-up that sets the umask, so modes are set here explicitly.
    """
    create_folder(directory)
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    written: list[Path] = []
    if settings.is_sqlite:
        source_path = make_url(settings.database_url).database or ""
        target = directory / f"bot-{stamp}.sqlite3"
        # SQLite takes an empty file as an empty database and gives its journal the file's mode.
        os.close(create_file(target))
        try:
            source = sqlite3.connect(source_path)
            try:
                destination = sqlite3.connect(target)
                with destination:
                    source.backup(destination)
                destination.close()
            finally:
                source.close()
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        written.append(target)
    else:
        if shutil.which("pg_dump") is None:
            raise RuntimeError(
                "pg_dump is not installed (Debian: apt-get install postgresql-client)"
            )
        target = directory / f"bot-{stamp}.pgdump"
        # pg_dump opens --file with the umask's mode; opening an existing file keeps it 0600.
        os.close(create_file(target))
        command = ["pg_dump", "--format=custom", "--no-owner", f"--file={target}"]
        if settings.database_schema:
            command.append(f"--schema={settings.database_schema}")
        try:
            subprocess.run([*command, libpq_url(settings.database_url)], check=True)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        written.append(target)
    keys = directory / f"keys-{stamp}.txt"
    values = list(settings.encryption_keys)
    key_file = settings.data_dir / KEY_FILE
    if not values and key_file.exists():
        values = [key_file.read_text().strip()]
    with os.fdopen(create_file(keys), "w") as handle:
        handle.write("ENCRYPTION_KEYS=" + ",".join(values) + "\n")
    written.append(keys)
    return written
