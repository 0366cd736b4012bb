"""The one place that decides which groups a user may see.

Every view that lists or opens group data builds its query from `Scope.groups()`; a coordinator's
scope is their area and everything below it, a facilitator's the groups they lead, an admin's
everything, a trainee's nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Select, and_, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from models.areas import Area
from models.groups import Group, GroupMember
from models.users import Role, User


@dataclass(frozen=True)
class Scope:
    user_id: int
    role: Role
    area_path: str | None
    # A part of the area chosen for a report: only the groups at or below this path.
    within: str | None = None

    @classmethod
    async def of(cls, session: AsyncSession, user: User) -> Scope:
        path = None
        if user.area_id is not None:
            area = await session.get(Area, user.area_id)
            path = area.path if area else None
        return cls(user_id=user.id, role=Role(user.role), area_path=path)

    def narrowed(self, area_path: str | None) -> Scope:
        """The same scope, limited to an area inside it (ignored when it is not inside)."""
        if area_path is None or not self.contains_path(area_path):
            return self
        return replace(self, within=area_path)

    def group_filter(self) -> ColumnElement[bool]:
        own = self._own_filter()
        if self.within is None:
            return own
        return and_(own, Group.area_path.startswith(self.within, autoescape=True))

    def _own_filter(self) -> ColumnElement[bool]:
        if self.role == Role.ADMIN:
            return true()
        if self.role == Role.COORDINATOR:
            if not self.area_path:
                return false()
            return Group.area_path.startswith(self.area_path, autoescape=True)
        if self.role == Role.FACILITATOR:
            led = select(GroupMember.group_id).where(
                GroupMember.user_id == self.user_id, GroupMember.left_at.is_(None)
            )
            return Group.id.in_(led)
        return false()

    def groups(self) -> Select[Group]:
        return select(Group).where(self.group_filter())

    async def group(self, session: AsyncSession, group_id: int) -> Group | None:
        """The group if this user may see it, else None (never a hint that it exists)."""
        return await session.scalar(self.groups().where(Group.id == group_id))

    def contains_path(self, area_path: str) -> bool:
        if self.role == Role.ADMIN:
            return True
        return bool(
            self.role == Role.COORDINATOR
            and self.area_path
            and area_path.startswith(self.area_path)
        )
