"""An agreement seen by a coordinator: its details, acknowledging it from them, and the
reference number of the signed paper, typed.

Details come as a new message sent with protect_content, and every view is written to the audit
log (models.agreements.record_view). "Not an agreement: violence, refer", confirmed, turns the
record into a referral and erases what it said (models.agreements.refer).
"""

from __future__ import annotations

from conversations.coordinator import access, codec, screens
from conversations.coordinator.access import COORDINATORS
from conversations.coordinator.codec import PaperReference
from conversations.runtime import fallback
from conversations.runtime.callbacks import BadCallback, int_part
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from models import agreements, coordination
from models.agreements import Agreement
from models.errors import InvalidInput


async def _details(request: Request, agreement: Agreement, *, new: bool) -> Reply:
    await agreements.record_view(request.session, agreement, request.me.id)
    found = await coordination.agreement_details(request.session, agreement)
    return screens.details(request.tr, found, new=new)


@handler(roles=COORDINATORS, write=True)
async def view_details(request: Request) -> Reply:
    agreement_id = codec.tapped_agreement(request.data, codec.VIEW)
    return await _details(request, await access.agreement(request, agreement_id), new=True)


@handler(roles=COORDINATORS, write=True)
async def acknowledge_in_details(request: Request) -> Reply:
    """Acknowledge from the details message: the details stay, with the new status."""
    agreement_id = codec.tapped_agreement(request.data, codec.ACKNOWLEDGE_IN_DETAILS)
    done = await agreements.acknowledge(
        request.session,
        scope=await access.scope(request),
        agreement_id=agreement_id,
        actor_id=request.me.id,
    )
    return await _details(request, done.agreement, new=False)


@handler(roles=COORDINATORS, write=True)
async def back_to_details(request: Request) -> Reply:
    agreement_id = codec.tapped_agreement(request.data, codec.REFER_BACK)
    return await _details(request, await access.agreement(request, agreement_id), new=False)


@handler(roles=COORDINATORS)
async def ask_refer(request: Request) -> Reply:
    """Not an agreement (violence): what referring does, to confirm, in place of the details."""
    agreement = await access.agreement(
        request, codec.tapped_agreement(request.data, codec.REFER_ASK)
    )
    return screens.ask_refer(request.tr, agreement)


@handler(roles=COORDINATORS, write=True)
async def refer(request: Request) -> Reply:
    query = request.update.callback_query
    tapped = query.message if query is not None else None
    agreement, changed = await agreements.refer(
        request.session,
        scope=await access.scope(request),
        agreement_id=codec.tapped_agreement(request.data, codec.REFER),
        actor_id=request.me.id,
        # The confirmation is answered in place: that message is kept, with the answer.
        replacing=(tapped.chat.id, tapped.message_id) if tapped is not None else None,
    )
    if changed:
        request.send_outbox_soon()
    return screens.referred(request.tr, agreement, changed=changed)


@handler(roles=COORDINATORS)
async def ask_reference(request: Request) -> Reply:
    agreement_id, version = codec.parts(request.data, codec.REFERENCE, 2)
    # The agreement is looked up before the version is read: a tap outside the person's scope
    # is answered as not found, whatever the rest of the data.
    agreement = await access.agreement(request, int_part(agreement_id))
    step = PaperReference(agreement.id, int_part(version))
    request.context.state.expect(codec.AWAITING_REFERENCE, step.ref)
    return screens.ask_reference(request.tr, agreement)


@fallback.expects_text(codec.AWAITING_REFERENCE)
@handler(roles=COORDINATORS, write=True)
async def typed_reference(request: Request) -> Reply:
    state = request.context.state
    try:
        step = codec.awaited_reference(state.ref)
    except (BadCallback, ValueError):
        state.clear()
        raise InvalidInput() from None
    try:
        agreement = await agreements.document(
            request.session,
            scope=await access.scope(request),
            agreement_id=step.agreement_id,
            version=step.version,
            reference=request.text,
            actor_id=request.me.id,
        )
    except InvalidInput as error:
        if error.code != "reference":
            raise
        return screens.bad_reference(request.tr)
    state.clear()
    return screens.documented(request.tr, agreement)
