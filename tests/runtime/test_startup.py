"""What the bot says when it starts: which bot it runs as, so that an operator with several
tokens can tell them apart in the log."""

from __future__ import annotations

import logging

import pytest

from models.db import Database
from models.settings import Settings
from tests.conftest import start_bot, stop_bot
from tests.support.tgserver import TelegramTestServer


async def test_start_up_names_the_bot_it_runs_as(
    tg: TelegramTestServer, settings: Settings, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="conversations.app")
    application = await start_bot(tg, settings, db)
    try:
        said = [r.getMessage() for r in caplog.records if r.name == "conversations.app"]
        assert f"running as @sociotherapy_test_bot (id {tg.bot_id})" in said
    finally:
        await stop_bot(application)
