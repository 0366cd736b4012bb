"""/agreement (or the button on the week's record): the group, then what the agreement is about,
which begins a new draft."""

from __future__ import annotations

from conversations.agreement import codec, screens
from conversations.agreement.access import RECORDERS, group_in_scope
from conversations.agreement.parties import show_parties
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from conversations.widgets import choose_group, my_groups, no_group
from models import agreements
from models.errors import DomainError


@handler(roles=RECORDERS)
async def agreement_command(request: Request) -> Reply:
    groups = await my_groups(request)
    if not groups:
        return no_group(request)
    if len(groups) > 1:
        return choose_group(request, groups, lambda g: codec.group_data(codec.GROUP, g.id))
    reply = screens.kind_screen(request.tr, groups[0].id, groups[0].name)
    reply.new = True
    return reply


@handler(roles=RECORDERS)
async def group_chosen(request: Request) -> Reply:
    group = await group_in_scope(request, codec.parse_group(request.data, codec.GROUP))
    return screens.kind_screen(request.tr, group.id, group.name)


@handler(roles=RECORDERS, write=True)
async def kind_chosen(request: Request) -> Reply:
    group_id, kind = codec.parse_kind(request.data)
    group = await group_in_scope(request, group_id)
    request.context.state.clear()
    try:
        draft = await agreements.start_draft(
            request.session, user=request.me, group=group, kind=kind
        )
    except DomainError as error:
        if error.code != "roster_too_small":
            raise
        return screens.roster_too_small(request.tr)
    return await show_parties(request, draft, group, 0)
