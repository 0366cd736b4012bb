"""A group's participants, known only by pseudonymous codes chosen by the facilitators.

The code-to-name key stays on paper with the facilitators. A participant who leaves is marked
as left, never deleted, so attendance history stays whole. Consent is recorded per code; a
withdrawal removes the code, and the attendance stays only as an anonymous count.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import audit
from models.base import Base
from models.clock import clock
from models.errors import InvalidInput, NotFound
from models.groups import Group

MAX_PARTICIPANTS = 15
RECOMMENDED_MIN = 8
CODE_MAX = 12
# Letters, digits and - . _ ; no spaces, so a full name ("Marie Nshimirimana") cannot be a code.
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
SEPARATORS = re.compile(r"[,;\n]+")


class Gender(enum.StrEnum):
    FEMALE = "f"
    MALE = "m"


class Origin(enum.StrEnum):
    RETURNEE = "returnee"
    RESIDENT = "resident"


class Participant(Base):
    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("group_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(CODE_MAX))
    gender: Mapped[str | None] = mapped_column(String(1))
    origin: Mapped[str | None] = mapped_column(String(10))
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
    # Informed consent, per code: the date it was given, and the date it was withdrawn (if so).
    # After a withdrawal the person's attendance is kept only as an anonymous count.
    consent_given_on: Mapped[date | None]
    consent_withdrawn_on: Mapped[date | None]

    @property
    def active(self) -> bool:
        return self.left_at is None


@dataclass
class AddResult:
    added: list[str] = field(default_factory=list)
    # (code as typed, reason key): too_long, bad_characters, duplicate, roster_full
    rejected: list[tuple[str, str]] = field(default_factory=list)


def code_problem(code: str) -> str | None:
    # A space first: "Marie Nshimirimana" is a name, which matters more than its length.
    if any(c.isspace() for c in code):
        return "has_space"
    if len(code) > CODE_MAX:
        return "too_long"
    if not CODE_RE.match(code):
        return "bad_characters"
    return None


async def active_participants(session: AsyncSession, group_id: int) -> list[Participant]:
    rows = await session.scalars(
        select(Participant)
        .where(Participant.group_id == group_id, Participant.left_at.is_(None))
        .order_by(Participant.id)
    )
    return list(rows)


async def left_participants(session: AsyncSession, group_id: int) -> list[Participant]:
    """Those who left, most recent first; kept so that their attendance history stays whole."""
    rows = await session.scalars(
        select(Participant)
        .where(Participant.group_id == group_id, Participant.left_at.is_not(None))
        .order_by(Participant.left_at.desc(), Participant.id)
    )
    return list(rows)


async def count_active(session: AsyncSession, group_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Participant)
        .where(Participant.group_id == group_id, Participant.left_at.is_(None))
    )
    return int(count or 0)


async def add_codes(
    session: AsyncSession, *, group: Group, text: str, actor_id: int | None
) -> AddResult:
    """Adds codes typed several at a time (commas, semicolons or new lines between them)."""
    result = AddResult()
    # PostgreSQL: one roster change per group at a time, so two facilitators adding at once
    # cannot pass 15 together (SQLite already serialises writers with BEGIN IMMEDIATE).
    await session.refresh(group, with_for_update=True)
    existing = {
        p.code.casefold(): p
        for p in await session.scalars(select(Participant).where(Participant.group_id == group.id))
    }
    active = sum(1 for p in existing.values() if p.active)
    for raw in SEPARATORS.split(text):
        code = raw.strip()
        if not code:
            continue
        problem = code_problem(code)
        if problem is None and code.casefold() in existing:
            previous = existing[code.casefold()]
            problem = "duplicate" if previous.active else None
            if problem is None:  # someone who left comes back under the same code
                if active >= MAX_PARTICIPANTS:
                    problem = "roster_full"
                else:
                    previous.left_at = None
                    active += 1
                    result.added.append(previous.code)
                    continue
        if problem is None and active >= MAX_PARTICIPANTS:
            problem = "roster_full"
        if problem is not None:
            result.rejected.append((code[:40], problem))
            continue
        participant = Participant(group_id=group.id, code=code, joined_at=clock.now())
        session.add(participant)
        existing[code.casefold()] = participant
        active += 1
        result.added.append(code)
    if result.added:
        group.roster_version += 1
        await session.flush()
        await audit(session, actor_id=actor_id, action="roster.add", record=("group", group.id))
    return result


async def get_participant(session: AsyncSession, group_id: int, participant_id: int) -> Participant:
    participant = await session.get(Participant, participant_id)
    if participant is None or participant.group_id != group_id:
        raise NotFound("participant")
    return participant


async def participant_by_id(session: AsyncSession, participant_id: int) -> Participant | None:
    """Any participant, of any group: for messages the bot itself queued about them."""
    return await session.get(Participant, participant_id)


async def rename(
    session: AsyncSession,
    *,
    group: Group,
    participant: Participant,
    code: str,
    actor_id: int | None,
) -> None:
    code = code.strip()
    problem = code_problem(code) if code else "empty"
    if problem is None:
        clash = await session.scalar(
            select(Participant.id).where(
                Participant.group_id == group.id,
                func.lower(Participant.code) == code.casefold(),
                Participant.id != participant.id,
            )
        )
        problem = "duplicate" if clash is not None else None
    if problem is not None:
        raise InvalidInput(f"code_{problem}")
    participant.code = code
    group.roster_version += 1
    await audit(
        session, actor_id=actor_id, action="roster.rename", record=("participant", participant.id)
    )


async def mark_left(
    session: AsyncSession, *, group: Group, participant: Participant, actor_id: int | None
) -> None:
    if participant.left_at is None:
        participant.left_at = clock.now()
        group.roster_version += 1
        await audit(
            session, actor_id=actor_id, action="roster.left", record=("participant", participant.id)
        )


async def set_details(
    session: AsyncSession,
    *,
    participant: Participant,
    gender: Gender | None = None,
    origin: Origin | None = None,
    actor_id: int | None,
) -> None:
    """Optional statistics only; tapping the same value again clears it."""
    if gender is not None:
        participant.gender = None if participant.gender == gender.value else gender.value
    if origin is not None:
        participant.origin = None if participant.origin == origin.value else origin.value
    await audit(
        session, actor_id=actor_id, action="roster.details", record=("participant", participant.id)
    )


def anonymise(participant: Participant, group: Group | None) -> None:
    """The code replaced by a meaningless one, the details cleared, marked as left. Attendance
    rows stay, anonymous now, so the group's figures do not change.

    The new code starts with "~", which no typed code can (CODE_RE): adding codes can never bring
    the row back under a new person's code, and it never clashes with a code in use."""
    participant.code = f"~{participant.id}"
    participant.gender = None
    participant.origin = None
    if participant.left_at is None:
        participant.left_at = clock.now()
    if group is not None:
        group.roster_version += 1


async def record_consent(
    session: AsyncSession,
    *,
    group: Group,
    participant_id: int,
    given: bool,
    on: date,
    actor_id: int | None,
) -> Participant:
    """Consent given or withdrawn on a day (the group's local date), at recruitment before the
    group starts or at any meeting. Given: the date is kept and any withdrawal cleared.
    Withdrawn: the code is removed (anonymise) and cannot come back."""
    if on > clock.now().astimezone(ZoneInfo(group.timezone)).date():
        raise InvalidInput("consent_date_future")
    # One roster change per group at a time, as in add_codes; the participant is read again
    # after the lock, so a withdrawal made meanwhile by the other facilitator is seen.
    await session.refresh(group, with_for_update=True)
    participant = await session.get(Participant, participant_id, populate_existing=True)
    if (
        participant is None
        or participant.group_id != group.id
        or participant.consent_withdrawn_on is not None
    ):
        raise NotFound("participant")
    if given:
        if participant.consent_given_on == on:
            return participant  # the other facilitator recorded it a moment ago
        participant.consent_given_on = on
        participant.consent_withdrawn_on = None
        action = "participant.consent.given"
    else:
        participant.consent_withdrawn_on = on
        anonymise(participant, group)
        action = "participant.consent.withdrawn"
    await audit(session, actor_id=actor_id, action=action, record=("participant", participant.id))
    return participant
