"""A programme's data, written in bulk: areas, groups, people, rosters, weeks recorded, agreements.

Rows are inserted with explicit ids in large batches (the domain functions would take minutes at
this scale); the shapes are the ones the domain functions write. PostgreSQL sequences are moved
past the ids used, so the bot's own inserts continue after them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, insert, text

from models.agreements import Agreement, AgreementEvent, AgreementParty, FollowUp
from models.areas import Area
from models.db import Database
from models.groups import WEEKS, Group, GroupMember
from models.meetings import PHASES, Attendance, MeetingRecord, Reflection
from models.roster import Participant
from models.users import User

TIMEZONE = "Africa/Bujumbura"
BATCH = 5000


@dataclass
class Shape:
    """How big the programme is and how far its groups are."""

    provinces: int = 5
    communes: int = 10  # per province
    collines: int = 4  # per commune
    groups_per_colline: int = 5
    facilitators_per_group: int = 2
    participants: int = 12
    # Held weeks already recorded (with attendance and reflection); the next is weeks_done + 1.
    weeks_done: int = 2
    agreements_per_group: float = 0.0
    # One coordinator per commune, one per province, one admin.
    commune_coordinators: bool = True
    province_coordinators: bool = False
    admin: bool = False
    weekday: int = 0  # the groups' meeting day (0 = Monday)
    meet_time: time = time(9, 0)
    # Weeks the first held week lies before today (more than weeks_done: some were missed).
    telegram_base: int = 10_000_000
    languages: tuple[str, ...] = ("rn", "rn", "fr")
    absent_in_history: bool = True
    # Stop after this many groups (the tree is filled in order).
    max_groups: int | None = None
    trainees: int = 0

    @property
    def groups(self) -> int:
        full = self.provinces * self.communes * self.collines * self.groups_per_colline
        return full if self.max_groups is None else min(full, self.max_groups)


@dataclass
class Person:
    telegram_id: int
    user_id: int
    role: str
    language: str
    group_id: int | None = None
    area_path: str | None = None


@dataclass
class Seeded:
    facilitators: list[Person] = field(default_factory=list)
    coordinators: list[Person] = field(default_factory=list)
    province_coordinators: list[Person] = field(default_factory=list)
    admins: list[Person] = field(default_factory=list)
    trainees: list[Person] = field(default_factory=list)
    groups: int = 0
    rows: int = 0


class Rows:
    """Rows to insert, per table, with the ids given to them."""

    def __init__(self) -> None:
        self.tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
        self.ids = dict.fromkeys(TABLES, 0)

    def add(self, table: str, /, **row: Any) -> int:
        self.ids[table] += 1
        self.tables[table].append({"id": self.ids[table], **row})
        return self.ids[table]

    def last(self, table: str) -> dict[str, Any]:
        return self.tables[table][-1]


def _last_meeting_day(today: date, weekday: int) -> date:
    """The latest date on or before today that falls on weekday."""
    return today - timedelta(days=(today.weekday() - weekday) % 7)


async def seed(database: Database, shape: Shape, now: datetime, seed_value: int = 8) -> Seeded:
    """Writes the programme; `now` is the bot's clock when the run starts."""
    rng = random.Random(seed_value)
    today = now.astimezone(ZoneInfo(TIMEZONE)).date()
    last_day = _last_meeting_day(today, shape.weekday)
    if last_day == today and datetime.combine(today, shape.meet_time, ZoneInfo(TIMEZONE)) > now:
        last_day -= timedelta(weeks=1)
    start = last_day - timedelta(weeks=max(shape.weeks_done - 1, 0))
    if shape.weeks_done == 0:
        start = last_day + timedelta(weeks=1)
    out = Seeded()
    rows = Rows()
    add = rows.add

    people = 0

    def person(role: str, *, area_id: int | None = None, path: str | None = None) -> Person:
        nonlocal people
        people += 1
        language = shape.languages[people % len(shape.languages)]
        telegram_id = shape.telegram_base + people
        user_id = add(
            "users",
            telegram_id=telegram_id,
            role=role,
            language=language,
            language_chosen=True,
            area_id=area_id,
            created_at=now - timedelta(weeks=20),
        )
        return Person(telegram_id, user_id, role, language, area_path=path)

    if shape.admin:
        out.admins.append(person("admin"))
    out.trainees = [person("trainee") for _ in range(shape.trainees)]
    for p in range(shape.provinces):
        province = add("areas", parent_id=None, level="province", name=f"Province {p + 1}", path="")
        province_path = f"/{province}/"
        rows.last("areas")["path"] = province_path
        if shape.province_coordinators:
            out.province_coordinators.append(
                person("coordinator", area_id=province, path=province_path)
            )
        for c in range(shape.communes):
            commune = add(
                "areas", parent_id=province, level="commune", name=f"Commune {c + 1}", path=""
            )
            commune_path = f"{province_path}{commune}/"
            rows.last("areas")["path"] = commune_path
            if shape.commune_coordinators:
                out.coordinators.append(person("coordinator", area_id=commune, path=commune_path))
            for h in range(shape.collines):
                colline = add(
                    "areas", parent_id=commune, level="colline", name=f"Colline {h + 1}", path=""
                )
                colline_path = f"{commune_path}{colline}/"
                rows.last("areas")["path"] = colline_path
                for _ in range(shape.groups_per_colline):
                    if rows.ids["groups"] >= shape.groups:
                        break
                    _group(rows, out, shape, rng, now, start, colline, colline_path, person)
    out.groups = rows.ids["groups"]
    async with database.write() as session:
        for name, table in TABLES.items():
            batch = rows.tables[name]
            for first in range(0, len(batch), BATCH):
                await session.execute(insert(table), batch[first : first + BATCH])
            out.rows += len(batch)
        if not database.is_sqlite:
            for name in TABLES:
                await session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
                    )
                )
    return out


def _group(
    rows: Rows,
    out: Seeded,
    shape: Shape,
    rng: random.Random,
    now: datetime,
    start: date,
    colline: int,
    colline_path: str,
    person: Any,
) -> None:
    add = rows.add
    created = now - timedelta(weeks=shape.weeks_done + 2)
    group_id = add(
        "groups",
        name="",
        area_id=colline,
        area_path=colline_path,
        weekday=shape.weekday,
        meet_time=shape.meet_time,
        start_date=start,
        timezone=TIMEZONE,
        status="active" if shape.weeks_done else "preparing",
        created_at=created,
        version=1 + shape.weeks_done,
        current_week=shape.weeks_done + 1,
        roster_version=2,
        prep_context=True,
        prep_mapping=True,
        prep_consent=True,
        prep_referral=True,
    )
    rows.last("groups")["name"] = f"Group {group_id}"
    for _ in range(shape.facilitators_per_group):
        facilitator = person("facilitator", path=colline_path)
        facilitator.group_id = group_id
        out.facilitators.append(facilitator)
        add("group_members", group_id=group_id, user_id=facilitator.user_id, joined_at=created)
    recorder = out.facilitators[-1].user_id if shape.facilitators_per_group else None
    participants = [
        add(
            "participants",
            group_id=group_id,
            code=f"P{n + 1:02d}",
            gender=rng.choice(("f", "m", None)),
            origin=rng.choice(("returnee", "resident", None)),
            joined_at=created,
        )
        for n in range(shape.participants)
    ]
    for week in range(1, min(shape.weeks_done, WEEKS) + 1):
        held_on = start + timedelta(weeks=week - 1)
        at = datetime.combine(held_on, shape.meet_time, ZoneInfo(TIMEZONE)) + timedelta(hours=4)
        record_id = add(
            "session_records",
            group_id=group_id,
            week=week,
            status="held",
            held_week=week,
            held_on=held_on,
            reason=None,
            recorded_by=recorder,
            created_at=at,
            updated_at=at,
            version=2,
            attendance_saved=True,
        )
        absent = (
            set(rng.sample(participants, rng.choice((0, 1, 1, 2, 2, 3))))
            if shape.absent_in_history
            else set()
        )
        for participant in participants:
            add(
                "attendance",
                session_id=record_id,
                participant_id=participant,
                present=participant not in absent,
            )
        add(
            "reflections",
            session_id=record_id,
            phase=PHASES[min((week - 1) // 3, len(PHASES) - 1)],
            climate=rng.randint(2, 5),
            topics=rng.choice(("daily", "daily,land", "returnees", "upbringing,women")),
            follow_ups=rng.randint(0, 3),
            referral=rng.choice((None, None, None, "health", "legal")),
            note=None,
            recorded_by=recorder,
            created_at=at,
            updated_at=at,
            version=1,
        )
    agreements = int(shape.agreements_per_group) + (
        1 if rng.random() < shape.agreements_per_group % 1 else 0
    )
    for _ in range(agreements if shape.weeks_done >= 10 else 0):
        reached = start + timedelta(weeks=rng.randint(9, shape.weeks_done - 1), days=1)
        at = datetime.combine(reached, time(15, 0), ZoneInfo(TIMEZONE))
        # Acknowledged long ago, as in a programme that keeps up: nothing is due for reminders.
        status = rng.choice(("acknowledged", "documented", "documented"))
        agreement_id = add(
            "agreements",
            group_id=group_id,
            kind=rng.choice(("land", "land", "house", "family", "other")),
            summary="Two neighbours agreed where the boundary of the field runs.",
            reached_on=reached,
            written=rng.random() < 0.6,
            outside_roles=rng.choice(("", "family", "elder,neighbour")),
            witness_roles=rng.choice(("member", "member,elder", "religious")),
            status=status,
            reference="B-2026/" + str(rng.randint(100, 999)) if status == "documented" else None,
            reported_by=recorder,
            draft_key=None,
            created_at=at,
            updated_at=at,
            acknowledged_at=at + timedelta(hours=5),
            documented_at=at + timedelta(days=3) if status == "documented" else None,
            reminded_at=None,
            escalated_at=None,
            version=1,
        )
        for participant in rng.sample(participants, rng.choice((2, 2, 3))):
            add("agreement_parties", agreement_id=agreement_id, participant_id=participant)
        add(
            "agreement_events",
            agreement_id=agreement_id,
            at=at,
            actor_id=recorder,
            action="reported",
            detail=None,
        )
        for step, days in (("m1", 30), ("m3", 90)):
            due = reached + timedelta(days=days)
            asked = datetime.combine(due, time(9, 0), ZoneInfo(TIMEZONE))
            if asked >= now:
                continue  # the sweep creates it when it falls due
            add(
                "agreement_follow_ups",
                agreement_id=agreement_id,
                step=step,
                due_on=due,
                asked_at=asked,
                answer="holds",
                answered_by=recorder,
                answered_at=asked + timedelta(hours=3),
            )


TABLES: dict[str, Table] = {
    "areas": Area.__table__,  # type: ignore[dict-item]
    "users": User.__table__,  # type: ignore[dict-item]
    "groups": Group.__table__,  # type: ignore[dict-item]
    "group_members": GroupMember.__table__,  # type: ignore[dict-item]
    "participants": Participant.__table__,  # type: ignore[dict-item]
    "session_records": MeetingRecord.__table__,  # type: ignore[dict-item]
    "attendance": Attendance.__table__,  # type: ignore[dict-item]
    "reflections": Reflection.__table__,  # type: ignore[dict-item]
    "agreements": Agreement.__table__,  # type: ignore[dict-item]
    "agreement_parties": AgreementParty.__table__,  # type: ignore[dict-item]
    "agreement_events": AgreementEvent.__table__,  # type: ignore[dict-item]
    "agreement_follow_ups": FollowUp.__table__,  # type: ignore[dict-item]
}
