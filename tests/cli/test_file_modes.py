"""Files the bot writes are its owner's alone: 0600 files, 0700 folders, old deployments too.

Each start runs in its own process with the usual umask 022, so that what is asserted is the
bot's doing (and the umask of the test worker stays as it is for the other tests).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from models import crypto
from models.db import Database
from models.settings import Settings
from tests.conftest import PG_URL
from tests.support.command_line import KEY
from tests.support.command_line import cli as run_cli

ROOT = Path(__file__).resolve().parents[2]


def cli(settings: Settings, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    """As an operator's shell with the usual umask 022 runs it."""
    return run_cli(settings, *args, umask=0o022, **extra_env)


def mode(path: Path) -> int:
    return os.stat(path).st_mode & 0o777


def test_start_closes_the_files_of_an_existing_deployment(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    os.chmod(data, 0o755)
    settings = Settings.from_env({"DATA_DIR": str(data)})
    database = data / "bot.sqlite3"
    # An older version left the database readable by everyone (the usual umask, no correction).
    made = cli(settings, "db", "upgrade", ENCRYPTION_KEYS="")
    assert made.returncode == 0, made.stderr
    os.chmod(database, 0o644)
    key = data / crypto.KEY_FILE
    key.write_text(KEY + "\n")
    os.chmod(key, 0o644)

    # A connection held open keeps the WAL and SHM files through the start below.
    held = sqlite3.connect(database, isolation_level=None)
    try:
        assert held.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
        held.execute("UPDATE alembic_version SET version_num = version_num")
        wal, shm = Path(f"{database}-wal"), Path(f"{database}-shm")
        before = [mode(path) for path in (database, wal, shm, key, data)]
        assert before == [0o644, 0o644, 0o644, 0o644, 0o755]

        started = cli(settings, "status", ENCRYPTION_KEYS="")
        assert started.returncode == 0, started.stderr
        assert "Generated" not in started.stderr

        assert wal.exists() and shm.exists()
        assert {path.name: mode(path) for path in (database, wal, shm, key)} == {
            "bot.sqlite3": 0o600,
            "bot.sqlite3-wal": 0o600,
            "bot.sqlite3-shm": 0o600,
            crypto.KEY_FILE: 0o600,
        }
        assert mode(data) == 0o700
    finally:
        held.close()


def test_an_unrelated_file_beside_the_data_is_left_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    notes = data / "notes.txt"
    notes.write_text("the operator's own file\n")
    os.chmod(notes, 0o644)
    started = cli(Settings.from_env({"DATA_DIR": str(data)}), "db", "upgrade", ENCRYPTION_KEYS="")
    assert started.returncode == 0, started.stderr
    assert mode(notes) == 0o644
    assert mode(data / "bot.sqlite3") == 0o600


def test_a_fresh_start_creates_everything_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "deploy" / "data"
    settings = Settings.from_env({"DATA_DIR": str(data)})
    # The first command that writes sets everything up (one that only reads refuses).
    started = cli(settings, "area", "add", "Gitega", ENCRYPTION_KEYS="")
    assert started.returncode == 0, started.stderr
    assert "Generated an encryption key" in started.stderr
    assert mode(data / "bot.sqlite3") == 0o600
    assert mode(data / crypto.KEY_FILE) == 0o600
    assert mode(data) == 0o700


def test_wal_and_shm_of_a_fresh_database_are_born_owner_only(tmp_path: Path) -> None:
    database = tmp_path / "fresh" / "bot.sqlite3"
    # The bot's own engine, with its connections still open so that the WAL and SHM exist.
    script = f"""
import asyncio, json, os
from pathlib import Path
from sqlalchemy import text
from models.db import Database
from models.files import owner_only_umask

owner_only_umask()
path = Path({str(database)!r})

async def main():
    database = Database(f"sqlite+aiosqlite:///{{path}}")
    async with database.write() as session:
        await session.execute(text("CREATE TABLE notes (body TEXT)"))
        await session.execute(text("INSERT INTO notes VALUES ('x')"))
    modes = {{
        name: os.stat(p).st_mode & 0o777
        for name, p in [
            ("folder", path.parent),
            ("database", path),
            ("wal", Path(f"{{path}}-wal")),
            ("shm", Path(f"{{path}}-shm")),
        ]
    }}
    await database.dispose()
    print(json.dumps(modes))

asyncio.run(main())
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        umask=0o022,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "folder": 0o700,
        "database": 0o600,
        "wal": 0o600,
        "shm": 0o600,
    }


def test_sqlite_backup_is_owner_only(tmp_path: Path) -> None:
    database = tmp_path / "live" / "bot.sqlite3"
    database.parent.mkdir()
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
        connection.execute("INSERT INTO notes VALUES ('x')")
    connection.close()
    os.chmod(database, 0o644)
    settings = Settings.from_env(
        {"DATABASE_URL": f"sqlite:///{database}", "DATA_DIR": str(tmp_path / "data")}
    )

    target = tmp_path / "backups" / "daily"
    result = cli(settings, "backup", str(target))
    assert result.returncode == 0, result.stderr
    copy = next(target.glob("bot-*.sqlite3"))
    keys = next(target.glob("keys-*.txt"))
    assert mode(copy) == mode(keys) == 0o600
    assert mode(target) == mode(target.parent) == 0o700
    with sqlite3.connect(copy) as restored:
        assert restored.execute("SELECT body FROM notes").fetchall() == [("x",)]
    restored.close()

    # A folder the operator chose keeps its mode; what the bot writes into it does not.
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o755)
    result = cli(settings, "backup", str(shared))
    assert result.returncode == 0, result.stderr
    assert mode(shared) == 0o755
    written = sorted(shared.iterdir())
    assert [path.suffix for path in written] == [".sqlite3", ".txt"]
    assert [mode(path) for path in written] == [0o600, 0o600]


@pytest.mark.skipif(PG_URL is None, reason="needs TEST_DATABASE_URL (PostgreSQL)")
def test_pg_backup_is_owner_only(settings: Settings, db: Database, tmp_path: Path) -> None:
    target = tmp_path / "backups" / "daily"
    result = cli(settings, "backup", str(target))
    assert result.returncode == 0, result.stderr
    dump = next(target.glob("bot-*.pgdump"))
    keys = next(target.glob("keys-*.txt"))
    assert dump.stat().st_size > 0
    assert mode(dump) == mode(keys) == 0o600
    assert mode(target) == mode(target.parent) == 0o700
