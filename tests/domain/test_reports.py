"""Coordinators' figures: per-group summaries and flags within a scope, exports that match the
database, the attendance chart, and the weekly digest queued on Monday morning."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from exports import writers as exports
from locales import translator
from models import meetings, roster
from models.clock import clock
from models.db import Database
from models.groups import WEEKS
from models.meetings import MeetingStatus, Reason
from models.outbox import OutboxMessage
from models.reports import (
    AGREEMENT_COLUMNS,
    ATTENDANCE_COLUMNS,
    MEETING_COLUMNS,
    Export,
    export_rows,
    group_summaries,
    report_totals,
)
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
    async with db.read() as s:
        rows = await export_rows(s, await scope_for(s, 41))
        nothing = await export_rows(s, await scope_for(s, 44))
    assert nothing.meetings == nothing.attendance == nothing.agreements == []
    assert [(r[2], r[3], r[4], r[7], r[8]) for r in rows.meetings] == [
        (1, "held", date(2026, 11, 4), 3, 2),
        (2, "held", date(2026, 11, 11), 4, 1),
        (3, "held", date(2026, 11, 18), 3, 2),
        (4, "cancelled", date(2026, 11, 25), None, None),
    ]
    # The register: a row per participant, a column per week (Amahoro's weeks 1 to 3 held).
    register = {r[2]: r for r in rows.attendance}
    assert sorted(register) == ["A1", "A2", "A3", "A4", "A5"]
    weeks = {day: n for n, day in enumerate(ABSENT, start=1)}
    absent = {
        (day, code) for code, row in register.items() for day, n in weeks.items() if row[2 + n] == 0
    }
    assert absent == {(day, code) for day, codes in ABSENT.items() for code in codes}
    assert all(v is None for row in register.values() for v in row[6 : 3 + WEEKS])
    assert register["A1"][-2:] == (0, 3) and register["A4"][-2:] == (3, 0)
    assert len(rows.attendance[0]) == len(ATTENDANCE_COLUMNS)
    (agreement,) = rows.agreements
    assert agreement[0] == ids["agreement"] and agreement[4] == "A2 A4"
    assert "field" not in " ".join(str(v) for v in agreement)

    book = load_workbook(io.BytesIO(exports.workbook(tr, rows)), read_only=True)
    assert book.sheetnames == [
        tr.pgettext("export", n) for n in ("Sessions", "Attendance", "Agreements")
    ]
    sheets = [list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets]
    assert list(sheets[0][0]) == exports.headers(tr, MEETING_COLUMNS)
    assert [r[4].date() for r in sheets[0][1:]] == [r[4] for r in rows.meetings]
    assert [tuple(r) for r in sheets[1][1:]] == rows.attendance
    assert sheets[1][0][3] == tr.pgettext("export", "Week {number}").format(number=1)
    assert sheets[2][1][0] == ids["agreement"] and len(sheets[2][0]) == len(AGREEMENT_COLUMNS)

    files = exports.csv_files(tr, rows)
    assert [name for name, _, _ in files] == ["sessions", "attendance", "agreements"]
    table = list(csv.reader(io.StringIO(files[1][2].decode("utf-8-sig"))))
    assert table[0] == exports.headers(tr, ATTENDANCE_COLUMNS) and len(table) == 6
    assert table[1][:6] == [str(ids["amahoro"]), "Amahoro", "A1", "0", "0", "0"]


def test_text_in_the_workbook_stays_text() -> None:
    """A group name or reference that looks like a formula or a link is written as text."""
    meeting = (1, '=HYPERLINK("http://x")', 1, "held", date(2026, 11, 4), "", 1, 1, 0)
    rows = Export([meeting], [], [])
    book = load_workbook(io.BytesIO(exports.workbook(translator("rn"), rows)))
    cell = book.worksheets[0]["B2"]
    assert cell.value == meeting[1] and cell.data_type == "s"


def test_the_chart_is_a_small_png() -> None:
    from PIL import Image

    png = exports.attendance_chart(
        [("Amahoro", 0.67), ("Ubumwe", None), ("Ejo ya kera n'ubu n'ejo hazoza", 1.0)],
        title="Présence, 4 dernières semaines",
        no_data="pas de données",
    )
    assert png.startswith(b"\x89PNG") and len(png) < 20_000
    image = Image.open(io.BytesIO(png))
    assert image.size[0] == exports.WIDTH and image.size[1] > 3 * exports.ROW


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
