"""Who may use the coordinators' flow, and lookups in their scope: a coordinator sees their
subtree of the area tree (models.scope.Scope), an admin everything. An agreement outside that
scope is answered as not found, whatever the button data says."""

from __future__ import annotations

from conversations.runtime.request import Request
from models import agreements, reports
from models.agreements import Agreement
from models.audit import audit
from models.clock import clock
from models.reports import AreaReport, GroupSummary
from models.scope import Scope
from models.users import Role

COORDINATORS = frozenset({Role.COORDINATOR, Role.ADMIN})


async def scope(request: Request) -> Scope:
    return await Scope.of(request.session, request.me)


async def agreement(request: Request, agreement_id: int) -> Agreement:
    """The agreement if it is in the person's scope; NotFound otherwise."""
    return await agreements.get_agreement(request.session, await scope(request), agreement_id)


async def summaries(request: Request) -> list[GroupSummary]:
    """The figures of every group in the person's scope, closed groups left out."""
    return await reports.group_summaries(request.session, await scope(request), clock.now())


async def area_report(request: Request) -> AreaReport | None:
    """The person's groups with the totals over them; None when there is none yet."""
    return await reports.area_report(request.session, await scope(request), clock.now())


def audit_reading(request: Request, action: str) -> None:
    """Writes the audit row in a short write transaction of its own once the figures are read.

    The figures are read in a read transaction, so no write lock is held while they are
    computed; `after_commit` runs before the answer is sent, so nothing is shown that the audit
    log does not record.
    """
    db, actor_id = request.services.db, request.me.id

    async def write() -> None:
        async with db.write() as session:
            await audit(session, actor_id=actor_id, action=action)

    request.after_commit.append(write)
