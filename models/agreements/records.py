"""Saving a draft as an agreement (with its alerts), and reading agreements within a scope."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox
from models.agreements.alerts import alert_recipients
from models.agreements.drafts import check_reached_on, draft_complete
from models.agreements.events import add_event
from models.agreements.tables import Agreement, AgreementDraft, AgreementParty, Kind, Status
from models.audit import audit
from models.clock import clock
from models.errors import Conflict, InvalidInput, NotFound
from models.groups import Group
from models.outbox import OutboxKind
from models.roster import Participant
from models.scope import Scope
from models.users import User

# --- saving and alerting -----------------------------------------------------------------------


async def saved_from(session: AsyncSession, *, key: str, user: User) -> Agreement | None:
    """The agreement this user saved from the draft `key` (a repeated tap on "Save")."""
    return await session.scalar(
        select(Agreement).where(Agreement.draft_key == key, Agreement.reported_by == user.id)
    )


async def save_draft(session: AsyncSession, *, draft: AgreementDraft, user: User) -> Agreement:
    """Creates the agreement with its alerts and audit in this transaction; drops the draft."""
    existing = await session.scalar(select(Agreement).where(Agreement.draft_key == draft.key))
    if existing is not None:
        return existing
    if not draft_complete(draft):
        raise InvalidInput("draft_incomplete")
    group = await session.get(Group, draft.group_id)
    if group is None:
        raise NotFound()
    assert draft.reached_on is not None and draft.written is not None
    check_reached_on(group, draft.reached_on)
    parties = list(
        await session.scalars(
            select(Participant).where(
                Participant.id.in_(draft.parties), Participant.group_id == group.id
            )
        )
    )
    if len(parties) != len(draft.parties):
        raise Conflict()
    now = clock.now()
    agreement = Agreement(
        group_id=group.id,
        kind=Kind(draft.kind).value,
        summary=draft.summary,
        reached_on=draft.reached_on,
        written=draft.written,
        outside_roles=draft.outside_roles,
        witness_roles=draft.witness_roles,
        violence_check=draft.violence_check,
        status=Status.REPORTED.value,
        reported_by=user.id,
        draft_key=draft.key,
        created_at=now,
        updated_at=now,
    )
    session.add(agreement)
    await session.flush()
    for participant in parties:
        session.add(AgreementParty(agreement_id=agreement.id, participant_id=participant.id))
    add_event(session, agreement, user.id, "reported")
    await audit(
        session, actor_id=user.id, action="agreement.report", record=("agreement", agreement.id)
    )
    for recipient in await alert_recipients(session, group):
        await outbox.enqueue(
            session,
            kind=OutboxKind.AGREEMENT_ALERT,
            subject=f"agreement:{agreement.id}",
            period="new",
            recipient_id=recipient.id,
            payload={"agreement_id": agreement.id},
        )
    await session.delete(draft)
    await session.flush()
    return agreement


# Nothing left for a coordinator to do: documented, or referred (not an agreement).
CLOSED = (Status.DOCUMENTED.value, Status.REFERRED.value)


# --- reading, within a scope ---------------------------------------------------------------------


def scoped(scope: Scope) -> Select[Agreement]:
    """Agreements of the groups this user may see."""
    return select(Agreement).join(Group, Group.id == Agreement.group_id).where(scope.group_filter())


async def get_agreement(
    session: AsyncSession, scope: Scope, agreement_id: int, *, lock: bool = False
) -> Agreement:
    """The agreement if this user may see it; NotFound otherwise (never a hint it exists).

    `lock`: for a change, so that two coordinators acting at once on PostgreSQL are serialised
    (SQLite already serialises writers with BEGIN IMMEDIATE).
    """
    agreement = await session.scalar(scoped(scope).where(Agreement.id == agreement_id))
    if agreement is None:
        raise NotFound()
    if lock:
        await session.refresh(agreement, with_for_update=True)
    return agreement


async def message_subject(
    session: AsyncSession, agreement_id: int
) -> tuple[Agreement, Group] | None:
    """The agreement an outbox message is about, with its group; None once it is gone.

    Not scoped: the domain chose the message's recipient when it queued it.
    """
    agreement = await session.get(Agreement, agreement_id)
    group = await session.get(Group, agreement.group_id) if agreement else None
    if agreement is None or group is None:
        return None
    return agreement, group


async def pending(session: AsyncSession, scope: Scope, limit: int = 20) -> list[Agreement]:
    """Waiting for a coordinator (to acknowledge or to document), oldest first."""
    rows = await session.scalars(
        scoped(scope)
        .where(Agreement.status.not_in(CLOSED))
        .order_by(Agreement.created_at, Agreement.id)
        .limit(limit)
    )
    return list(rows)


async def count_pending(session: AsyncSession, scope: Scope) -> int:
    count = await session.scalar(
        select(func.count()).select_from(
            scoped(scope).where(Agreement.status.not_in(CLOSED)).subquery()
        )
    )
    return int(count or 0)


async def party_codes(session: AsyncSession, agreement_id: int) -> list[str]:
    rows = await session.scalars(
        select(Participant.code)
        .join(AgreementParty, AgreementParty.participant_id == Participant.id)
        .where(AgreementParty.agreement_id == agreement_id)
        .order_by(Participant.id)
    )
    return list(rows)


async def record_view(session: AsyncSession, agreement: Agreement, actor_id: int) -> None:
    await audit(
        session, actor_id=actor_id, action="agreement.view", record=("agreement", agreement.id)
    )
