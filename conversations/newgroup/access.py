"""Lookups in the creator's scope: the places they may choose, down to a colline.

An admin starts at the provinces, a coordinator at their own area; neither may go above it."""

from __future__ import annotations

from dataclasses import dataclass

from conversations.runtime.callbacks import BadCallback
from conversations.runtime.request import Request
from models import groups
from models.areas import Area, Level, area_names, get_area
from models.errors import NotFound
from models.scope import Scope
from models.users import Role

CREATORS = frozenset({Role.COORDINATOR, Role.ADMIN})


async def area_in_scope(request: Request, area_id: int) -> Area:
    area = await get_area(request.session, area_id)
    scope = await Scope.of(request.session, request.me)
    if area is None or not scope.contains_path(area.path):
        raise NotFound()
    return area


async def colline(request: Request, area_id: int) -> Area:
    area = await area_in_scope(request, area_id)
    if area.level != Level.COLLINE:
        raise BadCallback(str(area_id))
    return area


async def parent_in_scope(request: Request, area: Area) -> int | None:
    """The area above, when the person may go up to it; None: the start of their tree."""
    parent = await get_area(request.session, area.parent_id) if area.parent_id else None
    if parent is None:
        return None
    scope = await Scope.of(request.session, request.me)
    return parent.id if scope.contains_path(parent.path) else None


async def place_name(request: Request, area: Area) -> str:
    return " / ".join(await area_names(request.session, area))


@dataclass(frozen=True)
class Places:
    """One step down the area tree, as the places screen shows it."""

    where: str | None
    places: list[Area]
    # Whether the person may go back up, and to which area (None: the start of their tree).
    can_go_up: bool
    up: int | None


async def places(request: Request, area_id: int | None) -> Places | None:
    """The places under an area, or the start of the person's own part of the tree.

    None: a coordinator without an area, who has nowhere to start.
    """
    user = request.me
    start_id = None if user.role == Role.ADMIN else user.area_id
    if user.role != Role.ADMIN and start_id is None:
        return None
    current = await area_in_scope(request, area_id) if area_id is not None else None
    if current is None and start_id is not None:
        current = await area_in_scope(request, start_id)
    if current is not None and current.level == Level.COLLINE:
        # A coordinator of one colline: that colline is the only choice.
        found = [current]
    else:
        found = await groups.child_areas(request.session, current.id if current else None)
    can_go_up = current is not None and current.id != start_id
    return Places(
        where=await place_name(request, current) if current else None,
        places=found,
        can_go_up=can_go_up,
        up=await parent_in_scope(request, current) if current is not None and can_go_up else None,
    )
