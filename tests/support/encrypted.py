"""A database holding one of each kind of encrypted field, and the check that all read back:
for key rotation and for restoring a backup."""

from __future__ import annotations

from sqlalchemy import select

from models import roster, service
from models.agreements import Agreement
from models.db import Database
from models.service import UpdateKey
from models.users import Role
from tests.support import factories

SUMMARY = "A1 lets A2 farm the lower field; they meet again in June."
STEP = '{"awaiting": "agreement.summary"}'


async def populate(db: Database) -> None:
    """An agreement summary, a stored reply and a pending step: one of each kind of field."""
    async with db.write() as s:
        group = await factories.group(s)
        await roster.add_codes(s, group=group, text="A1, A2", actor_id=None)
        reporter = await factories.user(s, 31, Role.FACILITATOR, group_id=group.id)
        await factories.agreement(s, group=group, reporter=reporter, summary=SUMMARY)
        await service.mark_processed(s, UpdateKey(9, 31, "d" * 64), [{"text": SUMMARY}])
        await service.save_user_data(s, 31, STEP)


async def reads_everything(db: Database) -> None:
    async with db.read() as s:
        agreement = await s.scalar(select(Agreement))
        assert agreement is not None and agreement.summary == SUMMARY
        assert await service.load_user_data(s) == {31: STEP}
        assert await service.stored_reply(s, UpdateKey(9, 31, "d" * 64)) == [{"text": SUMMARY}]
