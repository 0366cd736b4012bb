"""Violence in a family or sexual violence is never an agreement: that choice shows the referral
guidance from the guides and stores nothing; the facilitator may ask that the coordinator be told
a referral is needed (the group's name only, no details).

A typed summary whose words may point to violence is asked about (Yes / No): Yes ends the draft
the same way; No stores it, marked for the coordinator to check (models.agreements.referral)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from content.guides import default_library
from content.referrals import default_directory
from conversations.agreement import codec, screens
from conversations.agreement.access import RECORDERS, draft_in_scope, group_in_scope
from conversations.agreement.details import check_screen
from conversations.runtime.outbox import renders
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from locales import Translator
from models import agreements, areas, coordination
from models.groups import Group
from models.outbox import OutboxKind, OutboxMessage
from models.users import User


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
    return await _guidance(request, group)


@handler(roles=RECORDERS, write=True)
async def violence_yes(request: Request) -> Reply:
    """The summary involves violence: the draft ends with all it held; the referral guidance,
    and no way to save it with other words."""
    key = codec.parse_draft(request.data, codec.VIOLENCE_YES)
    draft, group = await draft_in_scope(request, key)
    await agreements.violence_confirmed(request.session, draft=draft, actor_id=request.me.id)
    request.context.state.clear()
    return await _guidance(request, group)


@handler(roles=RECORDERS, write=True)
async def violence_no(request: Request) -> Reply:
    """No violence, in the facilitator's judgement: the summary is stored, to be checked."""
    key = codec.parse_draft(request.data, codec.VIOLENCE_NO)
    draft, group = await draft_in_scope(request, key)
    await agreements.no_violence(request.session, draft=draft)
    return await check_screen(request, draft, group)


async def _guidance(request: Request, group: Group) -> Reply:
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


# --- a coordinator referred an agreement of the group (models.agreements.refer) -----------------


@renders(OutboxKind.AGREEMENT_REFERRED)
async def render_referred(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    group = await coordination.group_of(session, row)
    return screens.referred_notice(tr, group.name) if group is not None else None


@renders(OutboxKind.AGREEMENT_ERASE_SCREEN)
async def render_removed(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    """The message is deleted; this text replaces it only when it is too old to delete."""
    return screens.removed(tr)
