"""Looking at a roster: /roster, the codes, those who left, one participant."""

from __future__ import annotations

from conversations.roster import access, codec, screens
from conversations.runtime.callbacks import pack, unpack
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from conversations.widgets import choose_group, my_groups, no_group
from models import roster
from models.users import Role


@handler(roles=access.STAFF)
async def roster_command(request: Request) -> Reply:
    codec.forget_typing(request.context.state)
    groups = await my_groups(request)
    if not groups:
        if request.me.role == Role.FACILITATOR:
            return no_group(request)
        return screens.no_groups_here(request.tr)
    if len(groups) > 1:
        return choose_group(request, groups, lambda g: pack("ro", g.id))
    group = groups[0]
    return screens.roster_screen(request.tr, group, await access.people(request, group), new=True)


@handler(roles=access.STAFF)
async def show_roster(request: Request) -> Reply:
    (group_id,) = codec.ids(unpack(request.data, "ro", 1))
    codec.forget_typing(request.context.state)
    group = await access.group_in_scope(request, group_id)
    return screens.roster_screen(request.tr, group, await access.people(request, group))


@handler(roles=access.STAFF)
async def show_left(request: Request) -> Reply:
    (group_id,) = codec.ids(unpack(request.data, "rl", 1))
    codec.forget_typing(request.context.state)
    group = await access.group_in_scope(request, group_id)
    left = await roster.left_participants(request.session, group.id)
    return screens.left_list(request.tr, group, left)


@handler(roles=access.STAFF)
async def show_participant(request: Request) -> Reply:
    group_id, participant_id = codec.ids(unpack(request.data, "rp", 2))
    codec.forget_typing(request.context.state)
    group, participant = await access.participant_in_group(request, group_id, participant_id)
    if not participant.active:
        people = await access.people(request, group)
        return screens.gone(request.tr, group, people, participant, new=False)
    return screens.participant_screen(request.tr, group, participant)
