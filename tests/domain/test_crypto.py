"""Free text is encrypted at rest: the database file holds no plaintext, keys rotate."""

import os
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text

from models import crypto
from models.crypto import EncryptedText
from models.db import Database

SECRET = "Umutima wanje uraruhiye cane: plaintext marker 7731"


async def test_encrypted_column_keeps_no_plaintext_on_disk(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'c.sqlite3'}")
    metadata = MetaData()
    notes = Table(
        "notes", metadata, Column("id", Integer, primary_key=True), Column("body", EncryptedText())
    )
    async with database.write_engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    async with database.write() as s:
        await s.execute(insert(notes).values(body=SECRET))
    async with database.read() as s:
        assert await s.scalar(select(notes.c.body)) == SECRET
        raw = await s.scalar(text("SELECT body FROM notes"))
    assert SECRET not in raw
    # Closing the last connection checkpoints the WAL into the main file; read both anyway.
    await database.dispose()
    assert not files_containing(tmp_path, SECRET.encode())


def files_containing(folder: Path, needle: bytes) -> list[str]:
    return [p.name for p in folder.iterdir() if p.is_file() and needle in p.read_bytes()]


def test_rotation_old_key_still_decrypts_new_key_encrypts() -> None:
    old, new = crypto.generate_key(), crypto.generate_key()
    crypto.configure([old])
    token = crypto.encrypt("kept")
    crypto.configure([new, old])
    assert crypto.decrypt(token) == "kept"
    rotated = crypto.rotate(token)
    crypto.configure([new])
    assert crypto.decrypt(rotated) == "kept"
    with pytest.raises(crypto.KeysMissing):
        crypto.decrypt(token)
    crypto.configure([crypto.generate_key()])


def test_generated_key_file_is_owner_only(tmp_path: Path) -> None:
    key, created = crypto.load_or_create_key_file(tmp_path)
    assert created
    assert (os.stat(tmp_path / crypto.KEY_FILE).st_mode & 0o777) == 0o600
    again, created_again = crypto.load_or_create_key_file(tmp_path)
    assert (again, created_again) == (key, False)


async def test_reflection_notes_are_not_in_the_database_in_clear(db: Database) -> None:
    from datetime import UTC, date, datetime, time

    from sqlalchemy.engine import make_url

    from models import meetings, roster
    from models.clock import clock
    from models.groups import Group
    from tests.support import factories

    marker = "ikibazo c'isambu marker-88213"
    clock.set(datetime(2026, 11, 25, 12, tzinfo=UTC))
    async with db.write() as s:
        group = await factories.group(s, weekday=2, meet_time=time(9), start_date=date(2026, 11, 4))
        await roster.add_codes(s, group=group, text="A1", actor_id=None)
        stored = await s.get(Group, group.id)
        assert stored is not None
        record = await meetings.record_held(
            s, group=stored, held_on=date(2026, 11, 25), actor_id=None
        )
        await meetings.save_reflection(
            s,
            record=record,
            draft=meetings.ReflectionDraft(phase="safety"),
            note=marker,
            version=None,
            actor_id=None,
        )
    async with db.read() as s:
        raw = await s.scalar(text("SELECT note FROM reflections"))
        assert marker not in raw
    if db.is_sqlite:
        path = Path(make_url(db.url).database or "")
        await db.dispose()
        assert not files_containing(path.parent, marker.encode())
