"""The programme's workbook read back with openpyxl, as an M&E officer opens it: one sheet per
table under translated headers, coded values as labels, dates as dates with a date format, a bold
header row frozen and filtered, widths fitted, week headers right, "<5" for suppressed figures."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

import pytest
from openpyxl.utils import get_column_letter

from exports import workbook, workbook_apart
from exports.spreadsheet import ROOT
from locales import Translator, translator
from tests.exports import samples
from tests.exports.reading import book, code_labels, sheet_titles, values, width

LANGS = ["rn", "fr"]
NAMES = ["meetings", "register", "reflections", "agreements", "checkins", "attendance"]


def written(tr: Translator, *, identifying: bool = True) -> bytes:
    return workbook(tr, samples.tables(identifying=identifying), samples.figures(), samples.meta())


def expected_headers(tr: Translator) -> dict[str, str]:
    """Headers a person reads over some columns, each said independently of the writers."""

    def say(msgid: str) -> str:
        return tr.pgettext("export", msgid)

    elder = tr.pgettext("agreement", "Elder (mushingantahe)")
    return {
        "province": say("Province"),
        "commune": say("Commune"),
        "colline": say("Colline"),
        "group_id": say("Group no."),
        "group": say("Group"),
        "status": say("Status"),
        "date": say("Date"),
        "reason": say("Reason not held"),
        "participant": say("Participant code"),
        "phase": say("Phase"),
        "climate": say("Climate (1-5)"),
        "follow_ups": say("Follow-ups"),
        "referral": say("Referral"),
        "kind": say("About"),
        "reported_at": say("Reported"),
        "days_to_acknowledge": say("Days to acknowledge"),
        "days_to_document": say("Days to document"),
        "follow_up_m3": say("After three months"),
        "answer": say("Answer"),
        "sex": tr.pgettext("roster", "Gender"),
        "origin": tr.pgettext("roster", "Returnee or resident"),
        "week_10": say("Week {number}").format(number=10),
        "topic_land": say("Topic: {topic}").format(
            topic=tr.pgettext("meeting", "Land and other disputes")
        ),
        "outside_elder": say("Outside party: {role}").format(role=elder),
        "witness_elder": say("Witness: {role}").format(role=elder),
    }


@pytest.mark.parametrize("lang", LANGS)
def test_every_cell_is_written_as_a_person_reads_it(lang: str) -> None:
    """Every table's sheet: every column under its header, labels for codes, dates as dates."""
    tr = translator(lang)
    wb = book(written(tr))
    assert wb.sheetnames == sheet_titles(tr, NAMES)
    labels = code_labels(tr)
    said = expected_headers(tr)
    for table in samples.tables():
        rows = values(wb[sheet_titles(tr, [table.name])[1]])
        headers = list(rows[0])
        assert len(headers) == len(table.columns) and len(set(headers)) == len(headers)
        for column, header in zip(table.columns, headers, strict=True):
            assert header and header != column.name
            assert header == said.get(column.name, header), (table.name, column.name)
        assert len(rows) == len(table.rows) + 1
        for stored, shown in zip(table.rows, rows[1:], strict=True):
            for column, value, cell in zip(table.columns, stored, shown, strict=True):
                if value is None:
                    assert cell is None
                elif column.vocabulary:
                    assert cell == labels[column.vocabulary][value]
                elif column.kind == "date":
                    assert isinstance(cell, datetime) and cell.date() == value
                else:
                    assert cell == value, (table.name, column.name)


@pytest.mark.parametrize("lang", LANGS)
def test_dates_and_times_carry_a_number_format(lang: str) -> None:
    wb = book(written(translator(lang)))
    for table in samples.tables():
        sheet = wb[sheet_titles(translator(lang), [table.name])[1]]
        for col, column in enumerate(table.columns, start=1):
            if column.kind not in ("date", "datetime"):
                continue
            cells = [sheet.cell(row, col) for row in range(2, sheet.max_row + 1)]
            filled = [c for c in cells if c.value is not None]
            assert filled, column.name
            want = "yyyy-mm-dd hh:mm" if column.kind == "datetime" else "yyyy-mm-dd"
            assert all(c.is_date and c.number_format == want for c in filled), column.name
    about = {r[0]: r[1] for r in values(wb[sheet_titles(translator(lang), [])[-1]])}
    assert about[translator(lang).pgettext("export", "From")] == datetime(2026, 1, 1)


@pytest.mark.parametrize("lang", LANGS)
def test_every_sheet_has_a_bold_frozen_filtered_header(lang: str) -> None:
    wb = book(written(translator(lang)))
    for sheet in wb.worksheets:
        last = get_column_letter(sheet.max_column)
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}", sheet.title
        assert all(cell.font.b for cell in sheet[1]), sheet.title


@pytest.mark.parametrize("lang", LANGS)
def test_week_headers_read_week_1_to_15_and_are_not_cut(lang: str) -> None:
    """Today's bug: at default widths, "Week 10" to "Week 15" all read "Week 1"."""
    tr = translator(lang)
    sheet = book(written(tr))[sheet_titles(tr, ["register"])[1]]
    headers = [cell.value for cell in sheet[1]]
    first = headers.index(tr.pgettext("export", "Week {number}").format(number=1))
    weeks = headers[first : first + 15]
    assert weeks == [tr.pgettext("export", "Week {number}").format(number=n) for n in range(1, 16)]
    assert weeks[9].endswith("10") and weeks[14].endswith("15")
    for col, header in enumerate(weeks, start=first + 1):
        assert width(sheet, col) >= len(header)


@pytest.mark.parametrize("lang", LANGS)
def test_widths_fit_the_content_up_to_a_cap(lang: str) -> None:
    wb = book(written(translator(lang)))
    for sheet in wb.worksheets:
        for col in range(1, sheet.max_column + 1):
            cells = [sheet.cell(row, col) for row in range(1, sheet.max_row + 1)]
            longest = max(
                len(c.number_format) if c.is_date else len(str(c.value))
                for c in cells
                if c.value is not None
            )
            assert min(longest, 40) <= width(sheet, col) <= 41, (sheet.title, col)
    group = wb[sheet_titles(translator(lang), ["meetings"])[1]]
    assert samples.LONG_NAME in [c.value for c in group["E"]] and width(group, 5) <= 41


@pytest.mark.parametrize("lang", LANGS)
def test_indicators_show_fewer_than_five_never_the_count(lang: str) -> None:
    """A colline with one returnee woman: her figures read "<5"."""
    tr = translator(lang)
    sheet = book(written(tr))[tr.pgettext("export", "Indicators")]
    rows = values(sheet)
    headers = list(rows[0])
    participants = headers.index(tr.pgettext("export", "Participants"))
    sex = headers.index(tr.pgettext("roster", "Gender"))
    origin = headers.index(tr.pgettext("roster", "Returnee or resident"))
    colline = headers.index(tr.pgettext("export", "Colline"))
    every, woman = tr.pgettext("export", "All"), tr.pgettext("roster", "Female")
    returnee = tr.pgettext("roster", "Returnee")
    on_colline = {(r[sex], r[origin]): r[participants] for r in rows[1:] if r[colline] == "Kabuye"}
    man = tr.pgettext("roster", "Male")
    assert on_colline == {
        (every, every): 12,
        (woman, every): "<5",
        (man, every): 7,
        (every, returnee): "<5",
    }
    # The whole area first, by the scope's name; percentages and days in their format.
    assert rows[1][0] == "Gitega" and rows[1][sex] == every
    mean = headers.index(tr.pgettext("export", "Mean attendance")) + 1
    assert sheet.cell(2, mean).value == 0.8125 and sheet.cell(2, mean).number_format == "0.0%"
    days = headers.index(tr.pgettext("export", "Median days to acknowledge")) + 1
    assert sheet.cell(2, days).number_format == "0.0"
    health = tr.pgettext("export", "Referrals: {type}").format(
        type=tr.pgettext("meeting", "Health")
    )
    assert health in headers


def test_text_that_looks_like_a_formula_stays_text() -> None:
    tr = translator("fr")
    sheet = book(written(tr))[sheet_titles(tr, ["agreements"])[1]]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value]
    formula = next(c for c in cells if str(c.value).startswith("=HYPERLINK"))
    assert formula.data_type == "s"


async def test_the_workbook_built_apart_is_the_same_and_keeps_every_row() -> None:
    """The child process writes rows in order (constant memory): a big register, all of it."""
    tr = translator("rn")
    tables = samples.tables()
    register = tables[1]
    row = register.rows[0]
    register.rows = [(*row[:5], f"P{n}", *row[6:]) for n in range(3000)]
    apart = await workbook_apart(tr, tables, samples.figures(), samples.meta())
    here = workbook(tr, tables, samples.figures(), samples.meta())
    a, b = book(apart), book(here)
    assert a.sheetnames == b.sheetnames
    assert all(values(a[name]) == values(b[name]) for name in a.sheetnames)
    codes = [r[5] for r in values(a[sheet_titles(tr, ["register"])[1]])[1:]]
    assert codes == [f"P{n}" for n in range(3000)]


def test_the_child_process_starts_without_the_bot() -> None:
    """`python -m exports.spreadsheet` imports neither Telegram nor the translations."""
    probe = (
        "import sys, exports.spreadsheet; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'telegram', 'conversations', 'locales', 'babel', 'jinja2', 'sqlalchemy', 'models'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
