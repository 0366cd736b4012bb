"""Writes XLSX workbooks, in the bot's process or in a short-lived process of its own.

A whole programme's workbook is seconds of pure-Python work. In a thread of the bot it would
hold the interpreter lock that the event loop needs at every step of every other update (each
database call and each Telegram call hands it over), so everyone would wait for the export. A
child process runs beside the bot, exits when the file is written and so gives its memory back.

The child is `python -m exports.spreadsheet`: it imports only the standard library and
XlsxWriter, so it starts in a fraction of a second. It reads the pickled sheets on stdin and
writes the workbook on stdout.
"""

from __future__ import annotations

import asyncio
import io
import pickle
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

# (title, column headers, rows) per sheet.
Sheet = tuple[str, Sequence[str], Sequence[Sequence[Any]]]

DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm"
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
            # Each row goes to a temporary file as it is written: memory does not grow with it.
            "constant_memory": True,
            "default_date_format": DATE_FORMAT,
            # A group name or reference is text, never a formula or a link to follow.
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    times = book.add_format({"num_format": TIME_FORMAT})

    def write_time(sheet: Any, row: int, col: int, value: datetime, *_: Any) -> Any:
        return sheet.write_datetime(row, col, value, times)

    for title, headers, rows in sheets:
        sheet = book.add_worksheet(title)
        sheet.add_write_handler(datetime, write_time)
        sheet.write_row(0, 0, headers)
        for number, row in enumerate(rows, start=1):
            sheet.write_row(number, 0, row)
    book.close()
    return out.getvalue()


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
                data, errors = await child.communicate(pickle.dumps(list(sheets)))
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
