"""Agreements waiting for a coordinator are reminded, then climb the area tree one level at a
time (colline → commune → province → admins) until someone acts (the sweep):

- not acknowledged: REMIND_AFTER the alert, a reminder to the coordinators alerted; then every
  ESCALATE_EVERY the next level up with coordinators who can be reached, finally the admins;
- acknowledged but its reference not recorded: PAPER_REMIND_AFTER the acknowledgement, a reminder
  to whoever acknowledged it and the coordinators of their level; then every PAPER_ESCALATE_EVERY
  the next level up, finally the admins.

`escalation_level` keeps the level told last (alerts.ADMINS once the admins were), `reminded_at`
and `escalated_at` when. The write sets them with the messages it queues, and every message's
outbox key names its level, so a repeated sweep or a restart never sends one twice. Documented
and referred agreements are left alone: only the two waiting statuses are selected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from models import outbox
from models.agreements.alerts import (
    ADMINS,
    BELOW_EVERY_AREA,
    level_above,
    level_of,
    level_recipients,
)
from models.agreements.events import add_event
from models.agreements.tables import Agreement, Status
from models.groups import Group
from models.outbox import OutboxKind
from models.sweep import Write, any_row
from models.users import User

# Two days to acknowledge, as the coordinators' alerts have always asked; the admins are reached
# eight days after the alert at most (colline, commune, province, admins).
REMIND_AFTER = timedelta(hours=48)
ESCALATE_EVERY = timedelta(hours=48)
ESCALATE_AFTER = REMIND_AFTER + ESCALATE_EVERY
# The signed paper must travel to the office: a week before the first reminder, a week per level
# after it, so that an agreement left undocumented reaches the admins within four weeks.
PAPER_REMIND_AFTER = timedelta(days=7)
PAPER_ESCALATE_EVERY = timedelta(days=7)

LEVEL_NAMES = {1: "province", 2: "commune", 3: "colline"}


@dataclass(frozen=True)
class Stage:
    """One wait: the status it is about, the time it starts from, its timings and messages."""

    status: Status
    since: InstrumentedAttribute[Any]  # the column the wait starts from
    remind_after: timedelta
    every: timedelta
    reminder: OutboxKind
    escalation: OutboxKind
    reminder_period: str
    event: str  # the history's action of an escalation, the level's name appended

    def started(self, agreement: Agreement) -> datetime | None:
        value: datetime | None = getattr(agreement, self.since.key)
        return value

    def fresh(self) -> ColumnElement[bool]:
        """Not yet reminded in this wait (a reminder from before it does not count)."""
        return or_(Agreement.reminded_at.is_(None), Agreement.reminded_at < self.since)

    def reminder_due(self, now: datetime) -> ColumnElement[bool]:
        return and_(
            Agreement.status == self.status.value,
            self.fresh(),
            self.since <= now - self.remind_after,
        )

    def escalation_due(self, now: datetime) -> ColumnElement[bool]:
        cutoff = now - self.every
        return and_(
            Agreement.status == self.status.value,
            Agreement.reminded_at >= self.since,
            or_(
                Agreement.escalation_level > ADMINS,
                # Reminded but not yet escalated at all.
                and_(Agreement.escalation_level.is_(None), Agreement.escalated_at.is_(None)),
            ),
            or_(
                and_(Agreement.escalated_at.is_(None), Agreement.reminded_at <= cutoff),
                Agreement.escalated_at <= cutoff,
            ),
        )


UNACKNOWLEDGED = Stage(
    Status.REPORTED,
    Agreement.created_at,
    REMIND_AFTER,
    ESCALATE_EVERY,
    OutboxKind.AGREEMENT_REMINDER,
    OutboxKind.AGREEMENT_ESCALATION,
    "48h",
    "escalated",
)
UNDOCUMENTED = Stage(
    Status.ACKNOWLEDGED,
    Agreement.acknowledged_at,
    PAPER_REMIND_AFTER,
    PAPER_ESCALATE_EVERY,
    OutboxKind.AGREEMENT_UNDOCUMENTED,
    OutboxKind.AGREEMENT_UNDOCUMENTED,
    "reminder",
    "paper.escalated",
)
STAGES = (UNACKNOWLEDGED, UNDOCUMENTED)


def _due(now: datetime) -> Select[Agreement]:
    return select(Agreement).where(
        or_(*(s.reminder_due(now) for s in STAGES), *(s.escalation_due(now) for s in STAGES))
    )


async def find_reminders(session: AsyncSession, now: datetime) -> Write | None:
    """Agreements waiting for a coordinator: a reminder, or the next level up, when due."""
    if not await any_row(session, _due(now)):
        return None

    # The write selects again: an agreement acted on meanwhile is left alone.
    async def write(session: AsyncSession) -> int:
        return await queue_reminders(session, now)

    return write


async def queue_reminders(session: AsyncSession, now: datetime) -> int:
    queued = 0
    for agreement in list(await session.scalars(_due(now).order_by(Agreement.id))):
        group = await session.get(Group, agreement.group_id)
        if group is None:
            continue
        stage = UNACKNOWLEDGED if agreement.status == Status.REPORTED else UNDOCUMENTED
        since = stage.started(agreement)
        if agreement.reminded_at is None or (since is not None and agreement.reminded_at < since):
            queued += await _remind(session, stage, agreement, group, now)
        else:
            queued += await _escalate(session, stage, agreement, group, now)
    return queued


async def _remind(
    session: AsyncSession, stage: Stage, agreement: Agreement, group: Group, now: datetime
) -> int:
    """The coordinators alerted; once acknowledged, whoever acknowledged it and their level."""
    level = None
    if stage is UNDOCUMENTED:
        level = await level_of(session, await session.get(User, agreement.acknowledged_by or 0))
    if level is None:
        level, users = await level_above(session, group, BELOW_EVERY_AREA)
    else:
        level, users = await level_recipients(session, group, level)
    agreement.reminded_at = now
    agreement.escalated_at = None
    agreement.escalation_level = level
    return await _queue(
        session, stage.reminder, stage.reminder_period, agreement, users, "reminder"
    )


async def _escalate(
    session: AsyncSession, stage: Stage, agreement: Agreement, group: Group, now: datetime
) -> int:
    """The next level up with someone who can be reached; the admins last."""
    current = agreement.escalation_level
    if current is None:
        current, _ = await level_above(session, group, BELOW_EVERY_AREA)
    if current == ADMINS:
        agreement.escalation_level = ADMINS  # nobody above: the wait ends here
        return 0
    level, users = await level_above(session, group, current)
    agreement.escalation_level = level
    agreement.escalated_at = now
    name = LEVEL_NAMES.get(level)
    add_event(session, agreement, None, f"{stage.event}.{name}" if name else stage.event)
    return await _queue(session, stage.escalation, f"level{level}", agreement, users, "escalation")


async def _queue(
    session: AsyncSession,
    kind: OutboxKind,
    period: str,
    agreement: Agreement,
    users: list[User],
    step: str,
) -> int:
    queued = 0
    for user in users:
        queued += await outbox.enqueue(
            session,
            kind=kind,
            subject=f"agreement:{agreement.id}",
            period=period,
            recipient_id=user.id,
            payload={"agreement_id": agreement.id, "step": step},
        )
    return queued
