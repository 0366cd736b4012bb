"""Reached agreements: recorded by facilitators, alerted to coordinators, documented, followed up.

An agreement names its parties by participant code only, outside parties and witnesses by role
only, and keeps a short summary encrypted. It is never for sexual or domestic violence: that
choice never reaches this module (the flow shows referral guidance and stores nothing).

Status: reported → acknowledged → documented (the reference number of the signed paper kept at
the office). One and three months after the date reached, the facilitators are asked whether it
holds. Every change is kept in `AgreementEvent` with who and when.

Alerts go through the outbox in the same transaction as the record, to the coordinators of the
nearest level of the area tree that contains the group (admins when there are none); someone who
blocked the bot is skipped, and a message they could not get is handed one level up.
"""

from __future__ import annotations

import enum
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ForeignKey,
    Select,
    String,
    UniqueConstraint,
    and_,
    delete,
    func,
    literal,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models import outbox
from models.areas import Area
from models.audit import audit
from models.base import Base
from models.clock import clock
from models.crypto import EncryptedText
from models.errors import Conflict, DomainError, InvalidInput, NotFound
from models.groups import Group
from models.outbox import OutboxMessage
from models.retention import eraser
from models.roster import Participant, active_participants
from models.scope import Scope
from models.sessions import facilitator_ids, local_today
from models.sweep import Write, any_row, finder
from models.users import Role, User

SUMMARY_MAX = 500
MIN_PARTIES = 2
REFERENCE_MAX = 30
# A reference number has at least one digit: a name typed by mistake is refused.
REFERENCE_RE = re.compile(r"^(?=.*[0-9])[A-Za-z0-9][A-Za-z0-9/._-]*$")
DRAFT_HOURS = 48
REMIND_AFTER = timedelta(hours=48)
ESCALATE_AFTER = timedelta(hours=96)
# Follow-ups are asked in the morning, in the group's time zone.
FOLLOW_UP_HOUR = 9


class Kind(enum.StrEnum):
    LAND = "land"  # land or boundary
    HOUSE = "house"  # house or property
    FAMILY = "family"  # family or household arrangement
    OTHER = "other"  # other community matter


class Status(enum.StrEnum):
    REPORTED = "reported"
    ACKNOWLEDGED = "acknowledged"
    DOCUMENTED = "documented"


class Answer(enum.StrEnum):
    HOLDS = "holds"
    BROKEN = "broken"
    RENEGOTIATED = "renegotiated"


# Roles only, never names. Witnesses are never officials: agreements are documented without
# interference of the administrative authorities (content/guides/*/agreements.md, witnesses).
OUTSIDE_ROLES = ("family", "neighbour", "elder", "religious", "leader", "other")
WITNESS_ROLES = ("member", "elder", "family", "neighbour", "religious", "other")
# Months after the date reached: step name -> months.
FOLLOW_UPS = {"m1": 1, "m3": 3}


class Agreement(Base):
    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    summary: Mapped[str | None] = mapped_column(EncryptedText())
    reached_on: Mapped[date]
    written: Mapped[bool]
    outside_roles: Mapped[str] = mapped_column(String(120), default="")
    witness_roles: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(16), default=Status.REPORTED.value, index=True)
    # The number written on the signed paper kept at the office.
    reference: Mapped[str | None] = mapped_column(String(REFERENCE_MAX))
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The draft it was saved from: a second tap on "Save" finds this record instead of a new one.
    draft_key: Mapped[str | None] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    documented_at: Mapped[datetime | None]
    documented_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    @property
    def outside(self) -> list[str]:
        return [r for r in self.outside_roles.split(",") if r]

    @property
    def witnesses(self) -> list[str]:
        return [r for r in self.witness_roles.split(",") if r]


class AgreementParty(Base):
    __tablename__ = "agreement_parties"
    __table_args__ = (UniqueConstraint("agreement_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )


class AgreementEvent(Base):
    """The history of an agreement: every change, who made it and when. No free text."""

    __tablename__ = "agreement_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(String(40))


class FollowUp(Base):
    """One follow-up question (m1, m3): asked when due; the first answer counts."""

    __tablename__ = "agreement_follow_ups"
    __table_args__ = (UniqueConstraint("agreement_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    step: Mapped[str] = mapped_column(String(4))
    due_on: Mapped[date]
    # None: not asked, because a later follow-up was already due when this one came up.
    asked_at: Mapped[datetime | None]
    answer: Mapped[str | None] = mapped_column(String(16))
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None]


class AgreementDraft(Base):
    """What a facilitator has chosen so far; one per user, replaced when they start again.

    Buttons carry the draft's random key, so buttons of an earlier draft are refused. Drafts are
    deleted when saved or cancelled, and by the sweep after two days.
    """

    __tablename__ = "agreement_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(16), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    roster_version: Mapped[int]
    kind: Mapped[str] = mapped_column(String(12))
    party_ids: Mapped[str] = mapped_column(String(200), default="")
    outside_roles: Mapped[str] = mapped_column(String(120), default="")
    witness_roles: Mapped[str] = mapped_column(String(120), default="")
    reached_on: Mapped[date | None]
    written: Mapped[bool | None]
    summary: Mapped[str | None] = mapped_column(EncryptedText())
    created_at: Mapped[datetime]

    @property
    def parties(self) -> list[int]:
        return [int(p) for p in self.party_ids.split(",") if p]


# --- masks: toggled choices carried in button data -----------------------------------------------


def mask_of(chosen: Iterable[str], options: Sequence[str]) -> int:
    chosen = set(chosen)
    return sum(1 << i for i, option in enumerate(options) if option in chosen)


def from_mask(mask: int, options: Sequence[str]) -> list[str]:
    if mask < 0 or mask >= 1 << len(options):
        raise InvalidInput("mask")
    return [option for i, option in enumerate(options) if mask & (1 << i)]


# --- drafts ------------------------------------------------------------------------------------


async def start_draft(
    session: AsyncSession, *, user: User, group: Group, kind: Kind
) -> AgreementDraft:
    """A new draft for this group; any earlier draft of the user is dropped."""
    roster = await active_participants(session, group.id)
    if len(roster) < MIN_PARTIES:
        raise DomainError("roster_too_small")
    await drop_draft(session, user_id=user.id)
    draft = AgreementDraft(
        key=secrets.token_urlsafe(6),
        user_id=user.id,
        group_id=group.id,
        roster_version=group.roster_version,
        kind=kind.value,
        created_at=clock.now(),
    )
    session.add(draft)
    await session.flush()
    return draft


async def drop_draft(session: AsyncSession, *, user_id: int, key: str | None = None) -> None:
    """Deletes the user's draft (only the one with `key`, when given)."""
    statement = delete(AgreementDraft).where(AgreementDraft.user_id == user_id)
    if key is not None:
        statement = statement.where(AgreementDraft.key == key)
    await session.execute(statement)


async def get_draft(session: AsyncSession, *, key: str, user: User) -> AgreementDraft:
    """The user's own draft with this key, still fresh; else NotFound (a stale button)."""
    draft = await session.scalar(
        select(AgreementDraft).where(AgreementDraft.key == key, AgreementDraft.user_id == user.id)
    )
    if draft is None or clock.now() - draft.created_at > timedelta(hours=DRAFT_HOURS):
        raise NotFound()
    return draft


async def draft_roster(session: AsyncSession, draft: AgreementDraft) -> list[Participant]:
    """The roster the party toggles index; refused when it changed since the draft began."""
    group = await session.get(Group, draft.group_id)
    if group is None:
        raise NotFound()
    if group.roster_version != draft.roster_version:
        raise Conflict()
    return await active_participants(session, group.id)


async def set_parties(session: AsyncSession, draft: AgreementDraft, mask: int) -> list[Participant]:
    roster = await draft_roster(session, draft)
    if mask < 0 or mask >= 1 << len(roster):
        raise InvalidInput("mask")
    chosen = [p for i, p in enumerate(roster) if mask & (1 << i)]
    if len(chosen) < MIN_PARTIES:
        raise InvalidInput("too_few_parties")
    draft.party_ids = ",".join(str(p.id) for p in chosen)
    return chosen


def set_roles(draft: AgreementDraft, which: str, mask: int) -> list[str]:
    if which == "outside":
        roles = from_mask(mask, OUTSIDE_ROLES)
        draft.outside_roles = ",".join(roles)
    else:
        roles = from_mask(mask, WITNESS_ROLES)
        draft.witness_roles = ",".join(roles)
    return roles


def check_reached_on(group: Group, day: date) -> None:
    """Never in the future (in the group's time zone), nor before the group began."""
    if day > local_today(group):
        raise InvalidInput("date_future")
    if day < group.start_date - timedelta(days=7):
        raise InvalidInput("date_before_start")


def clean_summary(text: str) -> str:
    summary = " ".join(text.split())
    if not summary:
        raise InvalidInput("summary_empty")
    if len(summary) > SUMMARY_MAX:
        raise InvalidInput("summary_too_long", length=len(summary))
    return summary


def clean_reference(text: str) -> str:
    reference = text.strip()
    if not reference or len(reference) > REFERENCE_MAX or not REFERENCE_RE.match(reference):
        raise InvalidInput("reference")
    return reference


def draft_complete(draft: AgreementDraft) -> bool:
    return (
        len(draft.parties) >= MIN_PARTIES
        and draft.reached_on is not None
        and draft.written is not None
        and bool(draft.summary)
    )


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
    await _event(session, agreement, user.id, "reported")
    await audit(
        session, actor_id=user.id, action="agreement.report", record=("agreement", agreement.id)
    )
    for recipient in await alert_recipients(session, group):
        await outbox.enqueue(
            session,
            kind="agreement.alert",
            subject=f"agreement:{agreement.id}",
            period="new",
            recipient_id=recipient.id,
            payload={"agreement_id": agreement.id},
        )
    await session.delete(draft)
    await session.flush()
    return agreement


async def _event(
    session: AsyncSession,
    agreement: Agreement,
    actor_id: int | None,
    action: str,
    detail: str | None = None,
) -> None:
    session.add(
        AgreementEvent(
            agreement_id=agreement.id,
            at=clock.now(),
            actor_id=actor_id,
            action=action,
            detail=detail,
        )
    )


async def coordinator_levels(session: AsyncSession, group: Group) -> list[list[User]]:
    """Active coordinators whose area contains the group, nearest level first."""
    rows = await session.execute(
        select(User, Area.path)
        .join(Area, Area.id == User.area_id)
        .where(
            User.role == Role.COORDINATOR.value,
            User.revoked_at.is_(None),
            literal(group.area_path).startswith(Area.path),
        )
        .order_by(User.id)
    )
    levels: dict[int, list[User]] = {}
    for user, path in rows.all():
        levels.setdefault(path.count("/"), []).append(user)
    return [levels[depth] for depth in sorted(levels, reverse=True)]


async def admins(session: AsyncSession) -> list[User]:
    rows = await session.scalars(
        select(User)
        .where(User.role == Role.ADMIN.value, User.revoked_at.is_(None))
        .order_by(User.id)
    )
    return list(rows)


def _reachable(users: Iterable[User], exclude: Iterable[int] = ()) -> list[User]:
    skip = set(exclude)
    return [u for u in users if u.unreachable_at is None and u.id not in skip]


async def alert_recipients(session: AsyncSession, group: Group) -> list[User]:
    """The nearest coordinators who can be reached; else admins (all of them if none can be)."""
    for level in await coordinator_levels(session, group):
        reachable = _reachable(level)
        if reachable:
            return reachable
    everyone = await admins(session)
    return _reachable(everyone) or everyone


async def hand_over(session: AsyncSession, row: OutboxMessage, group: Group) -> int:
    """The recipient of `row` blocked the bot: queue it for the next level up, else admins."""
    already = set(
        await session.scalars(
            select(OutboxMessage.recipient_id).where(
                OutboxMessage.kind == row.kind, OutboxMessage.subject == row.subject
            )
        )
    )
    already.add(row.recipient_id)
    blocked = await session.get(User, row.recipient_id)
    levels = await coordinator_levels(session, group)
    depth = None
    if blocked is not None and blocked.role == Role.COORDINATOR.value:
        depth = next(
            (i for i, level in enumerate(levels) if blocked.id in {u.id for u in level}), None
        )
    targets: list[User] = []
    start = 0 if depth is None else depth + 1
    if blocked is None or blocked.role != Role.ADMIN.value:
        for level in levels[start:]:
            targets = _reachable(level, already)
            if targets:
                break
    if not targets:
        targets = _reachable(await admins(session), already)
    for target in targets:
        await outbox.enqueue(
            session,
            kind=row.kind,
            subject=row.subject,
            period=f"handover:{row.recipient_id}",
            recipient_id=target.id,
            payload=row.data,
        )
    return len(targets)


async def request_referral(session: AsyncSession, *, group: Group, actor_id: int) -> int:
    """Tells the coordinators that a referral is needed: the group only, no record, no details.

    At most once a day per group and coordinator; returns how many messages were queued.
    """
    await audit(session, actor_id=actor_id, action="referral.requested", record=("group", group.id))
    queued = 0
    for recipient in await alert_recipients(session, group):
        queued += await outbox.enqueue(
            session,
            kind="agreement.referral",
            subject=f"group:{group.id}",
            period=local_today(group).isoformat(),
            recipient_id=recipient.id,
            payload={"group_id": group.id},
        )
    return queued


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


async def pending(session: AsyncSession, scope: Scope, limit: int = 20) -> list[Agreement]:
    """Waiting for a coordinator (to acknowledge or to document), oldest first."""
    rows = await session.scalars(
        scoped(scope)
        .where(Agreement.status != Status.DOCUMENTED.value)
        .order_by(Agreement.created_at, Agreement.id)
        .limit(limit)
    )
    return list(rows)


async def count_pending(session: AsyncSession, scope: Scope) -> int:
    count = await session.scalar(
        select(func.count()).select_from(
            scoped(scope).where(Agreement.status != Status.DOCUMENTED.value).subquery()
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


async def history(session: AsyncSession, agreement_id: int) -> list[AgreementEvent]:
    rows = await session.scalars(
        select(AgreementEvent)
        .where(AgreementEvent.agreement_id == agreement_id)
        .order_by(AgreementEvent.at, AgreementEvent.id)
    )
    return list(rows)


async def follow_ups(session: AsyncSession, agreement_id: int) -> list[FollowUp]:
    rows = await session.scalars(
        select(FollowUp).where(FollowUp.agreement_id == agreement_id).order_by(FollowUp.due_on)
    )
    return list(rows)


async def record_view(session: AsyncSession, agreement: Agreement, actor_id: int) -> None:
    await audit(
        session, actor_id=actor_id, action="agreement.view", record=("agreement", agreement.id)
    )


# --- coordinators' actions -----------------------------------------------------------------------


@dataclass(frozen=True)
class Done:
    agreement: Agreement
    changed: bool


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
    await _event(session, agreement, actor_id, "acknowledged")
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
    await _event(
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


# --- follow-ups --------------------------------------------------------------------------------


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
    await _event(session, agreement, actor_id, f"follow_up.{step}", answer.value)
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
            kind="agreement.answer",
            subject=f"agreement:{agreement.id}",
            period=step,
            recipient_id=recipient_id,
            payload={"agreement_id": agreement.id, "step": step},
        )
    return row, True


# --- the sweep ---------------------------------------------------------------------------------


def _unreminded(now: datetime) -> Select[Agreement]:
    return select(Agreement).where(
        Agreement.status == Status.REPORTED.value,
        Agreement.created_at <= now - REMIND_AFTER,
        Agreement.escalated_at.is_(None),
    )


@finder("agreement_reminders")
async def find_reminders(session: AsyncSession, now: datetime) -> Write | None:
    """Unacknowledged after 48 hours: a reminder to the coordinators; after 96 hours: admins."""
    if not await any_row(session, _unreminded(now)):
        return None

    # The write selects again: an agreement acknowledged meanwhile is left alone.
    async def write(session: AsyncSession) -> int:
        return await queue_reminders(session, now)

    return write


async def queue_reminders(session: AsyncSession, now: datetime) -> int:
    queued = 0
    for agreement in await session.scalars(_unreminded(now)):
        group = await session.get(Group, agreement.group_id)
        if group is None:
            continue
        subject = f"agreement:{agreement.id}"
        payload = {"agreement_id": agreement.id}
        if agreement.reminded_at is None:
            agreement.reminded_at = now
            for user in await alert_recipients(session, group):
                queued += await outbox.enqueue(
                    session,
                    kind="agreement.reminder",
                    subject=subject,
                    period="48h",
                    recipient_id=user.id,
                    payload=payload,
                )
        if now - agreement.created_at >= ESCALATE_AFTER:
            agreement.escalated_at = now
            everyone = await admins(session)
            for user in _reachable(everyone) or everyone:
                queued += await outbox.enqueue(
                    session,
                    kind="agreement.escalation",
                    subject=subject,
                    period="96h",
                    recipient_id=user.id,
                    payload=payload,
                )
            await _event(session, agreement, None, "escalated")
    return queued


async def _due_follow_ups(
    session: AsyncSession, now: datetime
) -> list[tuple[Agreement, Group, list[str]]]:
    """The agreements with follow-up steps due and not yet created, with those steps."""
    last_step = max(FOLLOW_UPS, key=lambda s: FOLLOW_UPS[s])
    finished = select(FollowUp.agreement_id).where(FollowUp.step == last_step)
    # A month is at least 28 days; a day less covers the time zones.
    earliest = now.date() - timedelta(days=27 * min(FOLLOW_UPS.values()))
    pending = and_(Agreement.reached_on <= earliest, Agreement.id.not_in(finished))
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


@finder("agreement_follow_ups")
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
                kind="agreement.followup",
                subject=f"agreement:{agreement.id}",
                period=ask,
                recipient_id=user_id,
                payload={"agreement_id": agreement.id, "step": ask},
            )
    return queued


@finder("agreement_drafts")
async def find_old_drafts(session: AsyncSession, now: datetime) -> Write | None:
    """Unfinished drafts hold a summary: they do not outlive two days."""
    old = AgreementDraft.created_at < now - timedelta(hours=DRAFT_HOURS)
    if not await any_row(session, select(AgreementDraft).where(old)):
        return None

    async def forget(session: AsyncSession) -> int:
        result = await session.execute(delete(AgreementDraft).where(old))
        return int(getattr(result, "rowcount", 0) or 0)

    return forget


@eraser
async def erase_summaries(session: AsyncSession, before: datetime) -> int:
    """Retention: the summaries of agreements reported before `before` are erased."""
    rows = await session.scalars(
        select(Agreement).where(Agreement.created_at < before, Agreement.summary.is_not(None))
    )
    erased = 0
    for agreement in rows:
        agreement.summary = None
        await _event(session, agreement, None, "summary.erased")
        erased += 1
    return erased
