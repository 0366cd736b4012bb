"""The programme's CSV files: one per table, and one of the indicators.

How they open: UTF-8 with a byte-order mark, so that Excel and LibreOffice read the accents;
fields separated by SEMICOLONS and numbers with a decimal COMMA, the form French-locale Excel
(as in Burundi) reads: a double click opens each field in its own column. Dates are ISO
(2026-03-04, and 2026-03-04 14:05 for times), which Excel and LibreOffice read as dates. The
header row is in the reader's language, coded values are written as their labels, a suppressed
figure as "<5". Elsewhere: LibreOffice asks for the separator (choose semicolon); pandas reads
them with ``read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")``. A text that would
start a formula (=, +, -, @) gets a leading apostrophe, so a spreadsheet shows it as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from conversations.runtime.menu import Np_
from exports import dictionary, labels
from exports.indicators import figure_table
from exports.meta import ITEM, VALUE, ExportMeta, about_rows
from exports.spreadsheet import labelled
from exports.xlsx import identifying
from locales import Translator
from models.reports.tables import Figure, Table

SEPARATOR = ";"
CAPTION = Np_("export", "{title}, {start} to {end}")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_files(
    tr: Translator,
    tables: Sequence[Table],
    figures: Sequence[Figure],
    meta: ExportMeta,
    *,
    with_dictionary: bool = False,
) -> list[tuple[str, str, bytes]]:
    """(file name, caption, content): the indicators, then each table; `with_dictionary`: also
    the code sheet and the about sheet as files of their own (for the office's copy)."""
    names = ["indicators", *(t.name for t in tables)]
    if with_dictionary:
        names += ["codes", "about"]
    unique = labels.unique_titles(labels.sheet_title(tr, n) for n in names)
    titles = dict(zip(names, unique, strict=True))
    figure = figure_table(tr, figures, meta)
    contents = [("indicators", text(figure.headers, figure.rows))]
    for table in tables:
        coded = [labels.labels(tr, c.vocabulary) if c.vocabulary else None for c in table.columns]
        headers = [labels.header(tr, c.name) for c in table.columns]
        contents.append((table.name, text(headers, table.rows, coded)))
    if with_dictionary:
        pairs = [(t, titles[t.name]) for t in tables]
        codes = dictionary.sheet_rows(tr, pairs, (figure, titles["indicators"]))
        contents.append(("codes", text(dictionary.header_row(tr), codes)))
        about = about_rows(tr, meta, identifying=identifying(tables))
        contents.append(("about", text([tr.pgettext(*ITEM), tr.pgettext(*VALUE)], about)))
    return [
        (file_name(name, meta), caption(tr, titles[name], meta), data) for name, data in contents
    ]


def file_name(name: str, meta: ExportMeta) -> str:
    """e.g. meetings_2026-01-01_2026-03-31.csv: stable names, whatever the reader's language."""
    return f"{name}_{meta.period.start.isoformat()}_{meta.period.end.isoformat()}.csv"


def caption(tr: Translator, title: str, meta: ExportMeta) -> str:
    start, end = tr.date(meta.period.start), tr.date(meta.period.end)
    return tr.pgettext(*CAPTION).format(title=title, start=start, end=end)


def text(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    coded: Sequence[Mapping[Any, str] | None] | None = None,
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=SEPARATOR, lineterminator="\r\n")
    writer.writerow(headers)
    for row in labelled(rows, coded):
        writer.writerow([cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".").replace(".", ",") or "0"
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
