"""What the coordinators' flow reads besides the agreements' own functions: the record an alert
is about, everything the details of an agreement show, and the list of agreements waiting.

Alerts are rendered for the recipient the domain chose when it queued them (models.agreements),
so the records they name are read without a scope; everything a coordinator opens by tapping a
button goes through `Scope` (models.agreements.get_agreement) first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import agreements
from models.agreements import FOLLOW_UPS, Agreement, AgreementEvent, FollowUp
from models.areas import Area, area_names
from models.audit import audit
from models.groups import Group
from models.outbox import OutboxMessage
from models.scope import Scope
from models.users import User

# --- the records an alert names ------------------------------------------------------------------


async def agreement_of(session: AsyncSession, row: OutboxMessage) -> Agreement | None:
    """The agreement an outbox message is about; None when it no longer exists."""
    return await session.get(Agreement, int(row.data.get("agreement_id", 0)))


async def group_of(session: AsyncSession, row: OutboxMessage) -> Group | None:
    """The group an outbox message is about (a referral); None when it no longer exists."""
    return await session.get(Group, int(row.data.get("group_id", 0)))


async def hand_over_alert(session: AsyncSession, row: OutboxMessage) -> None:
    """The recipient blocked the bot: the next coordinator up the tree, else the admins."""
    group_id = row.data.get("group_id")
    if group_id is None:
        agreement = await agreement_of(session, row)
        group_id = agreement.group_id if agreement else None
    group = await session.get(Group, int(group_id or 0))
    if group is not None:
        await agreements.hand_over(session, row, group)


@dataclass(frozen=True)
class Answered:
    agreement: Agreement
    follow_up: FollowUp


async def answered_follow_up(session: AsyncSession, row: OutboxMessage) -> Answered | None:
    """The follow-up answer an outbox message tells of; None when there is none (any more)."""
    agreement = await agreement_of(session, row)
    step = str(row.data.get("step", ""))
    if agreement is None or step not in FOLLOW_UPS:
        return None
    follow_up = next(
        (f for f in await agreements.follow_ups(session, agreement.id) if f.step == step), None
    )
    if follow_up is None or follow_up.answer is None:
        return None
    return Answered(agreement, follow_up)


# --- the details of one agreement ----------------------------------------------------------------


@dataclass(frozen=True)
class AgreementDetails:
    agreement: Agreement
    group: Group
    # Names from the province down to the group's area ([] when the area is gone).
    place: list[str]
    parties: list[str]
    events: list[AgreementEvent]
    # By step ("m1", "m3"); a step not yet due has no row.
    follow_ups: dict[str, FollowUp]
    # The role of each person in the history (shown instead of their internal id).
    actor_roles: dict[int, str] = field(default_factory=dict)


async def agreement_details(session: AsyncSession, agreement: Agreement) -> AgreementDetails:
    """Everything the details message shows of an agreement the person may already see."""
    group = await session.get(Group, agreement.group_id)
    assert group is not None  # deleting a group deletes its agreements (ON DELETE CASCADE)
    area = await session.get(Area, group.area_id)
    events = await agreements.history(session, agreement.id)
    actors = {e.actor_id for e in events if e.actor_id is not None}
    roles = await session.execute(select(User.id, User.role).where(User.id.in_(actors)))
    return AgreementDetails(
        agreement=agreement,
        group=group,
        place=await area_names(session, area) if area else [],
        parties=await agreements.party_codes(session, agreement.id),
        events=events,
        follow_ups={f.step: f for f in await agreements.follow_ups(session, agreement.id)},
        actor_roles={user_id: role for user_id, role in roles.all()},
    )


# --- the agreements waiting for a coordinator ----------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    agreement: Agreement
    group: Group


@dataclass(frozen=True)
class Pending:
    # The oldest first, at most the limit asked for.
    shown: list[Waiting]
    total: int


async def pending_list(
    session: AsyncSession, *, scope: Scope, actor_id: int, limit: int = 20
) -> Pending:
    """Agreements waiting to be acknowledged or documented, with their groups; the reading is
    written to the audit log."""
    rows = await agreements.pending(session, scope, limit=limit)
    total = await agreements.count_pending(session, scope)
    await audit(session, actor_id=actor_id, action="pending.view")
    if not rows:
        return Pending([], total)
    groups = {
        g.id: g
        for g in await session.scalars(
            scope.groups().where(Group.id.in_({a.group_id for a in rows}))
        )
    }
    return Pending([Waiting(a, groups[a.group_id]) for a in rows], total)
