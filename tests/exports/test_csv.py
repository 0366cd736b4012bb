"""The programme's CSV files read back with csv.reader(delimiter=";"), as French-locale Excel
splits them: UTF-8 with a BOM, a translated header row, labels not codes, ISO dates, decimal
commas, "<5" for suppressed figures."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest

from exports import csv_files, workbook
from locales import Translator, translator
from tests.exports import samples
from tests.exports.reading import book, code_labels, sheet_titles, values

LANGS = ["rn", "fr"]
NAMES = ["meetings", "register", "reflections", "agreements", "checkins", "attendance"]


def read(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def files(tr: Translator, **options: bool) -> list[tuple[str, str, bytes]]:
    return csv_files(tr, samples.tables(), samples.figures(), samples.meta(), **options)


@pytest.mark.parametrize("lang", LANGS)
def test_one_file_per_table_and_one_of_indicators(lang: str) -> None:
    tr = translator(lang)
    found = files(tr)
    names = [name for name, _, _ in found]
    assert names == [f"{n}_2026-01-01_2026-03-31.csv" for n in ["indicators", *NAMES]]
    for (_, caption, _), title in zip(found, sheet_titles(tr, NAMES)[:-2], strict=True):
        assert caption.startswith(title) and tr.date(date(2026, 3, 31)) in caption


@pytest.mark.parametrize("lang", LANGS)
def test_each_file_opens_in_columns_with_labels_and_iso_dates(lang: str) -> None:
    """Semicolons split every row into the table's columns, under the workbook's headers."""
    tr = translator(lang)

    wb = book(workbook(tr, samples.tables(), samples.figures(), samples.meta()))
    labels = code_labels(tr)
    for (_, _, data), table in zip(files(tr)[1:], samples.tables(), strict=True):
        rows = read(data)
        sheet = values(wb[sheet_titles(tr, [table.name])[1]])
        assert rows[0] == list(sheet[0])
        assert len(rows) == len(table.rows) + 1
        assert all(len(row) == len(table.columns) for row in rows)
        for stored, shown in zip(table.rows, rows[1:], strict=True):
            for column, value, cell in zip(table.columns, stored, shown, strict=True):
                if value is None:
                    assert cell == ""
                elif column.vocabulary:
                    assert cell == labels[column.vocabulary][value]
                elif isinstance(value, datetime):
                    assert cell == value.strftime("%Y-%m-%d %H:%M")
                elif isinstance(value, date):
                    assert cell == value.isoformat()
                elif str(value).startswith("="):
                    # A text that would start a formula is kept as text.
                    assert cell == "'" + value
                else:
                    assert cell == str(value)


@pytest.mark.parametrize("lang", LANGS)
def test_indicators_with_fewer_than_five_and_decimal_commas(lang: str) -> None:
    tr = translator(lang)
    rows = read(files(tr)[0][2])
    headers = rows[0]
    participants = headers.index(tr.pgettext("export", "Participants"))
    mean = headers.index(tr.pgettext("export", "Mean attendance"))
    days = headers.index(tr.pgettext("export", "Median days to acknowledge"))
    assert rows[1][0] == "Gitega" and rows[1][mean] == "0,8125" and rows[1][days] == "1,5"
    colline = [r for r in rows[1:] if "Kabuye" in r]
    assert sorted(r[participants] for r in colline) == ["12", "7", "<5", "<5"]
    assert all(r[participants] != "1" for r in rows[1:])


@pytest.mark.parametrize("lang", LANGS)
def test_the_office_copy_carries_the_codes_and_about_files(lang: str) -> None:
    tr = translator(lang)
    found = files(tr, with_dictionary=True)
    names = [name.split("_")[0] for name, _, _ in found]
    assert names[-2:] == ["codes", "about"]
    codes = read(found[-2][2])
    assert codes[0][:2] == [tr.pgettext("export", "Sheet"), tr.pgettext("export", "Column")]
    assert ["<5", tr.pgettext("export", "Fewer than 5")] in [r[3:5] for r in codes]
    about = dict(row[:2] for row in read(found[-1][2])[1:])
    assert about[tr.pgettext("export", "From")] == "2026-01-01"
    assert about[tr.pgettext("export", "Exported on")] == "2026-04-02 09:30"
