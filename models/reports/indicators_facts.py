"""What the indicators are computed from: a few grouped queries over the groups of a scope, read
once, then added up per area in Python (models/reports/indicators.py).

Per group: its meetings (first held, the fifteenth held, held in the period, the last record) and
its referrals; per participant: sex, origin, attendance in the period and over the whole cycle;
per agreement reached in the period: whether and when it was acknowledged and documented.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from models.agreements import Agreement, Status
from models.groups import WEEKS, Group
from models.meetings import Attendance, MeetingRecord, MeetingStatus, Reflection
from models.reports.export_agreements import first_documented
from models.reports.period import Period
from models.reports.places import GroupPlace, days_between, scoped_groups, within
from models.reports.rows import stream_rows
from models.roster import Participant
from models.scope import Scope


@dataclass
class GroupFacts:
    place: GroupPlace
    first_held: date | None = None
    completed_on: date | None = None  # the day its fifteenth meeting was held
    last_record: date | None = None
    held: int = 0  # meetings held in the period
    referrals: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class PersonFacts:
    group_id: int
    sex: str | None
    origin: str | None
    present: int  # meetings present at, in the period
    marked: int  # meetings with their attendance saved, in the period
    present_in_cycle: int  # meetings present at, over the group's fifteen weeks


@dataclass(frozen=True)
class AgreementFacts:
    group_id: int
    days_to_acknowledge: int | None
    days_to_document: int | None


@dataclass
class Facts:
    groups: dict[int, GroupFacts]
    people: list[PersonFacts]
    agreements: list[AgreementFacts]


def _count(condition: ColumnElement[bool] | InstrumentedAttribute[bool]) -> ColumnElement[int]:
    """How many of the rows meet the condition."""
    return func.sum(case((condition, 1), else_=0))


async def read_facts(session: AsyncSession, scope: Scope, period: Period) -> Facts:
    groups = {g.id: GroupFacts(g) for g in await scoped_groups(session, scope)}
    held = MeetingRecord.status == MeetingStatus.HELD.value
    in_period = within(MeetingRecord.held_on, period)
    meetings = await session.execute(
        select(
            MeetingRecord.group_id,
            func.min(case((held, MeetingRecord.held_on))),
            func.max(case((MeetingRecord.held_week == WEEKS, MeetingRecord.held_on))),
            func.max(MeetingRecord.held_on),
            _count(and_(held, in_period)),
        )
        .join(Group, Group.id == MeetingRecord.group_id)
        .where(scope.group_filter())
        .group_by(MeetingRecord.group_id)
    )
    for group_id, first_held, completed_on, last_record, held_count in meetings.all():
        if (facts := groups.get(group_id)) is not None:
            facts.first_held, facts.completed_on = first_held, completed_on
            facts.last_record, facts.held = last_record, int(held_count or 0)
    referrals = await session.execute(
        select(MeetingRecord.group_id, Reflection.referral, func.count())
        .join(MeetingRecord, MeetingRecord.id == Reflection.meeting_id)
        .join(Group, Group.id == MeetingRecord.group_id)
        .where(scope.group_filter(), in_period, Reflection.referral.is_not(None))
        .group_by(MeetingRecord.group_id, Reflection.referral)
    )
    for group_id, referral, count in referrals.all():
        if (facts := groups.get(group_id)) is not None and referral is not None:
            facts.referrals[referral] += int(count)
    return Facts(
        groups,
        await _people(session, scope, period),
        await _agreements(session, scope, period, groups),
    )


async def _people(session: AsyncSession, scope: Scope, period: Period) -> list[PersonFacts]:
    """Every participant with attendance saved at any held meeting of their group."""
    in_period = within(MeetingRecord.held_on, period)
    rows = stream_rows(
        session,
        select(
            Participant.group_id,
            Participant.gender,
            Participant.origin,
            _count(and_(in_period, Attendance.present)),
            _count(in_period),
            _count(Attendance.present),
        )
        .select_from(Attendance)
        .join(MeetingRecord, MeetingRecord.id == Attendance.meeting_id)
        .join(Participant, Participant.id == Attendance.participant_id)
        .join(Group, Group.id == MeetingRecord.group_id)
        .where(scope.group_filter(), MeetingRecord.held_week.is_not(None))
        .group_by(Participant.id, Participant.group_id, Participant.gender, Participant.origin),
    )
    return [
        PersonFacts(group_id, sex, origin, int(present or 0), int(marked or 0), int(cycle or 0))
        async for group_id, sex, origin, present, marked, cycle in rows
    ]


async def _agreements(
    session: AsyncSession, scope: Scope, period: Period, groups: dict[int, GroupFacts]
) -> list[AgreementFacts]:
    documented = first_documented()
    rows = await session.execute(
        select(
            Agreement.group_id,
            Agreement.created_at,
            Agreement.acknowledged_at,
            func.coalesce(documented.c.at, Agreement.documented_at),
        )
        .outerjoin(documented, documented.c.agreement_id == Agreement.id)
        .join(Group, Group.id == Agreement.group_id)
        .where(
            scope.group_filter(),
            within(Agreement.reached_on, period),
            # Violence, referred: a referral, never an agreement reached.
            Agreement.status != Status.REFERRED.value,
        )
    )
    found = []
    for group_id, reported_at, acknowledged_at, documented_at in rows.all():
        if (facts := groups.get(group_id)) is not None:
            place = facts.place
            found.append(
                AgreementFacts(
                    group_id,
                    days_between(place, reported_at, acknowledged_at),
                    days_between(place, reported_at, documented_at),
                )
            )
    return found
