"""A coordinator's care of a group's facilitators: who leads it (numbered, never named), who
ticked its preparation checklist (as a role), and replacing a facilitator who leaves.

Replacing takes the person out of the group (their membership ends, their reminders and their
agreement draft for the group are dropped; every later tap of theirs is checked against the
groups they lead, so their pending steps no longer act) and makes a single-use invite for the
new facilitator. The person keeps their account: with no group left, they see none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.agreements.tables import AgreementDraft
from models.audit import AuditEntry, audit
from models.clock import clock
from models.errors import NotFound
from models.groups import PREP_ITEMS, Group, GroupMember
from models.meetings.corrections import Actor, actors_of
from models.outbox import OutboxMessage, OutboxStatus
from models.users import Invite, Role, User, create_invite

INVITE_DAYS = 14


@dataclass(frozen=True)
class Facilitator:
    member_id: int  # the membership, which buttons name
    number: int  # 1, 2, ... in the order they joined
    language: str
    last_active: datetime | None  # their latest recorded action, None: none yet


async def facilitators_of(session: AsyncSession, group_id: int) -> list[Facilitator]:
    rows = await session.execute(
        select(GroupMember.id, User.id, User.language)
        .join(User, User.id == GroupMember.user_id)
        .where(
            GroupMember.group_id == group_id,
            GroupMember.left_at.is_(None),
            User.revoked_at.is_(None),
        )
        .order_by(GroupMember.joined_at, GroupMember.id)
    )
    found = rows.all()
    last = dict(
        (
            await session.execute(
                select(AuditEntry.actor_id, func.max(AuditEntry.at))
                .where(AuditEntry.actor_id.in_([user_id for _, user_id, _ in found]))
                .group_by(AuditEntry.actor_id)
            )
        ).all()
    )
    return [
        Facilitator(member_id, number, language, last.get(user_id))
        for number, (member_id, user_id, language) in enumerate(found, start=1)
    ]


async def membership(session: AsyncSession, member_id: int) -> GroupMember:
    """A current facilitator's membership; one that ended (or never was) is not found."""
    member = await session.get(GroupMember, member_id)
    if member is None or member.left_at is not None:
        raise NotFound()
    return member


async def replace_facilitator(
    session: AsyncSession, *, group: Group, member: GroupMember, actor_id: int | None
) -> tuple[str, Invite]:
    """The facilitator leaves the group; returns the new facilitator's invite (code, invite)."""
    if member.group_id != group.id or member.left_at is not None:
        raise NotFound()
    member.left_at = clock.now()
    user_id = member.user_id
    await session.execute(
        delete(AgreementDraft).where(
            AgreementDraft.user_id == user_id, AgreementDraft.group_id == group.id
        )
    )
    await _cancel_messages(session, user_id=user_id, group_id=group.id)
    await audit(
        session, actor_id=actor_id, action="group.facilitator_removed", record=("group", group.id)
    )
    return await create_invite(
        session,
        role=Role.FACILITATOR,
        group_id=group.id,
        uses=1,
        days=INVITE_DAYS,
        created_by=actor_id,
    )


async def _cancel_messages(session: AsyncSession, *, user_id: int, group_id: int) -> None:
    """Reminders and prompts about the group still waiting for the person are not sent."""
    pending = await session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.recipient_id == user_id,
            OutboxMessage.status == OutboxStatus.PENDING.value,
        )
    )
    for row in pending:
        try:
            about = json.loads(row.payload or "{}").get("group_id")
        except (ValueError, AttributeError):
            about = None
        if row.subject == f"group:{group_id}" or about == group_id:
            row.status = OutboxStatus.CANCELLED.value


@dataclass(frozen=True)
class Tick:
    item: str
    done: bool
    by: Actor | None  # who ticked it, as a role; None when not ticked


async def checklist(session: AsyncSession, group: Group) -> list[Tick]:
    """The preparation checklist with who ticked each item (from the audit log)."""
    rows = await session.execute(
        select(AuditEntry.action, AuditEntry.actor_id)
        .where(
            AuditEntry.record_type == "group",
            AuditEntry.record_id == group.id,
            AuditEntry.action.in_([f"prep.{item}.on" for item in PREP_ITEMS]),
        )
        .order_by(AuditEntry.id)
    )
    ticked_by = {action.split(".")[1]: actor_id for action, actor_id in rows.all()}
    actors = await actors_of(session, group.id, set(ticked_by.values()))
    ticks = []
    for item in PREP_ITEMS:
        done = bool(getattr(group, f"prep_{item}"))
        by = None
        if done and item in ticked_by:
            by = actors.get(ticked_by[item] or 0, Actor.FORMER)
        ticks.append(Tick(item, done, by))
    return ticks
