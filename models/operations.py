"""Figures for the operator's `status` command, and what `health` finds wrong."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox, service
from models.users import User


async def status_figures(session: AsyncSession) -> dict[str, int | str | None]:
    """The running bot's figures, for `status` and monitoring (`status --json`)."""
    backlog = await outbox.backlog(session)
    unreachable = await session.scalar(
        select(func.count()).select_from(User).where(User.unreachable_at.is_not(None))
    )
    next_due = await outbox.next_due_at(session)
    figures: dict[str, int | str | None] = {
        "outbox_pending": backlog.get(outbox.OutboxStatus.PENDING.value, 0),
        "outbox_sent": backlog.get(outbox.OutboxStatus.SENT.value, 0),
        "outbox_handed_over": backlog.get(outbox.OutboxStatus.UNREACHABLE.value, 0),
        "unreachable_users": int(unreachable or 0),
        "next_outbox_send": next_due.isoformat() if next_due else None,
    }
    for key in ("heartbeat", "last_sweep", "last_update", "telegram"):
        state = await service.get_state(session, key)
        figures[f"{key}_at"] = state.updated_at.isoformat() if state else None
        if key in ("last_update", "telegram"):
            figures[key] = state.value if state else None
    return figures


def status_report(figures: dict[str, int | str | None]) -> dict[str, str]:
    """The figures of `status_figures`, labelled for a person."""
    labels = {
        "outbox_pending": "outbox pending",
        "outbox_sent": "outbox sent",
        "outbox_handed_over": "outbox handed over",
        "unreachable_users": "unreachable users",
        "next_outbox_send": "next outbox send",
        "heartbeat_at": "heartbeat",
        "last_sweep_at": "last sweep",
        "last_update": "last update handled",
        "telegram": "telegram answered",
    }
    return {
        label: "-" if figures[key] is None else str(figures[key]) for key, label in labels.items()
    }


HEARTBEAT_STALE = timedelta(minutes=3)
# Due messages nobody tried to send for this long: the sender is not running or not getting
# through (it looks every 2 seconds; a backlog of a Monday morning drains in minutes).
OUTBOX_STUCK = timedelta(minutes=15)
SWEEP_STALE = timedelta(minutes=15)
# The HTTP status of the bot's last getUpdates, as the heartbeat records it.
TELEGRAM_PROBLEMS = {
    "401": "Telegram refuses the token (401): check TELEGRAM_BOT_TOKEN with @BotFather",
    "409": "another process is polling with this token (409): stop it, or revoke the token",
}


async def health_problems(session: AsyncSession, now: datetime, sweep_seconds: float) -> list[str]:
    """What makes the running bot unhealthy; empty when all is well."""
    problems: list[str] = []
    beat = await service.get_state(session, "heartbeat")
    if beat is None or now - beat.updated_at > HEARTBEAT_STALE:
        return ["no recent heartbeat: the bot is not running"]
    telegram = await service.get_state(session, "telegram")
    if telegram is not None and telegram.value in TELEGRAM_PROBLEMS:
        since = f"{telegram.updated_at:%Y-%m-%d %H:%M} UTC"
        problems.append(f"{TELEGRAM_PROBLEMS[telegram.value]} (since {since})")
    due = await outbox.next_due_at(session)
    if due is not None and now - due > OUTBOX_STUCK:
        minutes = int((now - due).total_seconds() // 60)
        problems.append(f"outbox stuck: messages due {minutes} minutes ago are not sent")
    swept = await service.get_state(session, "last_sweep")
    if swept is None or now - swept.updated_at > max(
        SWEEP_STALE, timedelta(seconds=3 * sweep_seconds)
    ):
        problems.append("the sweep has stopped: reminders and alerts are not being queued")
    return problems
