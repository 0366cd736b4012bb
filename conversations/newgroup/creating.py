"""Creating the group, with two single-use facilitator invitations to forward."""

from __future__ import annotations

from conversations.newgroup import access, codec, screens
from conversations.newgroup.scheduling import choices, chosen, dates_reply, today
from conversations.runtime.callbacks import unpack
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from models import groups, users
from models.users import Role

INVITE_DAYS = 14


@handler(roles=access.CREATORS, write=True)
async def create(request: Request) -> list[Reply] | Reply:
    parts = unpack(request.data, "ny", 4)
    draft = codec.draft(request.context.state)
    if draft is None:
        return screens.draft_ended(request.tr)
    colline, weekday, at, start = await choices(request, parts)
    assert start is not None
    if start <= today(request):
        return await dates_reply(request, draft.name, colline, weekday, at, past=True)
    me = request.me
    group = await groups.create_group(
        request.session,
        name=draft.name,
        area=colline,
        weekday=weekday,
        meet_time=at,
        start_date=start,
        timezone=request.services.settings.timezone,
        actor_id=me.id,
    )
    invites = [
        await users.create_invite(
            request.session,
            role=Role.FACILITATOR,
            group_id=group.id,
            uses=1,
            days=INVITE_DAYS,
            created_by=me.id,
        )
        for _ in range(2)
    ]
    request.context.state.clear()
    shown = await chosen(request, draft.name, colline, weekday, at, start)
    username = request.context.bot.username
    return screens.created(request.tr, shown, group, invites, username)
