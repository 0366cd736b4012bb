"""Content review: who may review which language, and what they said about each screen or string.

Reviewing is a capability for a language that a person holds beside their role, granted by an
admin; it shows guides and interface strings, never group data. A review record names the item,
the language, the versions of the source and of the translation the reviewer saw, the reviewer
and the date. An item counts as reviewed only while both versions are still the approved ones.
The items themselves (content/review.py) are passed in: the domain knows no content files.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import audit
from models.base import Base
from models.clock import clock
from models.crypto import EncryptedText
from models.errors import InvalidInput, NotAllowed, NotFound
from models.settings import LANGUAGES

REVIEWER_NAME_MAX = 80
SUGGESTION_MAX = 1000  # what one typed message may hold (conversations.runtime.request)


class Verdict(enum.StrEnum):
    APPROVED = "approved"
    SUGGESTION = "suggestion"  # a correction typed by the reviewer, for the content maintainer
    DISCUSS = "discuss"  # to be talked over with the programme before anyone decides


class Reviewer(Base):
    __tablename__ = "reviewers"
    __table_args__ = (UniqueConstraint("user_id", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(8))
    # Programme staff are named: a safety screen is final only once a named reviewer approved it.
    name: Mapped[str] = mapped_column(String(REVIEWER_NAME_MAX))
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class ContentReview(Base):
    __tablename__ = "content_reviews"
    __table_args__ = (Index("ix_content_reviews_lang_item", "lang", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item: Mapped[str] = mapped_column(String(120))
    lang: Mapped[str] = mapped_column(String(8))
    verdict: Mapped[str] = mapped_column(String(12))
    source_version: Mapped[str] = mapped_column(String(16))
    text_version: Mapped[str] = mapped_column(String(16))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("reviewers.id", ondelete="SET NULL"))
    # Kept with the record, so the history still names who approved after access ends.
    reviewer_name: Mapped[str] = mapped_column(String(REVIEWER_NAME_MAX))
    suggestion: Mapped[str | None] = mapped_column(EncryptedText())
    created_at: Mapped[datetime]


@dataclass(frozen=True)
class Versions:
    """The versions of one item as it is now: its source's and its own."""

    item: str
    source: str
    text: str


@dataclass(frozen=True)
class Coverage:
    """Review state of one language's items."""

    lang: str
    total: int
    reviewed: int
    stale: int  # approved once, changed since
    suggestions: int
    discuss: int

    @property
    def due(self) -> int:
        return self.total - self.reviewed


# --- who reviews ---------------------------------------------------------------------------------


async def grant_reviewer(
    session: AsyncSession, *, user_id: int, lang: str, name: str, actor_id: int | None
) -> Reviewer:
    """Let a person review ``lang`` (again, if it was revoked)."""
    from models.users import User

    name = " ".join(name.split())
    if lang not in LANGUAGES:
        raise InvalidInput("language")
    if not name or len(name) > REVIEWER_NAME_MAX:
        raise InvalidInput("reviewer_name")
    user = await session.get(User, user_id)
    if user is None or not user.active:
        raise NotFound("user")
    reviewer = await session.scalar(
        select(Reviewer).where(Reviewer.user_id == user_id, Reviewer.lang == lang)
    )
    if reviewer is None:
        reviewer = Reviewer(user_id=user_id, lang=lang, name=name, granted_at=clock.now())
        session.add(reviewer)
    reviewer.name, reviewer.granted_by, reviewer.revoked_at = name, actor_id, None
    reviewer.granted_at = clock.now()
    await session.flush()
    await audit(
        session, actor_id=actor_id, action=f"reviewer.grant.{lang}", record=("user", user_id)
    )
    return reviewer


async def revoke_reviewer(
    session: AsyncSession, *, user_id: int, lang: str, actor_id: int | None
) -> None:
    reviewer = await session.scalar(
        select(Reviewer).where(
            Reviewer.user_id == user_id, Reviewer.lang == lang, Reviewer.revoked_at.is_(None)
        )
    )
    if reviewer is None:
        raise NotFound("reviewer")
    reviewer.revoked_at = clock.now()
    await audit(
        session, actor_id=actor_id, action=f"reviewer.revoke.{lang}", record=("user", user_id)
    )


async def reviewers(session: AsyncSession) -> list[Reviewer]:
    """Every reviewer still holding the capability, by language then name."""
    query = select(Reviewer).where(Reviewer.revoked_at.is_(None))
    return list(await session.scalars(query.order_by(Reviewer.lang, Reviewer.name)))


async def review_languages(session: AsyncSession, user_id: int) -> tuple[str, ...]:
    """The languages this person may review, in the order of LANGUAGES."""
    found = set(
        await session.scalars(
            select(Reviewer.lang).where(Reviewer.user_id == user_id, Reviewer.revoked_at.is_(None))
        )
    )
    return tuple(lang for lang in LANGUAGES if lang in found)


# --- what they said ------------------------------------------------------------------------------


async def record_review(
    session: AsyncSession,
    *,
    user_id: int,
    lang: str,
    seen: Versions,
    now: Versions,
    verdict: Verdict,
    suggestion: str | None = None,
) -> ContentReview:
    """Store a reviewer's verdict on an item as they saw it.

    ``seen`` are the versions on the reviewer's screen, ``now`` the item's current ones: a verdict
    on a text that changed since it was shown is refused, so an approval never covers a text
    nobody read.
    """
    reviewer = await session.scalar(
        select(Reviewer).where(
            Reviewer.user_id == user_id, Reviewer.lang == lang, Reviewer.revoked_at.is_(None)
        )
    )
    if reviewer is None:
        raise NotAllowed("not_reviewer")
    if seen != now:
        raise InvalidInput("review_changed")
    if verdict is Verdict.SUGGESTION:
        suggestion = (suggestion or "").strip()
        if not suggestion:
            raise InvalidInput("suggestion_empty")
        if len(suggestion) > SUGGESTION_MAX:
            raise InvalidInput("suggestion_too_long")
    else:
        suggestion = None
    record = ContentReview(
        item=now.item,
        lang=lang,
        verdict=verdict.value,
        source_version=now.source,
        text_version=now.text,
        reviewer_id=reviewer.id,
        reviewer_name=reviewer.name,
        suggestion=suggestion,
        created_at=clock.now(),
    )
    session.add(record)
    await session.flush()
    await audit(
        session, actor_id=user_id, action=f"review.{verdict.value}", record=("review", record.id)
    )
    return record


async def approved(session: AsyncSession, lang: str, items: Iterable[Versions]) -> set[str]:
    """Which of ``items`` are reviewed: approved with both of their current versions."""
    wanted = {item.item: (item.source, item.text) for item in items}
    if not wanted:
        return set()
    rows = await session.execute(
        select(ContentReview.item, ContentReview.source_version, ContentReview.text_version).where(
            ContentReview.lang == lang,
            ContentReview.verdict == Verdict.APPROVED.value,
            ContentReview.item.in_(list(wanted)) if len(wanted) < 500 else true(),
        )
    )
    return {item for item, source, text in rows if wanted.get(item) == (source, text)}


async def coverage(session: AsyncSession, lang: str, items: Sequence[Versions]) -> Coverage:
    """How much of ``lang`` is reviewed, stale (approved, changed since), and commented on."""
    current = {item.item: (item.source, item.text) for item in items}
    rows = (
        await session.execute(
            select(
                ContentReview.item,
                ContentReview.verdict,
                ContentReview.source_version,
                ContentReview.text_version,
            ).where(ContentReview.lang == lang)
        )
    ).all()
    reviewed = {i for i, v, s, t in rows if v == Verdict.APPROVED and current.get(i) == (s, t)}
    once = {i for i, v, _, _ in rows if v == Verdict.APPROVED and i in current}
    return Coverage(
        lang=lang,
        total=len(current),
        reviewed=len(reviewed),
        stale=len(once - reviewed),
        suggestions=sum(1 for _, v, _, _ in rows if v == Verdict.SUGGESTION),
        discuss=sum(1 for _, v, _, _ in rows if v == Verdict.DISCUSS),
    )


async def comments(session: AsyncSession, lang: str | None = None) -> list[ContentReview]:
    """Suggestions and items marked for discussion, oldest first, for the content maintainer."""
    query = select(ContentReview).where(
        ContentReview.verdict.in_([Verdict.SUGGESTION.value, Verdict.DISCUSS.value])
    )
    if lang is not None:
        query = query.where(ContentReview.lang == lang)
    return list(await session.scalars(query.order_by(ContentReview.id)))


async def approvals(session: AsyncSession, lang: str) -> list[ContentReview]:
    """Every approval in ``lang``, oldest first."""
    query = select(ContentReview).where(
        ContentReview.lang == lang, ContentReview.verdict == Verdict.APPROVED.value
    )
    return list(await session.scalars(query.order_by(ContentReview.id)))
