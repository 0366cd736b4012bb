"""What every command shares: encryption keys, migrations, the database, async commands."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from models import crypto, files
from models.errors import DomainError
from models.settings import Settings, SettingsError

if TYPE_CHECKING:
    from models.db import Database

Command = Callable[[Settings, argparse.Namespace], int]


def prepare(settings: Settings, *, migrate: bool = True) -> None:
    """Catalogs compiled, encryption keys loaded, migrations applied: what `run` needs."""
    from locales import compile_catalogs
    from models import migrate as migrations

    compile_catalogs()
    # Existing deployments: files made before the bot kept them owner-only.
    files.make_owner_only(settings)
    setup_keys(settings)
    if migrate:
        migrations.upgrade(settings.database_url, settings.database_schema)


async def missing_database(settings: Settings) -> str | None:
    """Why there is no bot database at these settings (a sentence), or None when there is one.

    Commands that only read refuse instead of creating an empty database and a new key: run
    with a wrong DATA_DIR or DATABASE_URL, they would otherwise answer from nothing.
    """
    path = files.sqlite_path(settings)
    if path is not None:
        if not path.exists():
            return (
                f"There is no database at {path}: check DATABASE_URL and DATA_DIR. This command "
                "only reads and creates nothing; `bot.py run` or `bot.py area add` creates it."
            )
        if not settings.encryption_keys and not (settings.data_dir / crypto.KEY_FILE).exists():
            return (
                f"The database at {path} has no key beside it in {settings.data_dir}: check "
                "DATA_DIR, or set ENCRYPTION_KEYS to the keys it was made with."
            )
        return None
    if settings.is_sqlite:
        return None
    from sqlalchemy import inspect

    db = database(settings)
    try:
        async with db.read() as session:
            connection = await session.connection()
            tables = await connection.run_sync(
                lambda sync: inspect(sync).get_table_names(schema=settings.database_schema)
            )
    except Exception as error:  # the server, the address, the password: say which setting
        return f"The database at DATABASE_URL cannot be reached ({type(error).__name__}): check it."
    finally:
        await db.dispose()
    if "alembic_version" not in tables:
        return (
            "The database at DATABASE_URL has no bot tables: check DATABASE_URL (and "
            "DATABASE_SCHEMA). This command only reads; `bot.py run` or `bot.py db upgrade` "
            "sets a new database up."
        )
    return None


def setup_keys(settings: Settings) -> None:
    if settings.encryption_keys:
        try:
            crypto.configure(settings.encryption_keys)
        except crypto.KeysMissing as error:
            raise SettingsError(str(error)) from None
        return
    if not settings.is_sqlite:
        raise SettingsError(
            "ENCRYPTION_KEYS must be set when DATABASE_URL is PostgreSQL. Generate one with: "
            "python bot.py keygen  (keep it safe: losing it loses the encrypted text)"
        )
    keys, created = crypto.load_or_create_key_file(settings.data_dir)
    if created:
        print(
            f"Generated an encryption key in {settings.data_dir / crypto.KEY_FILE} (owner-only). "
            "Back it up with the database: without it the encrypted text is lost.",
            file=sys.stderr,
        )
    crypto.configure(keys)


def run_async(fn: Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]) -> Command:
    """Runs an async command; a domain error (bad id, bad value) is a one-line refusal."""

    def run(settings: Settings, args: argparse.Namespace) -> int:
        try:
            return asyncio.run(fn(settings, args))
        except DomainError as error:
            from conversations.vocabulary.errors import domain_error_text
            from locales import translator

            # The operator reads the command line in English, as they read this README.
            print(f"Not done. {domain_error_text(translator('en'), error)}", file=sys.stderr)
            return 1

    return run


def database(settings: Settings) -> Database:
    # Imported here: commands that need no database (keygen, content) start without SQLAlchemy.
    from models.db import Database

    return Database(settings.database_url, schema=settings.database_schema)


@asynccontextmanager
async def opened(settings: Settings, *, read_only: bool = False) -> AsyncIterator[Database]:
    """The database, prepared (keys, migrations) and closed afterwards.

    `read_only`: a command that only reads refuses (SettingsError) when there is no database.
    """
    if read_only and not settings.is_sqlite:
        setup_keys(settings)  # PostgreSQL needs ENCRYPTION_KEYS whatever the database holds
    if read_only and (why := await missing_database(settings)):
        raise SettingsError(why)
    await asyncio.to_thread(prepare, settings)
    db = database(settings)
    try:
        yield db
    finally:
        await db.dispose()
