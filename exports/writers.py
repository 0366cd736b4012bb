"""Files for coordinators, built in memory: XLSX and CSV exports, and the attendance chart (PNG).

Column headers are in the reader's language; values stay as stable codes (held, land, holds...),
so exports made in different languages can be put together. Participant codes only, and no free
text. The spreadsheet and plotting libraries are imported only when a file is asked for.

The workbook itself is written by `exports.spreadsheet` (XlsxWriter, in a process of its
own when the bot asks for it).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from conversations.runtime.menu import Np_
from exports import spreadsheet
from locales import Translator
from models.reports import (
    AGREEMENT_COLUMNS,
    ATTENDANCE_COLUMNS,
    MEETING_COLUMNS,
    WEEK_COLUMNS,
    Export,
)

COLUMN_NAMES = {
    "group_id": Np_("export", "Group no."),
    "group": Np_("export", "Group"),
    "week": Np_("export", "Week"),
    "status": Np_("export", "Status"),
    "date": Np_("export", "Date"),
    "reason": Np_("export", "Reason not held"),
    "attendance_saved": Np_("export", "Attendance saved"),
    "present": Np_("export", "Present"),
    "absent": Np_("export", "Absent"),
    "participant": Np_("export", "Participant code"),
    "agreement": Np_("export", "Agreement no."),
    "kind": Np_("export", "About"),
    "parties": Np_("export", "Parties"),
    "outside_parties": Np_("export", "Outside parties"),
    "witnesses": Np_("export", "Witnesses"),
    "date_reached": Np_("export", "Date reached"),
    "written": Np_("export", "Signed paper"),
    "reported_at": Np_("export", "Reported"),
    "acknowledged_at": Np_("export", "Acknowledged"),
    "documented_at": Np_("export", "Documented"),
    "reference": Np_("export", "Reference number"),
    "follow_up_m1": Np_("export", "After one month"),
    "follow_up_m3": Np_("export", "After three months"),
}
# The names of the files and sheets, which people see, still say "sessions".
SHEETS = {
    "sessions": Np_("export", "Sessions"),
    "attendance": Np_("export", "Attendance"),
    "agreements": Np_("export", "Agreements"),
}


WEEK_NAME = Np_("export", "Week {number}")


def headers(tr: Translator, columns: Sequence[str]) -> list[str]:
    return [_header(tr, c) for c in columns]


def _header(tr: Translator, column: str) -> str:
    if column in WEEK_COLUMNS:
        return tr.pgettext(*WEEK_NAME).format(number=WEEK_COLUMNS.index(column) + 1)
    return tr.pgettext(*COLUMN_NAMES[column])


def _tables(rows: Export) -> list[tuple[str, Sequence[str], list[tuple[Any, ...]]]]:
    return [
        ("sessions", MEETING_COLUMNS, rows.meetings),
        ("attendance", ATTENDANCE_COLUMNS, rows.attendance),
        ("agreements", AGREEMENT_COLUMNS, rows.agreements),
    ]


def workbook(tr: Translator, rows: Export) -> bytes:
    """One sheet per table; dates as dates, times in the group's local time."""
    return spreadsheet.build(_sheets(tr, rows))


async def workbook_apart(tr: Translator, rows: Export) -> bytes:
    """`workbook`, built in a child process so that the bot goes on serving everyone else."""
    return await spreadsheet.build_apart(_sheets(tr, rows))


def _sheets(tr: Translator, rows: Export) -> list[spreadsheet.Sheet]:
    return [
        (_sheet_title(tr, name), headers(tr, columns), data)
        for name, columns, data in _tables(rows)
    ]


def _sheet_title(tr: Translator, name: str) -> str:
    """At most 31 characters, none of []:*?/\\ (translations are checked here)."""
    title = "".join(c for c in tr.pgettext(*SHEETS[name]) if c not in "[]:*?/\\")[:31]
    return title or name


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


def csv_files(tr: Translator, rows: Export) -> list[tuple[str, str, bytes]]:
    """(file name, caption, content) per table; UTF-8 with a BOM so spreadsheets read accents."""
    files = []
    for name, columns, data in _tables(rows):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(headers(tr, columns))
        for row in data:
            writer.writerow([_cell(v) for v in row])
        files.append((name, tr.pgettext(*SHEETS[name]), out.getvalue().encode("utf-8-sig")))
    return files


# --- the attendance chart ------------------------------------------------------------------------

WIDTH = 640
ROW = 26
TOP = 44
LABEL_WIDTH = 200
MAX_BARS = 30


def attendance_chart(
    values: Sequence[tuple[str, float | None]], *, title: str, no_data: str
) -> bytes:
    """Horizontal bars, one per group (share present); a small palette PNG."""
    from PIL import Image, ImageDraw, ImageFont

    values = list(values)[:MAX_BARS]
    height = TOP + ROW * max(len(values), 1) + 12
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=15)
    draw.text((12, 12), title, fill="black", font=font)
    span = WIDTH - LABEL_WIDTH - 70
    for i, (label, rate) in enumerate(values):
        y = TOP + i * ROW
        name = label if len(label) <= 24 else label[:23] + "…"
        draw.text((12, y + 4), name, fill="black", font=font)
        x0 = LABEL_WIDTH
        draw.rectangle((x0, y + 4, x0 + span, y + ROW - 4), fill="#eeeeee")
        if rate is None:
            draw.text((x0 + 6, y + 4), no_data, fill="#666666", font=font)
            continue
        draw.rectangle((x0, y + 4, x0 + round(span * rate), y + ROW - 4), fill="#2a7ab0")
        draw.text((x0 + span + 8, y + 4), f"{round(rate * 100)}%", fill="black", font=font)
    out = io.BytesIO()
    image.convert("P", palette=Image.Palette.ADAPTIVE, colors=16).save(out, "PNG", optimize=True)
    return out.getvalue()
