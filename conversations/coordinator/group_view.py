"""A group seen by its coordinator, from /groups: where it is, its preparation checklist (read
only, who ticked each item as a role), its facilitators (numbered, with their language and last
activity, never named), the latest corrections of its records, and two actions: replacing a
facilitator who leaves (confirmed first; a new single-use invite is shown), and the self-help
group's meeting day and time.

Every tap names a group or a membership by id and is checked again against the coordinator's
scope; a forged or stale id is answered as not found.
"""

from __future__ import annotations

from conversations.coordinator import access, codec, screens
from conversations.coordinator.access import COORDINATORS
from conversations.coordinator.group_screens import (
    GroupView,
    change_day,
    change_time,
    group_view,
    invite_message,
    replace_question,
)
from conversations.runtime.callbacks import int_part
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from conversations.vocabulary.corrections import correction_lines
from conversations.vocabulary.meeting_times import parse_time, parse_weekday
from models import facilitation, meetings
from models.errors import NotFound
from models.groups import Group, GroupMember, GroupStatus
from models.meetings.corrections import corrections_of


async def _group(request: Request, group_id: int) -> Group:
    group = await (await access.scope(request)).group(request.session, group_id)
    if group is None:
        raise NotFound()
    return group


async def _member(request: Request, member_id: int) -> tuple[GroupMember, Group]:
    """A facilitator's membership in a group of the coordinator's scope, still current."""
    member = await facilitation.membership(request.session, member_id)
    return member, await _group(request, member.group_id)


async def _view(request: Request, group: Group, note: str | None = None) -> Reply:
    session = request.session
    corrections = await corrections_of(session, group)
    view = GroupView(
        group=group,
        checklist=await facilitation.checklist(session, group),
        facilitators=await facilitation.facilitators_of(session, group.id),
        corrections=correction_lines(
            request.tr,
            corrections,
            viewer_id=request.me.id,
            facilitator=False,
            timezone=group.timezone,
        ),
        self_help_day=meetings.self_help_weekday(group),
        self_help_time=meetings.self_help_time(group),
    )
    return group_view(request.tr, view, note)


@handler(roles=COORDINATORS)
async def open_group(request: Request) -> Reply:
    (group_id,) = codec.parts(request.data, codec.GROUP, 1)
    return await _view(request, await _group(request, int_part(group_id)))


@handler(roles=COORDINATORS)
async def ask_replace(request: Request) -> Reply:
    (member_id,) = codec.parts(request.data, codec.REPLACE, 1)
    member, group = await _member(request, int_part(member_id))
    facilitators = await facilitation.facilitators_of(request.session, group.id)
    number = next((f.number for f in facilitators if f.member_id == member.id), 0)
    if not number:
        raise NotFound()
    return replace_question(request.tr, group, member.id, number)


@handler(roles=COORDINATORS, write=True)
async def replace(request: Request) -> list[Reply]:
    (member_id,) = codec.parts(request.data, codec.REPLACE_CONFIRMED, 1)
    member, group = await _member(request, int_part(member_id))
    code, invite = await facilitation.replace_facilitator(
        request.session, group=group, member=member, actor_id=request.me.id
    )
    username = request.context.bot.username
    return [
        await _view(request, group, "replaced"),
        invite_message(request.tr, group, code, invite, username),
    ]


async def _self_help(request: Request, sub: str, count: int) -> tuple[Group, list[str]]:
    parts = codec.parts(request.data, sub, count)
    return await _group(request, int_part(parts[0])), parts[1:]


@handler(roles=COORDINATORS)
async def choose_day(request: Request) -> Reply:
    group, _ = await _self_help(request, codec.MEETING_DAY, 1)
    if group.status != GroupStatus.SELF_HELP:
        return await _view(request, group)
    return change_day(request.tr, group.id)


@handler(roles=COORDINATORS)
async def choose_time(request: Request) -> Reply:
    group, (weekday,) = await _self_help(request, codec.MEETING_TIME, 2)
    if group.status != GroupStatus.SELF_HELP:
        return await _view(request, group)
    return change_time(request.tr, group.id, parse_weekday(weekday))


@handler(roles=COORDINATORS, write=True)
async def save_meeting(request: Request) -> Reply:
    group, (weekday, at) = await _self_help(request, codec.MEETING_SAVED, 3)
    day, meeting_time = parse_weekday(weekday), parse_time(at)
    if group.status != GroupStatus.SELF_HELP:
        return await _view(request, group)
    await meetings.set_self_help_meeting(
        request.session, group=group, weekday=day, at=meeting_time, actor_id=request.me.id
    )
    return await _view(request, group, "moved")


@handler(roles=COORDINATORS)
async def back_to_groups(request: Request) -> Reply:
    codec.parts(request.data, codec.GROUPS, 0)
    summaries = await access.summaries(request)
    access.audit_reading(request, "groups.view")
    if not summaries:
        return screens.no_groups(request.tr)
    reply = screens.groups(request.tr, summaries)
    reply.new = False
    return reply
