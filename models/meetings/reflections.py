"""The facilitators' short reflection after a held meeting: mostly choices, and an optional note
that is stored encrypted and erased after the retention period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import audit
from models.base import Base
from models.clock import clock
from models.crypto import EncryptedText
from models.errors import Conflict, InvalidInput
from models.meetings.records import MeetingRecord, MeetingStatus, check_correctable, keep_history

NOTE_MAX = 500
PHASES = ("safety", "trust", "care", "respect", "orientation", "memory")
TOPICS = ("daily", "returnees", "land", "violence", "upbringing", "women", "beliefs")
REFERRALS = ("health", "psychosocial", "legal", "protection")
FOLLOW_UP_MAX = 5  # "5 or more"


class Reflection(Base):
    __tablename__ = "reflections"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The column keeps its original name, so the schema needs no migration.
    meeting_id: Mapped[int] = mapped_column(
        "session_id", ForeignKey("session_records.id", ondelete="CASCADE"), unique=True
    )
    phase: Mapped[str] = mapped_column(String(16))
    climate: Mapped[int | None]
    topics: Mapped[str] = mapped_column(String(120), default="")
    follow_ups: Mapped[int | None]
    referral: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(EncryptedText())
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)


@dataclass(frozen=True)
class ReflectionDraft:
    phase: str
    climate: int | None = None
    topics: frozenset[str] = frozenset()
    follow_ups: int | None = None
    referral: str | None = None

    def validate(self) -> None:
        if self.phase not in PHASES:
            raise InvalidInput("phase")
        if self.climate is not None and not 1 <= self.climate <= 5:
            raise InvalidInput("climate")
        if not self.topics <= set(TOPICS):
            raise InvalidInput("topics")
        if self.follow_ups is not None and not 0 <= self.follow_ups <= FOLLOW_UP_MAX:
            raise InvalidInput("follow_ups")
        if self.referral is not None and self.referral not in REFERRALS:
            raise InvalidInput("referral")


async def reflection_of(session: AsyncSession, record_id: int) -> Reflection | None:
    return await session.scalar(select(Reflection).where(Reflection.meeting_id == record_id))


async def save_reflection(
    session: AsyncSession,
    *,
    record: MeetingRecord,
    draft: ReflectionDraft,
    note: str | None,
    version: int | None,
    actor_id: int | None,
) -> Reflection:
    """Creates the reflection, or corrects it when `version` matches the stored one."""
    draft.validate()
    if record.status != MeetingStatus.HELD:
        raise InvalidInput("not_held")
    if note is not None:
        note = " ".join(note.split())
        if not note:
            note = None
        elif len(note) > NOTE_MAX:
            raise InvalidInput("note_too_long")
    existing = await reflection_of(session, record.id)
    now = clock.now()
    if existing is None:
        reflection = Reflection(meeting_id=record.id, created_at=now, recorded_by=actor_id)
        session.add(reflection)
    else:
        if version is None or existing.version != version:
            raise Conflict()
        check_correctable(record)
        await keep_history(
            session,
            "reflection",
            existing.id,
            existing.version,
            actor_id,
            {
                "phase": existing.phase,
                "climate": existing.climate,
                "topics": existing.topics,
                "follow_ups": existing.follow_ups,
                "referral": existing.referral,
                "note_changed": note is not None and note != existing.note,
            },
        )
        existing.version += 1
        reflection = existing
    reflection.phase = draft.phase
    reflection.climate = draft.climate
    reflection.topics = ",".join(t for t in TOPICS if t in draft.topics)
    reflection.follow_ups = draft.follow_ups
    reflection.referral = draft.referral
    if note is not None or existing is None:
        reflection.note = note
    reflection.recorded_by = actor_id
    reflection.updated_at = now
    await session.flush()
    await audit(
        session, actor_id=actor_id, action="reflection.save", record=("reflection", reflection.id)
    )
    return reflection
