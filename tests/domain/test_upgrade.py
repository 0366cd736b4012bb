"""A database in use at the first revision upgrades to head and keeps what it must keep.

These tests make databases of their own: the `db` fixture is already at head.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, event, func, inspect, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import Pool

from models import crypto, service
from models.areas import add_area
from models.db import Database
from models.migrate import alembic_config, current_revision, head_revision, upgrade
from models.settings import normalise_database_url
from tests.conftest import PG_URL, _schema
from tests.support.fixtures import first_schema

# Emptied by the upgrade: both could hold what people typed, in clear.
PURGED = {"processed_updates", "user_data"}
# Tables of the first schema that a later migration drops (nothing used them).
DROPPED = {"conversation_state"}
MARKER = first_schema.MARKER.encode()


def test_one_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"several heads: {heads}"
    assert heads == [head_revision()]


@pytest.fixture
async def fresh_database(tmp_path: Path) -> AsyncIterator[tuple[str, str | None]]:
    """An empty database: a SQLite file, or a PostgreSQL schema of this test's own."""
    if not PG_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}", None
        return
    url = normalise_database_url(PG_URL)
    schema = f"{_schema()}_upgrade"

    async def run(statement: str) -> None:
        database = Database(url)
        try:
            async with database.write() as session:
                await session.execute(text(statement))
        finally:
            await database.dispose()

    await run(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    await run(f'CREATE SCHEMA "{schema}"')
    yield url, schema
    await run(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def stock_sqlite() -> Iterator[None]:
    """Every SQLite connection starts with secure_delete off, as upstream SQLite builds do.

    Some distributions (Debian among them) build SQLite with secure delete on by default; there
    the purge would look clean whatever the migration does.
    """

    def secure_delete_off(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA secure_delete=OFF")
        cursor.close()

    if PG_URL:
        yield
        return
    event.listen(Pool, "connect", secure_delete_off)
    try:
        yield
    finally:
        event.remove(Pool, "connect", secure_delete_off)


def _raw_bytes(url: str) -> dict[str, bytes]:
    """The database file and whatever SQLite keeps beside it (-wal, -shm), as on disk."""
    path = Path(make_url(url).database or "")
    return {p.name: p.read_bytes() for p in sorted(path.parent.glob(f"{path.name}*"))}


def _holding_marker(files: dict[str, bytes]) -> list[str]:
    return [name for name, content in files.items() if MARKER in content]


async def _counts(database: Database, tables: set[str]) -> dict[str, int]:
    def reflect(connection: Connection) -> MetaData:
        metadata = MetaData()
        metadata.reflect(connection, only=sorted(tables))
        return metadata

    async with database.read_engine.connect() as conn:
        metadata = await conn.run_sync(reflect)
        # Reflection also brings the tables these refer to: count only the ones asked for.
        return {
            name: int(await conn.scalar(select(func.count()).select_from(metadata.tables[name])))
            for name in sorted(tables)
        }


async def _rows(database: Database, query: str) -> list[tuple[object, ...]]:
    async with database.read_engine.connect() as conn:
        return [tuple(row) for row in await conn.execute(text(query))]


async def test_populated_first_schema_upgrades_to_head(
    fresh_database: tuple[str, str | None], stock_sqlite: None
) -> None:
    url, schema = fresh_database
    sqlite = schema is None
    upgrade(url, schema, revision=first_schema.REVISION)
    database = Database(url, schema=schema)
    try:
        async with database.write_engine.begin() as conn:
            before = await first_schema.populate(conn)
            if sqlite:
                assert await conn.scalar(text("PRAGMA secure_delete")) == 0
        assert all(before.values()), before
        if sqlite:
            # As in a live database: pages written back into the file, and newer copies of some
            # of them still in the log. The search below must be able to find the marker in both.
            path = Path(make_url(url).database or "")
            with closing(sqlite3.connect(path)) as plain:
                plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            async with database.write_engine.begin() as conn:
                await conn.execute(
                    text("UPDATE user_data SET updated_at = '2026-10-06 09:14:00.000000'")
                )
            assert _holding_marker(_raw_bytes(url)) == [path.name, f"{path.name}-wal"]

        upgrade(url, schema)

        assert await current_revision(database) == head_revision()
        expected = {
            name: 0 if name in PURGED else n for name, n in before.items() if name not in DROPPED
        }
        assert await _counts(database, set(before) - DROPPED) == expected
        async with database.read() as session:
            kept = await session.run_sync(lambda s: set(inspect(s.connection()).get_table_names()))
        assert not kept & DROPPED
        await _check_contents(database)

        # The upgraded database works with the current code, in kept tables (ids given by the
        # database after the ones it holds) and in the recreated one.
        key = service.UpdateKey(update_id=1, chat_id=700003, digest="d" * 64)
        async with database.write() as session:
            area = await add_area(session, name="Buye", parent_id=2, actor_id=2)
            await service.mark_processed(session, key, [{"text": "Vyabitswe."}])
        async with database.read() as session:
            assert await service.stored_reply(session, key) == [{"text": "Vyabitswe."}]
        assert area.path == f"/1/2/{area.id}/"
        assert await _counts(database, {"areas", "audit_log"}) == {
            "areas": before["areas"] + 1,
            "audit_log": before["audit_log"] + 1,
        }

        if sqlite:
            assert _holding_marker(_raw_bytes(url)) == []
    finally:
        await database.dispose()
    if sqlite:
        files = _raw_bytes(url)
        assert "bot.sqlite3" in files
        assert _holding_marker(files) == []


async def _check_contents(database: Database) -> None:
    rows = first_schema.ROWS
    assert await _rows(database, "SELECT id, path FROM areas ORDER BY id") == [
        (a["id"], a["path"]) for a in rows["areas"]
    ]
    assert await _rows(database, "SELECT id, telegram_id, role FROM users ORDER BY id") == [
        (u["id"], u["telegram_id"], u["role"]) for u in rows["users"]
    ]
    assert await _rows(database, "SELECT id, status, current_week FROM groups ORDER BY id") == [
        (g["id"], g["status"], g["current_week"]) for g in rows["groups"]
    ]

    notes = dict(await _rows(database, "SELECT id, note FROM reflections"))
    for reflection in rows["reflections"]:
        sealed = reflection["note"]
        stored = notes[reflection["id"]]
        assert (None if stored is None else crypto.decrypt(str(stored))) == (
            None if sealed is None else sealed.text
        )

    agreements = await _rows(database, "SELECT id, status, reference, summary FROM agreements")
    assert sorted(
        (id_, status, reference, None if summary is None else crypto.decrypt(str(summary)))
        for id_, status, reference, summary in agreements
    ) == [
        (
            a["id"],
            a["status"],
            a["reference"],
            None if a["summary"] is None else a["summary"].text,
        )
        for a in rows["agreements"]
    ]
    assert await _rows(
        database, "SELECT agreement_id, participant_id FROM agreement_parties ORDER BY id"
    ) == [(p["agreement_id"], p["participant_id"]) for p in rows["agreement_parties"]]

    present: dict[int, int] = {}
    for row in rows["attendance"]:
        present[row["session_id"]] = present.get(row["session_id"], 0) + row["present"]
    counted = await _rows(
        database,
        "SELECT session_id, SUM(CASE WHEN present THEN 1 ELSE 0 END) FROM attendance "
        "GROUP BY session_id",
    )
    assert {int(s): int(n) for s, n in counted} == present

    assert sorted(await _rows(database, "SELECT key, status FROM outbox")) == sorted(
        (o["key"], o["status"]) for o in rows["outbox"]
    )
