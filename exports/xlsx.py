"""The programme's workbook: the Indicators sheet, one sheet per table, the Codes sheet (the data
dictionary) and the About sheet (what the file covers, who made it, when).

Headers and coded values are in the reader's language (the codes stay in the Codes sheet beside
their labels); dates are dates and times local dates and times, each with its number format.
The workbook is written by `exports.spreadsheet`, in a process of its own when asked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from exports import dictionary, labels, spreadsheet
from exports.indicators import figure_table
from exports.meta import ITEM, VALUE, ExportMeta, about_rows
from locales import Translator
from models.reports.tables import Figure, Table

FLOAT_FORMAT = "0.00"


def workbook(
    tr: Translator, tables: Sequence[Table], figures: Sequence[Figure], meta: ExportMeta
) -> bytes:
    return spreadsheet.build(sheets(tr, tables, figures, meta))


async def workbook_apart(
    tr: Translator, tables: Sequence[Table], figures: Sequence[Figure], meta: ExportMeta
) -> bytes:
    """`workbook`, built in a child process so that the bot goes on serving everyone else; the
    sheets are laid out in a thread, as they are seconds of Python for a whole programme."""
    laid_out = await asyncio.to_thread(sheets, tr, tables, figures, meta)
    return await spreadsheet.build_apart(laid_out)


def identifying(tables: Sequence[Table]) -> bool:
    """Whether a table puts sex or origin beside a participant's code."""
    return any(
        "participant" in t.column_names and {"sex", "origin"} & set(t.column_names) for t in tables
    )


def sheets(
    tr: Translator, tables: Sequence[Table], figures: Sequence[Figure], meta: ExportMeta
) -> list[spreadsheet.Sheet]:
    """The sheets, titled in the reader's language: Indicators, the tables, Codes, About."""
    names = ["indicators", *(t.name for t in tables), "codes", "about"]
    titles = labels.unique_titles(labels.sheet_title(tr, name) for name in names)
    figure = figure_table(tr, figures, meta)
    titled = list(zip(tables, titles[1:-2], strict=True))
    out: list[spreadsheet.Sheet] = [
        (titles[0], figure.headers, figure.rows, {"formats": figure.formats})
    ]
    out += [table_sheet(tr, table, title) for table, title in titled]
    codes = dictionary.sheet_rows(tr, titled, (figure, titles[0]))
    out.append((titles[-2], dictionary.header_row(tr), codes))
    about: list[tuple[str, Any]] = about_rows(tr, meta, identifying=identifying(tables))
    out.append((titles[-1], [tr.pgettext(*ITEM), tr.pgettext(*VALUE)], about))
    return out


def table_sheet(tr: Translator, table: Table, title: str) -> spreadsheet.Sheet:
    """A table's sheet: translated headers, coded values written as their labels."""
    layout: spreadsheet.Layout = {
        "labels": [
            labels.labels(tr, c.vocabulary) if c.vocabulary else None for c in table.columns
        ],
        "formats": [FLOAT_FORMAT if c.kind == "float" else None for c in table.columns],
    }
    headers = [labels.header(tr, c.name) for c in table.columns]
    return (title, headers, table.rows, layout)
