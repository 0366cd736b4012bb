"""The bot killed with SIGKILL and started again loses nothing and repeats nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from locales import translator
from models import crypto
from models.db import Database
from models.settings import Settings
from models.users import Invite, Role, User, get_user
from tests.support.e2e import LANGUAGE_BUTTON, eventually, invite
from tests.support.process import BotProcess
from tests.support.tgserver import TelegramTestServer


@pytest.fixture
async def process(
    tg: TelegramTestServer, settings: Settings, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    key = crypto.generate_key()
    # The test reads what the bot process stored encrypted.
    crypto.configure([key])
    bot = BotProcess(tg, settings, key, tmp_path / "bot.log")
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
    # Updates are confirmed to Telegram once handled: this kill is not a redelivery test.
    await eventually(lambda: not tg.pending_updates, 15)

    await process.kill()
    await process.start()

    await person.send("/help")
    reply = await person.next_message(timeout=15)
    assert "Vous êtes facilitateur." in reply.plain
    assert person.commands is not None
    assert dict(person.commands)["help"] == "Ce que vous pouvez faire ici"
    assert "newgroup" not in dict(person.commands)


async def test_an_update_redelivered_after_a_kill_changes_nothing_and_is_not_answered_twice(
    tg: TelegramTestServer, db: Database, process: BotProcess
) -> None:
    await process.start()
    person = tg.add_user(user_id=802, first_name="Jean", language_code="fr")
    code = await invite(db, Role.TRAINEE, uses=1)
    # The bot's next poll (the one that would confirm this update) never returns.
    tg.fail("getUpdates", times=1, mode="hang")
    polls = len(tg.calls_to("getUpdates"))
    await person.send(f"/start {code}")
    first = await person.next_message(timeout=15)
    await eventually(lambda: len(tg.calls_to("getUpdates")) > polls, 15)  # the poll that hangs
    assert first.labels == ["Ikirundi", "Français", "English"]
    await process.kill()
    assert tg.pending_updates, "the update was not confirmed before the kill"

    await process.start()
    # Handled again and confirmed: its answer reached the person before the kill, so nothing
    # is sent twice (and not "this invitation has already been used").
    await eventually(lambda: not tg.pending_updates, 15)
    await asyncio.sleep(0.5)
    assert [m.message_id for m in person.all_bot_messages] == [first.message_id]
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(User)) == 1
        used = await s.scalar(select(Invite.used_count))
        assert used == 1
        assert await get_user(s, 802) is not None


async def test_a_pending_text_step_survives_a_kill(
    tg: TelegramTestServer, db: Database, process: BotProcess
) -> None:
    """The bot was waiting for a typed date; killed and restarted, it still is."""
    from datetime import date, time

    from models.meetings import MeetingRecord
    from models.service import load_user_data
    from tests.support import factories

    async with db.write() as s:
        group = await factories.group(s, weekday=2, meet_time=time(9), start_date=date(2026, 11, 4))
    await process.start()
    person = tg.add_user(user_id=803, first_name="F", language_code="fr")
    code = await invite(db, Role.FACILITATOR, group_id=group.id)
    await person.send(f"/start {code}")
    await person.tap(await person.next_message(timeout=15), LANGUAGE_BUTTON["fr"])
    await person.next_message(timeout=15)
    await person.send("/session")
    panel = await person.next_message(timeout=15)
    await person.tap(panel, translator("fr").pgettext("meeting", "Held on another day"))
    await person.next_message(timeout=15)

    async def flushed() -> bool:
        async with db.read() as s:
            return "session.date" in (await load_user_data(s)).get(803, "")

    for _ in range(100):  # the persistence flushes within a second
        if await flushed():
            break
        await asyncio.sleep(0.05)
    assert await flushed()
    # Updates are confirmed to Telegram once handled: this kill is not a redelivery test.
    await eventually(lambda: not tg.pending_updates, 15)
    await process.kill()
    await process.start()
    await person.send("18/11/2026")
    await person.next_message(timeout=15)
    async with db.read() as s:
        record = await s.scalar(select(MeetingRecord))
        assert record is not None and record.held_on == date(2026, 11, 18)
