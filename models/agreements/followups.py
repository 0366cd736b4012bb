"""Follow-ups: one and three months after the date reached, the facilitators are asked whether
the agreement holds; the first answer counts and the coordinators are told."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox
from models.agreements.alerts import alert_recipients
from models.agreements.events import add_event
from models.agreements.records import get_agreement
from models.agreements.tables import FOLLOW_UPS, Agreement, Answer, FollowUp, Status
from models.audit import audit
from models.clock import clock
from models.errors import InvalidInput, NotFound
from models.groups import Group
from models.meetings import facilitator_ids
from models.outbox import OutboxKind
from models.scope import Scope
from models.sweep import Write
from models.users import User

# Follow-ups are asked in the morning, in the group's time zone.
FOLLOW_UP_HOUR = 9


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("every month has 28 days")


def follow_up_due(group: Group, reached_on: date, step: str) -> datetime:
    day = add_months(reached_on, FOLLOW_UPS[step])
    return datetime.combine(day, time(FOLLOW_UP_HOUR), tzinfo=ZoneInfo(group.timezone))


async def follow_ups(session: AsyncSession, agreement_id: int) -> list[FollowUp]:
    rows = await session.scalars(
        select(FollowUp).where(FollowUp.agreement_id == agreement_id).order_by(FollowUp.due_on)
    )
    return list(rows)


async def answer_follow_up(
    session: AsyncSession,
    *,
    scope: Scope,
    agreement_id: int,
    step: str,
    answer: Answer,
    actor_id: int,
) -> tuple[FollowUp, bool]:
    """The first answer counts; returns the follow-up and whether this answer was recorded."""
    agreement = await get_agreement(session, scope, agreement_id, lock=True)
    if agreement.status == Status.REFERRED:
        raise NotFound()
    if step not in FOLLOW_UPS:
        raise InvalidInput("step")
    row = await session.scalar(
        select(FollowUp).where(FollowUp.agreement_id == agreement.id, FollowUp.step == step)
    )
    if row is None or row.asked_at is None:
        raise NotFound()
    if row.answer is not None:
        return row, False
    now = clock.now()
    row.answer = answer.value
    row.answered_by = actor_id
    row.answered_at = now
    agreement.updated_at = now
    agreement.version += 1
    add_event(session, agreement, actor_id, f"follow_up.{step}", answer.value)
    await audit(
        session,
        actor_id=actor_id,
        action=f"agreement.follow_up.{answer.value}",
        record=("agreement", agreement.id),
    )
    group = await session.get(Group, agreement.group_id)
    assert group is not None
    recipients = {u.id for u in await alert_recipients(session, group)}
    acknowledger = await session.get(User, agreement.acknowledged_by or 0)
    if acknowledger is not None and acknowledger.active and acknowledger.unreachable_at is None:
        recipients.add(acknowledger.id)
    recipients.discard(actor_id)
    for recipient_id in sorted(recipients):
        await outbox.enqueue(
            session,
            kind=OutboxKind.AGREEMENT_ANSWER,
            subject=f"agreement:{agreement.id}",
            period=step,
            recipient_id=recipient_id,
            payload={"agreement_id": agreement.id, "step": step},
        )
    return row, True


# --- the sweep: asking when due ------------------------------------------------------------------


async def _due_follow_ups(
    session: AsyncSession, now: datetime
) -> list[tuple[Agreement, Group, list[str]]]:
    """The agreements with follow-up steps due and not yet created, with those steps."""
    last_step = max(FOLLOW_UPS, key=lambda s: FOLLOW_UPS[s])
    finished = select(FollowUp.agreement_id).where(FollowUp.step == last_step)
    # A month is at least 28 days; a day less covers the time zones.
    earliest = now.date() - timedelta(days=27 * min(FOLLOW_UPS.values()))
    pending = and_(
        Agreement.reached_on <= earliest,
        Agreement.id.not_in(finished),
        Agreement.status != Status.REFERRED.value,  # violence, referred: not an agreement
    )
    rows = await session.execute(
        select(Agreement, Group).join(Group, Group.id == Agreement.group_id).where(pending)
    )
    steps = await session.execute(
        select(FollowUp.agreement_id, FollowUp.step)
        .join(Agreement, Agreement.id == FollowUp.agreement_id)
        .where(pending)
    )
    known: dict[int, set[str]] = {}
    for agreement_id, step in steps.all():
        known.setdefault(agreement_id, set()).add(step)
    out = []
    for agreement, group in rows.all():
        due = [
            s
            for s in FOLLOW_UPS
            if s not in known.get(agreement.id, ())
            and follow_up_due(group, agreement.reached_on, s) <= now
        ]
        if due:
            out.append((agreement, group, due))
    return out


async def find_follow_ups(session: AsyncSession, now: datetime) -> Write | None:
    """One and three months after the date reached: ask the facilitators if it holds."""
    if not await _due_follow_ups(session, now):
        return None

    # The write works them out again: a follow-up created meanwhile is not created twice.
    async def write(session: AsyncSession) -> int:
        return await queue_follow_ups(session, now)

    return write


async def queue_follow_ups(session: AsyncSession, now: datetime) -> int:
    queued = 0
    for agreement, group, due in await _due_follow_ups(session, now):
        # Recorded late, both may be due at once: ask only the latest, skip the earlier one.
        ask = max(due, key=lambda s: FOLLOW_UPS[s])
        for step in due:
            session.add(
                FollowUp(
                    agreement_id=agreement.id,
                    step=step,
                    due_on=add_months(agreement.reached_on, FOLLOW_UPS[step]),
                    asked_at=now if step == ask else None,
                )
            )
        recipients = await facilitator_ids(session, group.id)
        if not recipients:
            recipients = [u.id for u in await alert_recipients(session, group)]
        for user_id in recipients:
            queued += await outbox.enqueue(
                session,
                kind=OutboxKind.AGREEMENT_FOLLOWUP,
                subject=f"agreement:{agreement.id}",
                period=ask,
                recipient_id=user_id,
                payload={"agreement_id": agreement.id, "step": ask},
            )
    return queued
