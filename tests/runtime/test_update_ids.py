"""Update ids are not unique forever: a stored reply answers only the update it was given to.

Telegram numbers updates again from the start for a new bot token on the same database, and
picks the next id at random after a week without updates; the bot keeps the replies of handled
updates for seven days, to answer a redelivery. An update that reuses an id of another
person's handled update must be handled as the new update it is.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from locales import translator
from models import users
from models.db import Database
from models.service import ProcessedUpdate
from models.settings import Settings
from models.users import Role
from tests.conftest import start_bot, stop_bot
from tests.support.e2e import LANGUAGE_BUTTON, invite, register
from tests.support.tgserver import TelegramTestServer


@pytest.mark.parametrize(("facilitator_lang", "admin_lang"), [("rn", "fr"), ("fr", "rn")])
async def test_a_reused_update_id_gets_its_own_answer_not_another_persons(
    tg: TelegramTestServer,
    settings: Settings,
    db: Database,
    facilitator_lang: str,
    admin_lang: str,
) -> None:
    application = await start_bot(tg, settings, db)
    try:
        # Updates 1 and 2: a facilitator opens an invite and picks a language (both stored).
        await register(tg, db, 701, Role.FACILITATOR, facilitator_lang)
        code = await invite(db, Role.ADMIN)
        async with db.write() as s:
            admin_user = await users.redeem_invite(
                s, telegram_id=702, code=code, default_language="en"
            )
            await users.set_language(s, admin_user, "en")
    finally:
        await stop_bot(application)
    async with db.read() as s:
        assert sorted(await s.scalars(select(ProcessedUpdate.update_id))) == [1, 2]

    # A new token on the same database: Telegram counts from 1 again.
    tg.restart_update_ids(1)
    application = await start_bot(tg, settings, db)
    try:
        calls_before = len(tg.calls)
        admin = tg.add_user(user_id=702, first_name="Admin", language_code="en")
        await admin.send("/language")  # update 1, which only reads
        picker = await admin.next_message()
        await admin.tap(picker, LANGUAGE_BUTTON[admin_lang])  # update 2, like the welcome's
        answer = await admin.next_message()
    finally:
        await stop_bot(application)

    tr = translator(admin_lang)
    assert answer.message_id == picker.message_id
    assert answer.plain.startswith(tr.pgettext("language", "Language saved."))
    assert "/audit" in answer.plain, "the admin's own help, not the facilitator's welcome"
    to_facilitator = [c for c in tg.calls[calls_before:] if str(c[1].get("chat_id")) == "701"]
    assert to_facilitator == [], "nothing reached the facilitator's chat"
    async with db.read() as s:
        stored = await users.get_user(s, 702)
        assert stored is not None and stored.language == admin_lang, "the tap was handled"
        rows = list(await s.scalars(select(ProcessedUpdate).order_by(ProcessedUpdate.id)))
    assert [(r.update_id, r.chat_id) for r in rows] == [(1, 701), (2, 701), (2, 702)]
