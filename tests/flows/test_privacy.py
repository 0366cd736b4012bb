"""Shared phones and requests: /wipe clears the chat, /mydata tells, a code can be forgotten."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, select

from locales import translator
from models import meetings, privacy, roster
from models.clock import clock
from models.db import Database
from models.groups import Group
from models.meetings import Attendance
from models.roster import Participant
from models.users import Role
from tests.support import factories
from tests.support.e2e import eventually, register
from tests.support.tgserver import TelegramTestServer


def pv(msgid: str) -> str:
    return translator("fr").pgettext("privacy", msgid)


async def test_wipe_deletes_recent_messages_both_ways(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    person = await register(tg, db, 1001, Role.TRAINEE, "fr")
    await person.send("/help")
    await person.next_message()
    await person.send("/wipe")
    confirm = await person.next_message()
    await person.tap(confirm, pv("Delete"))
    await eventually(lambda: not person.messages)
    assert all(m.deleted for m in person.user_messages)

    async def ids_left() -> int:
        async with db.read() as s:
            return int(await s.scalar(select(func.count()).select_from(privacy.ChatMessage)) or 0)

    for _ in range(100):  # the ids are forgotten right after the deletions
        if await ids_left() == 0:
            break
        await asyncio.sleep(0.05)
    assert await ids_left() == 0


async def test_wipe_can_be_declined(tg: TelegramTestServer, bot: Any, db: Database) -> None:
    person = await register(tg, db, 1002, Role.TRAINEE, "fr")
    await person.send("/wipe")
    confirm = await person.next_message()
    await person.tap(confirm, pv("Keep"))
    answer = await person.next_message()
    assert pv("Nothing was deleted.") in answer.plain
    assert len(person.messages) >= 2


async def test_mydata_lists_what_is_kept(tg: TelegramTestServer, bot: Any, db: Database) -> None:
    async with db.write() as s:
        group = await factories.group(s, name="Amahoro")
    person = await register(tg, db, 1003, Role.FACILITATOR, "fr", group_id=group.id)
    await person.send("/mydata")
    reply = await person.next_message()
    assert pv("What the bot keeps about you") in reply.plain
    assert (
        "Amahoro" in reply.plain and translator("fr").pgettext("role", "facilitator") in reply.plain
    )


async def test_forgetting_a_code_keeps_the_figures(db: Database) -> None:
    clock.set(datetime(2026, 11, 25, 12, tzinfo=UTC))
    async with db.write() as s:
        group = await factories.group(s, weekday=2, meet_time=time(9), start_date=date(2026, 11, 4))
        await roster.add_codes(s, group=group, text="A1, A2, A3", actor_id=None)
        stored = await s.get(Group, group.id)
        assert stored is not None
        members = await roster.active_participants(s, group.id)
        record = await meetings.record_held(
            s, group=stored, held_on=date(2026, 11, 25), actor_id=None
        )
        await meetings.save_attendance(
            s,
            group=stored,
            record=record,
            absent={members[1].id},
            version=record.version,
            roster_version=stored.roster_version,
            actor_id=None,
        )
        await privacy.forget_participant(s, group_id=group.id, code="a2", actor_id=None)
    async with db.read() as s:
        codes = set(await s.scalars(select(Participant.code)))
        assert "A2" not in codes and len(codes) == 3
        assert await s.scalar(select(func.count()).select_from(Attendance)) == 3
        absent = await s.scalar(
            select(func.count()).select_from(Attendance).where(Attendance.present.is_(False))
        )
        assert absent == 1


async def test_forget_from_the_command_line(settings: Any, db: Database) -> None:
    from tests.cli.test_operator import cli

    async with db.write() as s:
        group = await factories.group(s)
        await roster.add_codes(s, group=group, text="Z9", actor_id=None)
    result = cli(settings, "participant", "forget", "--group", str(group.id), "--code", "Z9")
    assert result.returncode == 0, result.stderr
    missing = cli(settings, "participant", "forget", "--group", str(group.id), "--code", "Z9")
    assert missing.returncode == 1
    async with db.read() as s:
        assert "Z9" not in set(await s.scalars(select(Participant.code)))
