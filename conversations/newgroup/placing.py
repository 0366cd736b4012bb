"""Where the group meets: down the area tree, from the creator's own area to a colline."""

from __future__ import annotations

from conversations.newgroup import access, codec, screens
from conversations.runtime.callbacks import BadCallback, int_part, unpack
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler


async def places_reply(request: Request, name: str, area_id: int | None) -> Reply:
    """The places under an area, or the start of the person's own part of the tree."""
    found = await access.places(request, area_id)
    if found is None:
        return screens.no_area(request.tr)
    return screens.places(request.tr, name, found)


@handler(roles=access.CREATORS)
async def choose_place(request: Request) -> Reply:
    parts = unpack(request.data, "na")
    if len(parts) > 1:
        raise BadCallback(request.data)
    draft = codec.draft(request.context.state)
    if draft is None:
        return screens.draft_ended(request.tr)
    codec.remember(request.context.state, draft.name)
    return await places_reply(request, draft.name, int_part(parts[0]) if parts else None)
