"""Free text older than the retention period is erased; the structured record stays."""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from models import meetings, retention, roster
from models.clock import clock
from models.db import Database
from models.groups import Group
from models.meetings import Reflection, ReflectionDraft
from models.sweep import run_sweep
from tests.support import factories


async def test_old_notes_are_erased_and_figures_kept(db: Database) -> None:
    retention.configure(24)
    clock.set(datetime(2026, 11, 25, 12, tzinfo=UTC))
    async with db.write() as s:
        group = await factories.group(s, weekday=2, meet_time=time(9), start_date=date(2026, 11, 4))
        await roster.add_codes(s, group=group, text="A1,A2,A3", actor_id=None)
        stored = await s.get(Group, group.id)
        assert stored is not None
        record = await meetings.record_held(
            s, group=stored, held_on=date(2026, 11, 25), actor_id=None
        )
        await meetings.save_reflection(
            s,
            record=record,
            draft=ReflectionDraft(phase="safety", climate=3),
            note="old note",
            version=None,
            actor_id=None,
        )
    clock.set(datetime(2028, 11, 1, tzinfo=UTC))  # 23 months later: kept
    await run_sweep(db)
    async with db.read() as s:
        kept = await s.scalar(select(Reflection))
        assert kept is not None and kept.note == "old note"
    clock.set(datetime(2028, 11, 30, tzinfo=UTC))  # past 24 months: erased
    result = await run_sweep(db)
    assert result["retention"] == 1
    async with db.read() as s:
        erased = await s.scalar(select(Reflection))
        assert erased is not None
        assert erased.note is None and (erased.phase, erased.climate) == ("safety", 3)
    clock.advance(timedelta(days=1))
    assert (await run_sweep(db))["retention"] == 0
