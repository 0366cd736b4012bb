"""A coordinator's choices in /report, kept on their user: the period, the area, monthly files.

The period is one of this month, last quarter, since the start, or two typed dates; the area is
their own or a part of it. Both are remembered, so the next /report and the next files use them.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.areas import Area, area_names
from models.errors import InvalidInput, NotAllowed, NotFound
from models.groups import Group
from models.reports.period import Period
from models.scope import Scope
from models.users import User

CHOICES = ("month", "quarter", "all")
DEFAULT = "month"
# Dates typed as 1/10/2026, 01.10.2026 or 2026-10-01; two of them make a period.
_DAY_FIRST = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_dates(text: str) -> tuple[date, date]:
    """Two dates in the text, in either order; InvalidInput("period_dates") otherwise."""
    found: list[date] = []
    try:
        for match in _ISO.finditer(text):
            found.append(date(int(match[1]), int(match[2]), int(match[3])))
        for match in _DAY_FIRST.finditer(_ISO.sub(" ", text)):
            found.append(date(int(match[3]), int(match[2]), int(match[1])))
    except ValueError:
        raise InvalidInput("period_dates") from None
    if len(found) != 2:
        raise InvalidInput("period_dates")
    return min(found), max(found)


def spec_of(start: date, end: date) -> str:
    return f"{start.isoformat()}..{end.isoformat()}"


async def first_meeting_day(session: AsyncSession, scope: Scope) -> date | None:
    return await session.scalar(select(func.min(Group.start_date)).where(scope.group_filter()))


async def report_period(session: AsyncSession, user: User, scope: Scope, today: date) -> Period:
    """The period the person chose last (this month when they never chose)."""
    spec = user.report_period or DEFAULT
    if spec == "quarter":
        return Period.last_quarter(today)
    if spec == "all":
        return Period.since(await first_meeting_day(session, scope) or today, today)
    if ".." in spec:
        start, _, end = spec.partition("..")
        try:
            return Period(date.fromisoformat(start), date.fromisoformat(end), "dates")
        except ValueError:
            pass
    return Period.this_month(today)


async def choose_period(session: AsyncSession, user: User, spec: str) -> None:
    if spec not in CHOICES:
        start, end = parse_dates(spec)
        spec = spec_of(start, end)
    user.report_period = spec


async def report_scope(session: AsyncSession, user: User) -> Scope:
    """The person's scope, narrowed to the area they chose for reports when it is inside it."""
    scope = await Scope.of(session, user)
    if user.report_area_id is None:
        return scope
    area = await session.get(Area, user.report_area_id)
    return scope.narrowed(area.path if area is not None else None)


async def choose_area(session: AsyncSession, user: User, area_id: int | None) -> None:
    """Reports about a part of the person's area (None: all of it)."""
    if area_id is None:
        user.report_area_id = None
        return
    area = await session.get(Area, area_id)
    if area is None:
        raise NotFound("area")
    if not (await Scope.of(session, user)).contains_path(area.path):
        raise NotAllowed("area_scope")
    user.report_area_id = area.id


def choose_monthly_export(user: User, on: bool) -> None:
    user.monthly_export = on


async def area_label(session: AsyncSession, scope: Scope) -> list[str]:
    """The names of the area a scope covers, from the province down ([] for everywhere)."""
    path = scope.within or scope.area_path
    if not path:
        return []
    ids = [int(part) for part in path.strip("/").split("/") if part]
    area = await session.get(Area, ids[-1]) if ids else None
    return await area_names(session, area) if area is not None else []


async def child_areas(session: AsyncSession, user: User, area_id: int | None) -> list[Area]:
    """The areas directly under ``area_id`` (None: under the person's own area), in their scope."""
    scope = await Scope.of(session, user)
    parent_id = area_id if area_id is not None else user.area_id
    if parent_id is not None:
        parent = await session.get(Area, parent_id)
        if parent is None or not scope.contains_path(parent.path):
            raise NotAllowed("area_scope")
    query = select(Area).where(
        Area.parent_id.is_(None) if parent_id is None else Area.parent_id == parent_id
    )
    return [
        a for a in await session.scalars(query.order_by(Area.name)) if scope.contains_path(a.path)
    ]
