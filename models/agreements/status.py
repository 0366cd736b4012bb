"""A coordinator's actions on an agreement: reported → acknowledged → documented (the reference
number of the signed paper kept at the office)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from models.agreements.events import add_event
from models.agreements.records import get_agreement
from models.agreements.tables import REFERENCE_MAX, Agreement, Status
from models.audit import audit
from models.clock import clock
from models.errors import Conflict, InvalidInput
from models.scope import Scope

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


async def acknowledge(
    session: AsyncSession, *, scope: Scope, agreement_id: int, actor_id: int
) -> Done:
    """Reported → acknowledged; a second acknowledgement changes nothing."""
    agreement = await get_agreement(session, scope, agreement_id, lock=True)
    if agreement.status != Status.REPORTED:
        return Done(agreement, False)
    now = clock.now()
    agreement.status = Status.ACKNOWLEDGED.value
    agreement.acknowledged_at = now
    agreement.acknowledged_by = actor_id
    agreement.updated_at = now
    agreement.version += 1
    add_event(session, agreement, actor_id, "acknowledged")
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
    if agreement.version != version:
        raise Conflict()
    if agreement.status == Status.REPORTED:
        await acknowledge(session, scope=scope, agreement_id=agreement.id, actor_id=actor_id)
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
    return agreement
