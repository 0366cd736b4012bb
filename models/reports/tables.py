"""The tables of the programme's exports: their columns, what each holds, and the rows.

A column says what kind of value it holds, so that the writers can format it (a date as a date)
and translate it (a coded value as a label in the reader's language, listed in the code sheet).
The rows are filled by models/reports/export.py; the writers (exports/) know only these types.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from models.agreements.tables import Answer, Kind, Status
from models.groups import GroupStatus
from models.meetings.records import MeetingStatus, Reason
from models.meetings.reflections import PHASES, REFERRALS
from models.meetings.self_help import CheckinAnswer
from models.roster import Gender, Origin

# What a column holds:
#   int, float     a number;  text   free text the bot asked for (codes, names of places)
#   date           a day;     datetime   a local date and time
#   flag           1 or 0 (yes / no)
#   code:<name>    a coded value, translated through the vocabulary <name> (see VOCABULARIES)
KINDS = ("int", "float", "text", "date", "datetime", "flag")


def _values(codes: type[enum.StrEnum]) -> tuple[str, ...]:
    return tuple(code.value for code in codes)


# The coded values of each vocabulary, in the order the code sheet lists them. The labels are
# in conversations/vocabulary (the domain knows no language).
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "meeting_status": _values(MeetingStatus),
    "not_held_reason": _values(Reason),
    "phase": PHASES,
    "referral": REFERRALS,
    "agreement_kind": _values(Kind),
    "agreement_status": _values(Status),
    # Asked: the question went out and has no answer yet; skipped: it was never asked.
    "follow_up": (*_values(Answer), "asked", "skipped"),
    "checkin": _values(CheckinAnswer),
    "group_status": _values(GroupStatus),
    "sex": _values(Gender),
    "origin": _values(Origin),
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # one of KINDS, or "code:<vocabulary>"

    @property
    def vocabulary(self) -> str | None:
        return self.kind.removeprefix("code:") if self.kind.startswith("code:") else None


@dataclass
class Table:
    """One sheet of the workbook, one CSV file."""

    name: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


def columns(*spec: str) -> tuple[Column, ...]:
    """``columns("group_id:int", "status:code:meeting_status")`` -> the Columns."""
    found = []
    for item in spec:
        name, _, kind = item.partition(":")
        found.append(Column(name, kind or "text"))
    return tuple(found)


@dataclass(frozen=True)
class Figure:
    """One programme indicator for one area, period and (optionally) sex or origin.

    ``area`` is the path of names from the province down; () is the whole scope. ``value`` is
    None when the figure is suppressed: a disaggregated count under 5 is shown as "<5", so that
    nobody in a small group is recognised by a table.
    """

    indicator: str
    area: tuple[str, ...]
    value: int | float | None
    sex: str | None = None
    origin: str | None = None

    @property
    def suppressed(self) -> bool:
        return self.value is None
