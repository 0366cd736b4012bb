"""A single-use invite opened by many people at the same moment registers exactly one of them.

The bot handles different people's updates side by side (conversations/runtime/ordering.py), so on
PostgreSQL their redemptions really overlap; SQLite serialises writers and must agree.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from models import users
from models.db import Database
from models.errors import DomainError
from models.users import Invite, Role, User
from tests.support.e2e import invite
from tests.support.tgserver import TelegramTestServer

PEOPLE = 12

# Not registered yet, so they are answered in Kirundi, French and English, whatever their phone's
# language is.
INVITE_USED = (
    "Ubu butumire bwamaze gukoreshwa. Saba umuhuzabikorwa wawe ubundi bushasha.\n\n"
    "Cette invitation a déjà été utilisée. Demandez-en une nouvelle à votre coordinateur.\n\n"
    "This invitation has already been used. Ask your coordinator for a new one."
)


async def _registered(db: Database) -> tuple[list[int], tuple[int, int]]:
    """Telegram ids of the accounts, and the invite's (uses_left, used_count)."""
    async with db.read() as s:
        accounts = list(await s.scalars(select(User.telegram_id)))
        stored = (await s.scalars(select(Invite))).one()
        return accounts, (stored.uses_left, stored.used_count)


async def test_twelve_people_opening_one_single_use_link_at_once_register_one(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    code = await invite(db, Role.TRAINEE, uses=1)
    people = [
        tg.add_user(user_id=700 + n, first_name=f"P{n}", language_code=("rn", "fr", "en")[n % 3])
        for n in range(PEOPLE)
    ]
    # All at once: the bot fetches them together and handles them side by side.
    await asyncio.gather(*(person.send(f"/start {code}") for person in people))
    answers = await asyncio.gather(*(person.next_message() for person in people))

    accounts, counters = await _registered(db)
    assert len(accounts) == 1, f"{len(accounts)} of {PEOPLE} people registered"
    assert counters == (0, 1)
    for person, answer in zip(people, answers, strict=True):
        if person.id in accounts:
            assert answer.labels == ["Ikirundi", "Français", "English"], answer
        else:
            assert answer.plain == INVITE_USED


async def test_concurrent_redemptions_of_a_single_use_invite_let_exactly_one_through(
    db: Database,
) -> None:
    async with db.write() as s:
        code, _ = await users.create_invite(s, role=Role.TRAINEE, uses=1)

    # Everyone holds a connection before anyone reads the invite, so that all of them read it
    # before the first one commits. SQLite lets one writer in at a time: nobody waits there.
    ready = asyncio.Barrier(1 if db.is_sqlite else PEOPLE)

    async def redeem(telegram_id: int) -> User:
        async with db.write() as s:
            await s.connection()
            await ready.wait()
            return await users.redeem_invite(
                s, telegram_id=telegram_id, code=code, default_language="rn"
            )

    results = await asyncio.gather(
        *(redeem(800 + n) for n in range(PEOPLE)), return_exceptions=True
    )

    winners = [r.telegram_id for r in results if isinstance(r, User)]
    refusals = [r for r in results if not isinstance(r, User)]
    assert len(winners) == 1, f"{len(winners)} of {PEOPLE} redemptions succeeded"
    assert all(isinstance(r, DomainError) for r in refusals), refusals
    codes = [r.code for r in refusals if isinstance(r, DomainError)]
    assert codes == ["invite_used"] * (PEOPLE - 1)
    accounts, counters = await _registered(db)
    assert accounts == winners
    assert counters == (0, 1)
