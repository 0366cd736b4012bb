"""The week panel (/session) and whether this week's meeting took place: held today, held on an
earlier day (tapped, or typed when older), or cancelled / postponed for a reason.

A tap carries the week it was shown for; when that week has been recorded meanwhile (perhaps by
the co-facilitator), the panel is shown as it is now instead of recording the week twice.
"""

from __future__ import annotations

from datetime import date

from conversations.meeting import access
from conversations.meeting.access import RECORDERS, WeekMoved
from conversations.meeting.codec import NOT_HELD, DateStep, parse_day, typed_day
from conversations.meeting.screens.attendance import attendance_screen
from conversations.meeting.screens.common import Note
from conversations.meeting.screens.week import (
    ask_date_screen,
    date_again_screen,
    not_held_screen,
    panel_screen,
    reasons_screen,
    summary_screen,
)
from conversations.runtime import fallback
from conversations.runtime.callbacks import BadCallback, int_part, pack, unpack
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from conversations.widgets import choose_group, no_group
from models import meetings
from models.clock import clock
from models.errors import InvalidInput
from models.groups import Group
from models.meetings import MeetingStatus, Reason

# Still "session.*": pending steps persisted before a restart carry this name.
DATE_STEP = "session.date"
REASONS = frozenset(reason.value for reason in Reason)


async def _panel(request: Request, group: Group, note: Note | None = None) -> Reply:
    return panel_screen(request.tr, await access.panel_view(request, group), note)


async def _moved(request: Request, group: Group) -> Reply:
    return await _panel(request, group, Note("week_moved"))


@handler(roles=RECORDERS)
async def session_command(request: Request) -> Reply:
    request.context.state.clear()
    groups = await access.open_groups(request)
    if not groups:
        return no_group(request)
    if len(groups) > 1:
        return choose_group(request, groups, lambda g: pack("so", g.id))
    reply = await _panel(request, groups[0])
    reply.new = True
    return reply


@handler(roles=RECORDERS)
async def open_panel(request: Request) -> Reply:
    (group_id,) = unpack(request.data, "so", 1)
    return await _panel(request, await access.group_in_scope(request, int_part(group_id)))


@handler(roles=RECORDERS)
async def view_record(request: Request) -> Reply:
    group_id, record_id = unpack(request.data, "sv", 2)
    record, group = await access.record_of_group(request, group_id, record_id)
    return summary_screen(request.tr, await access.record_view(request, group, record))


# --- held -------------------------------------------------------------------------------------


@handler(roles=RECORDERS, write=True)
async def held_today(request: Request) -> Reply:
    try:
        group, _ = await access.current_group(request, "st", 2)
    except WeekMoved as moved:
        return await _moved(request, moved.group)
    return await _record_held(request, group, meetings.local_today(group))


@handler(roles=RECORDERS)
async def late_dates(request: Request) -> Reply:
    try:
        group, _ = await access.current_group(request, "sl", 2)
    except WeekMoved as moved:
        return await _moved(request, moved.group)
    week = group.current_week
    request.context.state.expect(DATE_STEP, DateStep(group.id, week).pack())
    return ask_date_screen(request.tr, group.id, week, meetings.local_today(group))


@handler(roles=RECORDERS, write=True)
async def held_on(request: Request) -> Reply:
    try:
        group, (day,) = await access.current_group(request, "sa", 3)
    except WeekMoved as moved:
        return await _moved(request, moved.group)
    request.context.state.clear()
    return await _record_held(request, group, parse_day(day))


@fallback.expects_text(DATE_STEP)
@handler(roles=RECORDERS, write=True)
async def typed_date(request: Request) -> Reply:
    state = request.context.state
    try:
        step = DateStep.parse(state.ref)
    except BadCallback:
        state.clear()
        raise InvalidInput() from None
    group = await access.group_in_scope(request, step.group_id)
    if step.week != group.current_week:
        state.clear()
        return _new(await _moved(request, group))
    day = typed_day(request.text, meetings.local_today(group))
    if day is None:
        return date_again_screen(request.tr)
    state.clear()
    return _new(await _record_held(request, group, day))


def _new(reply: Reply) -> Reply:
    """Typed text is answered with a new message, below what the person sent."""
    reply.new = True
    return reply


async def _record_held(request: Request, group: Group, day: date) -> Reply:
    """Records the week as held on `day`, then asks who was absent."""
    try:
        record = await meetings.record_held(
            request.session, group=group, held_on=day, actor_id=request.me.id
        )
    except InvalidInput as error:
        return await _panel(request, group, Note.date_problem(error.code))
    except meetings.AlreadyHeld as held:
        # The record already made that day, to check or correct; nothing new is recorded.
        made = await access.record_view(request, group, held.record)
        return summary_screen(request.tr, made, Note("held_same_day"))
    view, absent = await access.attendance_view(request, group, record, None)
    return attendance_screen(request.tr, view, absent)


# --- not held ---------------------------------------------------------------------------------


@handler(roles=RECORDERS)
async def not_held_menu(request: Request) -> Reply:
    try:
        group, _ = await access.current_group(request, "sn", 2)
    except WeekMoved as moved:
        return await _moved(request, moved.group)
    return not_held_screen(request.tr, group.id, group.current_week)


@handler(roles=RECORDERS)
async def not_held_reason(request: Request) -> Reply:
    try:
        group, (kind,) = await access.current_group(request, "sk", 3)
    except WeekMoved as moved:
        return await _moved(request, moved.group)
    if kind not in NOT_HELD:
        raise BadCallback(kind)
    return reasons_screen(request.tr, group.id, group.current_week, kind)


@handler(roles=RECORDERS, write=True)
async def not_held(request: Request) -> Reply:
    try:
        group, (kind, reason) = await access.current_group(request, "sx", 4)
    except WeekMoved as moved:
        return await _moved(request, moved.group)
    if kind not in NOT_HELD or reason not in REASONS:
        raise BadCallback(reason)
    status = NOT_HELD[kind]
    # The meeting that did not take place is the latest one due (today, before the first).
    last = meetings.last_meeting(group, clock.now())
    on = last.date() if last is not None else meetings.local_today(group)
    await meetings.record_not_held(
        request.session,
        group=group,
        status=status,
        reason=Reason(reason),
        on=on,
        actor_id=request.me.id,
    )
    if status == MeetingStatus.CANCELLED:
        return await _panel(request, group, Note("cancelled", week=group.current_week))
    return await _panel(request, group, Note("postponed"))
