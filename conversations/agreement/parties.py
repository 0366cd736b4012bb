"""The parties (codes from the roster), then outside parties and witnesses by role: each step
toggles choices carried in the button data as a mask, and "Next" stores them in the draft."""

from __future__ import annotations

from conversations.agreement import codec, screens
from conversations.agreement.access import RECORDERS, draft_in_scope
from conversations.agreement.details import show_date
from conversations.runtime.callbacks import BadCallback
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from models import agreements
from models.agreements import OUTSIDE_ROLES, WITNESS_ROLES, AgreementDraft, mask_of
from models.errors import InvalidInput
from models.groups import Group


async def show_parties(request: Request, draft: AgreementDraft, group: Group, mask: int) -> Reply:
    roster = await agreements.draft_roster(request.session, draft)
    if mask < 0 or mask >= 1 << len(roster):
        raise BadCallback(str(mask))
    codes = [p.code for p in roster]
    return screens.parties_screen(request.tr, draft.key, group.name, codes, mask)


@handler(roles=RECORDERS)
async def toggle_party(request: Request) -> Reply:
    tap = codec.parse_toggles(request.data, codec.PARTY)
    draft, group = await draft_in_scope(request, tap.key)
    return await show_parties(request, draft, group, tap.mask)


@handler(roles=RECORDERS, write=True)
async def parties_done(request: Request) -> Reply:
    tap = codec.parse_toggles(request.data, codec.PARTIES_DONE)
    draft, group = await draft_in_scope(request, tap.key)
    try:
        await agreements.set_parties(request.session, draft, tap.mask)
    except InvalidInput as error:
        if error.code != "too_few_parties":
            raise
        return screens.too_few_parties(request.tr)
    # Coming back to this step keeps what was chosen before.
    chosen = mask_of(draft.outside, OUTSIDE_ROLES)
    return screens.roles_screen(request.tr, draft.key, group.name, outside=True, mask=chosen)


@handler(roles=RECORDERS)
async def toggle_outside(request: Request) -> Reply:
    tap = codec.parse_toggles(request.data, codec.OUTSIDE, len(OUTSIDE_ROLES))
    draft, group = await draft_in_scope(request, tap.key)
    return screens.roles_screen(request.tr, draft.key, group.name, outside=True, mask=tap.mask)


@handler(roles=RECORDERS, write=True)
async def outside_done(request: Request) -> Reply:
    tap = codec.parse_toggles(request.data, codec.OUTSIDE_DONE, len(OUTSIDE_ROLES))
    draft, group = await draft_in_scope(request, tap.key)
    await agreements.set_roles(request.session, draft=draft, which="outside", mask=tap.mask)
    return screens.roles_screen(request.tr, draft.key, group.name, outside=False, mask=0)


@handler(roles=RECORDERS)
async def toggle_witness(request: Request) -> Reply:
    tap = codec.parse_toggles(request.data, codec.WITNESS, len(WITNESS_ROLES))
    draft, group = await draft_in_scope(request, tap.key)
    return screens.roles_screen(request.tr, draft.key, group.name, outside=False, mask=tap.mask)


@handler(roles=RECORDERS, write=True)
async def witnesses_done(request: Request) -> Reply:
    tap = codec.parse_toggles(request.data, codec.WITNESSES_DONE, len(WITNESS_ROLES))
    draft, group = await draft_in_scope(request, tap.key)
    await agreements.set_roles(request.session, draft=draft, which="witness", mask=tap.mask)
    return show_date(request, draft, group)
