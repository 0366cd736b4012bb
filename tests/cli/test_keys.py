"""`bot.py keys rotate`: every encrypted field under the new key, none left under the old one,
and a rotation cut short is finished by running it again."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Text, select, type_coerce

from models import crypto
from models.db import Database
from models.keyrotation import Rotated, encrypted_columns, rotate_all
from models.settings import Settings
from tests.support.command_line import cli
from tests.support.encrypted import populate, reads_everything


async def tokens(db: Database) -> list[str]:
    found = []
    async with db.read() as s:
        for column in encrypted_columns():
            raw = type_coerce(column, Text)
            found += [t for t in await s.scalars(select(raw).where(column.is_not(None)))]
    return found


def readable_by(key: str, token: str) -> bool:
    try:
        Fernet(key.encode()).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


async def test_rotation_with_environment_keys_leaves_nothing_under_the_old_key(
    settings: Settings, db: Database
) -> None:
    old, new = crypto.generate_key(), crypto.generate_key()
    crypto.configure([old])
    await populate(db)
    refused = cli(settings, "keys", "rotate", ENCRYPTION_KEYS=old)
    assert refused.returncode == 2
    assert "Nothing to rotate to: put a new key (bot.py keygen) first" in refused.stderr

    result = cli(settings, "keys", "rotate", ENCRYPTION_KEYS=f"{new},{old}")
    assert result.returncode == 0, result.stderr
    assert "every encrypted field is under the first key" in result.stdout
    stored = await tokens(db)
    assert len(stored) >= 3
    assert not any(readable_by(old, t) for t in stored)
    crypto.configure([new])
    await reads_everything(db)


async def test_an_interrupted_rotation_is_finished_by_running_it_again(db: Database) -> None:
    old, new = crypto.generate_key(), crypto.generate_key()
    crypto.configure([old])
    await populate(db)
    crypto.configure([new, old])

    def cut_short(counts: Rotated) -> None:
        if counts.rotated:  # killed after the first batch that changed something
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        await rotate_all(db, batch=1, progress=cut_short)
    stored = await tokens(db)
    assert any(readable_by(old, t) for t in stored) and any(readable_by(new, t) for t in stored)

    again = await rotate_all(db, batch=1)
    assert sum(c.rotated for c in again) < len(stored), "what was done is not done twice"
    assert not any(readable_by(old, t) for t in await tokens(db))
    crypto.configure([new])
    await reads_everything(db)


async def test_the_key_file_gets_a_new_key_and_loses_the_old(
    settings: Settings, db: Database
) -> None:
    if not settings.is_sqlite:
        pytest.skip("the key file is the SQLite default; PostgreSQL always has ENCRYPTION_KEYS")
    old = crypto.generate_key()
    crypto.write_key_file(settings.data_dir, [old])
    crypto.configure([old])
    await populate(db)
    result = cli(settings, "keys", "rotate", ENCRYPTION_KEYS="")
    assert result.returncode == 0, result.stderr
    (new,) = crypto.read_key_file(settings.data_dir)
    assert new != old
    assert not any(readable_by(old, t) for t in await tokens(db))
    crypto.configure([new])
    await reads_everything(db)
