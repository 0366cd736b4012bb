"""Who may record and answer, and the records a tap names, looked up within the person's scope.

A group or draft outside the scope is NotFound, never a hint that it exists.
"""

from __future__ import annotations

from conversations.runtime.request import Request
from models import agreements
from models.agreements import AgreementDraft
from models.errors import NotFound
from models.groups import Group
from models.scope import Scope
from models.users import Role

RECORDERS = frozenset({Role.FACILITATOR, Role.ADMIN})
ANSWERERS = frozenset({Role.FACILITATOR, Role.COORDINATOR, Role.ADMIN})


async def group_in_scope(request: Request, group_id: int) -> Group:
    """A group this user leads (or, for an admin, any group); NotFound otherwise."""
    scope = await Scope.of(request.session, request.me)
    group = await scope.group(request.session, group_id)
    if group is None:
        raise NotFound()
    return group


async def draft_in_scope(request: Request, key: str) -> tuple[AgreementDraft, Group]:
    """The user's own fresh draft with this key, and its group, checked against the scope again
    (the user may have left the group since the draft began)."""
    draft = await agreements.get_draft(request.session, key=key, user=request.me)
    return draft, await group_in_scope(request, draft.group_id)


async def scope_of(request: Request) -> Scope:
    return await Scope.of(request.session, request.me)
