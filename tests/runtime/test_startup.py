"""What the bot says when it starts: which bot it runs as, so that an operator with several
tokens can tell them apart in the log."""

from __future__ import annotations

import logging

import pytest

from conversations.runtime import about
from locales import translator
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


async def test_start_up_sets_the_profile_texts_in_each_language_kirundi_by_default(
    tg: TelegramTestServer, settings: Settings, db: Database
) -> None:
    application = await start_bot(tg, settings, db)
    try:
        for code, lang in (("", "rn"), ("fr", "fr"), ("en", "en")):
            tr = translator(lang)
            assert tg.profile_texts[("description", code)] == about.description(tr)
            assert tg.profile_texts[("short_description", code)] == about.short_description(tr)
        assert "sociothérapie" in tg.profile_texts[("description", "fr")]
        assert tg.profile_texts[("description", "")] != tg.profile_texts[("description", "en")]
        assert all(len(t) <= 120 for (f, _), t in tg.profile_texts.items() if f.startswith("short"))
    finally:
        await stop_bot(application)
