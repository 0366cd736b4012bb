"""Writes XLSX workbooks, in the bot's process or in a short-lived process of its own.

A whole programme's workbook is seconds of pure-Python work. In a thread of the bot it would
hold the interpreter lock that the event loop needs at every step of every other update (each
database call and each Telegram call hands it over), so everyone would wait for the export. A
child process runs beside the bot, exits when the file is written and so gives its memory back.

The child is `python -m exports.spreadsheet`: it imports only the standard library and
XlsxWriter (the package `exports` imports its modules only when they are asked for), so it
starts in a fraction of a second. It reads the pickled sheets on stdin and writes the workbook
on stdout: sheets are plain tuples, lists and dicts, so the child needs none of the bot's types.

Every sheet opens well: a bold header row, frozen, with a filter over the data; dates with a
date format, times with a date-and-time format; each column as wide as its longest value (up to
a cap), so that no date shows as ### and "Week 10" is not cut to "Week 1".
"""

from __future__ import annotations

import asyncio
import io
import pickle
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypedDict

Rows = Sequence[Sequence[Any]]


class Layout(TypedDict, total=False):
    """How a sheet's columns are written; every key may be left out."""

    # A number format per column (e.g. "0.0%"), or None; dates and times get theirs by type.
    formats: Sequence[str | None]
    # Per column, what is written instead of a stored value (a code's label), or None.
    labels: Sequence[Mapping[Any, str] | None]
    # The widest a column is fitted to, in characters (longer text runs on or is cut).
    widest: int


# (title, column headers, rows), or the same and its Layout.
Sheet = tuple[str, Sequence[str], Rows] | tuple[str, Sequence[str], Rows, Layout]

DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm"
WIDEST = 40
WIDTH_SAMPLE = 1000
NARROWEST = 6
# Bold letters are wider: the header counts a little more than its length.
BOLD = 1.15
# Workbooks built at once; more exports wait for their turn, so memory stays bounded.
AT_ONCE = 1
# Far longer than a whole programme takes; a child still running then is stopped.
TIMEOUT_SECONDS = 300.0

# Where `conversations` is found, whatever the bot's working directory.
ROOT = Path(__file__).resolve().parents[1]

_turns: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}


def build(sheets: Sequence[Sheet]) -> bytes:
    """The workbook: dates as dates, times as local date and time, text always as text."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out,
        {
            # Each row goes to a temporary file as it is written: memory does not grow with it,
            # and rows must be written in order (so the widths are measured first).
            "constant_memory": True,
            "default_date_format": DATE_FORMAT,
            # Spreadsheets have no time zones: a time is written as the clock on the wall read.
            "remove_timezone": True,
            # A group name or reference is text, never a formula or a link to follow.
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    bold = book.add_format({"bold": True})
    times = book.add_format({"num_format": TIME_FORMAT})
    numbers: dict[str, Any] = {}

    def write_time(sheet: Any, row: int, col: int, value: datetime, *_: Any) -> Any:
        return sheet.write_datetime(row, col, value, times)

    for item in sheets:
        title, headers, rows = item[0], item[1], item[2]
        layout: Layout = item[3] if len(item) > 3 else {}  # type: ignore[misc]
        rows = labelled(rows, layout.get("labels"))
        sheet = book.add_worksheet(title)
        sheet.add_write_handler(datetime, write_time)
        formats = layout.get("formats") or ()
        for col, width in enumerate(widths(headers, rows, layout.get("widest", WIDEST))):
            code = formats[col] if col < len(formats) else None
            if code and code not in numbers:
                numbers[code] = book.add_format({"num_format": code})
            sheet.set_column(col, col, width, numbers[code] if code else None)
        sheet.write_row(0, 0, headers, bold)
        for number, row in enumerate(rows, start=1):
            sheet.write_row(number, 0, row)
        sheet.freeze_panes(1, 0)
        if headers:
            sheet.autofilter(0, 0, len(rows), len(headers) - 1)
    book.close()
    return out.getvalue()


def labelled(rows: Rows, labels: Sequence[Mapping[Any, str] | None] | None) -> Rows:
    """The rows with each coded value replaced by its label (a value with none stays as it is)."""
    if not labels or not any(labels):
        return rows
    coded = [(col, names) for col, names in enumerate(labels) if names]
    out = []
    for row in rows:
        cells = list(row)
        for col, names in coded:
            value = cells[col]
            if value is not None:
                cells[col] = names.get(value, value)
        out.append(cells)
    return out


def widths(headers: Sequence[str], rows: Rows, widest: int = WIDEST) -> list[float]:
    """Each column's width in characters: its longest value or header, between the bounds.

    Measured on the first WIDTH_SAMPLE rows: a column holds the same kind of value all the way
    down, and measuring every cell of a province's workbook costs a tenth of building it."""
    longest = [len(header) * BOLD for header in headers]
    for row in rows[:WIDTH_SAMPLE]:
        for col, value in enumerate(row[: len(longest)]):
            size = _length(value)
            if size > longest[col]:
                longest[col] = size
    return [min(widest, max(NARROWEST, round(size + 2, 1))) for size in longest]


def _length(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len(TIME_FORMAT)
    if isinstance(value, date):
        return len(DATE_FORMAT)
    if isinstance(value, float):
        return len(f"{value:.2f}")
    text = str(value)
    return max(len(line) for line in text.split("\n")) if "\n" in text else len(text)


def _turn() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    turn = _turns.get(loop)
    if turn is None:
        _turns.clear()
        turn = _turns[loop] = asyncio.Semaphore(AT_ONCE)
    return turn


async def build_apart(sheets: Sequence[Sheet]) -> bytes:
    """`build` in a child process; raises RuntimeError if it fails."""
    async with _turn():
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "exports.spreadsheet",
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            async with asyncio.timeout(TIMEOUT_SECONDS):
                # Pickling a whole programme's rows takes a while: not on the event loop.
                payload = await asyncio.to_thread(pickle.dumps, list(sheets))
                data, errors = await child.communicate(payload)
        finally:
            if child.returncode is None:
                child.kill()
                await child.wait()
    if child.returncode != 0:
        raise RuntimeError(f"the workbook was not written: {errors.decode(errors='replace')}")
    return data


def main() -> None:
    # The parent is the bot itself: what comes on stdin is its own pickled rows.
    sheets = pickle.loads(sys.stdin.buffer.read())
    sys.stdout.buffer.write(build(sheets))


if __name__ == "__main__":
    main()
