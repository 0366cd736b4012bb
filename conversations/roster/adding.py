"""Adding codes: the facilitator is asked for them, then types them in one message."""

from __future__ import annotations

from conversations.roster import access, codec, screens
from conversations.runtime import fallback
from conversations.runtime.callbacks import unpack
from conversations.runtime.reply import Reply
from conversations.runtime.request import MAX_TEXT_INPUT, Request
from conversations.runtime.unit_of_work import handler
from models import roster


@handler(roles=access.STAFF)
async def ask_codes(request: Request) -> Reply:
    (group_id,) = codec.ids(unpack(request.data, "ra", 1))
    group = await access.group_in_scope(request, group_id)
    count = await roster.count_active(request.session, group.id)
    if count >= roster.MAX_PARTICIPANTS:
        return screens.roster_full(request.tr)
    codec.expect_codes(request.context.state, group.id)
    return screens.ask_codes(request.tr, group, free=roster.MAX_PARTICIPANTS - count)


@fallback.expects_text(codec.ADD)
@handler(roles=access.STAFF, write=True)
async def add_codes(request: Request) -> Reply:
    state = request.context.state
    group_id = codec.codes_for(state)
    if group_id is None:
        state.clear()
        return screens.start_again(request.tr)
    state.clear()
    group = await access.group_in_scope(request, group_id)
    text = request.text
    if len(text) > MAX_TEXT_INPUT or not roster.SEPARATORS.sub("", text).strip():
        codec.expect_codes(state, group.id)
        return screens.codes_not_read(request.tr, too_long=len(text) > MAX_TEXT_INPUT)
    result = await roster.add_codes(request.session, group=group, text=text, actor_id=request.me.id)
    # A shared phone shows the chat to others: a name typed by mistake does not stay in it.
    name_typed = any(reason == "has_space" for _, reason in result.rejected)
    people = await access.people(request, group)
    reply = screens.roster_screen(
        request.tr, group, people, result=result, new=True, removed=name_typed
    )
    reply.delete_user_message = name_typed
    return reply
