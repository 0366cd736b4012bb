"""Places as a tree: province → commune → colline. A scope is a node and everything below it.

Each area stores its materialised path ("/3/17/42/"), so "everything below" is one prefix match
that every backend indexes, and scoped queries never need recursion.
"""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import audit
from models.base import Base
from models.errors import InvalidInput, NotFound


class Level(enum.StrEnum):
    PROVINCE = "province"
    COMMUNE = "commune"
    COLLINE = "colline"


CHILD_LEVEL = {None: Level.PROVINCE, Level.PROVINCE: Level.COMMUNE, Level.COMMUNE: Level.COLLINE}


class Area(Base):
    __tablename__ = "areas"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    level: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(80))
    path: Mapped[str] = mapped_column(String(255), index=True)


async def add_area(
    session: AsyncSession, *, name: str, parent_id: int | None = None, actor_id: int | None = None
) -> Area:
    name = " ".join(name.split())
    if not name or len(name) > 80:
        raise InvalidInput("area_name")
    parent = None
    if parent_id is not None:
        parent = await session.get(Area, parent_id)
        if parent is None:
            raise NotFound("area")
    level = CHILD_LEVEL.get(Level(parent.level) if parent else None)
    if level is None:
        raise InvalidInput("area_too_deep")
    existing = await session.scalar(
        select(Area).where(Area.parent_id == parent_id, Area.name == name)
    )
    if existing is not None:
        return existing
    area = Area(parent_id=parent_id, level=level.value, name=name, path="")
    session.add(area)
    await session.flush()
    area.path = f"{parent.path if parent else '/'}{area.id}/"
    await audit(session, actor_id=actor_id, action="area.add", record=("area", area.id))
    return area


async def add_area_path(session: AsyncSession, names: list[str]) -> Area:
    """Creates "Province/Commune/Colline" as needed and returns the deepest area."""
    if not names or len(names) > 3:
        raise InvalidInput("area_path")
    parent_id: int | None = None
    area: Area | None = None
    for name in names:
        area = await add_area(session, name=name, parent_id=parent_id)
        parent_id = area.id
    assert area is not None
    return area


async def find_area(session: AsyncSession, spec: str) -> Area:
    """An area by id or by "Province/Commune/Colline" path of names."""
    if spec.isdigit():
        area = await session.get(Area, int(spec))
        if area is None:
            raise NotFound("area")
        return area
    parent_id: int | None = None
    area = None
    for name in [n.strip() for n in spec.split("/") if n.strip()]:
        area = await session.scalar(
            select(Area).where(Area.parent_id == parent_id, Area.name == name)
        )
        if area is None:
            raise NotFound("area")
        parent_id = area.id
    if area is None:
        raise NotFound("area")
    return area


async def get_area(session: AsyncSession, area_id: int) -> Area | None:
    return await session.get(Area, area_id)


async def list_areas(session: AsyncSession) -> list[Area]:
    return list(await session.scalars(select(Area).order_by(Area.path)))


async def area_names(session: AsyncSession, area: Area) -> list[str]:
    """Names from the province down to this area."""
    ids = [int(part) for part in area.path.strip("/").split("/") if part]
    rows = {a.id: a.name for a in await session.scalars(select(Area).where(Area.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]
