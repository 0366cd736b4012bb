"""What the corrections of a group's records changed, by whom and when, read from RecordHistory.

Each history row keeps the version a correction replaced; what the correction made of it is the
next row's version, or the record as it is now. People are told apart by their role only, and
participants by their codes: a correction shows no name, no free text and no internal id.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.groups import Group, GroupMember
from models.meetings.attendance import attendance_of
from models.meetings.records import MeetingRecord, RecordHistory, records_of
from models.meetings.reflections import Reflection
from models.roster import Participant
from models.users import Role, User

SHOWN = 3
REFLECTION_FIELDS = ("phase", "climate", "topics", "follow_ups", "referral")
CODES_SHOWN = 4


class Actor(enum.StrEnum):
    """Who made a correction, as the reader is told (the reader themself is told apart later)."""

    FACILITATOR = "facilitator"  # leads the group now
    COORDINATOR = "coordinator"  # a coordinator or an admin
    FORMER = "former"  # no longer leads the group, or gone


@dataclass(frozen=True)
class Correction:
    at: datetime
    actor_id: int | None
    actor: Actor
    week: int
    kind: str  # "attendance" or "reflection"
    present_before: int = 0
    present_after: int = 0
    now_present: tuple[str, ...] = ()  # codes marked present by the correction
    now_absent: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()  # the reflection's answers it changed ("note" for the note)


@dataclass(frozen=True)
class Corrections:
    shown: Sequence[Correction]  # newest first
    older: int  # how many more, not shown


@dataclass(frozen=True)
class _Change:
    row: RecordHistory
    record: MeetingRecord
    before: dict[str, Any]
    after: dict[str, Any]


async def corrections_of(
    session: AsyncSession, group: Group, *, record_id: int | None = None, limit: int = SHOWN
) -> Corrections:
    """The latest corrections of the group's records (of one record when `record_id` is given)."""
    records = {r.id: r for r in await records_of(session, group.id)}
    if record_id is not None:
        records = {k: v for k, v in records.items() if k == record_id}
    if not records:
        return Corrections((), 0)
    changes = await _attendance_changes(session, records) + await _reflection_changes(
        session, records
    )
    changes.sort(key=lambda c: (c.row.changed_at, c.row.id), reverse=True)
    actors = await actors_of(session, group.id, {c.row.changed_by for c in changes})
    codes = await _codes(session, changes)
    shown = [_correction(c, actors, codes) for c in changes[:limit]]
    return Corrections(shown, max(0, len(changes) - limit))


def _histories(rows: Sequence[RecordHistory]) -> dict[int, list[RecordHistory]]:
    out: dict[int, list[RecordHistory]] = {}
    for row in sorted(rows, key=lambda r: (r.version, r.id)):
        out.setdefault(row.record_id, []).append(row)
    return out


def _pairs(rows: list[RecordHistory], now: dict[str, Any], record: MeetingRecord) -> list[_Change]:
    """Each history row with the version that replaced it."""
    states = [json.loads(row.snapshot) for row in rows] + [now]
    return [_Change(row, record, states[i], states[i + 1]) for i, row in enumerate(rows)]


async def _attendance_changes(
    session: AsyncSession, records: dict[int, MeetingRecord]
) -> list[_Change]:
    rows = await session.scalars(
        select(RecordHistory).where(
            RecordHistory.record_type == "attendance", RecordHistory.record_id.in_(records)
        )
    )
    changes: list[_Change] = []
    for record_id, history in _histories(list(rows)).items():
        attendance = await attendance_of(session, record_id)
        now = {"absent": sorted(k for k, v in attendance.items() if not v)}
        # Counted over today's attendance rows: the roster the corrections were made on.
        changes += [
            _Change(c.row, c.record, c.before, {**c.after, "total": len(attendance)})
            for c in _pairs(history, now, records[record_id])
        ]
    return changes


async def _reflection_changes(
    session: AsyncSession, records: dict[int, MeetingRecord]
) -> list[_Change]:
    reflections = {
        r.id: r
        for r in await session.scalars(select(Reflection).where(Reflection.meeting_id.in_(records)))
    }
    if not reflections:
        return []
    rows = await session.scalars(
        select(RecordHistory).where(
            RecordHistory.record_type == "reflection", RecordHistory.record_id.in_(reflections)
        )
    )
    changes: list[_Change] = []
    for reflection_id, history in _histories(list(rows)).items():
        reflection = reflections[reflection_id]
        now = {name: getattr(reflection, name) for name in REFLECTION_FIELDS}
        changes += _pairs(history, now, records[reflection.meeting_id])
    return changes


async def actors_of(
    session: AsyncSession, group_id: int, user_ids: Collection[int | None]
) -> dict[int, Actor]:
    ids = [i for i in user_ids if i is not None]
    if not ids:
        return {}
    leading = set(
        await session.scalars(
            select(GroupMember.user_id).where(
                GroupMember.group_id == group_id,
                GroupMember.left_at.is_(None),
                GroupMember.user_id.in_(ids),
            )
        )
    )
    out = {}
    for user in await session.scalars(select(User).where(User.id.in_(ids))):
        if user.role in (Role.COORDINATOR, Role.ADMIN):
            out[user.id] = Actor.COORDINATOR
        elif user.id in leading and user.revoked_at is None:
            out[user.id] = Actor.FACILITATOR
        else:
            out[user.id] = Actor.FORMER
    return out


async def _codes(session: AsyncSession, changes: Sequence[_Change]) -> dict[int, str]:
    ids: set[int] = set()
    for change in changes:
        if change.row.record_type == "attendance":
            ids |= set(change.before.get("absent", ())) ^ set(change.after.get("absent", ()))
    if not ids:
        return {}
    rows = await session.execute(
        select(Participant.id, Participant.code).where(Participant.id.in_(ids))
    )
    return {pid: code for pid, code in rows.all() if code}


def _correction(change: _Change, actors: dict[int, Actor], codes: dict[int, str]) -> Correction:
    row = change.row
    actor = actors.get(row.changed_by, Actor.FORMER) if row.changed_by else Actor.FORMER
    if row.record_type == "attendance":
        before, after = set(change.before.get("absent", ())), set(change.after["absent"])
        total = int(change.after.get("total", 0))
        return Correction(
            row.changed_at,
            row.changed_by,
            actor,
            week=change.record.week,
            kind="attendance",
            present_before=total - len(before),
            present_after=total - len(after),
            now_present=tuple(sorted(codes[p] for p in before - after if p in codes)),
            now_absent=tuple(sorted(codes[p] for p in after - before if p in codes)),
        )
    fields = [name for name in REFLECTION_FIELDS if change.before.get(name) != change.after[name]]
    if change.before.get("note_changed"):
        fields.append("note")
    return Correction(
        row.changed_at,
        row.changed_by,
        actor,
        week=change.record.week,
        kind="reflection",
        fields=tuple(fields),
    )
