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
    key, created = crypto.load_or_create_key_file(settings.data_dir)
    if created:
        print(
            f"Generated an encryption key in {settings.data_dir / crypto.KEY_FILE} (owner-only). "
            "Back it up with the database: without it the encrypted text is lost.",
            file=sys.stderr,
        )
    crypto.configure([key])


def run_async(fn: Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]) -> Command:
    """Runs an async command; a domain error (bad id, bad value) is a one-line refusal."""

    def run(settings: Settings, args: argparse.Namespace) -> int:
        try:
            return asyncio.run(fn(settings, args))
        except DomainError as error:
            print(f"Not done: {error.code}", file=sys.stderr)
            return 1

    return run


def database(settings: Settings) -> Database:
    # Imported here: commands that need no database (keygen, content) start without SQLAlchemy.
    from models.db import Database

    return Database(settings.database_url, schema=settings.database_schema)


@asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[Database]:
    """The database, prepared (keys, migrations) and closed afterwards."""
    await asyncio.to_thread(prepare, settings)
    db = database(settings)
    try:
        yield db
    finally:
        await db.dispose()
