"""/report: the figures of the person's area for a period, the attendance chart and the files.

The period and the area are the person's last choice (choices.py), remembered on their user.
Everything here only reads, in a read transaction; each reading is written to the audit log in a
short write transaction of its own, committed before the answer is sent (access.audit_reading).
"""

from __future__ import annotations

import asyncio

import exports
from conversations.coordinator import access, codec, report_screens, screens
from conversations.coordinator.access import COORDINATORS
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from exports.chart import attendance_charts
from models import reports
from models.reports.export import export_tables
from models.reports.indicators import programme_indicators

# Rows are read in a read transaction and the files built off the event loop (a big workbook
# in a child process). A big area's export takes seconds: the tap is answered at once with a
# note that the file follows, and as the handler only reads, the bot goes on fetching everyone
# else's updates meanwhile (conversations/runtime/confirm.py).
QUICK_EXPORT_GROUPS = 50


async def report_view(request: Request) -> Reply:
    """The figures of the chosen area and period, with the choices and the files as buttons."""
    chosen = await access.report_choice(request)
    found = await reports.area_report(request.session, chosen.scope, access.now())
    access.audit_reading(request, "report.view")
    if found is None:
        return report_screens.no_groups(request.tr, chosen)
    figures = await programme_indicators(request.session, chosen.scope, chosen.period)
    return report_screens.report(request.tr, found, chosen, figures, request.me.monthly_export)


@handler(roles=COORDINATORS)
async def report_command(request: Request) -> Reply:
    reply = await report_view(request)
    reply.new = True
    return reply


@handler(roles=COORDINATORS)
async def report_again(request: Request) -> Reply:
    codec.parts(request.data, codec.REPORT, 0)
    return await report_view(request)


@handler(roles=COORDINATORS)
async def chart(request: Request) -> Reply | list[Reply]:
    codec.parts(request.data, codec.CHART, 0)
    chosen = await access.report_choice(request)
    summaries = await reports.group_summaries(request.session, chosen.scope, access.now())
    access.audit_reading(request, "report.chart")
    if not summaries:
        return screens.no_groups(request.tr)
    # Every group, in pictures of at most 30 bars, the groups needing attention first.
    pictures = await asyncio.to_thread(attendance_charts, request.tr, summaries)
    return screens.chart(request.tr, pictures)


@handler(roles=COORDINATORS)
async def export_xlsx(request: Request) -> list[Reply]:
    codec.parts(request.data, codec.XLSX, 0)
    return await _export(request, "xlsx")


@handler(roles=COORDINATORS)
async def export_csv(request: Request) -> list[Reply]:
    codec.parts(request.data, codec.CSV, 0)
    return await _export(request, "csv")


async def _export(request: Request, kind: str) -> list[Reply]:
    """The files of the chosen area and period: indicators, per-group tables and the register
    by code. Never the long form with sex and origin beside each code (bot.py export only)."""
    chosen = await access.report_choice(request)
    tr = request.tr
    big = await reports.count_groups(request.session, chosen.scope) > QUICK_EXPORT_GROUPS
    if big:
        await request.answer_tap_now(screens.preparing_file(tr))
    tables = await export_tables(request.session, chosen.scope, chosen.period)
    figures = await programme_indicators(request.session, chosen.scope, chosen.period)
    meta = exports.ExportMeta(
        chosen.label, chosen.period, request.me.role, access.local_now(request)
    )
    if kind == "csv":
        files = await asyncio.to_thread(exports.csv_files, tr, tables, figures, meta)
    else:
        build = exports.workbook_apart if big else _workbook
        data = await build(tr, tables, figures, meta)
        files = [(report_screens.workbook_name(chosen.period), screens.workbook_caption(tr), data)]
    access.audit_reading(request, f"export.{kind}")
    return screens.files(files)


async def _workbook(*args: object) -> bytes:
    return await asyncio.to_thread(exports.workbook, *args)  # type: ignore[arg-type]
