"""The groups of a scope with the names of their places, shared by the exports and the indicators.

Every exported row starts with the group's province, commune and colline (names, read from the
area tree through the group's materialised path) and the group itself; the indicators add the
groups up by those names. Groups come in the order a reader expects: by province, commune,
colline, then group name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.areas import Area
from models.clock import clock
from models.groups import Group
from models.meetings.facilitators import chunks
from models.reports.period import Period
from models.scope import Scope

# The columns every table starts with.
PLACE_COLUMNS = (
    "province:text",
    "commune:text",
    "colline:text",
    "group_id:int",
    "group:text",
)
LEVELS = 3  # province, commune, colline


@dataclass(frozen=True)
class GroupPlace:
    """A group in scope, where it meets and what the indicators need of it."""

    id: int
    name: str
    area: tuple[str, ...]  # names from the province down to the colline
    area_ids: tuple[int, ...]  # the same places by id
    timezone: str
    status: str
    weekday: int
    start_date: date
    self_help_since: date | None

    @property
    def prefix(self) -> tuple[Any, ...]:
        """The first cells of each of the group's rows."""
        names = (*self.area[:LEVELS], *(None,) * (LEVELS - len(self.area)))
        return (*names, self.id, self.name)

    def local(self, value: datetime | None) -> datetime | None:
        """Spreadsheets have no time zones: the group's local time, without its zone."""
        return value.astimezone(ZoneInfo(self.timezone)).replace(tzinfo=None) if value else None

    def today(self) -> date:
        return clock.now().astimezone(ZoneInfo(self.timezone)).date()

    def local_day(self, value: datetime) -> date:
        return value.astimezone(ZoneInfo(self.timezone)).date()


def _ids(path: str) -> tuple[int, ...]:
    return tuple(int(part) for part in path.strip("/").split("/") if part)


async def scoped_groups(session: AsyncSession, scope: Scope) -> list[GroupPlace]:
    """Every group in scope (closed ones included), in reading order."""
    rows = (
        await session.execute(
            select(
                Group.id,
                Group.name,
                Group.area_path,
                Group.timezone,
                Group.status,
                Group.weekday,
                Group.start_date,
                Group.self_help_since,
            ).where(scope.group_filter())
        )
    ).all()
    area_ids = sorted({i for row in rows for i in _ids(row.area_path)})
    names: dict[int, str] = {}
    for chunk in chunks(area_ids):
        found = await session.execute(select(Area.id, Area.name).where(Area.id.in_(chunk)))
        names.update({area_id: name for area_id, name in found})
    groups = []
    for row in rows:
        ids = tuple(i for i in _ids(row.area_path) if i in names)
        groups.append(
            GroupPlace(
                id=row.id,
                name=row.name,
                area=tuple(names[i] for i in ids),
                area_ids=ids,
                timezone=row.timezone,
                status=row.status,
                weekday=row.weekday,
                start_date=row.start_date,
                self_help_since=row.self_help_since,
            )
        )
    return sorted(groups, key=lambda g: (g.area, g.name.casefold(), g.id))


def within(column: Any, period: Period) -> ColumnElement[bool]:
    """A date column in the period, both ends included."""
    return column.between(period.start, period.end)  # type: ignore[no-any-return]


def days_between(place: GroupPlace, start: datetime | None, end: datetime | None) -> int | None:
    """Whole days from one moment to another, counted on the group's calendar (reported on
    Monday, acknowledged on Wednesday: 2), None when either is missing."""
    if start is None or end is None:
        return None
    return (place.local_day(end) - place.local_day(start)).days


def weekly_days(first: date, last: date, weekday: int) -> int:
    """How many days falling on `weekday` there are from `first` to `last`, both included."""
    first += timedelta(days=(weekday - first.weekday()) % 7)
    return 0 if first > last else (last - first).days // 7 + 1


class GroupedRows:
    """A table's rows gathered per group, each starting with its group's place, and read back one
    group after the other in reading order. A row of a group not among `groups` (one created
    since they were read) is left out."""

    def __init__(self, groups: list[GroupPlace]) -> None:
        self.groups = groups
        self._places = {group.id: group for group in groups}
        self._rows: dict[int, list[tuple[Any, ...]]] = {}

    def place(self, group_id: int) -> GroupPlace | None:
        return self._places.get(group_id)

    def add(self, place: GroupPlace, *cells: Any) -> None:
        self._rows.setdefault(place.id, []).append((*place.prefix, *cells))

    def in_order(self) -> list[tuple[Any, ...]]:
        return [row for group in self.groups for row in self._rows.get(group.id, ())]
