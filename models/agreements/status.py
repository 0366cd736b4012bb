"""A coordinator's actions on an agreement: reported → acknowledged → documented (the reference
number of the signed paper kept at the office). The group's facilitators are told of each step,
in the same transaction: a neutral message naming the agreement by its date and kind only."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox
from models.agreements.events import add_event
from models.agreements.records import get_agreement
from models.agreements.tables import REFERENCE_MAX, Agreement, Status
from models.audit import audit
from models.clock import clock
from models.errors import Conflict, InvalidInput, NotFound
from models.groups import Group
from models.meetings import facilitator_ids
from models.outbox import OutboxKind
from models.scope import Scope
from models.users import User

# A reference number has at least one digit: a name typed by mistake is refused.
REFERENCE_RE = re.compile(r"^(?=.*[0-9])[A-Za-z0-9][A-Za-z0-9/._-]*$")


@dataclass(frozen=True)
class Done:
    agreement: Agreement
    changed: bool


def clean_reference(text: str) -> str:
    reference = text.strip()
    if not reference or len(reference) > REFERENCE_MAX or not REFERENCE_RE.match(reference):
        raise InvalidInput("reference")
    return reference


async def tell_facilitators(
    session: AsyncSession, agreement: Agreement, event: str, actor_id: int
) -> int:
    """Queues the notice of `event` ("acknowledged", "documented") to the group's facilitators
    and to whoever reported it, if they may still see the group; returns how many."""
    group = await session.get(Group, agreement.group_id)
    if group is None:
        return 0
    recipients = set(await facilitator_ids(session, group.id))
    reporter = await session.get(User, agreement.reported_by or 0)
    if reporter is not None and reporter.active:
        if await (await Scope.of(session, reporter)).group(session, group.id) is not None:
            recipients.add(reporter.id)
    recipients.discard(actor_id)
    queued = 0
    for recipient_id in sorted(recipients):
        queued += await outbox.enqueue(
            session,
            kind=OutboxKind.AGREEMENT_NOTICE,
            subject=f"agreement:{agreement.id}",
            period=event,
            recipient_id=recipient_id,
            payload={"agreement_id": agreement.id, "event": event},
        )
    return queued


async def acknowledge(
    session: AsyncSession, *, scope: Scope, agreement_id: int, actor_id: int, notify: bool = True
) -> Done:
    """Reported → acknowledged; a second acknowledgement changes nothing.

    `notify`: tell the facilitators (not when documenting at once, which tells them itself).
    """
    agreement = await get_agreement(session, scope, agreement_id, lock=True)
    if agreement.status != Status.REPORTED:
        return Done(agreement, False)
    now = clock.now()
    agreement.status = Status.ACKNOWLEDGED.value
    agreement.acknowledged_at = now
    agreement.acknowledged_by = actor_id
    agreement.updated_at = now
    agreement.version += 1
    # A new wait begins, for the reference: its reminders start from nothing.
    agreement.reminded_at = agreement.escalated_at = None
    agreement.escalation_level = None
    add_event(session, agreement, actor_id, "acknowledged")
    if notify:
        await tell_facilitators(session, agreement, "acknowledged", actor_id)
    await audit(
        session,
        actor_id=actor_id,
        action="agreement.acknowledge",
        record=("agreement", agreement.id),
    )
    return Done(agreement, True)


async def document(
    session: AsyncSession,
    *,
    scope: Scope,
    agreement_id: int,
    version: int,
    reference: str,
    actor_id: int,
) -> Agreement:
    """Records the reference number of the signed paper (acknowledging it if not yet done).

    A later call corrects the number; `version` must be the one the coordinator saw.
    """
    reference = clean_reference(reference)
    agreement = await get_agreement(session, scope, agreement_id, lock=True)
    if agreement.status == Status.REFERRED:
        raise NotFound()  # a referral is not an agreement: it has no paper to document
    if agreement.version != version:
        raise Conflict()
    if agreement.status == Status.REPORTED:
        await acknowledge(
            session, scope=scope, agreement_id=agreement.id, actor_id=actor_id, notify=False
        )
    now = clock.now()
    corrected = agreement.status == Status.DOCUMENTED
    agreement.status = Status.DOCUMENTED.value
    agreement.reference = reference
    agreement.documented_at = now
    agreement.documented_by = actor_id
    agreement.updated_at = now
    agreement.version += 1
    add_event(
        session,
        agreement,
        actor_id,
        "reference.corrected" if corrected else "documented",
        reference,
    )
    await audit(
        session, actor_id=actor_id, action="agreement.document", record=("agreement", agreement.id)
    )
    if not corrected:
        await tell_facilitators(session, agreement, "documented", actor_id)
    return agreement
