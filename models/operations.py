"""Figures for the operator's `status` command."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox, service
from models.users import User


async def status_report(session: AsyncSession) -> dict[str, str]:
    backlog = await outbox.backlog(session)
    unreachable = await session.scalar(
        select(func.count()).select_from(User).where(User.unreachable_at.is_not(None))
    )
    report = {
        "outbox pending": str(backlog.get(outbox.OutboxStatus.PENDING.value, 0)),
        "outbox sent": str(backlog.get(outbox.OutboxStatus.SENT.value, 0)),
        "outbox handed over": str(backlog.get(outbox.OutboxStatus.UNREACHABLE.value, 0)),
        "unreachable users": str(unreachable or 0),
    }
    next_due = await outbox.next_due_at(session)
    report["next outbox send"] = next_due.isoformat() if next_due else "-"
    for key, label in (
        ("heartbeat", "heartbeat"),
        ("last_sweep", "last sweep"),
        ("last_update", "last update handled"),
    ):
        state = await service.get_state(session, key)
        report[label] = (
            f"{state.value} (at {state.updated_at:%Y-%m-%d %H:%M:%S} UTC)" if state else "-"
        )
    return report
