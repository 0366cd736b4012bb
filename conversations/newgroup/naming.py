"""Starting a group: /newgroup asks for the name, and Cancel ends the draft at any step."""

from __future__ import annotations

from conversations.newgroup import access, codec, screens
from conversations.newgroup.placing import places_reply
from conversations.runtime import fallback
from conversations.runtime.callbacks import unpack
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler


@handler(roles=access.CREATORS)
async def new_group(request: Request) -> Reply:
    request.context.state.expect(codec.NAME)
    return screens.ask_name(request.tr)


@fallback.expects_text(codec.NAME)
@handler(roles=access.CREATORS)
async def name_typed(request: Request) -> Reply:
    name = " ".join(request.text.split())
    if not name or len(name) > screens.NAME_MAX:
        return screens.name_refused(request.tr, len(name))
    codec.remember(request.context.state, name)
    reply = await places_reply(request, name, None)
    reply.new = True
    return reply


@handler(roles=access.CREATORS)
async def cancel(request: Request) -> Reply:
    unpack(request.data, "nq", 0)
    state = request.context.state
    if state.awaiting in (codec.NAME, codec.TIME) or codec.draft(state) is not None:
        state.clear()
    return screens.cancelled(request.tr)
