"""/pending (agreements waiting to be acknowledged or documented) and /groups (each group's
week, attendance and flags), within the person's scope."""

from __future__ import annotations

from conversations.coordinator import access, screens
from conversations.coordinator.access import COORDINATORS
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from models import coordination


@handler(roles=COORDINATORS, write=True)
async def pending_command(request: Request) -> Reply:
    found = await coordination.pending_list(
        request.session, scope=await access.scope(request), actor_id=request.me.id
    )
    return screens.pending(request.tr, found)


@handler(roles=COORDINATORS)
async def groups_command(request: Request) -> Reply:
    summaries = await access.summaries(request)
    access.audit_reading(request, "groups.view")
    if not summaries:
        return screens.no_groups(request.tr)
    return screens.groups(request.tr, summaries)
