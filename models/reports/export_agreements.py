"""The tables of agreements and of the self-help groups' monthly check-ins.

An agreement is in the period by its date reached, a check-in by its date: the first day of the
month it is for (it is asked on that day, and the answer says how the group did that month).
Agreements are exported without their summary: parties counted, outside parties and witnesses
counted by role, the status with its dates and the days between. A record a coordinator found
to be about violence has the status "referred": it is a referral, not an agreement (its parties
and roles are erased, so they count 0).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.agreements import (
    FOLLOW_UPS,
    OUTSIDE_ROLES,
    WITNESS_ROLES,
    Agreement,
    AgreementEvent,
    AgreementParty,
    FollowUp,
)
from models.groups import Group
from models.meetings import SelfHelpCheckin
from models.reports.period import Period
from models.reports.places import (
    PLACE_COLUMNS,
    GroupedRows,
    GroupPlace,
    days_between,
    within,
)
from models.reports.tables import Table, columns
from models.scope import Scope

AGREEMENTS = columns(
    *PLACE_COLUMNS,
    "agreement:int",
    "kind:code:agreement_kind",
    "parties:int",
    *(f"outside_{role}:int" for role in OUTSIDE_ROLES),
    *(f"witness_{role}:int" for role in WITNESS_ROLES),
    "date_reached:date",
    "written:flag",
    "violence_check:flag",
    "status:code:agreement_status",
    "reported_at:datetime",
    "acknowledged_at:datetime",
    "documented_at:datetime",
    "days_to_acknowledge:int",
    "days_to_document:int",
    "reference:text",
    *(f"follow_up_{step}:code:follow_up" for step in FOLLOW_UPS),
)
CHECKINS = columns(*PLACE_COLUMNS, "date:date", "answer:code:checkin")


def first_documented() -> Any:
    """When each agreement was first documented: a corrected reference number moves
    `documented_at`, not the day the paper reached the office."""
    return (
        select(AgreementEvent.agreement_id, func.min(AgreementEvent.at).label("at"))
        .where(AgreementEvent.action == "documented")
        .group_by(AgreementEvent.agreement_id)
        .subquery()
    )


def _counts(stored: str, roles: tuple[str, ...]) -> tuple[int, ...]:
    chosen = [r for r in stored.split(",") if r]
    return tuple(chosen.count(role) for role in roles)


async def agreements_table(
    session: AsyncSession, scope: Scope, groups: list[GroupPlace], period: Period
) -> Table:
    table = GroupedRows(groups)
    in_period = (scope.group_filter(), within(Agreement.reached_on, period))
    group = (Group, Group.id == Agreement.group_id)
    parties: dict[int, int] = {
        agreement_id: count
        for agreement_id, count in await session.execute(
            select(AgreementParty.agreement_id, func.count())
            .join(Agreement, Agreement.id == AgreementParty.agreement_id)
            .join(*group)
            .where(*in_period)
            .group_by(AgreementParty.agreement_id)
        )
    }
    answers: dict[tuple[int, str], str] = {}
    for agreement_id, step, answer, asked_at in await session.execute(
        select(FollowUp.agreement_id, FollowUp.step, FollowUp.answer, FollowUp.asked_at)
        .join(Agreement, Agreement.id == FollowUp.agreement_id)
        .join(*group)
        .where(*in_period)
    ):
        # Asked: the question went out and has no answer yet; skipped: it was never asked.
        answers[(agreement_id, step)] = answer or ("asked" if asked_at else "skipped")
    documented = first_documented()
    rows = await session.execute(
        select(
            Agreement.id,
            Agreement.group_id,
            Agreement.kind,
            Agreement.outside_roles,
            Agreement.witness_roles,
            Agreement.reached_on,
            Agreement.written,
            Agreement.violence_check,
            Agreement.status,
            Agreement.created_at,
            Agreement.acknowledged_at,
            func.coalesce(documented.c.at, Agreement.documented_at),
            Agreement.reference,
        )
        .join(*group)
        .outerjoin(documented, documented.c.agreement_id == Agreement.id)
        .where(*in_period)
        .order_by(Agreement.reached_on, Agreement.id)
    )
    for (
        number,
        group_id,
        kind,
        outside,
        witnesses,
        reached_on,
        written,
        violence_check,
        status,
        reported_at,
        acknowledged_at,
        documented_at,
        reference,
    ) in rows.all():
        if (place := table.place(group_id)) is None:
            continue  # a group created since the groups were read
        table.add(
            place,
            number,
            kind,
            int(parties.get(number, 0)),
            *_counts(outside, OUTSIDE_ROLES),
            *_counts(witnesses, WITNESS_ROLES),
            reached_on,
            int(written),
            int(violence_check),
            status,
            place.local(reported_at),
            place.local(acknowledged_at),
            place.local(documented_at),
            days_between(place, reported_at, acknowledged_at),
            days_between(place, reported_at, documented_at),
            reference or None,
            *(answers.get((number, step)) for step in FOLLOW_UPS),
        )
    return Table("agreements", AGREEMENTS, table.in_order())


def checkin_date(month: str) -> date:
    """A check-in's date: the first day of the month it is for ("2027-01" -> 1 January 2027)."""
    return datetime.strptime(month, "%Y-%m").date()


async def checkins_table(
    session: AsyncSession, scope: Scope, groups: list[GroupPlace], period: Period
) -> Table:
    table = GroupedRows(groups)
    rows = await session.execute(
        select(SelfHelpCheckin.group_id, SelfHelpCheckin.month, SelfHelpCheckin.answer)
        .join(Group, Group.id == SelfHelpCheckin.group_id)
        .where(
            scope.group_filter(),
            SelfHelpCheckin.month.between(f"{period.start:%Y-%m}", f"{period.end:%Y-%m}"),
        )
        .order_by(SelfHelpCheckin.group_id, SelfHelpCheckin.month)
    )
    for group_id, month, answer in rows.all():
        day = checkin_date(month)
        if day in period and (place := table.place(group_id)) is not None:
            table.add(place, day, answer)
    return Table("checkins", CHECKINS, table.in_order())
