"""After week 15 the group may go on as a self-help group: its name is typed, its meeting day
tapped (its time is the sessions' until changed); the day and time can be changed later; once a
month the facilitators say whether it still meets (the check-in)."""

from __future__ import annotations

from conversations.meeting import access
from conversations.meeting.access import RECORDERS
from conversations.meeting.codec import SelfHelpStep, parse_month, small_int
from conversations.meeting.screens.common import Note
from conversations.meeting.screens.self_help import (
    ask_day_screen,
    ask_name_screen,
    change_day_screen,
    change_time_screen,
    checkin_saved_screen,
    name_again_screen,
)
from conversations.meeting.screens.week import panel_screen
from conversations.runtime import fallback
from conversations.runtime.callbacks import BadCallback, int_part, unpack
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from conversations.vocabulary.meeting_times import parse_time, parse_weekday
from models import meetings
from models.errors import InvalidInput
from models.groups import WEEKS, Group, GroupStatus
from models.meetings import CheckinAnswer

# Still "session.*": pending steps persisted before a restart carry these names.
NAME_STEP = "session.selfhelp"
DAY_STEP = "session.selfhelp_day"
NAME_MAX = 80
ANSWERS = frozenset(answer.value for answer in CheckinAnswer)


async def _panel(request: Request, group: Group, note: Note | None = None) -> Reply:
    return panel_screen(request.tr, await access.panel_view(request, group), note)


@handler(roles=RECORDERS)
async def self_help_start(request: Request) -> Reply:
    (group_id,) = unpack(request.data, "hs", 1)
    group = await access.group_in_scope(request, int_part(group_id))
    if group.current_week <= WEEKS or group.status == GroupStatus.SELF_HELP:
        return await _panel(request, group)
    request.context.state.expect(NAME_STEP, SelfHelpStep(group.id).pack())
    return ask_name_screen(request.tr)


@fallback.expects_text(NAME_STEP)
@handler(roles=RECORDERS)
async def self_help_name(request: Request) -> Reply:
    state = request.context.state
    try:
        step = SelfHelpStep.parse(state.ref)
    except BadCallback:
        state.clear()
        raise InvalidInput() from None
    group = await access.group_in_scope(request, step.group_id)
    name = " ".join(request.text.split())
    if not name or len(name) > NAME_MAX:
        return name_again_screen(request.tr)
    # The name waits in the pending step until the day is tapped; only then is it saved.
    state.expect(DAY_STEP, SelfHelpStep(group.id, name).pack())
    return ask_day_screen(request.tr, group.id)


@handler(roles=RECORDERS, write=True)
async def self_help_day(request: Request) -> Reply:
    group_id, weekday = unpack(request.data, "hw", 2)
    group = await access.group_in_scope(request, int_part(group_id))
    state = request.context.state
    name = ""
    if state.awaiting == DAY_STEP:
        try:
            step = SelfHelpStep.parse(state.ref)
        except BadCallback:
            step = None
        if step is not None and step.group_id == group.id:
            name = step.name
    if not name:
        return await _panel(request, group, Note("name_lost"))
    await meetings.start_self_help(
        request.session,
        group=group,
        name=name,
        weekday=small_int(weekday, 6),
        actor_id=request.me.id,
    )
    state.clear()
    return await _panel(request, group, Note("self_help_saved"))


@handler(roles=RECORDERS, write=True)
async def self_help_checkin(request: Request) -> Reply:
    group_id, month, answer = unpack(request.data, "hc", 3)
    group = await access.group_in_scope(request, int_part(group_id))
    if answer not in ANSWERS:
        raise BadCallback(answer)
    await meetings.answer_checkin(
        request.session,
        group=group,
        month=parse_month(month),
        answer=CheckinAnswer(answer),
        actor_id=request.me.id,
    )
    return checkin_saved_screen(request.tr, answer)


async def _self_help_group(request: Request, action: str, count: int) -> tuple[Group, list[str]]:
    parts = unpack(request.data, action, count)
    group = await access.group_in_scope(request, int_part(parts[0]))
    return group, parts[1:]


@handler(roles=RECORDERS)
async def change_day(request: Request) -> Reply:
    group, _ = await _self_help_group(request, "hd", 1)
    if group.status != GroupStatus.SELF_HELP:
        return await _panel(request, group)
    return change_day_screen(request.tr, group.id)


@handler(roles=RECORDERS)
async def change_time(request: Request) -> Reply:
    group, (weekday,) = await _self_help_group(request, "ht", 2)
    if group.status != GroupStatus.SELF_HELP:
        return await _panel(request, group)
    return change_time_screen(request.tr, group.id, parse_weekday(weekday))


@handler(roles=RECORDERS, write=True)
async def change_meeting(request: Request) -> Reply:
    group, (weekday, at) = await _self_help_group(request, "hm", 3)
    day, meeting_time = parse_weekday(weekday), parse_time(at)
    if group.status != GroupStatus.SELF_HELP:
        return await _panel(request, group)
    await meetings.set_self_help_meeting(
        request.session, group=group, weekday=day, at=meeting_time, actor_id=request.me.id
    )
    return await _panel(request, group, Note("self_help_moved"))
