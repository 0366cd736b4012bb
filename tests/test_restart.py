"""The bot killed with SIGKILL and started again loses nothing and repeats nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import crypto
from models.db import Database
from models.settings import Settings
from models.users import Invite, Role, User, get_user
from tests.e2e import LANGUAGE_BUTTON, eventually, invite
from tests.process import BotProcess
from tests.tgserver import TelegramTestServer


@pytest.fixture
async def process(
    tg: TelegramTestServer, settings: Settings, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    bot = BotProcess(tg, settings, crypto.generate_key(), tmp_path / "bot.log")
    yield bot
    await bot.stop()


async def test_registration_language_and_menu_survive_a_kill(
    tg: TelegramTestServer, db: Database, process: BotProcess
) -> None:
    await process.start()
    person = tg.add_user(user_id=801, first_name="Aline", language_code="en")
    code = await invite(db, Role.FACILITATOR)
    await person.send(f"/start {code}")
    picker = await person.next_message(timeout=15)
    await person.tap(picker, LANGUAGE_BUTTON["fr"])
    assert "Vous êtes facilitateur." in (await person.next_message(timeout=15)).plain
    await eventually(lambda: person.commands is not None, 15)

    await process.kill()
    await process.start()

    await person.send("/help")
    reply = await person.next_message(timeout=15)
    assert "Vous êtes facilitateur." in reply.plain
    assert person.commands is not None
    assert dict(person.commands)["help"] == "Ce que vous pouvez faire ici"
    assert "newgroup" not in dict(person.commands)


async def test_an_update_redelivered_after_a_kill_changes_nothing_and_is_answered(
    tg: TelegramTestServer, db: Database, process: BotProcess
) -> None:
    await process.start()
    person = tg.add_user(user_id=802, first_name="Jean", language_code="fr")
    code = await invite(db, Role.TRAINEE, uses=1)
    # The bot's next poll (the one that would confirm this update) never returns.
    tg.fail("getUpdates", times=1, mode="hang")
    await person.send(f"/start {code}")
    first = await person.next_message(timeout=15)
    assert first.labels == ["Ikirundi", "Français", "English"]
    await process.kill()
    assert tg.pending_updates, "the update was not confirmed before the kill"

    await process.start()
    again = await person.next_message(timeout=15)
    # The same answer again (not "this invitation has already been used").
    assert again.labels == ["Ikirundi", "Français", "English"]
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(User)) == 1
        used = await s.scalar(select(Invite.used_count))
        assert used == 1
        assert await get_user(s, 802) is not None
