"""The preparation checklist before week 1: the facilitators tick what is done."""

from __future__ import annotations

from conversations.meeting import access
from conversations.meeting.access import RECORDERS
from conversations.meeting.screens.preparation import checklist_screen
from conversations.runtime.callbacks import BadCallback, int_part, unpack
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from models import groups
from models.groups import PREP_ITEMS


@handler(roles=RECORDERS)
async def prep_checklist(request: Request) -> Reply:
    (group_id,) = unpack(request.data, "pr", 1)
    group = await access.group_in_scope(request, int_part(group_id))
    return checklist_screen(request.tr, group.id, access.preparation_ticks(group))


@handler(roles=RECORDERS, write=True)
async def prep_toggle(request: Request) -> Reply:
    group_id, item = unpack(request.data, "pt", 2)
    group = await access.group_in_scope(request, int_part(group_id))
    if item not in PREP_ITEMS:
        raise BadCallback(item)
    await groups.toggle_prep(request.session, group=group, item=item, actor_id=request.me.id)
    return checklist_screen(request.tr, group.id, access.preparation_ticks(group))
