"""Backups: SQLite's online backup API or pg_dump, plus the encryption keys; old dumps pruned."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from models.clock import clock
from models.crypto import read_key_file
from models.files import create_file, create_folder
from models.settings import Settings

STAMP = "%Y%m%d-%H%M%S"
DUMP_NAME = re.compile(r"^bot-(\d{8}-\d{6})\.(sqlite3|pgdump)$")


def libpq_url(url: str) -> str:
    """pg_dump speaks libpq: drop the async driver from the URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def backup(settings: Settings, directory: Path) -> list[Path]:
    """The database and the keys that read it, side by side: `bot.py backup DIR`."""
    stamp = clock.now().strftime(STAMP)
    return [dump(settings, directory, stamp), write_keys(settings, directory, stamp)]


def dump(settings: Settings, directory: Path, stamp: str | None = None) -> Path:
    """Copies are the database itself: owner-only from their first byte (0600, folders 0700).

    `backup` runs without the start-up that sets the umask, so modes are set here explicitly.
    """
    create_folder(directory)
    stamp = stamp or clock.now().strftime(STAMP)
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
        return target
    if shutil.which("pg_dump") is None:
        raise RuntimeError("pg_dump is not installed (Debian: apt-get install postgresql-client)")
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
    return target


def write_keys(settings: Settings, directory: Path, stamp: str) -> Path:
    create_folder(directory)
    keys = directory / f"keys-{stamp}.txt"
    values = list(settings.encryption_keys)
    if not values:
        values = read_key_file(settings.data_dir)
    with os.fdopen(create_file(keys), "w") as handle:
        handle.write("ENCRYPTION_KEYS=" + ",".join(values) + "\n")
    return keys


def dumps(directory: Path) -> list[tuple[datetime, Path]]:
    """The dumps in a folder with the time each was taken, newest first."""
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = DUMP_NAME.match(path.name)
        if match and path.is_file():
            taken = datetime.strptime(match.group(1), STAMP).replace(tzinfo=UTC)
            found.append((taken, path))
    return sorted(found, reverse=True)


def prune(directory: Path, keep: int) -> list[Path]:
    """Removes all but the newest `keep` dumps, and the keys file written with each."""
    if keep < 1:
        raise ValueError("keep at least one backup")
    removed = []
    for taken, path in dumps(directory)[keep:]:
        for old in (path, directory / f"keys-{taken.strftime(STAMP)}.txt"):
            if old.exists():
                old.unlink()
                removed.append(old)
    return removed
