"""Fixtures: a migrated database per test (SQLite file, or a PostgreSQL schema per worker when
TEST_DATABASE_URL is set), settings pointing at the Bot API test server, and the running bot."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text

from locales import compile_catalogs
from models import crypto
from models.clock import clock
from models.db import Database
from models.migrate import upgrade
from models.registry import metadata
from models.settings import Settings, normalise_database_url
from tests.support.tgserver import TelegramTestServer

TOKEN = "123456:TEST-token_for-the-suite"
PG_URL = os.environ.get("TEST_DATABASE_URL")


def pytest_report_header() -> str:
    return f"database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite'}"


# Property tests: the same examples on every CI run; HYPOTHESIS_PROFILE=explore for new ones.
hypothesis_settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.generate),  # no shrinking: a failure reports its updates
)
hypothesis_settings.register_profile("explore", deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """What the trust suites tried and found (their tests record it as the property "trust")."""
    lines = {
        str(value): None
        for reports in terminalreporter.stats.values()
        for report in reports
        for name, value in getattr(report, "user_properties", ())
        if name == "trust"
    }
    from tests.support.chaos import kill_point_lines

    lines.update(dict.fromkeys(kill_point_lines(terminalreporter.stats)))
    if lines:
        terminalreporter.section("trust: what was tried and found")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session", autouse=True)
def _catalogs_and_keys() -> None:
    compile_catalogs()
    crypto.configure([crypto.generate_key()])


@pytest.fixture(autouse=True)
def _reset_clock() -> Iterator[None]:
    clock.reset()
    yield
    clock.reset()


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _schema() -> str:
    """A schema per worker and per run, so two runs on one database never touch each other."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", f"{os.getpid():x}")[:8]
    return f"test_{run}_{_worker()}"


@pytest.fixture(scope="session")
def database_template(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, str | None]]:
    """Migrates once per worker; tests then get a copy (SQLite) or emptied tables (PostgreSQL)."""
    if PG_URL:
        url = normalise_database_url(PG_URL)
        schema = _schema()

        async def fresh_schema() -> None:
            database = Database(url)
            async with database.write() as session:
                await session.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                await session.execute(text(f'CREATE SCHEMA "{schema}"'))
            await database.dispose()

        async def drop_schema() -> None:
            database = Database(url)
            async with database.write() as session:
                await session.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            await database.dispose()

        asyncio.run(fresh_schema())
        upgrade(url, schema)
        yield url, schema
        asyncio.run(drop_schema())
        return
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    yield url, None


@pytest.fixture
async def db(database_template: tuple[str, str | None], tmp_path: Path) -> AsyncIterator[Database]:
    url, schema = database_template
    if schema is None:
        source = Path(url.removeprefix("sqlite+aiosqlite:///"))
        target = tmp_path / "bot.sqlite3"
        shutil.copy(source, target)
        database = Database(f"sqlite+aiosqlite:///{target}")
    else:
        database = Database(url, schema=schema)
        tables = ", ".join(f'"{t.name}"' for t in reversed(metadata.sorted_tables))
        async with database.write() as session:
            await session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield database
    await database.dispose()


@pytest.fixture
def settings(db: Database, tmp_path: Path) -> Settings:
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "DATABASE_URL": db.url,
        "DATA_DIR": str(tmp_path / "data"),
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",
        "DEFAULT_LANGUAGE": "rn",
        "BOT_USERNAME": "sociotherapy_test_bot",
        # Tests tap far faster than a person; the per-user limit has its own test.
        "USER_UPDATES_PER_MINUTE": "100000",
    }
    return replace(Settings.from_env(env), database_schema=_schema() if PG_URL else None)


# --- the bot against the Bot API test server ---------------------------------------------------


@pytest.fixture
async def tg() -> AsyncIterator[TelegramTestServer]:
    server = TelegramTestServer(token=TOKEN, bot_username="sociotherapy_test_bot")
    await server.start()
    yield server
    await server.stop()
    refused = server.unexpected_refusals()
    assert not refused, "the Bot API test server refused calls:\n" + "\n".join(map(str, refused))


@pytest.fixture
async def bot(tg: TelegramTestServer, settings: Settings, db: Database) -> AsyncIterator[Any]:
    application = await start_bot(tg, settings, db)
    yield application
    await stop_bot(application)


async def start_bot(
    tg: TelegramTestServer, settings: Settings, db: Database, read_timeout: float = 5
) -> Any:
    from telegram import Update

    from conversations.app import build_application

    configured = replace(settings, api_base_url=tg.base_url, api_file_url=tg.file_base_url)
    application = build_application(configured, database=db, read_timeout=read_timeout)
    # The same order as Application.run_polling: initialize, post_init, start.
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES
    )
    return application


async def stop_bot(application: Any) -> None:
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
