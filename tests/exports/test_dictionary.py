"""The workbook's Codes sheet (every sheet's every column, its meaning, each code with its label)
and its About sheet (area, period, who exported it, when, the software's version), read back."""

from __future__ import annotations

import tomllib
from collections import defaultdict
from datetime import datetime
from typing import Any

import pytest

from exports import ExportMeta, workbook
from exports.spreadsheet import ROOT
from locales import Translator, translator
from models.reports.tables import VOCABULARIES
from tests.exports import samples
from tests.exports.reading import book, code_labels, sheet_titles, values

LANGS = ["rn", "fr"]
NAMES = ["meetings", "register", "reflections", "agreements", "checkins", "attendance"]


def codes_sheet(tr: Translator, data: bytes) -> tuple[Any, list[tuple[Any, ...]]]:
    wb = book(data)
    return wb, values(wb[tr.pgettext("export", "Codes")])


@pytest.mark.parametrize("lang", LANGS)
def test_the_code_sheet_explains_every_column_and_every_code(lang: str) -> None:
    tr = translator(lang)
    data = workbook(tr, samples.tables(), samples.figures(), samples.meta())
    wb, rows = codes_sheet(tr, data)
    assert list(rows[0]) == [
        tr.pgettext("export", m) for m in ("Sheet", "Column", "Type", "Code", "Label", "Meaning")
    ]
    meaning: dict[tuple[str, str], str] = {}
    listed: dict[tuple[str, str], dict[Any, str]] = defaultdict(dict)
    for sheet, column, kind, code, label, text in rows[1:]:
        assert sheet and column and (kind or code == "<5")
        if code is None and label is None:
            meaning[(sheet, column)] = text
        else:
            listed[(sheet, column)][code] = label
    labels = code_labels(tr)
    yes_no = {1: tr.pgettext("export", "Yes"), 0: tr.pgettext("export", "No")}
    for table in samples.tables():
        title = sheet_titles(tr, [table.name])[1]
        headers = [c.value for c in wb[title][1]]
        for column, header in zip(table.columns, headers, strict=True):
            assert meaning.get((title, header)), (title, header)
            if column.vocabulary:
                assert listed[(title, header)] == labels[column.vocabulary]
                assert list(listed[(title, header)]) == list(VOCABULARIES[column.vocabulary])
            elif column.kind == "flag":
                assert listed[(title, header)] == yes_no
    # The indicators: each column explained; "retained" defined; "<5" explained.
    indicators = tr.pgettext("export", "Indicators")
    for header in [c.value for c in wb[indicators][1]]:
        assert meaning.get((indicators, header)), header
    retained = meaning[(indicators, tr.pgettext("export", "Participants retained"))]
    assert retained == tr.pgettext(
        "export",
        "Participants present at 12 or more of the 15 meetings, among the participants of "
        "groups that held all 15.",
    )
    fewer = listed[(indicators, tr.pgettext("export", "Every figure"))]
    assert fewer == {"<5": tr.pgettext("export", "Fewer than 5")}


@pytest.mark.parametrize("lang", LANGS)
def test_the_about_sheet_says_what_the_file_covers(lang: str) -> None:
    tr = translator(lang)
    data = workbook(tr, samples.tables(), samples.figures(), samples.meta())
    sheet = book(data)[tr.pgettext("export", "About this file")]
    rows = values(sheet)
    assert list(rows[0]) == [tr.pgettext("export", "Item"), tr.pgettext("export", "Value")]
    about = {item: value for item, value in rows[1:]}
    cells = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}

    def say(msgid: str) -> str:
        return tr.pgettext("export", msgid)

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert about[say("Area")] == "Gitega"
    assert about[say("Period")] == say("Last quarter")
    assert about[say("From")] == datetime(2026, 1, 1) and about[say("To")] == datetime(2026, 3, 31)
    assert cells[say("From")].number_format == "yyyy-mm-dd"
    assert about[say("Exported by")] == tr.pgettext("role", "coordinator")
    assert about[say("Exported on")] == samples.EXPORTED_AT
    assert cells[say("Exported on")].number_format == "yyyy-mm-dd hh:mm"
    assert about[say("Software version")] == version
    assert about[say("Language")] in ("Ikirundi", "Français")
    assert "<5" in about[say("Privacy")]
    # Sex and origin beside each code: the file says to keep it safe.
    assert say("Caution") in about


def test_without_the_long_form_no_caution_and_the_operator_is_named() -> None:
    tr = translator("fr")
    meta = ExportMeta("Burundi", samples.PERIOD, "operator", samples.EXPORTED_AT, "9.9.9")
    data = workbook(tr, samples.tables(identifying=False), samples.figures(), meta)
    wb = book(data)
    assert tr.pgettext("export", "Attendance") not in wb.sheetnames
    about = {item: value for item, value in values(wb[tr.pgettext("export", "About this file")])}
    assert tr.pgettext("export", "Caution") not in about
    assert about[tr.pgettext("export", "Exported by")] == tr.pgettext(
        "export", "Operator, on the server (bot.py export)"
    )
    assert about[tr.pgettext("export", "Software version")] == "9.9.9"
