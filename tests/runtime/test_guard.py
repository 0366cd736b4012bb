"""Per-user limits: a flood from one account is cut off without slowing others; invite codes
cannot be guessed by trying many."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from locales import translator
from models.db import Database
from models.settings import Settings
from models.users import Role, get_user
from tests.conftest import start_bot, stop_bot
from tests.support.e2e import invite, register
from tests.support.tgserver import TelegramTestServer


async def test_one_flooding_user_is_cut_off_and_others_are_served(
    tg: TelegramTestServer, settings: Settings, db: Database
) -> None:
    application = await start_bot(tg, replace(settings, user_updates_per_minute=10), db)
    try:
        flooder = await register(tg, db, 1101, Role.TRAINEE, "fr")
        for _ in range(20):
            await flooder.send("/help")
        warning = translator("fr").pgettext(
            "guard", "Too many messages at once. Please wait a minute."
        )
        await flooder.wait_for(lambda m: warning in m.plain)
        answered = [m for m in flooder.all_bot_messages if warning not in m.plain]
        # Registration used 2 updates; at most 10 per minute get an answer.
        assert len(answered) <= 10
        assert sum(warning in m.plain for m in flooder.all_bot_messages) == 1
        other = tg.add_user(user_id=1102, first_name="O", language_code="fr")
        await other.send("/start")
        assert "invitation" in (await other.next_message()).plain
    finally:
        await stop_bot(application)


async def test_invite_guessing_is_stopped_even_for_a_valid_code(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    guesser = tg.add_user(user_id=1103, first_name="G", language_code="fr")
    for n in range(5):
        await guesser.send(f"/start guess{n}")
        assert "pas valable" in (await guesser.next_message()).plain
    code = await invite(db, Role.TRAINEE)
    await guesser.send(f"/start {code}")
    refused = await guesser.next_message()
    assert "Trop" in refused.plain or "Too many" in refused.plain
    async with db.read() as s:
        assert await get_user(s, 1103) is None
