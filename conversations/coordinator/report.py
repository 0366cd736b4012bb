"""/report: the figures of the person's area, the attendance chart and the exports.

Everything here only reads, in a read transaction; each reading is written to the audit log in
a short write transaction of its own, committed before the answer is sent
(access.audit_reading).
"""

from __future__ import annotations

import asyncio

from conversations.coordinator import access, codec, screens
from conversations.coordinator.access import COORDINATORS
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from exports import writers as exports
from locales import Translator
from models import reports
from models.clock import clock

# Rows are read in a read transaction and the files built off the event loop (a big workbook
# in a child process). A big area's export takes seconds: the tap is answered at once with a
# note that the file follows, and as the handler only reads, the bot goes on fetching everyone
# else's updates meanwhile (conversations/runtime/confirm.py).
QUICK_EXPORT_GROUPS = 50


def _stamp() -> str:
    return clock.now().strftime("%Y-%m-%d")


@handler(roles=COORDINATORS)
async def report_command(request: Request) -> Reply:
    found = await access.area_report(request)
    access.audit_reading(request, "report.view")
    if found is None:
        return screens.no_groups(request.tr)
    return screens.report(request.tr, found)


@handler(roles=COORDINATORS)
async def chart(request: Request) -> Reply:
    codec.parts(request.data, codec.CHART, 0)
    summaries = await access.summaries(request)
    access.audit_reading(request, "report.chart")
    title = screens.chart_title(request.tr)
    png = await asyncio.to_thread(
        exports.attendance_chart,
        [(s.name, s.recent_attendance) for s in summaries],
        title=title,
        no_data=screens.chart_no_data(request.tr),
    )
    return screens.chart(title, f"attendance-{_stamp()}.png", png)


@handler(roles=COORDINATORS)
async def export_xlsx(request: Request) -> list[Reply]:
    codec.parts(request.data, codec.XLSX, 0)
    return await _export(request, "xlsx")


@handler(roles=COORDINATORS)
async def export_csv(request: Request) -> list[Reply]:
    codec.parts(request.data, codec.CSV, 0)
    return await _export(request, "csv")


async def _export(request: Request, kind: str) -> list[Reply]:
    scope = await access.scope(request)
    tr = request.tr
    big = await reports.count_groups(request.session, scope) > QUICK_EXPORT_GROUPS
    if big:
        await request.answer_tap_now(screens.preparing_file(tr))
    rows = await reports.export_rows(request.session, scope)
    files = await _files(tr, rows, kind, apart=big)
    access.audit_reading(request, f"export.{kind}")
    return screens.files(files)


async def _files(
    tr: Translator, rows: reports.Export, kind: str, *, apart: bool
) -> list[tuple[str, str, bytes]]:
    """(file name, caption, content) of each file; `apart`: the workbook in a child process."""
    if kind == "csv":
        files = await asyncio.to_thread(exports.csv_files, tr, rows)
        return [(f"{name}-{_stamp()}.csv", caption, data) for name, caption, data in files]
    if apart:
        data = await exports.workbook_apart(tr, rows)
    else:
        data = await asyncio.to_thread(exports.workbook, tr, rows)
    return [(f"report-{_stamp()}.xlsx", screens.workbook_caption(tr), data)]
