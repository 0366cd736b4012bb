"""The choices of /report: the period, the area, and whether the monthly files come.

Each choice is kept on the person's user (models/reports/preferences.py), so the next report and
the next files use it; after a choice the report is shown again in the same message.
"""

from __future__ import annotations

from conversations.coordinator import access, codec, report_screens
from conversations.coordinator.access import COORDINATORS
from conversations.coordinator.report import report_view
from conversations.runtime import fallback
from conversations.runtime.callbacks import BadCallback, int_part
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from models.errors import InvalidInput
from models.reports import preferences


@handler(roles=COORDINATORS)
async def periods(request: Request) -> Reply:
    codec.parts(request.data, codec.PERIODS, 0)
    chosen = await access.report_choice(request)
    return report_screens.periods(request.tr, chosen.period)


@handler(roles=COORDINATORS, write=True)
async def choose_period(request: Request) -> Reply:
    (choice,) = codec.parts(request.data, codec.PERIOD, 1)
    if choice not in preferences.CHOICES:
        raise BadCallback(choice)
    await preferences.choose_period(request.session, request.me, choice)
    return await report_view(request)


@handler(roles=COORDINATORS)
async def type_dates(request: Request) -> Reply:
    codec.parts(request.data, codec.TYPE_DATES, 0)
    request.context.state.expect(codec.AWAITING_DATES)
    return report_screens.ask_dates(request.tr)


@fallback.expects_text(codec.AWAITING_DATES)
@handler(roles=COORDINATORS, write=True)
async def dates_typed(request: Request) -> Reply:
    try:
        await preferences.choose_period(request.session, request.me, request.text)
    except InvalidInput:
        # The step stays: the next message is read as dates again.
        return report_screens.dates_refused(request.tr)
    request.context.state.clear()
    reply = await report_view(request)
    reply.new = True
    return reply


@handler(roles=COORDINATORS)
async def areas(request: Request) -> Reply:
    (area,) = codec.parts(request.data, codec.AREAS, 1)
    area_id = int_part(area) or None
    found = await preferences.child_areas(request.session, request.me, area_id)
    return report_screens.areas(request.tr, found, area_id)


@handler(roles=COORDINATORS, write=True)
async def choose_area(request: Request) -> Reply:
    (area,) = codec.parts(request.data, codec.AREA, 1)
    await preferences.choose_area(request.session, request.me, int_part(area) or None)
    return await report_view(request)


@handler(roles=COORDINATORS, write=True)
async def monthly(request: Request) -> Reply:
    (on,) = codec.parts(request.data, codec.MONTHLY, 1)
    if on not in ("0", "1"):
        raise BadCallback(on)
    preferences.choose_monthly_export(request.me, on == "1")
    reply = await report_view(request)
    reply.toast = report_screens.monthly_toast(request.tr, on == "1")
    return reply
