"""/report's choices end to end, in Kirundi and French: the period (this month, last quarter,
two typed dates), a part of the coordinator's area (and nothing outside it, whatever the button
data says), both remembered at the next /report and used by the files; the monthly files on and
off."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from conversations.vocabulary.errors import error_sentences
from locales import translator
from models import meetings, roster
from models.areas import Area
from models.audit import AuditEntry
from models.clock import clock
from models.db import Database
from models.groups import Group
from models.reports import Period, export_tables
from models.roster import active_participants
from models.scope import Scope
from models.users import Role, get_user
from tests.exports.reading import book, sheet_titles, values
from tests.flows.test_coordinator import TABLES, read_back, shown
from tests.support import factories
from tests.support.e2e import register
from tests.support.tgserver import TelegramTestServer

LANGS = ["rn", "fr"]
# Wednesday 25 November 2026, 14:00 in Bujumbura.
WEDNESDAY = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
THIS_MONTH = Period(date(2026, 11, 1), date(2026, 11, 25), "month")
LAST_QUARTER = Period(date(2026, 7, 1), date(2026, 9, 30), "quarter")


def c(lang: str, msgid: str) -> str:
    return translator(lang).pgettext("coordinator", msgid)


def period_line(lang: str, period: Period) -> str:
    tr = translator(lang)
    dates = c(lang, "{start} to {end}").format(start=tr.date(period.start), end=tr.date(period.end))
    return c(lang, "Period: {period}").format(period=dates)


def area_line(lang: str, area: str) -> str:
    return c(lang, "Area: {area}").format(area=area)


def figure_line(lang: str, indicator: str, value: object) -> str:
    """A line of the indicators block, e.g. "Sessions held: 3"."""
    label = translator(lang).pgettext("export", indicator)
    return c(lang, "{label}: {value}").format(label=label, value=value)


def lines(message: Any) -> list[str]:
    return [line.strip() for line in message.plain.split("\n")]


async def hold(db: Database, group_id: int, day: date, absent: set[str]) -> None:
    """A meeting held that day, with its attendance saved."""
    async with db.write() as s:
        group = await s.get(Group, group_id)
        assert group is not None
        codes = {p.code: p.id for p in await active_participants(s, group_id)}
        record = await meetings.record_held(s, group=group, held_on=day, actor_id=None)
        await meetings.save_attendance(
            s,
            group=group,
            record=record,
            absent={codes[code] for code in absent},
            version=record.version,
            roster_version=group.roster_version,
            actor_id=None,
        )


async def programme(db: Database) -> dict[str, Any]:
    """Two communes of Gitega, a group in each, and a group in Ngozi (another province).

    In November: Amahoro (Giheta) met on the 4th and the 11th, Ubumwe (Bugendana) on the 5th.
    """
    async with db.write() as s:
        amahoro = await factories.group(s, "Amahoro", "Gitega/Giheta/Kabuye", weekday=2)
        ubumwe = await factories.group(
            s, "Ubumwe", "Gitega/Bugendana/Mirama", weekday=3, start_date=date(2026, 11, 5)
        )
        ejo = await factories.group(s, "Ejo Heza", "Ngozi/Kiremba/Bururi", weekday=2)
        for group, prefix in ((amahoro, "A"), (ubumwe, "B"), (ejo, "E")):
            codes = ", ".join(f"{prefix}{n}" for n in range(1, 6))
            await roster.add_codes(s, group=group, text=codes, actor_id=None)
        ids = {
            "gitega": (await factories.area_path(s, "Gitega")).id,
            "giheta": (await factories.area_path(s, "Gitega/Giheta")).id,
            "bugendana": (await factories.area_path(s, "Gitega/Bugendana")).id,
            "ngozi": (await factories.area_path(s, "Ngozi")).id,
            "kiremba": (await factories.area_path(s, "Ngozi/Kiremba")).id,
            "amahoro": amahoro.id,
            "ubumwe": ubumwe.id,
            "ejo": ejo.id,
        }
    await hold(db, ids["amahoro"], date(2026, 11, 4), {"A1"})
    await hold(db, ids["amahoro"], date(2026, 11, 11), {"A1", "A2"})
    await hold(db, ids["ubumwe"], date(2026, 11, 5), set())
    await hold(db, ids["ejo"], date(2026, 11, 4), set())
    return ids


async def coordinator_of_gitega(tg: TelegramTestServer, db: Database, lang: str) -> Any:
    clock.set(WEDNESDAY)
    ids = await programme(db)
    person = await register(tg, db, 1201, Role.COORDINATOR, lang, area_id=ids["gitega"])
    return person, ids


async def stored_choice(db: Database) -> tuple[str | None, int | None, bool]:
    async with db.read() as s:
        user = await get_user(s, 1201)
        assert user is not None
        return user.report_period, user.report_area_id, user.monthly_export


@pytest.mark.parametrize("lang", LANGS)
async def test_the_period_is_chosen_typed_and_remembered(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    person, _ = await coordinator_of_gitega(tg, db, lang)
    await person.send("/report")
    report = await person.next_message()
    shown_lines = lines(report)
    # The area and the period first, then the indicators of the whole area for this month.
    assert area_line(lang, "Gitega") in shown_lines
    assert period_line(lang, THIS_MONTH) in shown_lines
    assert figure_line(lang, "Groups active", 2) in shown_lines
    assert figure_line(lang, "Sessions held", 3) in shown_lines
    # Present at least once: A1 missed both of Amahoro's meetings.
    assert figure_line(lang, "Participants", 9) in shown_lines
    assert "Amahoro" in report.plain and "Ubumwe" in report.plain
    assert "Ejo Heza" not in report.plain

    await person.tap(report, c(lang, "Period"))
    periods = await person.next_message()
    assert periods.message_id == report.message_id
    assert periods.labels == [
        c(lang, "This month"),
        c(lang, "Last quarter"),
        c(lang, "Since the start"),
        c(lang, "Type two dates"),
        "‹ " + c(lang, "Report"),
    ]
    await person.tap(periods, c(lang, "Last quarter"))
    quarter = await person.next_message()
    # The same message, edited: the report of July to September.
    assert quarter.message_id == report.message_id and quarter.edited >= 2
    assert period_line(lang, LAST_QUARTER) in lines(quarter)
    assert figure_line(lang, "Sessions held", 0) in lines(quarter)
    assert (await stored_choice(db))[0] == "quarter"

    await person.tap(quarter, c(lang, "Period"))
    await person.next_message()
    await person.tap(quarter, c(lang, "Type two dates"))
    asked = await person.next_message()
    assert asked.message_id != report.message_id
    assert asked.plain == c(
        lang, "Type the first and the last day, for example: 1/10/2026 31/12/2026"
    )
    refused = c(
        lang,
        "Those are not two dates. Type the first and the last day, for example: "
        "1/10/2026 31/12/2026",
    )
    # Nonsense, one date, a day that does not exist: refused, and the step stays.
    for nonsense in ("ejo hazoza", "4/11/2026", "31/02/2026 1/3/2026"):
        await person.send(nonsense)
        answer = await person.next_message()
        assert answer.plain == refused, nonsense
    assert (await stored_choice(db))[0] == "quarter"
    # In either order, day first or ISO.
    await person.send("5.11.2026 2026-11-04")
    typed = await person.next_message()
    assert typed.message_id not in (report.message_id, asked.message_id)
    chosen = Period(date(2026, 11, 4), date(2026, 11, 5))
    assert period_line(lang, chosen) in lines(typed)
    assert figure_line(lang, "Sessions held", 2) in lines(typed)
    assert typed.labels[0] == c(lang, "Attendance chart")
    assert (await stored_choice(db))[0] == "2026-11-04..2026-11-05"
    # The step is over: the next text is not read as dates.
    await person.send("1/10/2026 31/10/2026")
    after = await person.next_message()
    assert period_line(lang, Period(date(2026, 10, 1), date(2026, 10, 31))) not in after.plain
    assert (await stored_choice(db))[0] == "2026-11-04..2026-11-05"

    # Remembered at the next /report, and used by the files.
    await person.send("/report")
    again = await person.next_message()
    assert period_line(lang, chosen) in lines(again)
    await person.tap(again, c(lang, "Export: XLSX"))
    sent = await person.next_message()
    assert sent.document is not None and not sent.protect_content
    tr = translator(lang)
    sheets = read_back(tr, sent.document.data or b"")
    async with db.read() as s:
        user = await get_user(s, 1201)
        assert user is not None
        tables = {t.name: t for t in await export_tables(s, await Scope.of(s, user), chosen)}
    assert {name: sheets[name] for name in TABLES} == {
        name: shown(tr, tables[name]) for name in TABLES
    }
    # The two days typed: Amahoro's first meeting and Ubumwe's, not Amahoro's second.
    held = sorted((r[7].date(), r[4]) for r in sheets["meetings"])
    assert held == [(date(2026, 11, 4), "Amahoro"), (date(2026, 11, 5), "Ubumwe")]


@pytest.mark.parametrize("lang", LANGS)
async def test_a_part_of_the_area_narrows_the_report_and_the_files(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    person, ids = await coordinator_of_gitega(tg, db, lang)
    await person.send("/report")
    report = await person.next_message()
    await person.tap(report, c(lang, "Area"))
    areas = await person.next_message()
    assert areas.message_id == report.message_id
    # The communes of Gitega, nothing of Ngozi.
    assert areas.labels == [
        "Bugendana",
        "›",
        "Giheta",
        "›",
        c(lang, "All of my area"),
        "‹ " + c(lang, "Report"),
    ]

    # Button data forged for an area outside Gitega: refused, nothing changes.
    refusal = error_sentences(translator(lang))["area_scope"]
    edits = areas.edited
    for forged in (f"co:rs:{ids['kiremba']}", f"co:rs:{ids['ngozi']}", f"co:ra:{ids['ngozi']}"):
        await person.tap_data(areas, forged)
        answer = await person.wait_for_callback_answer()
        assert answer.show_alert and answer.text == refusal, forged
    assert person.pending_events == 0 and areas.edited == edits
    assert areas.labels[0] == "Bugendana"
    assert (await stored_choice(db))[1] is None

    await person.tap(areas, "Giheta")
    narrowed = await person.next_message()
    assert narrowed.message_id == report.message_id
    assert area_line(lang, "Gitega / Giheta") in lines(narrowed)
    assert figure_line(lang, "Groups active", 1) in lines(narrowed)
    assert figure_line(lang, "Sessions held", 2) in lines(narrowed)
    assert figure_line(lang, "Participants", 4) in lines(narrowed)
    assert "Amahoro" in narrowed.plain and "Ubumwe" not in narrowed.plain
    assert (await stored_choice(db))[1] == ids["giheta"]

    # The files cover Giheta only, and can be saved.
    tr = translator(lang)
    await person.tap(narrowed, c(lang, "Export: XLSX"))
    sent = await person.next_message()
    assert sent.kind == "document" and not sent.protect_content and sent.document is not None
    sheets = read_back(tr, sent.document.data or b"")
    async with db.read() as s:
        user = await get_user(s, 1201)
        giheta = await s.get(Area, ids["giheta"])
        assert user is not None and giheta is not None
        scope = (await Scope.of(s, user)).narrowed(giheta.path)
        tables = {t.name: t for t in await export_tables(s, scope, THIS_MONTH)}
    assert {name: sheets[name] for name in TABLES} == {
        name: shown(tr, tables[name]) for name in TABLES
    }
    groups = {row[4] for rows in sheets.values() for row in rows}
    assert groups == {"Amahoro"}
    assert {row[1] for row in sheets["meetings"]} == {"Giheta"}
    about_sheet = book(sent.document.data or b"")[sheet_titles(tr, [])[-1]]
    about = {row[0]: row[1] for row in values(about_sheet)[1:]}
    assert about[tr.pgettext("export", "Area")] == "Gitega / Giheta"

    await person.tap(narrowed, c(lang, "Export: CSV"))
    files = [await person.next_message() for _ in range(len(TABLES) + 1)]
    assert all(f.kind == "document" and not f.protect_content for f in files)
    contents = [(f.document.data or b"").decode("utf-8-sig") for f in files if f.document]
    assert len(contents) == len(TABLES) + 1
    assert all("Ubumwe" not in text and "Ejo Heza" not in text for text in contents)
    meetings_rows = list(csv.reader(io.StringIO(contents[1]), delimiter=";"))[1:]
    assert [row[4] for row in meetings_rows] == ["Amahoro", "Amahoro"]

    # Remembered at the next /report; "All of my area" gives it all back.
    await person.send("/report")
    again = await person.next_message()
    assert area_line(lang, "Gitega / Giheta") in lines(again)
    assert "Ubumwe" not in again.plain
    await person.tap(again, c(lang, "Area"))
    await person.next_message()
    await person.tap(again, c(lang, "All of my area"))
    whole = await person.next_message()
    assert area_line(lang, "Gitega") in lines(whole) and "Ubumwe" in whole.plain
    assert (await stored_choice(db))[1] is None
    async with db.read() as s:
        exported = list(
            await s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("export.%")))
        )
    assert sorted(exported) == ["export.csv", "export.xlsx"]


@pytest.mark.parametrize("lang", LANGS)
async def test_a_part_without_groups_still_offers_the_choices(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    """A commune whose groups have not started: the report says so, and the area can be
    changed back (the choice is remembered, so /report must not be a dead end)."""
    person, _ = await coordinator_of_gitega(tg, db, lang)
    async with db.write() as s:
        await factories.area_path(s, "Gitega/Makebuko")
    await person.send("/report")
    report = await person.next_message()
    await person.tap(report, c(lang, "Area"))
    await person.next_message()
    await person.tap(report, "Makebuko")
    empty = await person.next_message()
    assert c(lang, "There is no group in your area yet.") in empty.plain
    assert empty.labels == [c(lang, "Area")]
    await person.send("/report")
    again = await person.next_message()
    assert c(lang, "There is no group in your area yet.") in again.plain
    await person.tap(again, c(lang, "Area"))
    communes = await person.next_message()
    assert communes.labels[::2][:3] == ["Bugendana", "Giheta", "Makebuko"]
    # › opens the collines of Giheta; "All of my area" there is still all of Gitega.
    (giheta,) = [row for row in communes.buttons if row[0][0] == "Giheta"]
    await person.tap_data(communes, giheta[1][1] or "")
    collines = await person.next_message()
    assert collines.labels == [
        "Kabuye",
        "›",
        c(lang, "All of my area"),
        "‹ " + c(lang, "Report"),
    ]
    await person.tap(collines, c(lang, "All of my area"))
    whole = await person.next_message()
    assert area_line(lang, "Gitega") in lines(whole)
    assert "Amahoro" in whole.plain and "Ubumwe" in whole.plain
    assert (await stored_choice(db))[1] is None


@pytest.mark.parametrize("lang", LANGS)
async def test_the_monthly_files_are_turned_on_and_off(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    person, _ = await coordinator_of_gitega(tg, db, lang)
    await person.send("/report")
    report = await person.next_message()
    assert report.labels[-1] == c(lang, "Monthly files: off")

    await person.tap(report, c(lang, "Monthly files: off"))
    answer = await person.wait_for_callback_answer()
    assert answer.text == c(
        lang, "The indicators of your area will come as a file on the 1st of each month."
    )
    on = await person.next_message()
    assert on.message_id == report.message_id
    assert on.labels[-1] == c(lang, "Monthly files: on")
    assert (await stored_choice(db))[2] is True

    await person.tap(on, c(lang, "Monthly files: on"))
    answer = await person.wait_for_callback_answer()
    assert answer.text == c(lang, "No more monthly files.")
    off = await person.next_message()
    assert off.labels[-1] == c(lang, "Monthly files: off")
    assert (await stored_choice(db))[2] is False


@pytest.mark.parametrize("lang", LANGS)
async def test_this_month_is_the_month_in_bujumbura(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    """At 00:30 on 1 December in Bujumbura (still 30 November in UTC), this month is December."""
    person, _ = await coordinator_of_gitega(tg, db, lang)
    clock.set(datetime(2026, 11, 30, 22, 30, tzinfo=UTC))
    await person.send("/report")
    report = await person.next_message()
    december = Period(date(2026, 12, 1), date(2026, 12, 1), "month")
    assert period_line(lang, december) in lines(report)
    assert figure_line(lang, "Sessions held", 0) in lines(report)
