"""What does not outlive its use: unfinished drafts after two days, summaries after the
retention period (the record itself stays, for the programme's figures)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.agreements.drafts import DRAFT_HOURS
from models.agreements.events import add_event
from models.agreements.tables import Agreement, AgreementDraft
from models.sweep import Write, any_row


async def find_old_drafts(session: AsyncSession, now: datetime) -> Write | None:
    """Unfinished drafts hold a summary: they do not outlive two days."""
    old = AgreementDraft.created_at < now - timedelta(hours=DRAFT_HOURS)
    if not await any_row(session, select(AgreementDraft).where(old)):
        return None

    async def forget(session: AsyncSession) -> int:
        result = await session.execute(delete(AgreementDraft).where(old))
        return int(getattr(result, "rowcount", 0) or 0)

    return forget


async def erase_summaries(session: AsyncSession, before: datetime) -> int:
    """Retention: the summaries of agreements reported before `before` are erased."""
    rows = await session.scalars(
        select(Agreement).where(Agreement.created_at < before, Agreement.summary.is_not(None))
    )
    erased = 0
    for agreement in rows:
        agreement.summary = None
        add_event(session, agreement, None, "summary.erased")
        erased += 1
    return erased
