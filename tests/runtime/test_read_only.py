"""A handler declared read-only that writes fails loudly: its session refuses every write."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import update
from telegram.ext import CommandHandler

from locales import translator
from models import users
from models.audit import AuditEntry
from models.clock import clock
from models.db import Database, ReadOnlyWrite
from models.users import Role, User
from tests.support.e2e import register
from tests.support.tgserver import TelegramTestServer


async def test_a_read_session_refuses_new_rows_and_write_statements(db: Database) -> None:
    with pytest.raises(ReadOnlyWrite, match="rows changed in a read-only session: AuditEntry"):
        async with db.read() as s:
            s.add(AuditEntry(at=clock.now(), actor_id=None, action="x"))
    with pytest.raises(ReadOnlyWrite, match="a write in a read-only session: Update"):
        async with db.read() as s:
            await s.execute(update(User).values(language="fr"))


async def test_a_read_only_handler_that_writes_fails_and_changes_nothing(
    tg: TelegramTestServer, bot: Any, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    from conversations.runtime.reply import Reply
    from conversations.runtime.request import Request
    from conversations.runtime.unit_of_work import handler

    @handler()  # declared read-only, yet it changes the person's language
    async def careless(request: Request) -> Reply:
        await users.set_language(request.session, request.me, "en")
        return Reply("done")

    # Ahead of the flows and of the answer to unknown commands.
    bot.add_handler(CommandHandler("careless", careless), group=-3)
    person = await register(tg, db, 5101, Role.FACILITATOR, "fr")
    with caplog.at_level(logging.ERROR):
        await person.send("/careless")
        answer = await person.next_message()
    assert answer.plain == translator("fr").pgettext(
        "error", "Sorry, something went wrong. Please try again."
    )
    assert any("ReadOnlyWrite" in r.getMessage() for r in caplog.records)
    async with db.read() as s:
        stored = await users.get_user(s, 5101)
    assert stored is not None and stored.language == "fr"
