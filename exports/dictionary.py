"""The data dictionary (the workbook's Codes sheet): every column of every sheet, what kind of
value it holds and what it means, and for a coded column each code beside its label.

One row per column, then one row per code under it, each row naming its sheet and column, so
that a filter on either shows all that belongs to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from conversations.runtime.menu import Np_
from exports import labels
from exports.indicators import ALL, SUPPRESSED, FigureTable, indicator
from locales import Translator
from models.reports.tables import Column, Table

COLUMNS = (
    Np_("export", "Sheet"),
    Np_("export", "Column"),
    Np_("export", "Type"),
    Np_("export", "Code"),
    Np_("export", "Label"),
    Np_("export", "Meaning"),
)
KINDS = {
    "int": Np_("export", "Number"),
    "float": Np_("export", "Decimal number"),
    "text": Np_("export", "Text"),
    "date": Np_("export", "Date"),
    "datetime": Np_("export", "Date and time"),
    "flag": Np_("export", "Yes (1) or no (0)"),
    "code": Np_("export", "Label from a list"),
    "share": Np_("export", "Share (percentage)"),
}
MEANINGS = {
    "province": Np_("export", "Province of the group's colline."),
    "commune": Np_("export", "Commune of the group's colline."),
    "colline": Np_("export", "Colline where the group meets."),
    "group_id": Np_("export", "The group's number in the bot, the same in every sheet."),
    "group": Np_("export", "The group's name."),
    "week": Np_("export", "Week of the 15-week plan the meeting was for."),
    "date": Np_("export", "Day of the meeting."),
    "reason": Np_("export", "Why the meeting did not take place."),
    "attendance_saved": Np_("export", "1 when the facilitators saved the attendance."),
    "present": Np_("export", "Participants present."),
    "absent": Np_("export", "Participants absent."),
    "participant": Np_(
        "export", "Pseudonymous participant code; the names stay on paper with the facilitators."
    ),
    "phase": Np_("export", "Phase of the method the group was in."),
    "climate": Np_("export", "Climate of the group: 1 very tense, 5 warm and open."),
    "follow_ups": Np_(
        "export", "Follow-ups members agreed: things to do and report back on (5 means 5 or more)."
    ),
    "referral": Np_("export", "Type of service someone was referred to, if anyone was."),
    "agreement": Np_("export", "The agreement's number in the bot."),
    "kind": Np_("export", "What the agreement is about."),
    "parties": Np_("export", "Group members who are parties to the agreement."),
    "date_reached": Np_("export", "Day the agreement was reached."),
    "written": Np_("export", "1 when the parties wrote and signed a paper."),
    "violence_check": Np_(
        "export",
        "1 when the summary had words that may point to violence and the facilitator answered "
        "that it involves none: to be checked.",
    ),
    "reported_at": Np_("export", "When the facilitators reported the agreement (local time)."),
    "acknowledged_at": Np_("export", "When a coordinator acknowledged it (local time)."),
    "documented_at": Np_("export", "When it was documented with a reference number (local time)."),
    "days_to_acknowledge": Np_("export", "Days from the report to the acknowledgement."),
    "days_to_document": Np_("export", "Days from the report to the documentation."),
    "reference": Np_("export", "The programme's reference number of the paper."),
    "follow_up_m1": Np_("export", "Whether the agreement held one month later."),
    "follow_up_m3": Np_("export", "Whether the agreement held three months later."),
    "answer": Np_("export", "The self-help group's answer that month."),
    "sex": Np_("export", "As recorded on the roster, when it was."),
    "origin": Np_("export", "As recorded on the roster, when it was."),
    "area": Np_("export", "The area the figures are for (the first rows: the whole export)."),
    "group_figures": Np_("export", "The group the figures are for."),
}
# Where the same name means something else in one table.
TABLE_MEANINGS = {
    ("meetings", "status"): Np_("export", "Whether the meeting took place."),
    ("meetings", "date"): Np_("export", "Day the meeting took place, or was due."),
    ("agreements", "status"): Np_("export", "Where the agreement stands."),
    ("register", "present"): Np_("export", "Meetings the participant attended."),
    ("register", "absent"): Np_("export", "Meetings the participant missed."),
    ("attendance", "present"): Np_("export", "1 present, 0 absent."),
    ("checkins", "date"): Np_("export", "Day of the answer."),
}
WEEK = Np_("export", "1 present, 0 absent, empty: no attendance saved that week.")
TOPIC = Np_("export", "1 when the group talked about this topic.")
OUTSIDE = Np_("export", "Outside parties with this role (a count, never a name).")
WITNESS = Np_("export", "Witnesses with this role (a count, never a name).")
BREAKDOWN = Np_("export", "Who the figures count: all, or one sex, or one origin.")
FEWER = Np_("export", "Fewer than 5")
SUPPRESSION = Np_(
    "export",
    "A count under 5 in a breakdown by sex or origin is not shown, so that no one is recognised.",
)
EVERY_FIGURE = Np_("export", "Every figure")

Row = tuple[str, str, str, Any, Any, str]


def header_row(tr: Translator) -> list[str]:
    return [tr.pgettext(*label) for label in COLUMNS]


def meaning(tr: Translator, table: str, column: str) -> str:
    label = TABLE_MEANINGS.get((table, column)) or MEANINGS.get(column)
    if label is None:
        prefix, _, rest = column.partition("_")
        label = {"week": WEEK, "topic": TOPIC, "outside": OUTSIDE, "witness": WITNESS}.get(prefix)
        if prefix == "week" and not rest.isdigit():
            label = None
    return tr.pgettext(*label) if label else ""


def table_rows(tr: Translator, table: Table, title: str) -> list[Row]:
    rows: list[Row] = []
    for column in table.columns:
        rows.extend(_column_rows(tr, table.name, column, title))
    return rows


def _column_rows(tr: Translator, table: str, column: Column, title: str) -> list[Row]:
    name = labels.header(tr, column.name)
    vocabulary = column.vocabulary
    kind = "code" if vocabulary else column.kind
    kind_name = tr.pgettext(*KINDS[kind]) if kind in KINDS else kind
    rows: list[Row] = [(title, name, kind_name, None, None, meaning(tr, table, column.name))]
    if vocabulary:
        names = labels.labels(tr, vocabulary)
        rows += [(title, name, kind_name, c, names[c], "") for c in labels.codes(vocabulary)]
    elif column.kind == "flag":
        flags = labels.flag_labels(tr)
        rows += [(title, name, kind_name, v, label, "") for v, label in flags.items()]
    return rows


def figure_rows(tr: Translator, table: FigureTable, title: str) -> list[Row]:
    rows: list[Row] = []
    every = tr.pgettext(*ALL)
    for column, name in zip(table.columns, table.headers, strict=True):
        if column in ("sex", "origin"):
            kind = tr.pgettext(*KINDS["code"])
            rows.append((title, name, kind, None, None, tr.pgettext(*BREAKDOWN)))
            rows.append((title, name, kind, None, every, ""))
            names = labels.labels(tr, column)
            rows += [(title, name, kind, c, names[c], "") for c in labels.codes(column)]
            continue
        found = indicator(column)
        if found is None:
            key = "group_figures" if column == "group" else column
            text = tr.pgettext(*KINDS["text"])
            rows.append((title, name, text, None, None, meaning(tr, "", key)))
            continue
        kind = tr.pgettext(*KINDS["share" if found.kind == "share" else "float"])
        if found.kind == "count":
            kind = tr.pgettext(*KINDS["int"])
        rows.append((title, name, kind, None, None, tr.pgettext(*found.meaning)))
    rows.append(
        (
            title,
            tr.pgettext(*EVERY_FIGURE),
            "",
            SUPPRESSED,
            tr.pgettext(*FEWER),
            tr.pgettext(*SUPPRESSION),
        )
    )
    return rows


def sheet_rows(
    tr: Translator,
    tables: Sequence[tuple[Table, str]],
    figures: tuple[FigureTable, str] | None,
) -> list[Row]:
    """The dictionary of the tables (each with its sheet's title) and of the indicators."""
    rows: list[Row] = []
    if figures is not None:
        rows += figure_rows(tr, *figures)
    for table, title in tables:
        rows += table_rows(tr, table, title)
    return rows
