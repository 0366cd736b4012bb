"""Violence in a family or sexual violence is never an agreement: that choice shows the referral
guidance from the guides and stores nothing; the facilitator may ask that the coordinator be told
a referral is needed (the group's name only, no details)."""

from __future__ import annotations

from content.guides import default_library
from content.referrals import default_directory
from conversations.agreement import codec, screens
from conversations.agreement.access import RECORDERS, group_in_scope
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from models import agreements, areas


def _guide_html(lang: str, guide_id: str, key: str) -> str:
    """One screen of a guide, in the reader's language (or the guide's fallback)."""
    guide, _ = default_library().guide(lang, guide_id)
    screen = guide.screen(key)
    return screen.html if screen is not None else ""


@handler(roles=RECORDERS, write=True)
async def violence(request: Request) -> Reply:
    group = await group_in_scope(request, codec.parse_group(request.data, codec.VIOLENCE))
    # Nothing of an agreement is kept for violence, not even an unfinished draft.
    await agreements.drop_draft(request.session, user_id=request.me.id)
    request.context.state.clear()
    guide = _guide_html(request.tr.lang, "problem-areas", "violence")
    area = await areas.get_area(request.session, group.area_id)
    names = await areas.area_names(request.session, area) if area is not None else []
    services = default_directory().services(names)
    return screens.violence_screen(request.tr, group.id, guide, services)


@handler(roles=RECORDERS)
async def why_never(request: Request) -> Reply:
    group = await group_in_scope(request, codec.parse_group(request.data, codec.WHY_NEVER))
    guide = _guide_html(request.tr.lang, "agreements", "never")
    return screens.why_never_screen(request.tr, group.id, guide)


@handler(roles=RECORDERS, write=True)
async def referral_requested(request: Request) -> Reply:
    group = await group_in_scope(request, codec.parse_group(request.data, codec.REFERRAL))
    await agreements.request_referral(request.session, group=group, actor_id=request.me.id)
    request.send_outbox_soon()
    return screens.referral_requested_screen(request.tr, group.id, group.name)
