"""Tables and figures built by hand, as models/reports hands them to the writers: every table of
the programme's exports with every column, rows that use every code, and figures with a
suppressed one. The writers' tests read the files written from them back."""

from __future__ import annotations

from datetime import date, datetime

from exports.meta import ExportMeta
from models.agreements import OUTSIDE_ROLES, WITNESS_ROLES
from models.meetings.reflections import TOPICS
from models.reports.period import Period
from models.reports.tables import VOCABULARIES, Figure, Table, columns

PLACE = ("Gitega", "Giheta", "Kabuye")
AREA = ("province:text", "commune:text", "colline:text", "group_id:int", "group:text")
# A name as long as coordinators type them: wider than the widest column.
LONG_NAME = "Ejo ya kera n'ubu n'ejo hazoza, twese hamwe mu mahoro i Kabuye"
PERIOD = Period(date(2026, 1, 1), date(2026, 3, 31), "quarter")
EXPORTED_AT = datetime(2026, 4, 2, 9, 30)
WEEKS = 15


def _group(number: int) -> tuple[object, ...]:
    return (*PLACE, number, "Amahoro" if number == 1 else LONG_NAME)


def meetings() -> Table:
    cols = columns(
        *AREA,
        "week:int",
        "status:code:meeting_status",
        "date:date",
        "reason:code:not_held_reason",
        "attendance_saved:flag",
        "present:int",
        "absent:int",
    )
    rows: list[tuple[object, ...]] = [
        (*_group(1), week, "held", date(2026, 1, 7 * week - 6), None, 1, 10, 2)
        for week in range(1, 5)
    ]
    for n, reason in enumerate(VOCABULARIES["not_held_reason"]):
        status = "cancelled" if n % 2 else "postponed"
        rows.append((*_group(2), n + 1, status, date(2026, 2, n + 1), reason, 0, None, None))
    return Table("meetings", cols, rows)


def register() -> Table:
    weeks = [f"week_{n}:int" for n in range(1, WEEKS + 1)]
    cols = columns(*AREA, "participant:text", *weeks, "present:int", "absent:int")
    marks = [1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, None, None, None]
    row = (*_group(1), "A1", *marks, marks.count(1), marks.count(0))
    return Table("register", cols, [row, (*_group(1), "A2", *([1] * WEEKS), WEEKS, 0)])


def reflections() -> Table:
    topics = [f"topic_{t}:flag" for t in TOPICS]
    cols = columns(
        *AREA,
        "week:int",
        "date:date",
        "phase:code:phase",
        "climate:int",
        *topics,
        "follow_ups:int",
        "referral:code:referral",
    )
    rows = []
    for n, phase in enumerate(VOCABULARIES["phase"]):
        flags = [int((n + i) % 2 == 0) for i in range(len(TOPICS))]
        referrals = VOCABULARIES["referral"]
        referral = referrals[n] if n < len(referrals) else None
        rows.append(
            (*_group(1), n + 1, date(2026, 1, n + 1), phase, 1 + n % 5, *flags, n, referral)
        )
    return Table("reflections", cols, rows)


def agreements() -> Table:
    cols = columns(
        *AREA,
        "agreement:int",
        "kind:code:agreement_kind",
        "parties:int",
        *(f"outside_{role}:int" for role in OUTSIDE_ROLES),
        *(f"witness_{role}:int" for role in WITNESS_ROLES),
        "date_reached:date",
        "written:flag",
        "status:code:agreement_status",
        "reported_at:datetime",
        "acknowledged_at:datetime",
        "documented_at:datetime",
        "days_to_acknowledge:int",
        "days_to_document:int",
        "reference:text",
        "follow_up_m1:code:follow_up",
        "follow_up_m3:code:follow_up",
    )
    kinds, statuses = VOCABULARIES["agreement_kind"], VOCABULARIES["agreement_status"]
    follow_ups = VOCABULARIES["follow_up"]
    rows = []
    for n, kind in enumerate(kinds):
        status = statuses[n % len(statuses)]
        acknowledged = datetime(2026, 2, 3 + n, 10, 15) if status != "reported" else None
        documented = datetime(2026, 2, 10 + n, 16, 45) if status == "documented" else None
        rows.append(
            (
                *_group(1),
                100 + n,
                kind,
                2,
                *(1 if i == n else 0 for i in range(len(OUTSIDE_ROLES))),
                *(n % 2 for _ in WITNESS_ROLES),
                date(2026, 2, 1 + n),
                n % 2,
                status,
                datetime(2026, 2, 2 + n, 8, 5),
                acknowledged,
                documented,
                1 if acknowledged else None,
                8 if documented else None,
                f"GIT-2026/{n:03}" if documented else None,
                follow_ups[n % len(follow_ups)],
                follow_ups[(n + 3) % len(follow_ups)],
            )
        )
    # A reference typed as a formula stays text.
    rows[0] = (*rows[0][:-3], '=HYPERLINK("http://x")', *rows[0][-2:])
    return Table("agreements", cols, rows)


def checkins() -> Table:
    cols = columns(*AREA, "date:date", "answer:code:checkin")
    answers = VOCABULARIES["checkin"]
    return Table(
        "checkins", cols, [(*_group(1), date(2026, 3, 1 + n), a) for n, a in enumerate(answers)]
    )


def attendance() -> Table:
    cols = columns(
        *AREA,
        "participant:text",
        "sex:code:sex",
        "origin:code:origin",
        "week:int",
        "date:date",
        "present:flag",
    )
    people = [("A1", "f", "returnee"), ("A2", "m", "resident"), ("A3", None, None)]
    rows = [
        (*_group(1), code, sex, origin, week, date(2026, 1, 7 * week - 6), int(week != 2))
        for code, sex, origin in people
        for week in (1, 2, 3)
    ]
    return Table("attendance", cols, rows)


def tables(*, identifying: bool = True) -> list[Table]:
    found = [meetings(), register(), reflections(), agreements(), checkins()]
    return [*found, attendance()] if identifying else found


def figures() -> list[Figure]:
    """The whole area, a commune, and a colline where one returnee woman is suppressed."""
    colline = PLACE
    return [
        Figure("groups_started", (), 2),
        Figure("groups_active", (), 2),
        Figure("groups_completed", (), 1),
        Figure("sessions_held", (), 4),
        Figure("sessions_planned", (), 9),
        Figure("attendance_mean", (), 0.8125),
        Figure("participants", (), 24),
        Figure("participants_retained", (), 9),
        Figure("days_to_acknowledge_median", (), 1.5),
        Figure("referrals_health", (), 1),
        Figure("participants", (), 13, sex="f"),
        Figure("participants", (), 11, sex="m"),
        Figure("participants", PLACE[:2], 24),
        Figure("participants", colline, 12),
        Figure("participants", colline, None, sex="f"),
        Figure("participants", colline, 7, sex="m"),
        Figure("participants", colline, None, origin="returnee"),
        Figure("attendance_mean", colline, 0.75),
    ]


def meta(role: str = "coordinator") -> ExportMeta:
    return ExportMeta("Gitega", PERIOD, role, EXPORTED_AT)
