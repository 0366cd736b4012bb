"""When a group meets: its local today, and the meeting times before and after a moment."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from models.clock import clock
from models.groups import Group


def local_today(group: Group) -> date:
    return clock.now().astimezone(ZoneInfo(group.timezone)).date()


def meeting_at(group: Group, day: date) -> datetime:
    """The group's meeting time on a given day, as an aware datetime."""
    return datetime.combine(day, group.meet_time, tzinfo=ZoneInfo(group.timezone))


def next_meeting(group: Group, after: datetime) -> datetime:
    """The first meeting time strictly after `after` (weekday 0 = Monday, like date.weekday())."""
    local = after.astimezone(ZoneInfo(group.timezone))
    day = max(local.date(), group.start_date)
    for offset in range(8):
        candidate = meeting_at(group, day + timedelta(days=offset))
        if candidate.weekday() == group.weekday and candidate > after:
            return candidate
    raise AssertionError("a weekday recurs within 8 days")


def last_meeting(group: Group, before: datetime) -> datetime | None:
    """The latest meeting time at or before `before`, not before the start date."""
    local = before.astimezone(ZoneInfo(group.timezone))
    for offset in range(8):
        day = local.date() - timedelta(days=offset)
        candidate = meeting_at(group, day)
        if candidate.weekday() == group.weekday and candidate <= before:
            return candidate if day >= group.start_date else None
    raise AssertionError("a weekday recurs within 8 days")
