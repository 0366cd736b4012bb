"""Coordinators' figures: per-group summaries and flags within a scope, exports that match the
database, the attendance chart, and the weekly digest queued on Monday morning."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from openpyxl import load_workbook
from sqlalchemy import select

import exports
from exports import ExportMeta
from locales import translator
from models import meetings, roster
from models.clock import clock
from models.db import Database
from models.meetings import MeetingStatus, Reason
from models.outbox import OutboxMessage
from models.reports import group_summaries, report_totals
from models.reports.export import TABLES, export_tables
from models.reports.period import Period
from models.reports.tables import Table
from models.roster import active_participants
from models.scope import Scope
from models.sweep import run_sweep
from models.users import Role, User
from tests.support import factories

# Wednesday 25 November 2026, 14:00 in Bujumbura; Amahoro meets on Wednesdays at 09:00.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ABSENT = {
    date(2026, 11, 4): {"A1", "A2"},
    date(2026, 11, 11): {"A1"},
    date(2026, 11, 18): {"A1", "A3"},
}


async def build(db: Database) -> dict[str, int]:
    clock.set(NOW)
    async with db.write() as s:
        amahoro = await factories.group(s, name="Amahoro", start_date=date(2026, 11, 4))
        ubumwe = await factories.group(
            s, name="Ubumwe", path="Gitega/Giheta/Mirama", start_date=date(2026, 11, 30)
        )
        elsewhere = await factories.group(s, name="Ejo", path="Ngozi/Busiga/Ruhororo")
        await roster.add_codes(s, group=amahoro, text="A1, A2, A3, A4, A5", actor_id=None)
        codes = {p.code: p.id for p in await active_participants(s, amahoro.id)}
        for day, absent in ABSENT.items():
            record = await meetings.record_held(s, group=amahoro, held_on=day, actor_id=None)
            await meetings.save_attendance(
                s,
                group=amahoro,
                record=record,
                absent={codes[c] for c in absent},
                version=record.version,
                roster_version=amahoro.roster_version,
                actor_id=None,
            )
        await meetings.record_not_held(
            s,
            group=amahoro,
            status=MeetingStatus.CANCELLED,
            reason=Reason.WEATHER,
            on=date(2026, 11, 25),
            actor_id=None,
        )
        coordinator = await factories.user(s, 41, Role.COORDINATOR, area="Gitega/Giheta")
        facilitator = await factories.user(s, 42, Role.FACILITATOR, group_id=amahoro.id)
        await factories.user(s, 43, Role.COORDINATOR, area="Ngozi")
        await factories.user(s, 44, Role.COORDINATOR, area="Bururi")
        agreement = await factories.agreement(
            s, group=amahoro, reporter=facilitator, codes=("A2", "A4")
        )
    return {
        "amahoro": amahoro.id,
        "ubumwe": ubumwe.id,
        "elsewhere": elsewhere.id,
        "coordinator": coordinator.id,
        "agreement": agreement.id,
    }


async def scope_for(s: object, telegram_id: int) -> Scope:
    user = await s.scalar(select(User).where(User.telegram_id == telegram_id))  # type: ignore[attr-defined]
    return await Scope.of(s, user)  # type: ignore[arg-type]


async def test_summaries_and_flags_within_the_scope(db: Database) -> None:
    await build(db)
    async with db.read() as s:
        scope = await scope_for(s, 41)
        summaries = await group_summaries(s, scope, clock.now())
        totals = await report_totals(s, scope, summaries)
        other = await group_summaries(s, await scope_for(s, 43), clock.now())
    assert [g.name for g in summaries] == ["Amahoro", "Ubumwe"]
    amahoro, ubumwe = summaries
    assert amahoro.week == 4 and amahoro.held == 3
    assert amahoro.last_held_on == date(2026, 11, 18)
    assert amahoro.attendance is not None and round(amahoro.attendance, 3) == round(10 / 15, 3)
    assert amahoro.recent_attendance == amahoro.attendance
    assert amahoro.open_agreements == 1
    assert amahoro.missed == 1 and not amahoro.unrecorded
    assert amahoro.absence_streaks == 1  # A1 was absent on the 11th and the 18th
    assert not amahoro.prep_pending
    assert ubumwe.prep_pending and ubumwe.attendance is None and ubumwe.open_agreements == 0
    assert totals.groups == 2 and totals.held_recent == 3 and totals.reported == 1
    assert totals.flagged == 2
    assert [g.name for g in other] == ["Ejo"]


async def test_an_unrecorded_meeting_is_flagged_a_day_later(db: Database) -> None:
    ids = await build(db)
    # The meeting of 2 December (a week after the cancelled one) has no record by the 3rd.
    clock.set(datetime(2026, 12, 3, 8, 0, tzinfo=UTC))
    async with db.read() as s:
        summaries = await group_summaries(s, await scope_for(s, 41), clock.now())
    amahoro = next(g for g in summaries if g.id == ids["amahoro"])
    assert amahoro.unrecorded and amahoro.missed == 2


async def test_exports_match_the_database_and_hold_no_free_text(db: Database) -> None:
    ids = await build(db)
    tr = translator("fr")
    november = Period(date(2026, 11, 1), date(2026, 11, 30))
    async with db.read() as s:
        tables = {t.name: t for t in await export_tables(s, await scope_for(s, 41), november)}
        nothing = await export_tables(s, await scope_for(s, 44), november)
    assert all(table.rows == [] for table in nothing)
    meetings_table = tables["meetings"]
    at = meetings_table.column_names.index
    assert [
        (r[at("week")], r[at("status")], r[at("date")], r[at("present")], r[at("absent")])
        for r in meetings_table.rows
    ] == [
        (1, "held", date(2026, 11, 4), 3, 2),
        (2, "held", date(2026, 11, 11), 4, 1),
        (3, "held", date(2026, 11, 18), 3, 2),
        (4, "cancelled", date(2026, 11, 25), None, None),
    ]
    assert {r[:3] for r in meetings_table.rows} == {("Gitega", "Giheta", "Kabuye")}
    # The register: a row per participant, a column per week (Amahoro's weeks 1 to 3 held).
    register_table = tables["register"]
    first_week = register_table.column_names.index("week_1")
    register = {r[register_table.column_names.index("participant")]: r for r in register_table.rows}
    assert sorted(register) == ["A1", "A2", "A3", "A4", "A5"]
    weeks = {day: n for n, day in enumerate(ABSENT)}
    absent = {
        (day, code)
        for code, row in register.items()
        for day, n in weeks.items()
        if row[first_week + n] == 0
    }
    assert absent == {(day, code) for day, codes in ABSENT.items() for code in codes}
    assert all(v is None for row in register.values() for v in row[first_week + 3 : -2])
    assert register["A1"][-2:] == (0, 3) and register["A4"][-2:] == (3, 0)
    (agreement,) = tables["agreements"].rows
    assert agreement[tables["agreements"].column_names.index("agreement")] == ids["agreement"]
    assert agreement[tables["agreements"].column_names.index("parties")] == 2

    meta = ExportMeta("Gitega / Giheta", november, "coordinator", datetime(2026, 11, 25, 14))
    data = exports.workbook(tr, list(tables.values()), [], meta)
    book = load_workbook(io.BytesIO(data), read_only=True)
    # The agreement's summary ("... the lower field ...") and no note reach any sheet.
    cells = " ".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
    assert "field" not in cells and "A2" in cells
    files = exports.csv_files(tr, list(tables.values()), [], meta)
    register_csv = next(data for name, _, data in files if name.startswith("register"))
    table = list(csv.reader(io.StringIO(register_csv.decode("utf-8-sig")), delimiter=";"))
    assert len(table) == 6 and table[1][:3] == ["Gitega", "Giheta", "Kabuye"]


def test_text_in_the_workbook_stays_text() -> None:
    """A group name or reference that looks like a formula or a link is written as text."""
    name = '=HYPERLINK("http://x")'
    meeting = ("Gitega", "Giheta", "Kabuye", 1, name, 1, "held", date(2026, 11, 4), None, 1, 1, 0)
    period = Period(date(2026, 11, 1), date(2026, 11, 30))
    meta = ExportMeta("Gitega", period, "coordinator", datetime(2026, 11, 25, 14))
    table = Table("meetings", TABLES["meetings"], [meeting])
    book = load_workbook(io.BytesIO(exports.workbook(translator("rn"), [table], [], meta)))
    sheet = next(ws for ws in book.worksheets if ws.max_row == 2 and ws["E2"].value == name)
    assert sheet["E2"].data_type == "s"


async def _digests(db: Database) -> list[tuple[int, str]]:
    async with db.read() as s:
        rows = await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "digest"))
        return sorted((r.recipient_id, r.data["week"]) for r in rows)


async def test_one_digest_per_coordinator_on_monday_from_seven(db: Database) -> None:
    ids = await build(db)
    # Monday 30 November 2026, 06:59 in Bujumbura.
    clock.set(datetime(2026, 11, 30, 4, 59, tzinfo=UTC))
    await run_sweep(db)
    assert await _digests(db) == []
    clock.set(datetime(2026, 11, 30, 5, 0, tzinfo=UTC))
    await run_sweep(db)
    clock.advance(timedelta(hours=3))
    await run_sweep(db)
    async with db.read() as s:
        ngozi = await s.scalar(select(User.id).where(User.telegram_id == 43))
    # Bururi has no group: no digest. Tuesday: nothing new.
    assert await _digests(db) == sorted([(ids["coordinator"], "2026-W49"), (ngozi, "2026-W49")])
    clock.set(datetime(2026, 12, 1, 5, 0, tzinfo=UTC))
    await run_sweep(db)
    assert len(await _digests(db)) == 2
    async with db.write() as s:
        blocked = await s.get(User, ngozi)
        assert blocked is not None
        blocked.unreachable_at = clock.now()
    clock.set(datetime(2026, 12, 7, 5, 0, tzinfo=UTC))
    await run_sweep(db)
    assert await _digests(db) == sorted(
        [
            (ids["coordinator"], "2026-W49"),
            (ids["coordinator"], "2026-W50"),
            (ngozi, "2026-W49"),
        ]
    )
