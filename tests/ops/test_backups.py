"""The backup service's schedule: dumps only (no keys), pruned to the newest N, caught up after
a stop, and a health check that turns red when dumps stop coming."""

from __future__ import annotations

import argparse
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cli import backups
from models import backup
from models.clock import clock
from models.settings import Settings

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_clock() -> Iterator[None]:
    clock.set(NOW)
    yield
    clock.reset()


def _dump_at(directory: Path, when: datetime, *, keys: bool = False) -> Path:
    directory.mkdir(exist_ok=True)
    stamp = when.strftime(backup.STAMP)
    path = directory / f"bot-{stamp}.pgdump"
    path.write_text("dump")
    if keys:
        (directory / f"keys-{stamp}.txt").write_text("ENCRYPTION_KEYS=x\n")
    return path


def test_a_scheduled_dump_writes_the_database_and_no_keys(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
    connection.close()
    settings = Settings.from_env(
        {"DATABASE_URL": f"sqlite:///{database}", "DATA_DIR": str(tmp_path)}, load_dotenv=False
    )
    (tmp_path / "encryption.key").write_text("a key")
    target = tmp_path / "backups"
    written = backups.run_once(settings, target, keep=14)
    assert [path.name for path in target.iterdir()] == [written.name]
    assert written.name == "bot-20261207-020000.sqlite3"
    assert written.stat().st_mode & 0o777 == 0o600


def test_old_dumps_are_pruned_with_their_keys(tmp_path: Path) -> None:
    for days in range(5):
        _dump_at(tmp_path, NOW - timedelta(days=days), keys=True)
    (tmp_path / "notes.txt").write_text("the operator's")
    removed = backup.prune(tmp_path, keep=2)
    assert len(removed) == 6
    left = sorted(path.name for path in tmp_path.iterdir())
    assert left == [
        "bot-20261206-020000.pgdump",
        "bot-20261207-020000.pgdump",
        "keys-20261206-020000.txt",
        "keys-20261207-020000.txt",
        "notes.txt",
    ]
    with pytest.raises(ValueError):
        backup.prune(tmp_path, keep=0)


def test_the_next_dump_follows_the_last_one_across_restarts(tmp_path: Path) -> None:
    every = timedelta(hours=24)
    assert backups.next_due(tmp_path / "missing", every) == timedelta(0)
    _dump_at(tmp_path, NOW - timedelta(hours=20))
    assert backups.next_due(tmp_path, every) == timedelta(hours=4)
    _dump_at(tmp_path, NOW - timedelta(days=3))
    assert backups.next_due(tmp_path, every) == timedelta(hours=4)
    clock.set(NOW + timedelta(days=2))
    assert backups.next_due(tmp_path, every) == timedelta(0)


def test_the_health_check_turns_red_when_dumps_stop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    within = timedelta(hours=26)
    assert backups.check(tmp_path, within) == 1
    assert "no dump" in capsys.readouterr().out
    _dump_at(tmp_path, NOW - timedelta(hours=25))
    assert backups.check(tmp_path, within) == 0
    clock.set(NOW + timedelta(hours=2))
    assert backups.check(tmp_path, within) == 1
    assert "bot-20261206-010000.pgdump" in capsys.readouterr().out


def test_durations_and_retention_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    assert backups.duration("24h") == timedelta(hours=24)
    assert backups.duration("30m") == timedelta(minutes=30)
    assert backups.duration("7d") == timedelta(days=7)
    for wrong in ("0h", "24", "1w", "-1h"):
        with pytest.raises(argparse.ArgumentTypeError):
            backups.duration(wrong)
    assert backups.main(["run", "/nowhere", "--keep", "0"]) == 2
    assert "--keep" in capsys.readouterr().err


def test_a_failed_dump_is_retried_within_the_hour(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []

    def fail(*args: object, **kwargs: object) -> Path:
        raise RuntimeError("pg_dump: connection refused")

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 2:
            raise SystemExit(0)

    monkeypatch.setattr(backup, "dump", fail)
    monkeypatch.setattr(backups.time, "sleep", sleep)
    settings = Settings.from_env({}, load_dotenv=False)
    with pytest.raises(SystemExit):
        backups.run(settings, tmp_path, timedelta(hours=24), keep=3)
    assert slept == [3600.0, 3600.0]
