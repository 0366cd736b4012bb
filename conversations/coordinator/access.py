"""Who may use the coordinators' flow, and lookups in their scope: a coordinator sees their
subtree of the area tree (models.scope.Scope), an admin everything. An agreement outside that
scope is answered as not found, whatever the button data says."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from conversations.runtime.request import Request
from models import agreements, reports
from models.agreements import Agreement
from models.audit import audit
from models.clock import clock
from models.reports import AreaReport, GroupSummary, preferences
from models.reports.period import Period
from models.scope import Scope
from models.users import Role

COORDINATORS = frozenset({Role.COORDINATOR, Role.ADMIN})


async def scope(request: Request) -> Scope:
    return await Scope.of(request.session, request.me)


def now() -> datetime:
    return clock.now()


def local_now(request: Request) -> datetime:
    """The programme's local time (TIMEZONE), without its zone, as spreadsheets show it."""
    zone = ZoneInfo(request.services.settings.timezone)
    return clock.now().astimezone(zone).replace(tzinfo=None)


@dataclass(frozen=True)
class ReportChoice:
    """What /report and its files cover: the area (as a scope and as people read it), the
    period."""

    scope: Scope
    period: Period
    label: str
    area_id: int | None


async def report_choice(request: Request) -> ReportChoice:
    """The person's last choice of period and area (this month, all their area by default)."""
    session, me = request.session, request.me
    chosen = await preferences.report_scope(session, me)
    today = local_now(request).date()
    period = await preferences.report_period(session, me, chosen, today)
    names = await preferences.area_label(session, chosen)
    label = " / ".join(names) if names else request.tr.pgettext("coordinator", "All areas")
    return ReportChoice(chosen, period, label, me.report_area_id)


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
