"""Coordinators end to end: escalation on time, every alert delivered through faults and a
blocked coordinator, nothing visible or actionable outside one's area, the lists, the report with
its chart and exports, and the Monday digest."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

import exports.xlsx
from conversations.coordinator import report as coordinator_report
from locales import Translator, translator
from models import meetings, roster
from models.agreements import Agreement, AgreementEvent, Status
from models.audit import AuditEntry
from models.clock import clock
from models.db import Database
from models.groups import Group
from models.meetings import local_today
from models.outbox import OutboxMessage, OutboxStatus
from models.reports import Period, Table, export_tables
from models.roster import active_participants
from models.scope import Scope
from models.settings import Settings
from models.sweep import run_sweep
from models.users import Role, get_user
from tests.conftest import start_bot, stop_bot
from tests.exports.reading import book, code_labels, sheet_titles, values
from tests.support import factories
from tests.support.e2e import flush_outbox, register
from tests.support.tgserver import TelegramTestServer
from tests.support.tgserver.server import _Fault

# Wednesday 25 November 2026, 14:00 in Bujumbura.
WEDNESDAY = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TODAY = date(2026, 11, 25)
# The tables a coordinator's files hold, in their order (never the long form of attendance).
TABLES = ["meetings", "register", "reflections", "agreements", "checkins"]


def c_error(lang: str, msgid: str) -> str:
    return translator(lang).pgettext("error", msgid)


def c(lang: str, msgid: str) -> str:
    return translator(lang).pgettext("coordinator", msgid)


def shown(tr: Translator, table: Table) -> list[tuple[Any, ...]]:
    """The table's rows as its sheet shows them: coded values as the labels the bot says on
    screen, days as dates (openpyxl reads them back as midnight), times to the second."""
    said = code_labels(tr)
    out = []
    for row in table.rows:
        cells: list[Any] = []
        for column, value in zip(table.columns, row, strict=True):
            if value is None:
                cells.append(None)
            elif column.vocabulary:
                cells.append(said[column.vocabulary][value])
            elif column.kind == "date":
                cells.append(datetime.combine(value, time()))
            elif column.kind == "datetime":
                cells.append(value.replace(microsecond=0))
            else:
                cells.append(value)
        out.append(tuple(cells))
    return out


def read_back(tr: Translator, data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    """Each table's sheet of a coordinator's workbook, rows under the header, by table name;
    times to the second (a spreadsheet keeps milliseconds at most)."""
    wb = book(data)
    assert wb.sheetnames == sheet_titles(tr, TABLES)
    out = {}
    for name in TABLES:
        rows = values(wb[sheet_titles(tr, [name])[1]])[1:]
        out[name] = [
            tuple(v.replace(microsecond=0) if isinstance(v, datetime) else v for v in row)
            for row in rows
        ]
    return out


async def tables_for(db: Database, telegram_id: int, period: Period) -> dict[str, Table]:
    """What the files of the person's whole area must hold for the period."""
    async with db.read() as s:
        user = await get_user(s, telegram_id)
        assert user is not None
        found = await export_tables(s, await Scope.of(s, user), period)
    return {t.name: t for t in found}


async def make_group(db: Database) -> Group:
    async with db.write() as s:
        group = await factories.group(
            s, weekday=2, meet_time=time(9, 0), start_date=date(2026, 11, 4)
        )
        await roster.add_codes(s, group=group, text="A1, A2, A3, A4, A5", actor_id=None)
    return group


async def area_id(db: Database, path: str) -> int:
    async with db.write() as s:
        return (await factories.area_path(s, path)).id


async def new_agreement(db: Database, group: Group, reporter_telegram_id: int) -> int:
    async with db.write() as s:
        stored = await s.get(Group, group.id)
        reporter = await get_user(s, reporter_telegram_id)
        assert stored is not None and reporter is not None
        return int((await factories.agreement(s, group=stored, reporter=reporter)).id)


def alerted(person: Any, candidates: list[int]) -> set[int]:
    """The agreements among `candidates` the person received an alert about (an alert names
    no agreement: its "View details" button carries the one it is about)."""
    first = c("fr", "A group needs your attention")
    seen = [m for m in person.all_bot_messages if m.plain.startswith(first)]
    shown = {data for m in seen for row in m.buttons for _, data in row}
    return {n for n in candidates if any(str(d).endswith(f":{n}") for d in shown)}


async def test_an_unacknowledged_agreement_escalates_on_time(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    clock.set(WEDNESDAY)
    group = await make_group(db)
    await register(tg, db, 950, Role.FACILITATOR, "fr", group_id=group.id)
    first = await register(tg, db, 951, Role.COORDINATOR, "fr")
    second = await register(tg, db, 952, Role.COORDINATOR, "fr")
    admin = await register(tg, db, 954, Role.ADMIN, "fr")
    number = await new_agreement(db, group, 950)
    await flush_outbox(bot, db)
    for coordinator in (first, second):
        await coordinator.wait_for(
            lambda m: m.plain.startswith(c("fr", "A group needs your attention"))
        )
    async with db.read() as s:
        stored_agreement = await s.get(Agreement, number)
        assert stored_agreement is not None
        day = translator("fr").date(stored_agreement.reached_on)
    reminder = c("fr", "Reminder: the agreement of {date} has waited two days for acknowledgement.")
    escalation = c(
        "fr",
        "The agreement of {date} has not been acknowledged for {days} days, although the "
        "coordinators closer to its group were alerted and reminded.",
    ).format(date=day, days=4)

    clock.set(WEDNESDAY + timedelta(hours=47, minutes=59))
    await run_sweep(db)
    await flush_outbox(bot, db)
    assert first.pending_events == second.pending_events == 0
    clock.set(WEDNESDAY + timedelta(hours=48))
    await run_sweep(db)
    await flush_outbox(bot, db)
    for coordinator in (first, second):
        message = await coordinator.next_message()
        assert reminder.format(date=day) in message.plain
    clock.set(WEDNESDAY + timedelta(hours=95, minutes=59))
    await run_sweep(db)
    await flush_outbox(bot, db)
    assert admin.pending_events == 0
    clock.set(WEDNESDAY + timedelta(hours=96))
    await run_sweep(db)
    await flush_outbox(bot, db)
    message = await admin.next_message()
    assert message.plain.split("\n")[0] == c("fr", "A group needs your attention")
    assert escalation in message.plain
    # The admin can act on it: acknowledging ends the matter, nothing more is sent.
    await admin.tap(message, c("fr", "Acknowledge"))
    await admin.next_message()
    clock.set(WEDNESDAY + timedelta(days=6))
    await run_sweep(db)
    await flush_outbox(bot, db)
    assert first.pending_events == second.pending_events == admin.pending_events == 0
    async with db.read() as s:
        stored = await s.get(Agreement, number)
        assert stored is not None and stored.status == Status.ACKNOWLEDGED
        actions = [e.action for e in await s.scalars(select(AgreementEvent))]
    assert actions == ["reported", "escalated", "acknowledged"]


class EveryThirdFaults:
    """Stands in for the test server's fault queue of sendMessage: 3 calls in 10 fail, in turn
    with a 500, a 429, a hang past the client's timeout (then carried out anyway) and a drop."""

    MODES = ("500", "429", "hang", "drop")

    def __init__(self) -> None:
        self.calls = 0
        self.failed = 0

    def __bool__(self) -> bool:
        self.calls += 1
        return self.calls % 10 in (1, 4, 7)

    def popleft(self) -> _Fault:
        mode = self.MODES[self.failed % len(self.MODES)]
        self.failed += 1
        return _Fault(mode, 1, 1.5 if mode == "hang" else None)


@pytest.fixture
async def quick_bot(tg: TelegramTestServer, settings: Settings, db: Database) -> AsyncIterator[Any]:
    """The bot with a one-second read timeout, so hung calls time out quickly."""
    application = await start_bot(tg, settings, db, read_timeout=1)
    yield application
    await stop_bot(application)


async def test_every_alert_is_delivered_through_faults_and_a_blocked_coordinator(
    tg: TelegramTestServer, quick_bot: Any, db: Database
) -> None:
    clock.set(WEDNESDAY)
    group = await make_group(db)
    await register(tg, db, 960, Role.FACILITATOR, "fr", group_id=group.id)
    first = await register(tg, db, 961, Role.COORDINATOR, "fr")
    second = await register(tg, db, 962, Role.COORDINATOR, "fr")
    province = await register(
        tg, db, 963, Role.COORDINATOR, "fr", area_id=await area_id(db, "Gitega")
    )
    # Blocked, and the bot has not seen that yet (its my_chat_member update is not sent): it
    # learns it from the refusals of the alerts.
    second.blocked = True
    tg.expect_refusal("blocked")
    faults = EveryThirdFaults()
    tg._faults["sendmessage"] = faults  # type: ignore[assignment]

    before = [await new_agreement(db, group, 960) for _ in range(4)]
    await flush_outbox(quick_bot, db, rounds=200)
    # The blocked coordinator is now known: the next alerts skip them.
    after = [await new_agreement(db, group, 960) for _ in range(2)]
    await flush_outbox(quick_bot, db, rounds=200)

    assert faults.failed >= 4, "every kind of fault happened"
    everything = before + after
    assert alerted(first, everything) == set(everything)
    assert alerted(second, everything) == set()
    # What the blocked coordinator could not get went one level up.
    assert alerted(province, everything) == set(before)
    async with db.read() as s:
        rows = list(
            await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "agreement.alert"))
        )
        blocked = await get_user(s, 962)
    assert blocked is not None and blocked.unreachable_at is not None
    assert {r.status for r in rows if r.recipient_id != blocked.id} == {OutboxStatus.SENT}
    assert sorted(r.subject for r in rows if r.recipient_id == blocked.id) == sorted(
        f"agreement:{n}" for n in before
    )


async def test_another_area_cannot_see_or_act_even_with_forged_buttons(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    clock.set(WEDNESDAY)
    group = await make_group(db)
    await register(tg, db, 970, Role.FACILITATOR, "fr", group_id=group.id)
    inside = await register(tg, db, 971, Role.COORDINATOR, "fr")
    outsider = await register(
        tg, db, 975, Role.COORDINATOR, "fr", area_id=await area_id(db, "Ngozi")
    )
    number = await new_agreement(db, group, 970)
    await flush_outbox(bot, db)
    alert = await inside.next_message()
    assert outsider.pending_events == 0

    await outsider.send("/pending")
    screen = await outsider.next_message()
    assert c("fr", "No agreement is waiting for you.") in screen.plain
    await outsider.send("/groups")
    assert "Amahoro" not in (await outsider.next_message()).plain
    not_found = translator("fr").pgettext(
        "error", "This record no longer exists or is not yours to see."
    )
    forged = [
        alert.button_data(c("fr", "View details")) or "",
        alert.button_data(c("fr", "Acknowledge")) or "",
        f"co:kd:{number}",
        f"co:d:{number}:1",
        f"ag:f:{number}:m1:h",
    ]
    for data in forged:
        await outsider.tap_data(screen, data)
        answer = await outsider.wait_for_callback_answer()
        assert answer.show_alert and answer.text == not_found, data
    assert outsider.pending_events == 0
    async with db.read() as s:
        stored = await s.get(Agreement, number)
        assert stored is not None and stored.status == Status.REPORTED and stored.version == 1
        views = await s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action.like("agreement.%"), AuditEntry.action != "agreement.report")
        )
    assert views == 0


async def make_meetings(db: Database, group: Group) -> None:
    async with db.write() as s:
        stored = await s.get(Group, group.id)
        assert stored is not None
        codes = {p.code: p.id for p in await active_participants(s, group.id)}
        for day, absent in ((date(2026, 11, 4), {"A1"}), (date(2026, 11, 11), {"A1", "A2"})):
            record = await meetings.record_held(s, group=stored, held_on=day, actor_id=None)
            await meetings.save_attendance(
                s,
                group=stored,
                record=record,
                absent={codes[c] for c in absent},
                version=record.version,
                roster_version=stored.roster_version,
                actor_id=None,
            )


async def test_pending_groups_report_chart_and_exports(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    clock.set(WEDNESDAY)
    group = await make_group(db)
    await make_meetings(db, group)
    await register(tg, db, 980, Role.FACILITATOR, "fr", group_id=group.id)
    person = await register(tg, db, 981, Role.COORDINATOR, "fr")
    number = await new_agreement(db, group, 980)
    await flush_outbox(bot, db)
    await person.next_message()

    await person.send("/pending")
    pending = await person.next_message()
    land = translator("fr").pgettext("agreement", "Land or boundary")
    assert land in pending.plain and "Amahoro" in pending.plain
    assert f"#{number}" not in pending.plain and f"{number} ·" not in pending.plain
    today = translator("fr").date(local_today(group))  # the default date reached
    label = c("fr", "{kind}, {date}, {group}: details")
    await person.tap(pending, label.format(kind=land, date=today, group="Amahoro"))
    details = await person.next_message()
    assert details.protect_content and "A1, A2" in details.plain

    await person.send("/groups")
    groups = await person.next_message()
    assert "Amahoro" in groups.plain and "70%" in groups.plain  # 7 present of 10
    assert c("fr", "Absent twice in a row: {count}").format(count=1) in groups.plain

    await person.send("/report")
    report = await person.next_message()
    assert "▓" in report.plain and "Amahoro" in report.plain
    assert report.labels == [
        c("fr", "Attendance chart"),
        c("fr", "Export: XLSX"),
        c("fr", "Export: CSV"),
        c("fr", "Period"),
        c("fr", "Area"),
        c("fr", "Monthly files: off"),
    ]
    # The files of the whole programme so far: Period -> Since the start (the group's first day).
    await person.tap(report, c("fr", "Period"))
    await person.next_message()
    await person.tap(report, c("fr", "Since the start"))
    report = await person.next_message()
    since = Period(date(2026, 11, 4), TODAY, "all")
    tr = translator("fr")
    assert c("fr", "{start} to {end}").format(start=tr.date(since.start), end=tr.date(TODAY)) in (
        report.plain
    )

    await person.tap(report, c("fr", "Export: XLSX"))
    sent = await person.next_message()
    async with db.read() as s:
        # Recorded before the file was sent.
        exported = await s.scalar(select(func.count()).where(AuditEntry.action == "export.xlsx"))
        user = await get_user(s, 981)
        stored = await s.get(Agreement, number)
    assert exported == 1 and user is not None and stored is not None
    # Files are made to be saved and opened elsewhere: not protected, unlike the details above.
    assert sent.kind == "document" and not sent.protect_content and sent.document is not None
    assert (sent.document.filename or "").endswith(".xlsx")
    sheets = read_back(tr, sent.document.data or b"")
    tables = await tables_for(db, 981, since)
    assert {name: sheets[name] for name in TABLES} == {
        name: shown(tr, tables[name]) for name in TABLES
    }
    # The register by code: weeks 1 and 2, present, absent.
    marks = {r[5]: r[6:8] + r[-2:] for r in sheets["register"]}
    assert marks["A1"] == (0, 0, 0, 2) and marks["A2"] == (1, 0, 1, 1)
    assert marks["A3"] == (1, 1, 2, 0) and len(marks) == 5
    assert [r[:6] for r in sheets["meetings"]] == [
        ("Gitega", "Giheta", "Kabuye", group.id, "Amahoro", week) for week in (1, 2)
    ]
    (agreement,) = sheets["agreements"]
    said = code_labels(tr)
    columns = tables["agreements"].column_names
    assert agreement[columns.index("agreement")] == number
    assert agreement[columns.index("kind")] == said["agreement_kind"][stored.kind]
    assert agreement[columns.index("parties")] == 2
    assert agreement[columns.index("status")] == said["agreement_status"][stored.status]
    assert agreement[columns.index("date_reached")].date() == stored.reached_on

    await person.tap(report, c("fr", "Export: CSV"))
    files = [await person.next_message() for _ in range(6)]
    names = [(f.document.filename or "") if f.document else "" for f in files]
    assert names == [f"{name}_2026-11-04_2026-11-25.csv" for name in ["indicators", *TABLES]], names
    assert all(not f.protect_content for f in files)
    register_file = files[2].document
    assert register_file is not None and register_file.data is not None
    lines = list(csv.reader(io.StringIO(register_file.data.decode("utf-8-sig")), delimiter=";"))
    assert [line[5:8] + line[-2:] for line in lines[1:]] == [
        [r[5], *("" if v is None else str(v) for v in r[6:8] + r[-2:])]
        for r in tables["register"].rows
    ]
    await person.tap(report, c("fr", "Attendance chart"))
    chart = await person.next_message()
    assert chart.document is not None and (chart.document.data or b"").startswith(b"\x89PNG")
    # One group: one picture, titled without "1/1", that can be saved.
    assert chart.kind == "document" and not chart.protect_content
    assert chart.plain == c("fr", "Attendance, last 4 weeks")
    assert (chart.document.filename or "").endswith(".png")
    async with db.read() as s:
        actions = set(
            await s.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == user.id))
        )
    assert {
        "agreement.view",
        "pending.view",
        "groups.view",
        "report.view",
        "export.xlsx",
        "export.csv",
        "report.chart",
    } <= actions


async def test_a_big_export_answers_the_tap_at_once_and_the_file_follows(
    tg: TelegramTestServer, bot: Any, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.set(WEDNESDAY)
    group = await make_group(db)
    await make_meetings(db, group)
    person = await register(tg, db, 982, Role.COORDINATOR, "fr")
    monkeypatch.setattr(coordinator_report, "QUICK_EXPORT_GROUPS", 0)
    await person.send("/report")
    report = await person.next_message()

    await person.tap(report, c("fr", "Export: XLSX"))
    answer = await person.wait_for_callback_answer()
    assert answer.text == c("fr", "Preparing the file: it comes in a moment.")
    sent = await person.next_message()
    assert sent.document is not None and not sent.protect_content
    async with db.read() as s:
        # Recorded before the file was sent.
        exported = await s.scalar(select(func.count()).where(AuditEntry.action == "export.xlsx"))
    assert exported == 1
    # Built in the child process, for the default period: this month in Bujumbura.
    tr = translator("fr")
    sheets = read_back(tr, sent.document.data or b"")
    tables = await tables_for(db, 982, Period(date(2026, 11, 1), TODAY, "month"))
    assert len(tables["register"].rows) == 5
    assert {name: sheets[name] for name in TABLES} == {
        name: shown(tr, tables[name]) for name in TABLES
    }

    await person.tap(report, c("fr", "Export: CSV"))
    files = [await person.next_message() for _ in range(6)]
    assert all(f.document is not None and not f.protect_content for f in files)


async def test_a_big_export_that_fails_says_so_and_is_not_audited(
    tg: TelegramTestServer, bot: Any, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.set(WEDNESDAY)
    await make_group(db)
    person = await register(tg, db, 982, Role.COORDINATOR, "fr")

    async def broken(*_: Any) -> bytes:
        raise RuntimeError("the workbook was not written")

    monkeypatch.setattr(coordinator_report, "QUICK_EXPORT_GROUPS", 0)
    # What report.py calls for a big export (exports.workbook_apart, from exports/xlsx.py).
    monkeypatch.setattr(exports.xlsx, "workbook_apart", broken)
    await person.send("/report")
    report = await person.next_message()
    await person.tap(report, c("fr", "Export: XLSX"))
    failed = await person.next_message()
    assert failed.document is None
    assert failed.plain == c_error("fr", "Sorry, something went wrong. Please try again.")
    async with db.read() as s:
        exported = await s.scalar(select(func.count()).where(AuditEntry.action == "export.xlsx"))
    assert exported == 0


async def test_the_weekly_digest_arrives_on_monday_morning_as_text(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    clock.set(WEDNESDAY)
    group = await make_group(db)
    await make_meetings(db, group)
    person = await register(tg, db, 990, Role.COORDINATOR, "fr")
    # Monday 30 November, 07:00 in Bujumbura.
    clock.set(datetime(2026, 11, 30, 5, 0, tzinfo=UTC))
    await run_sweep(db)
    await flush_outbox(bot, db)
    digest = await person.next_message()
    # A neutral first line (a lock screen shows it), the month so far in the programme's
    # indicators, then the week's figures of the groups.
    tr = translator("fr")
    month = c("fr", "{start} to {end}").format(
        start=tr.date(date(2026, 11, 1)), end=tr.date(date(2026, 11, 30))
    )
    shown_lines = digest.plain.split("\n")
    assert shown_lines[0] == c("fr", "Your weekly summary")
    assert shown_lines[1] == c("fr", "This month so far: {period}").format(period=month)
    assert shown_lines.count(c("fr", "Your weekly summary")) == 1
    assert "Amahoro" in digest.plain and "▓" in digest.plain
    assert digest.labels == [] and digest.kind == "text"
    await run_sweep(db)
    await flush_outbox(bot, db)
    assert person.pending_events == 0
