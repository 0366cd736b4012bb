"""What the meeting flow's buttons and pending steps carry, and how it is packed and parsed.

Everything here is ids and small numbers, checked against limits when parsed: a forged or old
value raises BadCallback (a stale button), never reaches the domain. The formats are kept stable,
because buttons on old messages and pending steps persisted before a restart still carry them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date

from conversations.runtime.callbacks import BadCallback, int_part, pack, unpack
from models.meetings import (
    FOLLOW_UP_MAX,
    PHASES,
    REFERRALS,
    TOPICS,
    MeetingStatus,
    Reflection,
    ReflectionDraft,
)

# A meeting that did not take place, in button data: c(ancelled) or p(ostponed).
CANCELLED, POSTPONED = "c", "p"
NOT_HELD = {CANCELLED: MeetingStatus.CANCELLED, POSTPONED: MeetingStatus.POSTPONED}
STEPS = ("phase", "climate", "topics", "follow_ups", "referral", "confirm")
CLIMATE_MAX = 5
_DATE_TYPED = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})(?:[./-](\d{2,4}))?\s*$")


def small_int(value: str, limit: int) -> int:
    """A number from button data that must not exceed `limit`."""
    number = int_part(value)
    if number > limit:
        raise BadCallback(value)
    return number


# --- the reflection draft ----------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """A reflection being answered, carried in its buttons as
    "step.phase.climate.topics.followups.referral": indexes into the tuples of models.meetings,
    the topics as a bitmask, and "x" for an answer not given yet."""

    step: int
    phase: int
    climate: int | None = None  # 1-5; 0 or None: skipped
    topics: int = 0
    follow_ups: int | None = None
    referral: int | None = None  # 0: no referral; n: REFERRALS[n - 1]

    @classmethod
    def first(cls, phase: str) -> Draft:
        """A new reflection, starting at the phase question with the week's phase marked."""
        return cls(step=0, phase=PHASES.index(phase))

    @classmethod
    def of(cls, reflection: Reflection) -> Draft:
        """A saved reflection, shown at the confirmation step to be corrected."""
        topics = set(reflection.topics.split(",")) if reflection.topics else set()
        referral = reflection.referral
        return cls(
            step=STEPS.index("confirm"),
            phase=PHASES.index(reflection.phase),
            climate=reflection.climate,
            topics=sum(1 << i for i, topic in enumerate(TOPICS) if topic in topics),
            follow_ups=reflection.follow_ups,
            referral=None if referral is None else REFERRALS.index(referral) + 1,
        )

    @classmethod
    def parse(cls, raw: str) -> Draft:
        pieces = raw.split(".")
        if len(pieces) != 6:
            raise BadCallback(raw)
        values = [None if piece == "x" else int_part(piece) for piece in pieces]
        limits = [
            len(STEPS) - 1,
            len(PHASES) - 1,
            CLIMATE_MAX,
            (1 << len(TOPICS)) - 1,
            FOLLOW_UP_MAX,
            len(REFERRALS),
        ]
        if any(v is not None and v > limit for v, limit in zip(values, limits, strict=True)):
            raise BadCallback(raw)
        step, phase, climate, topics, follow_ups, referral = values
        if step is None or phase is None or topics is None:
            raise BadCallback(raw)
        return cls(step, phase, climate, topics, follow_ups, referral)

    def pack(self) -> str:
        values = (
            self.step,
            self.phase,
            self.climate,
            self.topics,
            self.follow_ups,
            self.referral,
        )
        return ".".join("x" if v is None else str(v) for v in values)

    @property
    def step_name(self) -> str:
        return STEPS[self.step]

    def has_topic(self, index: int) -> bool:
        return bool(self.topics >> index & 1)

    def answer(self, op: str) -> Draft:
        """The draft after one answer: each answer moves to the next step; "tN" toggles topic
        N and stays; "tn" goes on from the topics; "e" (change) starts again from the phase."""
        kind, argument = op[:1], op[1:]
        if kind == "p" and argument.isdigit():
            return replace(self, phase=small_int(argument, len(PHASES) - 1), step=1)
        if kind == "c" and argument.isdigit():
            return replace(self, climate=small_int(argument, CLIMATE_MAX) or None, step=2)
        if kind == "t" and argument.isdigit():
            return replace(self, topics=self.topics ^ 1 << small_int(argument, len(TOPICS) - 1))
        if op == "tn":
            return replace(self, step=3)
        if kind == "f" and argument.isdigit():
            return replace(self, follow_ups=small_int(argument, FOLLOW_UP_MAX), step=4)
        if kind == "r" and argument.isdigit():
            return replace(self, referral=small_int(argument, len(REFERRALS)), step=5)
        if op == "e":
            return replace(self, step=0)
        raise BadCallback(op)

    def to_domain(self) -> ReflectionDraft:
        return ReflectionDraft(
            phase=PHASES[self.phase],
            climate=self.climate or None,
            topics=frozenset(t for i, t in enumerate(TOPICS) if self.has_topic(i)),
            follow_ups=self.follow_ups,
            referral=REFERRALS[self.referral - 1] if self.referral else None,
        )


@dataclass(frozen=True)
class NoteStep:
    """The pending step while a note is typed: which record, its reflection's version, the
    draft to save with the note ("record:version:draft")."""

    record_id: int
    version: int
    draft: Draft

    def pack(self) -> str:
        return f"{self.record_id}:{self.version}:{self.draft.pack()}"

    @classmethod
    def parse(cls, ref: str | None) -> NoteStep:
        try:
            record_id, version, draft = (ref or "").split(":")
        except ValueError:
            raise BadCallback(ref) from None
        return cls(int_part(record_id), int_part(version), Draft.parse(draft))


# --- attendance --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceState:
    """The attendance screen as its buttons carry it: the record and roster versions it was
    drawn from, and the absentees as a bitmask over the roster's order."""

    record_id: int
    roster_version: int
    version: int
    mask: int

    @classmethod
    def parse(cls, data: str, action: str, count: int) -> tuple[AttendanceState, list[str]]:
        """The state, and the parts after it (the tapped participant's index)."""
        parts = unpack(data, action, count)
        record_id, roster_version, version, mask = (int_part(p) for p in parts[:4])
        return cls(record_id, roster_version, version, mask), parts[4:]

    def pack(self, action: str, *more: object) -> str:
        return pack(action, self.record_id, self.roster_version, self.version, self.mask, *more)

    def absent(self, roster_size: int) -> set[int]:
        """The absentees' indexes; a mask naming someone past the roster's end is forged."""
        if self.mask >= 1 << roster_size:
            raise BadCallback(str(self.mask))
        return {i for i in range(roster_size) if self.mask >> i & 1}


def absent_mask(absent: set[int]) -> int:
    return sum(1 << i for i in absent)


# --- dates and the other pending steps ----------------------------------------------------------


def pack_day(day: date) -> str:
    return f"{day:%Y%m%d}"


def parse_day(value: str) -> date:
    if not re.fullmatch(r"\d{8}", value):
        raise BadCallback(value)
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise BadCallback(value) from None


def typed_day(text: str, today: date) -> date | None:
    """A date typed as day/month or day/month/year; None when it is not one."""
    match = _DATE_TYPED.match(text[:40])
    if not match:
        return None
    day, month, year = match.groups()
    full_year = today.year if year is None else int(year) + (2000 if len(year) == 2 else 0)
    try:
        typed = date(full_year, int(month), int(day))
    except ValueError:
        return None
    if year is None and typed > today:  # "28/12" typed in January means last December
        typed = typed.replace(year=typed.year - 1)
    return typed


@dataclass(frozen=True)
class DateStep:
    """The pending step while an older date is typed: the group and the week it records."""

    group_id: int
    week: int

    def pack(self) -> str:
        return f"{self.group_id}:{self.week}"

    @classmethod
    def parse(cls, ref: str | None) -> DateStep:
        try:
            group_id, week = (int_part(p) for p in (ref or "").split(":"))
        except ValueError:  # BadCallback is a ValueError too
            raise BadCallback(ref) from None
        return cls(group_id, week)


@dataclass(frozen=True)
class SelfHelpStep:
    """The pending steps of starting a self-help group: the group, then also the name typed."""

    group_id: int
    name: str = ""

    def pack(self) -> str:
        return json.dumps(
            {"g": self.group_id, "n": self.name} if self.name else {"g": self.group_id}
        )

    @classmethod
    def parse(cls, ref: str | None) -> SelfHelpStep:
        try:
            stored = json.loads(ref or "{}")
            return cls(int(stored["g"]), str(stored.get("n", "")))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise BadCallback(ref) from None


def parse_month(value: str) -> str:
    """A check-in's month, "yyyymm" in button data, as the domain stores it: "yyyy-mm"."""
    if not re.fullmatch(r"\d{6}", value):
        raise BadCallback(value)
    return f"{value[:4]}-{value[4:]}"
