"""A small programme, seeded through the domain functions in the order things happen, for the
tests of the exports and the indicators (test_export_tables.py, test_indicators.py).

PLAN is plain data: the tests work out what they expect from it, in plain Python, without
models/reports. Six groups in two provinces and three collines:

- Gitega/Giheta/Kabuye: Amahoro (15 meetings held, one cancelled, a late joiner, then a self-help
  group with two check-ins) and Ubumwe (on Fridays: one meeting postponed, one without attendance,
  a member who never came, then no more records);
- Gitega/Giheta/Mirama: Twiyunge, whose eight members include exactly one returnee woman;
- Ngozi/Busiga/Ruhororo: Ejo (15 held; a member withdraws consent afterwards), Dusabane (never
  met) and Turikumwe (on Mondays, nobody's sex or origin recorded, a meeting never recorded).

Agreements go through their statuses (reported, acknowledged, documented, a reference corrected)
and follow-ups (answered, asked, skipped).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import agreements, meetings, roster
from models.clock import clock
from models.db import Database
from models.groups import Group
from models.roster import Gender, Origin, Participant
from models.scope import Scope
from models.users import Role, User
from tests.support import factories

TZ = ZoneInfo("Africa/Bujumbura")
END = datetime(2027, 2, 10, 12, 0, tzinfo=UTC)  # "now" once everything is seeded
SECRETS = ("NOTE-SECRET", "SUMMARY-SECRET")  # typed text that no export may hold


@dataclass(frozen=True)
class Person:
    code: str
    sex: str | None = None
    origin: str | None = None
    joins: date | None = None  # added to the roster that day (else before the start)
    withdraws: date | None = None  # consent withdrawn that day


@dataclass(frozen=True)
class Reflect:
    phase: str
    climate: int | None = None
    topics: tuple[str, ...] = ()
    follow_ups: int | None = None
    referral: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Meeting:
    day: date
    status: str = "held"
    reason: str | None = None
    absent: frozenset[str] | None = frozenset()  # None: attendance never saved
    reflection: Reflect | None = None


@dataclass(frozen=True)
class GroupPlan:
    name: str
    path: str
    weekday: int
    start: date
    people: tuple[Person, ...]
    meetings: tuple[Meeting, ...] = ()
    self_help: date | None = None
    checkins: tuple[tuple[str, str], ...] = ()  # (month, answer)

    @property
    def area(self) -> tuple[str, ...]:
        return tuple(self.path.split("/"))


@dataclass(frozen=True)
class AgreementPlan:
    group: str
    codes: tuple[str, ...]
    kind: str
    reached_on: date
    reported: datetime
    outside: tuple[str, ...] = ()
    witnesses: tuple[str, ...] = ()
    written: bool = True
    acknowledged: datetime | None = None
    documented: datetime | None = None
    reference: str | None = None
    corrected: datetime | None = None  # the reference corrected then
    answers: dict[str, tuple[datetime, str]] = field(default_factory=dict)


def at(day: date, hour: int = 18) -> datetime:
    """A local hour in Bujumbura, as the clock's UTC."""
    return datetime.combine(day, time(hour), tzinfo=TZ).astimezone(UTC)


def weekly(first: date, count: int) -> list[date]:
    return [first + timedelta(weeks=n) for n in range(count)]


def _held(
    days: list[date], absent: dict[int, set[str]], reflect: dict[int, Reflect]
) -> list[Meeting]:
    """Held meetings; `absent` and `reflect` keyed by the week (1 = the first day)."""
    return [
        Meeting(d, absent=frozenset(absent.get(n, ())), reflection=reflect.get(n))
        for n, d in enumerate(days, start=1)
    ]


PHASE_OF_WEEK = ["safety"] * 2 + ["trust"] * 2 + ["care"] * 3 + ["respect"] * 3
PHASE_OF_WEEK += ["orientation"] * 2 + ["memory"] * 3


def _amahoro() -> GroupPlan:
    days = weekly(date(2026, 9, 2), 16)
    cancelled = days.pop(3)  # 23 September: the rain
    absent = {w: set() for w in range(1, 16)}
    for code, weeks in {
        "A01": {1, 2, 3, 4},
        "A02": {1, 2, 3},
        "A03": {5},
        "A08": {2, 4, 6, 8, 10},
        "A12": {15},
    }.items():
        for w in weeks:
            absent[w].add(code)
    reflect = {
        w: Reflect(
            PHASE_OF_WEEK[w - 1],
            climate=1 + w % 5,
            topics=(("daily",), ("land", "returnees"), ())[w % 3],
            follow_ups=w % 6,
            referral={4: "health", 7: "protection", 10: "legal"}.get(w),
            note="NOTE-SECRET about A03" if w == 3 else None,
        )
        for w in range(1, 16)
    }
    held = _held(days, absent, reflect)
    return GroupPlan(
        "Amahoro",
        "Gitega/Giheta/Kabuye",
        2,
        date(2026, 9, 2),
        (
            Person("A01", "f", "returnee"),
            Person("A02", "f", "returnee"),
            Person("A03", "f", "resident"),
            Person("A04", "f", "resident"),
            Person("A05", "f", "resident"),
            Person("A06", "f", "returnee"),
            Person("A07", "f"),
            Person("A08", "m", "returnee"),
            Person("A09", "m", "resident"),
            Person("A10", "m", "resident"),
            Person("A11", "m", "returnee"),
            Person("A12", None, "resident"),
            Person("A13", "m", "resident", joins=date(2026, 10, 1)),
        ),
        (*held[:3], Meeting(cancelled, "cancelled", "weather", None), *held[3:]),
        self_help=date(2026, 12, 20),
        checkins=(("2027-01", "meeting"), ("2027-02", "paused")),
    )


def _ubumwe() -> GroupPlan:
    fridays = weekly(date(2026, 10, 9), 10)
    never = {"U07"}
    meetings_: list[Meeting] = []
    for day in fridays:
        if day == date(2026, 11, 6):
            meetings_.append(Meeting(day, "postponed", "security", None))
        elif day == date(2026, 11, 13):
            meetings_.append(Meeting(day, absent=None))
        else:
            extra = {"U03"} if day in (date(2026, 10, 16), date(2026, 11, 20)) else set()
            reflection = {
                date(2026, 10, 23): Reflect("trust", 4, ("daily", "women"), 2, "psychosocial"),
                date(2026, 11, 20): Reflect("care", 2, ("violence",), None, "health"),
                date(2026, 12, 4): Reflect("respect", None, (), 0, None, "NOTE-SECRET U02"),
            }.get(day)
            meetings_.append(Meeting(day, absent=frozenset(never | extra), reflection=reflection))
    sexes = ["f"] * 5 + ["m"] * 5
    origins = ["returnee", "resident", "resident", "returnee", "resident"]
    origins += ["returnee", "returnee", "returnee", "returnee", None]  # type: ignore[list-item]
    people = tuple(Person(f"U{n:02d}", sexes[n - 1], origins[n - 1]) for n in range(1, 11))
    return GroupPlan(
        "Ubumwe", "Gitega/Giheta/Kabuye", 4, date(2026, 10, 9), people, tuple(meetings_)
    )


def _twiyunge() -> GroupPlan:
    days = weekly(date(2026, 11, 4), 5)
    people = (
        Person("T1", "f", "returnee"),  # the one returnee woman of Mirama
        *(Person(f"T{n}", "f", "resident") for n in (2, 3, 4)),
        *(Person(f"T{n}", "m", "resident") for n in (5, 6, 7, 8)),
    )
    reflect = {3: Reflect("trust", 3, ("returnees",), 1, "psychosocial")}
    held = _held(days, {2: {"T5"}}, reflect)
    return GroupPlan("Twiyunge", "Gitega/Giheta/Mirama", 2, date(2026, 11, 4), people, tuple(held))


def _ejo() -> GroupPlan:
    days = weekly(date(2026, 9, 9), 15)
    absent: dict[int, set[str]] = {w: set() for w in range(1, 16)}
    for code, weeks in {"E01": {1, 2, 3}, "E02": {1, 2, 3, 4}, "E05": set(range(10, 16))}.items():
        for w in weeks:
            absent[w].add(code)
    reflect = {
        2: Reflect("safety", 3, ("daily",), 0, "legal"),
        9: Reflect("respect", 5, ("beliefs", "upbringing"), 5, "protection"),
        12: Reflect("orientation", 4, ("land", "returnees"), 3, None),
    }
    returnees = {"E01", "E02", "E03", "E09", "E10", "E11"}
    people = tuple(
        Person(
            f"E{n:02d}",
            "f" if n <= 8 else "m",
            "returnee" if f"E{n:02d}" in returnees else "resident",
            withdraws=date(2026, 12, 20) if n == 13 else None,
        )
        for n in range(1, 15)
    )
    held = _held(days, absent, reflect)
    return GroupPlan("Ejo", "Ngozi/Busiga/Ruhororo", 2, date(2026, 9, 9), people, tuple(held))


def _turikumwe() -> GroupPlan:
    mondays = weekly(date(2026, 11, 2), 6)
    plan = [
        Meeting(mondays[0]),
        Meeting(mondays[1], absent=frozenset({"K2"})),
        # 16 November: never recorded
        Meeting(mondays[3]),
        Meeting(mondays[4], "cancelled", "bereavement", None),
        Meeting(mondays[5]),
    ]
    people = tuple(Person(f"K{n}") for n in range(1, 10))
    return GroupPlan(
        "Turikumwe", "Ngozi/Busiga/Ruhororo", 0, date(2026, 11, 2), people, tuple(plan)
    )


GROUPS: tuple[GroupPlan, ...] = (
    _amahoro(),
    _ubumwe(),
    _twiyunge(),
    _ejo(),
    GroupPlan(
        "Dusabane",
        "Ngozi/Busiga/Ruhororo",
        2,
        date(2026, 12, 2),
        tuple(Person(f"D{n}") for n in range(1, 10)),
    ),
    _turikumwe(),
)

AGREEMENTS: tuple[AgreementPlan, ...] = (
    AgreementPlan(
        "Amahoro",
        ("A01", "A02"),
        "land",
        date(2026, 10, 14),
        at(date(2026, 10, 14), 19),
        outside=("family", "elder"),
        witnesses=("member",),
        acknowledged=at(date(2026, 10, 16), 9),
        documented=at(date(2026, 10, 20), 10),
        reference="GIT/2026/001",
        corrected=at(date(2026, 10, 25), 10),
        answers={"m1": (at(date(2026, 11, 16), 10), "holds")},
    ),
    AgreementPlan(
        "Amahoro",
        ("A03", "A08", "A09"),
        "house",
        date(2026, 11, 25),
        at(date(2026, 11, 27), 8),
        witnesses=("elder", "religious"),
        written=False,
        acknowledged=at(date(2026, 12, 3), 15),
        answers={"m1": (at(date(2027, 2, 2), 10), "broken")},
    ),
    AgreementPlan("Ejo", ("E03", "E04"), "family", date(2026, 12, 1), at(date(2026, 12, 1), 20)),
    AgreementPlan(
        "Ubumwe",
        ("U01", "U06"),
        "other",
        date(2026, 10, 30),
        at(date(2026, 10, 30), 19),
        outside=("neighbour",),
        documented=at(date(2026, 11, 10), 11),  # documented at once, acknowledged with it
        reference="GIT-2026-007",
        answers={"m3": (at(date(2027, 2, 2), 11), "renegotiated")},
    ),
)
# The follow-up sweep runs only then: at the second, one agreement has both follow-ups due.
FOLLOW_UP_SWEEPS = (
    datetime(2026, 11, 15, 7, 0, tzinfo=UTC),
    datetime(2027, 2, 1, 7, 0, tzinfo=UTC),
)
CHECKIN_DAY = 2  # the day of the month the check-ins are answered


@dataclass
class Seeded:
    groups: dict[str, int]  # name -> id
    participants: dict[tuple[str, str], int]  # (group, code as planned) -> id
    agreements: dict[int, int]  # index in AGREEMENTS -> id
    users: dict[str, int]


Step = Callable[[AsyncSession], Awaitable[None]]


async def seed(db: Database) -> Seeded:
    """Everything in PLAN, each step at its own time on the clock; the clock is left at END."""
    seeded = Seeded({}, {}, {}, {})
    steps: list[tuple[datetime, int, Step]] = []

    def step(when: datetime, action: Step) -> None:
        steps.append((when, len(steps), action))

    clock.set(datetime(2026, 8, 20, 8, 0, tzinfo=UTC))
    async with db.write() as s:
        admin = await factories.user(s, 1, Role.ADMIN)
        seeded.users["admin"] = admin.id
        for plan in GROUPS:
            group = await factories.group(
                s, name=plan.name, path=plan.path, weekday=plan.weekday, start_date=plan.start
            )
            seeded.groups[plan.name] = group.id
            user = await factories.user(s, 100 + group.id, Role.FACILITATOR, group_id=group.id)
            seeded.users[plan.name] = user.id
            await _add_people(s, group, [p for p in plan.people if p.joins is None], seeded)
        for telegram_id, (name, path) in enumerate(
            {
                "giheta": "Gitega/Giheta",
                "mirama": "Gitega/Giheta/Mirama",
                "ngozi": "Ngozi",
                "elsewhere": "Bururi",
            }.items(),
            start=21,
        ):
            coordinator = await factories.user(s, telegram_id, Role.COORDINATOR, area=path)
            seeded.users[name] = coordinator.id
    admin_scope = Scope(user_id=seeded.users["admin"], role=Role.ADMIN, area_path=None)

    for plan in GROUPS:
        for person in plan.people:
            if person.joins is not None:
                step(at(person.joins, 12), _joining(plan, person, seeded))
            if person.withdraws is not None:
                step(at(person.withdraws, 12), _withdrawing(plan, person, seeded))
        for meeting in plan.meetings:
            step(at(meeting.day), _meeting(plan, meeting, seeded))
        if plan.self_help is not None:
            step(at(plan.self_help, 10), _self_help(plan, seeded))
        for month, answer in plan.checkins:
            day = datetime.strptime(month, "%Y-%m").date().replace(day=CHECKIN_DAY)
            step(at(day, 10), _checkin(plan, month, answer, seeded))
    for number, agreement in enumerate(AGREEMENTS):
        for when, action in _agreement_steps(number, agreement, seeded, admin_scope):
            step(when, action)
    for when in FOLLOW_UP_SWEEPS:
        step(when, _sweep(when))

    for when, _, action in sorted(steps, key=lambda s: (s[0], s[1])):
        clock.set(when)
        async with db.write() as s:
            await action(s)
    clock.set(END)
    return seeded


async def _add_people(s: AsyncSession, group: Group, people: list[Person], seeded: Seeded) -> None:
    await roster.add_codes(s, group=group, text=", ".join(p.code for p in people), actor_id=None)
    rows = await s.scalars(select(Participant).where(Participant.group_id == group.id))
    by_code = {p.code: p for p in rows}
    for person in people:
        participant = by_code[person.code]
        seeded.participants[(group.name, person.code)] = participant.id
        await roster.set_details(
            s,
            participant=participant,
            gender=Gender(person.sex) if person.sex else None,
            origin=Origin(person.origin) if person.origin else None,
            actor_id=None,
        )


async def _group(s: AsyncSession, plan: GroupPlan, seeded: Seeded) -> Group:
    group = await s.get(Group, seeded.groups[plan.name])
    assert group is not None
    return group


def _joining(plan: GroupPlan, person: Person, seeded: Seeded) -> Step:
    async def action(s: AsyncSession) -> None:
        await _add_people(s, await _group(s, plan, seeded), [person], seeded)

    return action


def _withdrawing(plan: GroupPlan, person: Person, seeded: Seeded) -> Step:
    async def action(s: AsyncSession) -> None:
        assert person.withdraws is not None
        await roster.record_consent(
            s,
            group=await _group(s, plan, seeded),
            participant_id=seeded.participants[(plan.name, person.code)],
            given=False,
            on=person.withdraws,
            actor_id=None,
        )

    return action


def _meeting(plan: GroupPlan, meeting: Meeting, seeded: Seeded) -> Step:
    async def action(s: AsyncSession) -> None:
        group = await _group(s, plan, seeded)
        if meeting.status != "held":
            assert meeting.reason is not None
            await meetings.record_not_held(
                s,
                group=group,
                status=meetings.MeetingStatus(meeting.status),
                reason=meetings.Reason(meeting.reason),
                on=meeting.day,
                actor_id=None,
            )
            return
        record = await meetings.record_held(s, group=group, held_on=meeting.day, actor_id=None)
        if meeting.absent is not None:
            await meetings.save_attendance(
                s,
                group=group,
                record=record,
                absent={seeded.participants[(plan.name, code)] for code in meeting.absent},
                version=record.version,
                roster_version=group.roster_version,
                actor_id=None,
            )
        if (r := meeting.reflection) is not None:
            draft = meetings.ReflectionDraft(
                r.phase, r.climate, frozenset(r.topics), r.follow_ups, r.referral
            )
            await meetings.save_reflection(
                s, record=record, draft=draft, note=r.note, version=None, actor_id=None
            )

    return action


def _self_help(plan: GroupPlan, seeded: Seeded) -> Step:
    async def action(s: AsyncSession) -> None:
        group = await _group(s, plan, seeded)
        await meetings.start_self_help(
            s, group=group, name=f"{plan.name} II", weekday=plan.weekday, actor_id=None
        )

    return action


def _checkin(plan: GroupPlan, month: str, answer: str, seeded: Seeded) -> Step:
    async def action(s: AsyncSession) -> None:
        group = await _group(s, plan, seeded)
        await meetings.answer_checkin(
            s, group=group, month=month, answer=meetings.CheckinAnswer(answer), actor_id=None
        )

    return action


def _sweep(when: datetime) -> Step:
    async def action(s: AsyncSession) -> None:
        await agreements.queue_follow_ups(s, when)

    return action


def _agreement_steps(
    number: int, plan: AgreementPlan, seeded: Seeded, scope: Scope
) -> list[tuple[datetime, Step]]:
    group_plan = next(g for g in GROUPS if g.name == plan.group)
    admin = seeded.users["admin"]

    async def report(s: AsyncSession) -> None:
        group = await _group(s, group_plan, seeded)
        reporter = await s.get(User, seeded.users[plan.group])
        assert reporter is not None
        draft = await agreements.start_draft(
            s, user=reporter, group=group, kind=agreements.Kind(plan.kind)
        )
        draft.party_ids = ",".join(str(seeded.participants[(plan.group, c)]) for c in plan.codes)
        draft.outside_roles = ",".join(plan.outside)
        draft.witness_roles = ",".join(plan.witnesses)
        draft.reached_on = plan.reached_on
        draft.written = plan.written
        draft.summary = f"SUMMARY-SECRET {number}"
        saved = await agreements.save_draft(s, draft=draft, user=reporter)
        seeded.agreements[number] = saved.id

    async def acknowledge(s: AsyncSession) -> None:
        await agreements.acknowledge(
            s, scope=scope, agreement_id=seeded.agreements[number], actor_id=admin
        )

    def document(reference: str) -> Step:
        async def action(s: AsyncSession) -> None:
            agreement = await s.get(agreements.Agreement, seeded.agreements[number])
            assert agreement is not None
            await agreements.document(
                s,
                scope=scope,
                agreement_id=agreement.id,
                version=agreement.version,
                reference=reference,
                actor_id=admin,
            )

        return action

    def answer(step: str, value: str) -> Step:
        async def action(s: AsyncSession) -> None:
            await agreements.answer_follow_up(
                s,
                scope=scope,
                agreement_id=seeded.agreements[number],
                step=step,
                answer=agreements.Answer(value),
                actor_id=admin,
            )

        return action

    steps: list[tuple[datetime, Step]] = [(plan.reported, report)]
    if plan.acknowledged is not None:
        steps.append((plan.acknowledged, acknowledge))
    if plan.documented is not None:
        assert plan.reference is not None
        steps.append((plan.documented, document(plan.reference)))
    if plan.corrected is not None:
        steps.append((plan.corrected, document(f"{plan.reference}-B")))
    steps += [(when, answer(step, value)) for step, (when, value) in plan.answers.items()]
    return steps
