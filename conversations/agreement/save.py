"""Save: the record, its alerts to the coordinators and the audit entry, written together; or
cancel, which drops the draft."""

from __future__ import annotations

from conversations.agreement import codec, screens
from conversations.agreement.access import RECORDERS, draft_in_scope
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from models import agreements


@handler(roles=RECORDERS, write=True)
async def save(request: Request) -> Reply:
    key = codec.parse_draft(request.data, codec.SAVE)
    done = await agreements.saved_from(request.session, key=key, user=request.me)
    if done is not None:  # a second tap on Save
        return screens.saved_already(request.tr)
    # The draft's group is checked against the user's scope again, as on every tap.
    draft, _ = await draft_in_scope(request, key)
    agreement = await agreements.save_draft(request.session, draft=draft, user=request.me)
    request.context.state.clear()
    request.send_outbox_soon()
    return screens.saved_screen(request.tr, agreement)


@handler(roles=RECORDERS, write=True)
async def cancel(request: Request) -> Reply:
    key = codec.parse_draft(request.data, codec.CANCEL)
    # A Cancel button on an older screen leaves a newer draft alone.
    await agreements.drop_draft(request.session, user_id=request.me.id, key=key)
    request.context.state.clear()
    return screens.cancelled(request.tr)
