"""When the group meets: the weekday, the time (tapped or typed), the first meeting, and the
confirmation. Every choice so far travels in the button data and is checked again on each tap."""

from __future__ import annotations

from datetime import date, time

from conversations.newgroup import access, codec, screens
from conversations.runtime import fallback
from conversations.runtime.callbacks import int_part, unpack
from conversations.runtime.reply import Reply
from conversations.runtime.request import MAX_TEXT_INPUT, Request
from conversations.runtime.unit_of_work import handler
from models import groups
from models.areas import Area, Level
from models.clock import clock
from models.errors import InvalidInput, NotFound

DATES = 4


def today(request: Request) -> date:
    return clock.now().astimezone(request.services.settings.tz).date()


async def choices(request: Request, parts: list[str]) -> tuple[Area, int, time, date | None]:
    """The colline (in the person's scope), weekday, time and, when given, the first meeting."""
    colline = await access.colline(request, int_part(parts[0]))
    weekday = codec.parse_weekday(parts[1])
    at = codec.parse_time(parts[2])
    start = codec.parse_date(parts[3], weekday) if len(parts) > 3 else None
    return colline, weekday, at, start


async def chosen(
    request: Request,
    name: str,
    colline: Area,
    weekday: int | None = None,
    at: time | None = None,
    start: date | None = None,
) -> screens.Chosen:
    place = await access.place_name(request, colline)
    return screens.Chosen(name, place, weekday, at, start)


async def dates_reply(
    request: Request, name: str, colline: Area, weekday: int, at: time, past: bool = False
) -> Reply:
    codec.remember(request.context.state, name)
    days = groups.next_meeting_dates(weekday, today(request), DATES)
    draft = await chosen(request, name, colline, weekday, at)
    return screens.dates(request.tr, draft, colline, weekday, at, days, past=past)


@handler(roles=access.CREATORS)
async def choose_weekday(request: Request) -> Reply:
    (part,) = unpack(request.data, "nd", 1)
    draft = codec.draft(request.context.state)
    if draft is None:
        return screens.draft_ended(request.tr)
    colline = await access.colline(request, int_part(part))
    codec.remember(request.context.state, draft.name)
    up = await access.parent_in_scope(request, colline)
    return screens.weekdays(request.tr, await chosen(request, draft.name, colline), colline, up)


@handler(roles=access.CREATORS)
async def choose_time(request: Request) -> Reply:
    colline_part, weekday_part = unpack(request.data, "nt", 2)
    draft = codec.draft(request.context.state)
    if draft is None:
        return screens.draft_ended(request.tr)
    colline = await access.colline(request, int_part(colline_part))
    weekday = codec.parse_weekday(weekday_part)
    state = request.context.state
    codec.remember(state, draft.name, codec.TIME, area_id=colline.id, weekday=weekday)
    shown = await chosen(request, draft.name, colline, weekday)
    return screens.times(request.tr, shown, colline, weekday)


@fallback.expects_text(codec.TIME)
@handler(roles=access.CREATORS)
async def time_typed(request: Request) -> Reply:
    draft = codec.draft(request.context.state)
    if draft is None or draft.area_id is None or draft.weekday is None:
        request.context.state.clear()
        return screens.draft_ended_message(request.tr)
    try:
        at = groups.parse_time(request.text[:MAX_TEXT_INPUT])
    except InvalidInput:
        return screens.time_not_read(request.tr)
    colline = await access.area_in_scope(request, draft.area_id)
    if colline.level != Level.COLLINE or not 0 <= draft.weekday <= 6:
        raise NotFound()
    reply = await dates_reply(request, draft.name, colline, draft.weekday, at)
    reply.new = True
    return reply


@handler(roles=access.CREATORS)
async def choose_date(request: Request) -> Reply:
    parts = unpack(request.data, "ns", 3)
    draft = codec.draft(request.context.state)
    if draft is None:
        return screens.draft_ended(request.tr)
    colline, weekday, at, _ = await choices(request, parts)
    return await dates_reply(request, draft.name, colline, weekday, at)


@handler(roles=access.CREATORS)
async def confirm(request: Request) -> Reply:
    parts = unpack(request.data, "nk", 4)
    draft = codec.draft(request.context.state)
    if draft is None:
        return screens.draft_ended(request.tr)
    colline, weekday, at, start = await choices(request, parts)
    shown = await chosen(request, draft.name, colline, weekday, at, start)
    return screens.confirmation(request.tr, shown, colline)
