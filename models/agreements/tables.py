"""The agreement tables and the values their columns hold.

Parties are named by participant id only, outside parties and witnesses by role only; the summary
is encrypted at rest. The tables and their columns are what Alembic's migrations describe.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.crypto import EncryptedText

REFERENCE_MAX = 30


class Kind(enum.StrEnum):
    LAND = "land"  # land or boundary
    HOUSE = "house"  # house or property
    FAMILY = "family"  # family or household arrangement
    OTHER = "other"  # other community matter


class Status(enum.StrEnum):
    REPORTED = "reported"
    ACKNOWLEDGED = "acknowledged"
    DOCUMENTED = "documented"
    # Not an agreement: violence, referred (models.agreements.referral). Its text is erased.
    REFERRED = "referred"


class Answer(enum.StrEnum):
    HOLDS = "holds"
    BROKEN = "broken"
    RENEGOTIATED = "renegotiated"


# Roles only, never names. Witnesses are never officials: agreements are documented without
# interference of the administrative authorities (content/guides/*/agreements.md, witnesses).
OUTSIDE_ROLES = ("family", "neighbour", "elder", "religious", "leader", "other")
# Roles kept for reading older records but never chosen again: the programme documents agreements
# without the administration, so an official or local leader is not a party.
NOT_A_PARTY = frozenset({"leader"})
WITNESS_ROLES = ("member", "elder", "family", "neighbour", "religious", "other")
# Months after the date reached: step name -> months.
FOLLOW_UPS = {"m1": 1, "m3": 3}


def _roles(stored: str) -> list[str]:
    return [r for r in stored.split(",") if r]


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
    # The reminder and the last escalation of the current wait (for acknowledgement, then for the
    # reference), and the level of the area tree told last (models.agreements.escalation).
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    escalation_level: Mapped[int | None]
    version: Mapped[int] = mapped_column(default=1)
    # The summary had words that may point to violence and the facilitator answered that it
    # involves none: the coordinator is asked to check.
    violence_check: Mapped[bool] = mapped_column(default=False, server_default=false())

    @property
    def outside(self) -> list[str]:
        return _roles(self.outside_roles)

    @property
    def witnesses(self) -> list[str]:
        return _roles(self.witness_roles)


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
    # A typed summary with words that may point to violence, held only until the facilitator
    # answers the question about violence (No: it becomes the summary; Yes: the draft goes).
    unchecked_summary: Mapped[str | None] = mapped_column(EncryptedText())
    violence_check: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime]

    @property
    def parties(self) -> list[int]:
        return [int(p) for p in self.party_ids.split(",") if p]

    @property
    def outside(self) -> list[str]:
        return _roles(self.outside_roles)

    @property
    def witnesses(self) -> list[str]:
        return _roles(self.witness_roles)


class AgreementScreen(Base):
    """A bot message that showed an agreement (its summary, or that it was saved), so that it can
    be removed from the chat when the agreement is referred. Ids only, never text."""

    __tablename__ = "agreement_screens"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sent_at: Mapped[datetime]
