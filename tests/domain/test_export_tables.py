"""The tables of the programme's exports: exactly the tables and columns of the spec, in its order,
each row starting with the group's province, commune and colline, filled with what was seeded
(tests/domain/seeded_programme.py) in the period asked and the scope of the reader; no free text;
the long form with sex and origin only when asked for (on the server)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from models.agreements import OUTSIDE_ROLES, WITNESS_ROLES
from models.db import Database
from models.reports import VOCABULARIES, Period, Table, export_tables
from models.scope import Scope
from models.users import Role, User
from tests.domain.seeded_programme import (
    AGREEMENTS,
    END,
    GROUPS,
    SECRETS,
    TZ,
    GroupPlan,
    Meeting,
    Person,
    Seeded,
    seed,
)

TODAY = END.astimezone(TZ).date()
ALL = Period(date(2026, 8, 1), TODAY, "all")
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31), "month")
WINTER = Period(date(2027, 1, 1), TODAY, "dates")
ADMIN = Scope(user_id=0, role=Role.ADMIN, area_path=None)

PLACE = ["province:text", "commune:text", "colline:text", "group_id:int", "group:text"]
SPEC = {
    "meetings": [
        "week:int",
        "status:code:meeting_status",
        "date:date",
        "reason:code:not_held_reason",
        "attendance_saved:flag",
        "present:int",
        "absent:int",
    ],
    "register": [
        "participant:text",
        *(f"week_{n}:int" for n in range(1, 16)),
        "present:int",
        "absent:int",
    ],
    "reflections": [
        "week:int",
        "date:date",
        "phase:code:phase",
        "climate:int",
        "topic_daily:flag",
        "topic_returnees:flag",
        "topic_land:flag",
        "topic_violence:flag",
        "topic_upbringing:flag",
        "topic_women:flag",
        "topic_beliefs:flag",
        "follow_ups:int",
        "referral:code:referral",
    ],
    "agreements": [
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
        "follow_up_m1:code:follow_up",
        "follow_up_m3:code:follow_up",
    ],
    "checkins": ["date:date", "answer:code:checkin"],
    "attendance": [
        "participant:text",
        "sex:code:sex",
        "origin:code:origin",
        "week:int",
        "date:date",
        "present:flag",
    ],
}
TOPICS = ("daily", "returnees", "land", "violence", "upbringing", "women", "beliefs")
# What the follow-up sweeps of the plan leave (seeded_programme.FOLLOW_UP_SWEEPS): answered,
# asked and not answered, skipped (both were due at once: only the later was asked), not yet due.
FOLLOW_UPS = {
    0: ("holds", "asked"),
    1: ("broken", None),
    2: ("asked", None),
    3: ("skipped", "renegotiated"),
}

Row = tuple[Any, ...]


# --- what the rows should be, from the plan -------------------------------------------------------


def local(moment: datetime | None) -> datetime | None:
    """The time in Bujumbura, without its zone, as a spreadsheet shows it."""
    return moment.astimezone(TZ).replace(tzinfo=None) if moment else None


def days(start: datetime, end: datetime | None) -> int | None:
    """Whole days between two moments on Bujumbura's calendar."""
    if end is None:
        return None
    return (end.astimezone(TZ).date() - start.astimezone(TZ).date()).days


def in_reading_order(groups: list[GroupPlan]) -> list[GroupPlan]:
    return sorted(groups, key=lambda g: (g.area, g.name))


def prefix(plan: GroupPlan, seeded: Seeded) -> Row:
    return (*plan.area, seeded.groups[plan.name], plan.name)


def on_roster(plan: GroupPlan, day: date) -> list[Person]:
    return [p for p in plan.people if p.joins is None or p.joins <= day]


def weeks(plan: GroupPlan) -> list[tuple[int, Meeting]]:
    """Each record with the week it was for: a held meeting moves the group to the next week."""
    found, week = [], 1
    for meeting in plan.meetings:
        found.append((week, meeting))
        week += meeting.status == "held"
    return found


def code(plan: GroupPlan, person: Person, seeded: Seeded) -> str:
    """A withdrawal of consent replaces the code by "~" and the participant's number."""
    number = seeded.participants[(plan.name, person.code)]
    return f"~{number}" if person.withdraws else person.code


def expected(seeded: Seeded, period: Period, groups: list[GroupPlan]) -> dict[str, list[Row]]:
    tables: dict[str, list[Row]] = {name: [] for name in SPEC}
    for plan in in_reading_order(groups):
        first = prefix(plan, seeded)
        marked = [
            (week, m)
            for week, m in weeks(plan)
            if m.status == "held" and m.absent is not None and m.day in period
        ]
        for week, m in weeks(plan):
            if m.day not in period:
                continue
            saved = m.absent is not None
            size = len(on_roster(plan, m.day))
            absent = len(m.absent) if m.absent is not None else 0
            tables["meetings"].append(
                (*first, week, m.status, m.day, m.reason, int(saved))
                + ((size - absent, absent) if saved else (None, None))
            )
            if (r := m.reflection) is not None:
                flags = tuple(int(t in r.topics) for t in TOPICS)
                tables["reflections"].append(
                    (*first, week, m.day, r.phase, r.climate, *flags, r.follow_ups, r.referral)
                )
        people = sorted(plan.people, key=lambda p: seeded.participants[(plan.name, p.code)])
        for person in people:
            marks: list[int | None] = [None] * 15
            for week, m in marked:
                if person in on_roster(plan, m.day):
                    marks[week - 1] = int(person.code not in (m.absent or ()))
            if all(v is None for v in marks):
                continue
            present = sum(v or 0 for v in marks)
            absent = sum(1 for v in marks if v == 0)
            tables["register"].append((*first, code(plan, person, seeded), *marks, present, absent))
        for week, m in marked:
            for person in people:
                if person in on_roster(plan, m.day):
                    sex, origin = (None, None) if person.withdraws else (person.sex, person.origin)
                    tables["attendance"].append(
                        (
                            *first,
                            code(plan, person, seeded),
                            sex,
                            origin,
                            week,
                            m.day,
                            int(person.code not in (m.absent or ())),
                        )
                    )
        for month, answer in plan.checkins:
            day = datetime.strptime(month, "%Y-%m").date()
            if day in period:
                tables["checkins"].append((*first, day, answer))
        agreements = [(n, a) for n, a in enumerate(AGREEMENTS) if a.group == plan.name]
        for n, a in sorted(agreements, key=lambda na: (na[1].reached_on, seeded.agreements[na[0]])):
            if a.reached_on not in period:
                continue
            acknowledged = a.acknowledged or a.documented

            status = (
                "documented" if a.documented else "acknowledged" if acknowledged else "reported"
            )
            reference = f"{a.reference}-B" if a.corrected else a.reference
            tables["agreements"].append(
                (
                    *first,
                    seeded.agreements[n],
                    a.kind,
                    len(a.codes),
                    *(int(role in a.outside) for role in OUTSIDE_ROLES),
                    *(int(role in a.witnesses) for role in WITNESS_ROLES),
                    a.reached_on,
                    int(a.written),
                    0,  # no summary of the seeded agreements was asked about violence
                    status,
                    local(a.reported),
                    local(acknowledged),
                    local(a.documented),  # the first documentation, not the correction
                    days(a.reported, acknowledged),
                    days(a.reported, a.documented),
                    reference,
                    *FOLLOW_UPS[n],
                )
            )
    return tables


# --- the tests ------------------------------------------------------------------------------------


async def tables_for(
    db: Database, scope: Scope, period: Period, *, identifying: bool = False
) -> dict[str, Table]:
    async with db.read() as s:
        tables = await export_tables(s, scope, period, identifying=identifying)
    found = {t.name: t for t in tables}
    assert list(found) == [t.name for t in tables], "one table of each name"
    return found


def check_columns(tables: dict[str, Table]) -> None:
    for name, table in tables.items():
        spec = [*PLACE, *SPEC[name]]
        assert [f"{c.name}:{c.kind}" for c in table.columns] == spec
        for row in table.rows:
            assert len(row) == len(spec)
            for column, value in zip(table.columns, row, strict=True):
                if value is None:
                    continue
                if column.vocabulary:
                    assert value in VOCABULARIES[column.vocabulary], (name, column, value)
                elif column.kind == "date":
                    assert type(value) is date, (name, column, value)
                elif column.kind == "datetime":
                    assert isinstance(value, datetime) and value.tzinfo is None
                elif column.kind == "flag":
                    assert value in (0, 1)
                elif column.kind == "int":
                    assert type(value) is int, (name, column, value)
                else:
                    assert isinstance(value, str)


async def test_every_table_and_column_of_the_spec_filled_from_the_database(db: Database) -> None:
    seeded = await seed(db)
    for period in (ALL, OCTOBER, WINTER):
        tables = await tables_for(db, ADMIN, period, identifying=True)
        assert list(tables) == list(SPEC)
        check_columns(tables)
        want = expected(seeded, period, list(GROUPS))
        for name, table in tables.items():
            assert table.rows == want[name], (name, period)
    everything = await tables_for(db, ADMIN, ALL, identifying=True)
    # Every group, every meeting record, every agreement and check-in of the plan.
    assert {row[3] for row in everything["meetings"].rows} == set(seeded.groups.values()) - {
        seeded.groups["Dusabane"]
    }
    assert len(everything["meetings"].rows) == sum(len(g.meetings) for g in GROUPS)
    assert len(everything["agreements"].rows) == len(AGREEMENTS)
    assert len(everything["checkins"].rows) == 2
    assert everything["meetings"].rows[0][:5] == (
        "Gitega",
        "Giheta",
        "Kabuye",
        seeded.groups["Amahoro"],
        "Amahoro",
    )
    # No typed text: neither the reflection notes nor the agreement summaries.
    cells = " ".join(str(v) for t in everything.values() for row in t.rows for v in row)
    assert not any(secret in cells for secret in SECRETS)


async def test_the_long_form_with_sex_and_origin_only_when_identifying(db: Database) -> None:
    await seed(db)
    tables = await tables_for(db, ADMIN, ALL)
    assert list(tables) == ["meetings", "register", "reflections", "agreements", "checkins"]
    assert not any(
        column.vocabulary in ("sex", "origin") for t in tables.values() for column in t.columns
    )


async def test_the_period_and_the_scope_choose_the_rows(db: Database) -> None:
    seeded = await seed(db)
    october = await tables_for(db, ADMIN, OCTOBER)
    assert {row[7] for row in october["meetings"].rows} <= {date(2026, 10, d) for d in range(1, 32)}
    assert [row[5] for row in october["agreements"].rows] == [
        seeded.agreements[0],
        seeded.agreements[3],
    ]
    # The register covers the meetings in the period: Amahoro's weeks 5 to 8 in October.
    amahoro = [row for row in october["register"].rows if row[4] == "Amahoro"]
    assert {n for row in amahoro for n, v in enumerate(row[6:21], start=1) if v is not None} == {
        5,
        6,
        7,
        8,
    }
    assert october["checkins"].rows == []
    winter = await tables_for(db, ADMIN, WINTER)
    assert [row[5:] for row in winter["checkins"].rows] == [
        (date(2027, 1, 1), "meeting"),
        (date(2027, 2, 1), "paused"),
    ]
    assert all(not winter[name].rows for name in ("meetings", "register", "reflections"))

    async with db.read() as s:
        users = {
            u.telegram_id: u
            for u in await s.scalars(select(User).where(User.telegram_id.in_([23, 24])))
        }
        ngozi = await Scope.of(s, users[23])
        nowhere = await Scope.of(s, users[24])
    tables = await tables_for(db, ngozi, ALL)
    ngozi_groups = [g for g in GROUPS if g.area[0] == "Ngozi"]
    want = expected(seeded, ALL, ngozi_groups)
    for name, table in tables.items():
        assert table.rows == want[name]
        assert all(row[0] == "Ngozi" for row in table.rows)
    empty = await tables_for(db, nowhere, ALL)
    assert list(empty) == list(SPEC)[:5] and all(not t.rows for t in empty.values())
    check_columns(empty)


def test_a_period_that_ends_before_it_starts_is_refused_with_its_sentence() -> None:
    from conversations.vocabulary.errors import domain_error_text
    from locales import translator
    from models.errors import InvalidInput

    try:
        Period(date(2026, 10, 31), date(2026, 10, 1))
    except InvalidInput as error:
        refused = error
    else:
        raise AssertionError("a period ending before it starts was accepted")
    assert refused.code == "period_order"
    for lang in ("rn", "fr", "en"):
        tr = translator(lang)
        assert domain_error_text(tr, refused) == tr.pgettext(
            "error", "The end date is before the start date. Give the earlier date first."
        )
