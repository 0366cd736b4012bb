"""The programme's indicators of a seeded programme equal figures worked out here, in plain Python,
from what was seeded (tests/domain/seeded_programme.py), never through models/reports; small
counts are suppressed, the one returnee woman of a colline is never a "1", and no figure below
the commune is broken down by sex and origin together."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from models.db import Database
from models.reports import INDICATORS, Figure, Period, programme_indicators
from models.reports.indicators_suppress import suppress
from models.scope import Scope
from models.users import Role, User
from tests.domain.seeded_programme import (
    AGREEMENTS,
    END,
    GROUPS,
    TZ,
    GroupPlan,
    Person,
    seed,
)

TODAY = END.astimezone(TZ).date()
ALL = Period(date(2026, 8, 1), TODAY, "all")
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31), "month")
Q4 = Period(date(2026, 10, 1), date(2026, 12, 31), "quarter")
MIRAMA = ("Gitega", "Giheta", "Mirama")
SPEC_ORDER = [
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
    "referrals_health",
    "referrals_psychosocial",
    "referrals_legal",
    "referrals_protection",
]
Key = tuple[str, tuple[str, ...], str | None, str | None]


# --- what the figures should be, from the plan --------------------------------------------------


def recorded(person: Person) -> tuple[str | None, str | None]:
    """Sex and origin as stored now: a withdrawal of consent clears them."""
    return (None, None) if person.withdraws else (person.sex, person.origin)


def held(plan: GroupPlan) -> list[Any]:
    return [m for m in plan.meetings if m.status == "held"]


def on_roster(plan: GroupPlan, day: date) -> list[Person]:
    return [p for p in plan.people if p.joins is None or p.joins <= day]


def planned(plan: GroupPlan, period: Period) -> int:
    """Counted day by day: each meeting weekday from the start, until the fifteenth meeting."""
    meetings = held(plan)
    last = min(period.end, TODAY, meetings[14].day if len(meetings) >= 15 else period.end)
    day, count = plan.start, 0
    while day <= last:
        if day.weekday() == plan.weekday and day >= period.start:
            count += 1
        day += timedelta(days=1)
    return count


@dataclass
class Sums:
    counts: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    acknowledge: list[int] = field(default_factory=list)
    document: list[int] = field(default_factory=list)
    # (sex, origin) -> [participants, retained, present, marked, marked people]
    people: dict[tuple[str | None, str | None], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0, 0, 0, 0])
    )


def expected(
    period: Period, groups: list[GroupPlan], listed: set[tuple[str, ...]], cross_at_top: bool
) -> tuple[dict[Key, Any], dict[Key, int]]:
    """Every figure (unsuppressed) and, for the broken-down ones, the people behind it."""
    sums: dict[tuple[str, ...], Sums] = defaultdict(Sums)
    sums[()] = Sums()
    sexes: set[str] = set()
    origins: set[str] = set()
    for plan in groups:
        areas = [()] + [plan.area[:n] for n in (1, 2, 3) if plan.area[:n] in listed]
        meetings = held(plan)
        in_period = [m for m in meetings if m.day in period]
        completed = len(meetings) >= 15 and meetings[14].day in period
        group = {
            "groups_started": bool(meetings) and meetings[0].day in period,
            "groups_active": bool(in_period),
            "groups_completed": completed,
            "groups_self_help": plan.self_help is not None and plan.self_help in period,
            "sessions_held": len(in_period),
            "sessions_planned": planned(plan, period),
        }
        for m in in_period:
            if m.reflection and m.reflection.referral:
                group[f"referrals_{m.reflection.referral}"] = (
                    group.get(f"referrals_{m.reflection.referral}", 0) + 1
                )
        for area in areas:
            for name, value in group.items():
                sums[area].counts[name] += int(value)
        for person in plan.people:
            marked_all = [
                m for m in meetings if m.absent is not None and person in on_roster(plan, m.day)
            ]
            if not marked_all:
                continue
            sex, origin = recorded(person)
            sexes |= {sex} if sex else set()
            origins |= {origin} if origin else set()
            marked = [m for m in marked_all if m.day in period]
            present = sum(1 for m in marked if person.code not in m.absent)
            everywhere = sum(1 for m in marked_all if person.code not in m.absent)
            values = [
                int(present > 0),
                int(completed and everywhere >= 12),
                present,
                len(marked),
                int(bool(marked)),
            ]
            cells: list[tuple[str | None, str | None]] = [(None, None)]
            if sex:
                cells.append((sex, None))
            if origin:
                cells.append((None, origin))
            if sex and origin:
                cells.append((sex, origin))
            for area in areas:
                for cell in cells:
                    for i, v in enumerate(values):
                        sums[area].people[cell][i] += v
    plans = {g.name: g for g in groups}
    for agreement in AGREEMENTS:
        plan = plans.get(agreement.group)
        if plan is None or agreement.reached_on not in period:
            continue
        areas = [()] + [plan.area[:n] for n in (1, 2, 3) if plan.area[:n] in listed]
        reported = agreement.reported.astimezone(TZ).date()
        acknowledged = agreement.acknowledged or agreement.documented
        for area in areas:
            sums[area].counts["agreements_reported"] += 1
            if acknowledged:
                sums[area].counts["agreements_acknowledged"] += 1
                sums[area].acknowledge.append((acknowledged.astimezone(TZ).date() - reported).days)
            if agreement.documented:
                sums[area].counts["agreements_documented"] += 1
                sums[area].document.append(
                    (agreement.documented.astimezone(TZ).date() - reported).days
                )

    breakdowns = [(s, None) for s in sorted(sexes)] + [(None, o) for o in sorted(origins)]
    crossed = [(s, o) for s in sorted(sexes) for o in sorted(origins)]
    figures: dict[Key, Any] = {}
    bases: dict[Key, int] = {}
    for area, total in sums.items():
        for name in SPEC_ORDER:
            if name == "days_to_acknowledge_median":
                if total.acknowledge:
                    figures[(name, area, None, None)] = statistics.median(total.acknowledge)
            elif name == "days_to_document_median":
                if total.document:
                    figures[(name, area, None, None)] = statistics.median(total.document)
            elif name in ("participants", "participants_retained", "attendance_mean"):
                everyone = total.people[(None, None)]
                if name == "attendance_mean" and not everyone[3]:
                    continue
                cross = (len(area) <= 2) if area else cross_at_top
                for cell in [(None, None), *breakdowns, *(crossed if cross else [])]:
                    p, r, present, marked, marked_people = total.people.get(cell, [0] * 5)
                    value, base = {
                        "participants": (p, p),
                        "participants_retained": (r, r),
                        "attendance_mean": (present / marked if marked else None, marked_people),
                    }[name]
                    figures[(name, area, *cell)] = value
                    if cell != (None, None):
                        bases[(name, area, *cell)] = base
            else:
                figures[(name, area, None, None)] = int(total.counts.get(name, 0))
    return figures, bases


# --- reading the figures -------------------------------------------------------------------------


def prefixes(groups: list[GroupPlan]) -> set[tuple[str, ...]]:
    return {g.area[:n] for g in groups for n in (1, 2, 3)}


@dataclass(frozen=True)
class Seen:
    """A scope as the tests see it: its groups, the areas listed, sex by origin at the top."""

    scope: Scope
    groups: list[GroupPlan]
    listed: set[tuple[str, ...]]
    cross_at_top: bool


COORDINATORS = {21: ("Gitega", "Giheta"), 22: MIRAMA, 23: ("Ngozi",), 24: ("Bururi",)}


async def seen_by(db: Database, telegram_id: int | None) -> Seen:
    """The admin's view (None) or a seeded coordinator's (COORDINATORS, by Telegram id)."""
    if telegram_id is None:
        return Seen(Scope(0, Role.ADMIN, None), list(GROUPS), prefixes(list(GROUPS)), True)
    async with db.read() as s:
        user = await s.scalar(select(User).where(User.telegram_id == telegram_id))
        assert user is not None
        scope = await Scope.of(s, user)
    path = COORDINATORS[telegram_id]
    groups = [g for g in GROUPS if g.area[: len(path)] == path]
    listed = {p for p in prefixes(groups) if p[: len(path)] == path}
    return Seen(scope, groups, listed, len(path) <= 2)


async def indicators(db: Database, seen: Seen, period: Period) -> list[Figure]:
    async with db.read() as s:
        return await programme_indicators(s, seen.scope, period)


def key(f: Figure) -> Key:
    return (f.indicator, f.area, f.sex, f.origin)


def dimension(f: Figure) -> str:
    return "both" if f.sex and f.origin else "sex" if f.sex else "origin" if f.origin else ""


def check(figures: list[Figure], seen: Seen, period: Period) -> dict[Key, Any]:
    """The figures equal those worked out from the plan, except the suppressed ones (None),
    which are exactly those the rules hide; returns what was shown."""
    want, bases = expected(period, seen.groups, seen.listed, seen.cross_at_top)
    got = {key(f): f.value for f in figures}
    assert len(got) == len(figures), "one figure per indicator, area and breakdown"
    assert set(got) == set(want)
    # The order: the whole scope, then the areas by name (a province before its communes),
    # and within an area the indicators in the order of the spec.
    areas = list(dict.fromkeys(f.area for f in figures))
    assert areas == [(), *sorted(seen.listed)]
    for area in areas:
        order = list(dict.fromkeys(f.indicator for f in figures if f.area == area))
        assert order == [i for i in SPEC_ORDER if any(k[0] == i and k[1] == area for k in want)]
    for k, value in got.items():
        if k[2] or k[3]:
            if bases[k] < 5:
                assert value is None, f"{k} rests on {bases[k]} people"
            if value is not None:
                assert value == pytest.approx(want[k]), k
        else:
            assert value == pytest.approx(want[k]), k
    check_suppression_rules(figures, seen.listed)
    return got


def check_suppression_rules(figures: list[Figure], listed: set[tuple[str, ...]]) -> None:
    """What no table may let anyone subtract: one category of a breakdown hidden and its
    neighbours shown; sex by origin shown under a hidden breakdown; or, for counts of people,
    one area hidden among its siblings under a parent that is shown."""
    families: dict[tuple[str, tuple[str, ...], str], list[Figure]] = defaultdict(list)
    for f in figures:
        if f.sex or f.origin:
            assert not (f.sex and f.origin and len(f.area) > 2), (
                f"sex by origin below a commune: {f}"
            )
            families[(f.indicator, f.area, dimension(f))].append(f)
    for (indicator, area, dim), members in families.items():
        hidden = [f.value is None for f in members]
        assert all(hidden) or not any(hidden), (indicator, area, dim)
        if dim == "both" and any(
            f.value is None
            for m in ("sex", "origin")
            for f in families.get((indicator, area, m), [])
        ):
            assert all(hidden), (indicator, area)
    values = {key(f): f.value for f in figures}
    for f in figures:
        if f.indicator not in ("participants", "participants_retained") or f.value is None:
            continue
        if not (f.sex or f.origin):
            continue
        children = [
            values[(f.indicator, a, f.sex, f.origin)]
            for a in listed
            if len(a) == len(f.area) + 1
            and a[: len(f.area)] == f.area
            and (f.indicator, a, f.sex, f.origin) in values
        ]
        assert sum(1 for v in children if v is None) != 1, f"one hidden child under {f}"


# --- the tests ------------------------------------------------------------------------------------


async def test_the_indicators_equal_figures_worked_out_from_what_was_seeded(db: Database) -> None:
    await seed(db)
    seen = await seen_by(db, None)
    for period in (ALL, OCTOBER, Q4):
        check(await indicators(db, seen, period), seen, period)

    # A few figures by hand, so that the plan's own arithmetic is checked too.
    shown = check(await indicators(db, seen, ALL), seen, ALL)
    top = {k[0]: v for k, v in shown.items() if k[1:] == ((), None, None)}
    assert top["groups_started"] == 5  # Dusabane never met
    assert top["groups_active"] == 5 and top["groups_completed"] == 2
    assert top["groups_self_help"] == 1
    assert top["sessions_held"] == 15 + 9 + 5 + 15 + 4
    # Amahoro 16 Wednesdays to its 15th, Ubumwe 18 Fridays to today, Twiyunge 15, Ejo 15,
    # Dusabane 11 Wednesdays without a meeting, Turikumwe 15 Mondays.
    assert top["sessions_planned"] == 16 + 18 + 15 + 15 + 11 + 15
    assert top["agreements_reported"] == 4 and top["agreements_acknowledged"] == 3
    assert top["agreements_documented"] == 2
    assert top["days_to_acknowledge_median"] == 6  # 2, 6 and 11 days
    # 6 days to the first documentation (a reference corrected later does not count) and 11.
    assert top["days_to_document_median"] == 8.5
    assert [top[f"referrals_{t}"] for t in ("health", "psychosocial", "legal", "protection")] == [
        2,
        2,
        2,
        2,
    ]
    ruhororo = ("Ngozi", "Busiga", "Ruhororo")
    assert shown[("participants", ruhororo, "f", None)] == 8
    assert shown[("participants", ruhororo, "m", None)] == 5  # E13 withdrew: no longer counted
    assert shown[("participants", ruhororo, None, None)] == 14 + 9  # Ejo and Turikumwe

    october = check(await indicators(db, seen, OCTOBER), seen, OCTOBER)
    assert october[("groups_started", (), None, None)] == 1  # Ubumwe, on 9 October
    assert october[("sessions_held", (), None, None)] == 4 + 4 + 4  # Amahoro, Ubumwe, Ejo
    assert october[("agreements_reported", (), None, None)] == 2
    assert october[("groups_completed", (), None, None)] == 0
    assert ("days_to_document_median", (), None, None) in october


async def test_the_one_returnee_woman_of_a_colline_is_never_a_one(db: Database) -> None:
    await seed(db)
    for seen in (await seen_by(db, None), await seen_by(db, 22)):
        for period in (ALL, Q4):
            figures = await indicators(db, seen, period)
            check(figures, seen, period)
            mirama = [
                f
                for f in figures
                if (f.area == MIRAMA or (seen.listed == {MIRAMA} and f.area == ()))
                and (f.sex or f.origin)
            ]
            assert mirama and all(f.value is None for f in mirama)
            assert not any(
                f.value == 1 for f in figures if f.area[:3] == MIRAMA and (f.sex or f.origin)
            )
    # Seen by Mirama's coordinator, the whole scope is the colline: nothing by sex and origin.
    figures = await indicators(db, await seen_by(db, 22), ALL)
    assert not any(f.sex and f.origin for f in figures)
    assert {f.area for f in figures} == {(), MIRAMA}


async def test_sex_by_origin_only_for_a_commune_or_more(db: Database) -> None:
    await seed(db)
    seen = await seen_by(db, None)
    figures = await indicators(db, seen, ALL)
    both = [f for f in figures if f.sex and f.origin]
    assert both and all(len(f.area) <= 2 for f in both)
    # Over the whole programme every pair has five people or more, and is shown.
    top = [f for f in both if f.area == () and f.indicator == "participants"]
    assert len(top) == 4 and all(f.value is not None and f.value >= 5 for f in top)
    # Ngozi has three returnee women: hidden, and Gitega with it (else Gitega's figure
    # subtracted from the whole programme's would give Ngozi's back), and Giheta below Gitega.
    for area in (("Ngozi",), ("Ngozi", "Busiga"), ("Gitega",), ("Gitega", "Giheta")):
        counts = [f for f in both if f.area == area and f.indicator == "participants"]
        assert len(counts) == 4 and all(f.value is None for f in counts)


async def test_each_coordinator_gets_their_area_and_the_areas_in_it(db: Database) -> None:
    await seed(db)
    for telegram_id in (21, 23):
        seen = await seen_by(db, telegram_id)
        for period in (ALL, OCTOBER):
            check(await indicators(db, seen, period), seen, period)
    giheta = await indicators(db, await seen_by(db, 21), ALL)
    assert {f.area for f in giheta} == {
        (),
        ("Gitega", "Giheta"),
        ("Gitega", "Giheta", "Kabuye"),
        MIRAMA,
    }
    # A commune: sex by origin is allowed at its top.
    assert any(f.sex and f.origin and f.area == () for f in giheta)
    nothing = await indicators(db, await seen_by(db, 24), ALL)
    assert {f.area for f in nothing} == {()}
    assert {f.indicator for f in nothing} == set(SPEC_ORDER) - {
        "attendance_mean",
        "days_to_acknowledge_median",
        "days_to_document_median",
    }
    assert all(f.value == 0 and not (f.sex or f.origin) for f in nothing)


def test_the_indicators_are_those_of_the_spec_in_its_order() -> None:
    assert list(INDICATORS) == SPEC_ORDER


def test_a_hidden_area_is_never_the_only_hidden_one_under_a_shown_parent() -> None:
    """Rules 4 and 5, on figures made up for the purpose."""

    def women(area: tuple[str, ...], value: int) -> Figure:
        return Figure("participants", area, value, "f")

    commune, a, b, c = ("P", "C"), ("P", "C", "A"), ("P", "C", "B"), ("P", "C", "D")
    figures = [women(commune, 26), women(a, 3), women(b, 15), women(c, 8)]
    bases = {key(f): int(f.value or 0) for f in figures}
    shown = {f.area: f.value for f in suppress(figures, bases, {"participants"})}
    # A has 3: hidden; D, the smallest of the others, with it; the commune and B stay.
    assert shown == {commune: 26, a: None, b: 15, c: None}
    # The commune hidden with every colline shown: the collines would add up to it, so the
    # smallest is hidden (B before D by name); with the commune unknown, it cannot be worked out.
    figures = [women(commune, 4), women(a, 2), women(b, 1), women(c, 1)]
    figures += [women(("Q",), 30), women(("Q", "E"), 12), women(("Q", "F"), 18)]
    bases = {key(f): 30 for f in figures} | {key(figures[0]): 4}
    shown = {f.area: f.value for f in suppress(figures, bases, {"participants"})}
    assert shown[commune] is None and shown[("Q",)] == 30
    assert shown[("Q", "E")] == 12 and shown[("Q", "F")] == 18
    assert [shown[area] for area in (a, b, c)] == [2, None, 1]
    # Shares are not sums: a hidden share hides its breakdown's neighbours, no more.
    share = [Figure("attendance_mean", a, 0.5, "f"), Figure("attendance_mean", a, 0.9, "m")]
    shares = suppress(share, {key(share[0]): 3, key(share[1]): 9}, {"participants"})
    assert [f.value for f in shares] == [None, None]
