"""Engines and sessions. One write session per update; SQLite gets WAL and BEGIN IMMEDIATE.

Under WAL a deferred transaction that reads and then writes fails at once with SQLITE_BUSY when
another writer got in between; starting every write transaction with BEGIN IMMEDIATE makes it wait
(busy_timeout) instead. Reads use a separate engine with plain BEGIN so they never queue behind
writers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

# Every mapper must be known before the first session flushes (foreign keys cross modules).
from models import registry  # noqa: F401

BUSY_SECONDS = 15.0


def _sqlite_engine(url: str, *, immediate: bool, busy_seconds: float) -> AsyncEngine:
    engine = create_async_engine(url, connect_args={"timeout": busy_seconds}, hide_parameters=True)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from the driver so that SQLAlchemy's "begin" event below emits it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A migration's VACUUM runs outside any transaction (Alembic's autocommit block).
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class ReadOnlyWrite(RuntimeError):
    """Something tried to write through a session opened to read: a defect, never hidden.

    Handlers declared read-only run in such a session; a write there would not be recorded
    with the update (no redelivery guard) and, on SQLite, would take the write lock outside
    the writers' queue.
    """


class ReadOnlySession(Session):
    """The session of `Database.read()`: it refuses every insert, update and delete."""


@event.listens_for(ReadOnlySession, "do_orm_execute")
def _refuse_write_statements(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise ReadOnlyWrite(f"a write in a read-only session: {type(state.statement).__name__}")


@event.listens_for(ReadOnlySession, "before_flush")
def _refuse_changed_rows(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    changed = [*session.new, *session.dirty, *session.deleted]
    if changed:
        names = sorted({type(row).__name__ for row in changed})
        raise ReadOnlyWrite(f"rows changed in a read-only session: {', '.join(names)}")


class Database:
    """Owns the engines; `write()` and `read()` give sessions that commit or roll back."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        schema: str | None = None,
        busy_seconds: float = BUSY_SECONDS,
    ) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            path = make_url(url).database
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.write_engine = _sqlite_engine(url, immediate=True, busy_seconds=busy_seconds)
            self.read_engine = _sqlite_engine(url, immediate=False, busy_seconds=busy_seconds)
        else:
            # A schema of its own lets several test workers share one PostgreSQL database.
            connect_args = {"server_settings": {"search_path": schema}} if schema else {}
            self.write_engine = create_async_engine(
                url,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
                connect_args=connect_args,
                # A failed statement's error (and so the log) shows no values people typed.
                hide_parameters=True,
            )
            self.read_engine = self.write_engine
        self._writer = async_sessionmaker(self.write_engine, expire_on_commit=False)
        self._reader = async_sessionmaker(
            self.read_engine, expire_on_commit=False, sync_session_class=ReadOnlySession
        )
        # SQLite has one writer at a time. This process's writers wait for their turn here, in
        # the order they came, instead of in SQLite's busy handler, which polls with growing
        # sleeps and lets a newcomer overtake someone waiting (with several people's updates
        # handled at once, a tap could wait out the whole busy timeout). Other processes, such
        # as the command line, still meet busy_timeout.
        self._busy_seconds = busy_seconds
        self._write_turns: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}

    def _write_turn(self) -> asyncio.Lock | None:
        if not self.is_sqlite:
            return None
        loop = asyncio.get_running_loop()
        turn = self._write_turns.get(loop)
        if turn is None:
            self._write_turns = {loop: (turn := asyncio.Lock())}
        return turn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A transaction that is committed when the block ends without an exception."""
        turn = self._write_turn()
        if turn is None:
            async with self._writer() as session, session.begin():
                yield session
            return
        # As long as SQLite's own wait; then TimeoutError, which the handlers answer "try again".
        async with asyncio.timeout(self._busy_seconds):
            await turn.acquire()
        try:
            async with self._writer() as session, session.begin():
                yield session
        finally:
            turn.release()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._reader() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            await self.read_engine.dispose()
