"""`bot.py export`: the programme's files for the office, written on the server.

The same files a coordinator gets in /report, for any area and period, and two things Telegram
never carries: the long form of attendance with sex and origin beside each code (xlsx and csv),
and the DHIS2 payload. Every export is written to the audit log.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date, timedelta
from pathlib import Path

from cli.setup import opened, run_async
from models.settings import Settings

NO_MAPPING = (
    "DHIS2 needs --mapping FILE: copy exports/dhis2-mapping.example.yaml, fill in the uids from "
    "DHIS2's Maintenance app, and give the copy with --mapping"
)
WHOLE_MONTHS = (
    "DHIS2 takes whole months: --from must be the first day of a month and --to the last day "
    "of one (e.g. --from 2026-11-01 --to 2026-12-31)"
)


def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _months(start: date, end: date) -> list[tuple[date, date]]:
    """The whole months from ``start`` (a first day) to ``end`` (a last day)."""
    months = []
    first = start
    while first <= end:
        months.append((first, _month_end(first)))
        first = _month_end(first) + timedelta(days=1)
    return months


def _refused(message: str, code: int) -> int:
    print(message, file=sys.stderr)
    return code


@run_async
async def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    import exports
    from exports.dhis2 import Dhis2Error, load_mapping
    from locales import translator
    from models import areas as places
    from models.audit import audit
    from models.clock import clock
    from models.reports.export import export_tables
    from models.reports.indicators import programme_indicators
    from models.reports.period import Period
    from models.reports.preferences import first_meeting_day
    from models.scope import Scope
    from models.users import Role

    dhis2 = args.format == "dhis2"
    if dhis2:
        # Before reading anything: a run that cannot write its file reads nothing.
        if args.mapping is None:
            return _refused(NO_MAPPING, 2)
        if (args.start and args.start.day != 1) or (args.end and args.end != _month_end(args.end)):
            return _refused(WHOLE_MONTHS, 2)
        try:
            mapping = load_mapping(args.mapping)
        except Dhis2Error as error:
            return _refused(f"Not written: {error}", 1)
    tr = translator(args.lang)
    now = clock.now().astimezone(settings.tz)
    async with opened(settings, read_only=True) as db:
        async with db.read() as session:
            scope = Scope(user_id=0, role=Role.ADMIN, area_path=None)
            label = tr.pgettext("coordinator", "All areas")
            if args.area:
                area = await places.find_area(session, args.area)
                scope = scope.narrowed(area.path)
                label = " / ".join(await places.area_names(session, area))
            start = args.start or await first_meeting_day(session, scope) or now.date()
            end = args.end or now.date()
            if dhis2:
                # By default, every whole month so far: from the first one's 1st to the end of
                # the last month that is over.
                start = start if args.start else start.replace(day=1)
                end = end if args.end else now.date().replace(day=1) - timedelta(days=1)
            if end < start:
                return _refused(f"Nothing to export: {start} is after {end}", 2)
            period = Period(start, end, "dates")
            if dhis2:
                figures = {
                    Period(first, last, "month"): await programme_indicators(
                        session, scope, Period(first, last, "month")
                    )
                    for first, last in _months(period.start, period.end)
                }
            else:
                tables = await export_tables(session, scope, period, identifying=True)
                indicators = await programme_indicators(session, scope, period)
        if dhis2:
            from exports.dhis2 import dhis2_export

            try:
                found = dhis2_export(figures, mapping)
            except Dhis2Error as error:
                return _refused(f"Not written: {error}", 1)
        async with db.write() as session:
            await audit(session, actor_id=None, action=f"export.server.{args.format}")
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = f"{period.start.isoformat()}_{period.end.isoformat()}"
    if dhis2:
        path: Path = args.out / f"dhis2_{stamp}.json"
        await asyncio.to_thread(path.write_text, json.dumps(found.payload, indent=1), "utf-8")
        print(f"wrote {path}")
        print(found.note)
        return 0
    meta = exports.ExportMeta(label, period, "operator", now.replace(tzinfo=None))
    if args.format == "xlsx":
        data = await exports.workbook_apart(tr, tables, indicators, meta)
        path = args.out / f"programme_{stamp}.xlsx"
        await asyncio.to_thread(path.write_bytes, data)
        print(f"wrote {path}")
        return 0
    files = exports.csv_files(tr, tables, indicators, meta, with_dictionary=True)
    for name, _, data in files:
        await asyncio.to_thread((args.out / name).write_bytes, data)
    print(f"wrote {len(files)} files to {args.out}")
    return 0
