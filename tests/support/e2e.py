"""Helpers for end-to-end tests: inviting and registering people, waiting for conditions."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from models import users
from models.db import Database
from models.users import Role
from tests.support import factories
from tests.support.tgserver import TelegramTestServer

LANGUAGE_BUTTON = {"rn": "Ikirundi", "fr": "Français", "en": "English"}


async def eventually(condition: Callable[[], object], within: float = 5.0) -> None:
    """Waits until `condition()` is true (for effects that send no message, like menus)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met within the timeout")
        await asyncio.sleep(0.02)


async def invite(db: Database, role: Role, **kw: Any) -> str:
    async with db.write() as s:
        if role == Role.FACILITATOR and "group_id" not in kw:
            kw["group_id"] = (await factories.group(s)).id
        if role == Role.COORDINATOR and "area_id" not in kw:
            kw["area_id"] = (await factories.area_path(s, "Gitega/Giheta")).id
        code, _ = await users.create_invite(s, role=role, **kw)
    return code


async def register(
    tg: TelegramTestServer, db: Database, user_id: int, role: Role, lang: str, **kw: Any
) -> Any:
    """A person opens an invite link and picks a language; returns the test user."""
    person = tg.add_user(user_id=user_id, first_name="Test", language_code="fr")
    code = await invite(db, role, **kw)
    await person.send(f"/start {code}")
    picker = await person.next_message()
    assert picker.labels == ["Ikirundi", "Français", "English"], picker
    await person.tap(picker, LANGUAGE_BUTTON[lang])
    await person.next_message()
    return person


async def join(tg: TelegramTestServer, user_id: int, code: str, lang: str) -> Any:
    """A person opens an invite link they were given (its code) and picks a language."""
    person = tg.add_user(user_id=user_id, first_name="Test", language_code="fr")
    await person.send(f"/start {code}")
    picker = await person.next_message()
    assert picker.labels == ["Ikirundi", "Français", "English"], picker
    await person.tap(picker, LANGUAGE_BUTTON[lang])
    await person.next_message()
    return person


async def flush_outbox(application: Any, db: Database, rounds: int = 60) -> None:
    """Runs the outbox worker until nothing is pending; the clock moves only past backoffs."""
    from sqlalchemy import func, select

    from models.clock import clock
    from models.outbox import OutboxMessage, OutboxStatus

    worker = application.bot_data["services"].extra["outbox"]
    loop = asyncio.get_running_loop()
    # Rows the bot's own outbox job holds are left to it: on a loaded machine that takes a while.
    deadline = loop.time() + 20
    moves = 0
    while moves < rounds and loop.time() < deadline:
        await worker.run_once(application.bot)
        async with db.read() as s:
            waiting = await s.scalar(
                select(func.min(OutboxMessage.next_attempt_at)).where(
                    OutboxMessage.status == OutboxStatus.PENDING.value
                )
            )
        if waiting is None:
            return
        if waiting > clock.now():
            clock.set(waiting)
            moves += 1
        else:
            await asyncio.sleep(0.05)  # the bot's own outbox job is sending right now
    async with db.read() as s:
        rows = list(
            await s.scalars(
                select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING.value)
            )
        )
    raise AssertionError(f"outbox still pending: {[(r.key, r.last_error) for r in rows]}")
