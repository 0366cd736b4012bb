"""The programme's indicators for a period, over the whole scope and for each area in it.

What each indicator counts (a group belongs to its colline, and so to its commune and province):

    groups_started           groups whose first meeting was held in the period
    groups_active            groups that held at least one meeting in the period
    groups_completed         groups whose fifteenth meeting was held in the period
    groups_self_help         groups that became a self-help group in the period
    sessions_held            meetings held in the period
    sessions_planned         the weekly meetings the groups' calendars planned in the period: each
                             day of the group's meeting weekday from its start date, up to the day
                             its fifteenth meeting was held (or today, or the period's end); a
                             meeting cancelled, postponed or never recorded is planned and not held
    attendance_mean          share of participants present, over the meetings held in the period
                             with their attendance saved
    participants             participant codes present at least once in the period
    participants_retained    participants present at RETAINED_MIN or more of the fifteen meetings,
                             among those of the groups whose fifteenth meeting was held in the
                             period
    agreements_reported      agreements reached in the period
    agreements_acknowledged  of those, acknowledged by a coordinator (documented ones included)
    agreements_documented    of those, documented (the signed paper's reference kept)
    days_to_acknowledge_median, days_to_document_median
                             median whole days (on the group's calendar) from an agreement's
                             report to its acknowledgement, and to its first documentation
    referrals_<type>         reflections of meetings held in the period that record a referral of
                             that type (health, psychosocial, legal, protection)

participants, participants_retained and attendance_mean are also broken down by sex and by origin
when any participant in scope has it recorded; by sex and origin together only for a commune or
more. Small counts are suppressed (models/reports/indicators_suppress.py). A share or a median
with nothing to compute it from is left out (no figure), never given as a suppressed one.
"""

from __future__ import annotations

import asyncio
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from models.groups import GroupStatus
from models.meetings import REFERRALS
from models.reports.indicators_facts import Facts, GroupFacts, PersonFacts, read_facts
from models.reports.indicators_suppress import Key, suppress
from models.reports.period import Period
from models.reports.places import LEVELS, weekly_days
from models.reports.tables import VOCABULARIES, Figure
from models.scope import Scope
from models.users import Role

INDICATORS: tuple[str, ...] = (
    "groups_started",
    "groups_active",
    "groups_completed",
    "groups_self_help",
    "sessions_held",
    "sessions_planned",
    "attendance_mean",
    "participants",
    "participants_retained",
    "agreements_reported",
    "agreements_acknowledged",
    "agreements_documented",
    "days_to_acknowledge_median",
    "days_to_document_median",
    *(f"referrals_{kind}" for kind in REFERRALS),
)
# Broken down by sex and by origin; the first two are counts of people, which add up by area.
DISAGGREGATED = ("attendance_mean", "participants", "participants_retained")
COUNTS_OF_PEOPLE = frozenset({"participants", "participants_retained"})
RETAINED_MIN = 12  # meetings present at, of the fifteen
# Below the commune (colline, group) no figure is broken down by sex and origin together.
CROSS_DEEPEST = 2  # province 1, commune 2

Area = tuple[str, ...]
Breakdown = tuple[str | None, str | None]  # sex, origin


def planned_sessions(group: GroupFacts, period: Period) -> int:
    place = group.place
    last = min(period.end, place.today())
    if group.completed_on is not None:
        last = min(last, group.completed_on)
    if place.status == GroupStatus.CLOSED:  # closed groups keep no closing date: their last record
        if group.last_record is None:
            return 0
        last = min(last, group.last_record)
    return weekly_days(max(period.start, place.start_date), last, place.weekday)


@dataclass
class _Area:
    """What one area adds up."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(INDICATORS, 0))
    days_to_acknowledge: list[int] = field(default_factory=list)
    days_to_document: list[int] = field(default_factory=list)
    # Per breakdown (sex, origin) and (None, None) for everyone: participants, retained,
    # present and marked (the attendance share), and the people behind the share.
    people: dict[Breakdown, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0] * 5))


def _breakdowns(person: PersonFacts) -> list[Breakdown]:
    found: list[Breakdown] = [(None, None)]
    if person.sex:
        found.append((person.sex, None))
    if person.origin:
        found.append((None, person.origin))
    if person.sex and person.origin:
        found.append((person.sex, person.origin))
    return found


def _add_up(facts: Facts, period: Period, areas_of: dict[int, list[Area]]) -> dict[Area, _Area]:
    totals: dict[Area, _Area] = defaultdict(_Area)
    totals[()] = _Area()  # the whole scope, even without a group
    for group_id, group in facts.groups.items():
        values = {
            "groups_started": group.first_held in period,
            "groups_active": group.held > 0,
            "groups_completed": group.completed_on in period,
            "groups_self_help": group.place.self_help_since in period,
            "sessions_held": group.held,
            "sessions_planned": planned_sessions(group, period),
            **{f"referrals_{kind}": group.referrals[kind] for kind in REFERRALS},
        }
        for area in areas_of[group_id]:
            counts = totals[area].counts
            for name, value in values.items():
                counts[name] += int(value)
    for agreement in facts.agreements:
        for area in areas_of[agreement.group_id]:
            total = totals[area]
            total.counts["agreements_reported"] += 1
            if agreement.days_to_acknowledge is not None:
                total.counts["agreements_acknowledged"] += 1
                total.days_to_acknowledge.append(agreement.days_to_acknowledge)
            if agreement.days_to_document is not None:
                total.counts["agreements_documented"] += 1
                total.days_to_document.append(agreement.days_to_document)
    # People are added up per group first, then each group's sums into its areas.
    by_group: dict[int, dict[Breakdown, list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0] * 5)
    )
    for person in facts.people:
        facts_of_group = facts.groups.get(person.group_id)
        if facts_of_group is None:
            continue  # a group created since the groups were read
        retained = facts_of_group.completed_on in period and person.present_in_cycle >= RETAINED_MIN
        for breakdown in _breakdowns(person):
            cell = by_group[person.group_id][breakdown]
            cell[0] += person.present > 0
            cell[1] += retained
            cell[2] += person.present
            cell[3] += person.marked
            cell[4] += person.marked > 0
    for group_id, cells in by_group.items():
        for area in areas_of[group_id]:
            people = totals[area].people
            for breakdown, (everyone, kept, present, marked, marked_people) in cells.items():
                cell = people[breakdown]
                cell[0] += everyone
                cell[1] += kept
                cell[2] += present
                cell[3] += marked
                cell[4] += marked_people
    return totals


def _listed(scope: Scope, facts: Facts) -> tuple[dict[int, list[Area]], int]:
    """The areas each group counts in: () for the whole scope, then its province, commune and
    colline when the scope covers them whole; and how deep the scope itself is (0: the whole
    programme, LEVELS: a colline or a facilitator's groups)."""
    # A report narrowed to a part of the coordinator's area covers that part only.
    top = getattr(scope, "within", None) or (
        scope.area_path if scope.role == Role.COORDINATOR else None
    )
    if top:
        depth = top.strip("/").count("/") + 1
    else:
        depth = 0 if scope.role == Role.ADMIN else LEVELS
    areas_of: dict[int, list[Area]] = {}
    for group_id, group in facts.groups.items():
        place = group.place
        areas: list[Area] = [()]
        for level in range(1, len(place.area) + 1):
            path = "/" + "".join(f"{i}/" for i in place.area_ids[:level])
            if scope.contains_path(path) and path.startswith(top or ""):
                areas.append(place.area[:level])
        areas_of[group_id] = areas
    return areas_of, depth


def _figures(
    area: Area, total: _Area, breakdowns: Iterable[Breakdown], cross: bool
) -> Iterable[tuple[Figure, int | None]]:
    """The area's figures in INDICATORS order, each with the people a breakdown rests on."""
    medians = {
        "days_to_acknowledge_median": total.days_to_acknowledge,
        "days_to_document_median": total.days_to_document,
    }
    for indicator in INDICATORS:
        if indicator in medians:
            if medians[indicator]:
                yield Figure(indicator, area, statistics.median(medians[indicator])), None
            continue
        if indicator not in DISAGGREGATED:
            yield Figure(indicator, area, total.counts[indicator]), None
            continue
        everyone = total.people[(None, None)]
        if indicator == "attendance_mean" and not everyone[3]:
            continue
        for sex, origin in [(None, None), *breakdowns]:
            if sex and origin and not cross:
                continue
            people, retained, present, marked, marked_people = total.people.get(
                (sex, origin), [0] * 5
            )
            if indicator == "participants":
                yield Figure(indicator, area, people, sex, origin), people
            elif indicator == "participants_retained":
                yield Figure(indicator, area, retained, sex, origin), retained
            else:
                share = present / marked if marked else None
                yield Figure(indicator, area, share, sex, origin), marked_people


async def programme_indicators(session: AsyncSession, scope: Scope, period: Period) -> list[Figure]:
    """Every indicator over the whole scope (area ()) and for each province, commune and colline
    in it, in that order (areas by name), each followed by its breakdowns."""
    facts = await read_facts(session, scope, period)
    # Adding up a whole programme is most of a second of Python: in a thread, the event loop
    # keeps serving everyone else meanwhile (the interpreter switches every few milliseconds).
    return await asyncio.to_thread(_computed, scope, facts, period)


def _computed(scope: Scope, facts: Facts, period: Period) -> list[Figure]:
    areas_of, depth = _listed(scope, facts)
    totals = _add_up(facts, period, areas_of)
    sexes = sorted({p.sex for p in facts.people if p.sex}, key=VOCABULARIES["sex"].index)
    origins = sorted({p.origin for p in facts.people if p.origin}, key=VOCABULARIES["origin"].index)
    breakdowns: list[Breakdown] = [
        *((s, None) for s in sexes),
        *((None, o) for o in origins),
        *((s, o) for s in sexes for o in origins),
    ]
    figures: list[Figure] = []
    bases: dict[Key, int] = {}
    for area in sorted(totals, key=lambda a: (len(a) > 0, a)):
        cross = (len(area) or depth) <= CROSS_DEEPEST
        for figure, base in _figures(area, totals[area], breakdowns, cross):
            figures.append(figure)
            if figure.sex or figure.origin:
                bases[(figure.indicator, area, figure.sex, figure.origin)] = base or 0
    return suppress(figures, bases, COUNTS_OF_PEOPLE)
