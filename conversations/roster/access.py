"""Lookups in the person's scope: a group they may act on, and one of its participants.

Every tap and every typed answer checks again that the user may act on the group (Scope) and
that the participant belongs to it, so forged or old buttons change nothing."""

from __future__ import annotations

from dataclasses import dataclass

from conversations.runtime.request import Request
from models import roster
from models.errors import NotFound
from models.groups import Group
from models.roster import Participant
from models.scope import Scope
from models.users import Role

# Coordinators may open the rosters of their area too (from their group views), not only admins.
STAFF = frozenset({Role.FACILITATOR, Role.COORDINATOR, Role.ADMIN})


@dataclass(frozen=True)
class People:
    """A group's roster as the screens show it."""

    active: list[Participant]
    left: list[Participant]


async def group_in_scope(request: Request, group_id: int) -> Group:
    """The group if this user may act on it; otherwise "not found", never a hint it exists."""
    scope = await Scope.of(request.session, request.me)
    found = await scope.group(request.session, group_id)
    if found is None:
        raise NotFound()
    return found


async def participant_in_group(
    request: Request, group_id: int, participant_id: int
) -> tuple[Group, Participant]:
    """The group, if the user may act on it, and one of its participants (active or not)."""
    found = await group_in_scope(request, group_id)
    try:
        person = await roster.get_participant(request.session, found.id, participant_id)
    except NotFound:
        raise NotFound() from None  # the plain code: answered as "not found or not yours"
    return found, person


async def people(request: Request, group: Group) -> People:
    return People(
        active=await roster.active_participants(request.session, group.id),
        left=await roster.left_participants(request.session, group.id),
    )
