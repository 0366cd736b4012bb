"""The monthly files: a coordinator who turned them on gets, on the 1st from 07:00 local time, the
previous month's indicators of their area as a workbook through the outbox: aggregates only,
once, with a neutral caption. Those who did not ask get nothing."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from conversations.coordinator.report_screens import period_text
from locales import translator
from models import meetings, roster
from models.clock import clock
from models.db import Database
from models.outbox import OutboxMessage
from models.reports.period import Period
from models.roster import active_participants
from models.sweep import run_sweep
from models.users import Role, User
from tests.support import factories
from tests.support.e2e import flush_outbox, register
from tests.support.tgserver import TelegramTestServer


async def seed(db: Database) -> int:
    clock.set(datetime(2026, 11, 20, 8, tzinfo=UTC))
    async with db.write() as s:
        group = await factories.group(s, name="Amahoro", start_date=date(2026, 11, 4))
        await roster.add_codes(s, group=group, text="A1, A2, A3", actor_id=None)
        codes = [p.id for p in await active_participants(s, group.id)]
        for day in (date(2026, 11, 4), date(2026, 11, 11), date(2026, 11, 18)):
            record = await meetings.record_held(s, group=group, held_on=day, actor_id=None)
            await meetings.save_attendance(
                s,
                group=group,
                record=record,
                absent={codes[0]},
                version=record.version,
                roster_version=group.roster_version,
                actor_id=None,
            )
        return group.id


async def monthly_rows(db: Database) -> int:
    async with db.read() as s:
        found = await s.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "monthly_export")
        )
        return int(found or 0)


@pytest.mark.parametrize("lang", ["rn", "fr"])
async def test_the_monthly_file_comes_on_the_first_with_aggregates_only(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    await seed(db)
    wants = await register(tg, db, 7301, Role.COORDINATOR, lang)
    other = await register(tg, db, 7302, Role.COORDINATOR, lang)
    async with db.write() as s:
        user = await s.scalar(select(User).where(User.telegram_id == wants.id))
        assert user is not None
        user.monthly_export = True

    clock.set(datetime(2026, 12, 1, 4, 59, tzinfo=UTC))  # 06:59 in Bujumbura
    await run_sweep(db)
    assert await monthly_rows(db) == 0
    clock.set(datetime(2026, 12, 1, 5, 0, tzinfo=UTC))  # 07:00
    await run_sweep(db)
    await run_sweep(db)
    assert await monthly_rows(db) == 1  # once, for the one who asked

    await flush_outbox(bot, db)
    sent = await wants.wait_for(lambda m: m.document is not None)
    assert sent.document is not None and sent.document.filename == "figures-2026-11.xlsx"
    assert not sent.protect_content
    tr = translator(lang)
    november = Period(date(2026, 11, 1), date(2026, 11, 30), "month")
    assert sent.plain == tr.pgettext("coordinator", "Figures of your area, {period}").format(
        period=period_text(tr, november)
    )
    book = openpyxl.load_workbook(io.BytesIO(sent.document.data or b""))
    titles = [sheet.title for sheet in book.worksheets]
    # Aggregates only: the indicators, the codes and what the file is; no register, no codes of
    # participants.
    assert len(titles) == 3
    assert titles[0] == tr.pgettext("export", "Indicators")
    text = " ".join(
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )
    assert "A1" not in text and "A2" not in text
    assert all(m.document is None for m in other.messages)
