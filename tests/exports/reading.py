"""Reading the exports back as a person sees them: sheets as rows, column widths, and the label
every coded value must show, taken from the words the bot shows on screen."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from conversations.vocabulary.agreements import answer_name, kind_name
from conversations.vocabulary.coordination import status_name
from conversations.vocabulary.guides import phase_name
from conversations.vocabulary.meetings import checkin_answer, not_held_reason, referral_name
from conversations.vocabulary.roster import gender_name, origin_name
from locales import Translator
from models.reports.tables import VOCABULARIES


def book(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


def values(sheet: Worksheet) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(values_only=True))


def width(sheet: Worksheet, col: int) -> float:
    """The width of column `col` (1-based) as written, 0 when none was set."""
    for dimension in sheet.column_dimensions.values():
        if dimension.min and dimension.max and dimension.min <= col <= dimension.max:
            return float(dimension.width or 0)
    return 0.0


def sheet_titles(tr: Translator, tables: list[str]) -> list[str]:
    names = {
        "meetings": "Sessions",
        "register": "Register",
        "reflections": "Reflections",
        "agreements": "Agreements",
        "checkins": "Check-ins",
        "attendance": "Attendance",
    }
    return [
        tr.pgettext("export", "Indicators"),
        *(tr.pgettext("export", names[t]) for t in tables),
        tr.pgettext("export", "Codes"),
        tr.pgettext("export", "About this file"),
    ]


def code_labels(tr: Translator) -> dict[str, dict[str, str]]:
    """Each vocabulary's code -> the label a person reads, as the bot says it on screen."""
    say: dict[str, Callable[[str], str | None]] = {
        "meeting_status": lambda c: {
            "held": tr.pgettext("export", "Held"),
            "cancelled": tr.pgettext("meeting", "Cancelled"),
            "postponed": tr.pgettext("meeting", "Postponed"),
        }[c],
        "not_held_reason": lambda c: not_held_reason(tr, c),
        "phase": lambda c: phase_name(tr, c),
        "referral": lambda c: referral_name(tr, c),
        "agreement_kind": lambda c: kind_name(tr, c),
        "agreement_status": lambda c: status_name(tr, c),
        "follow_up": lambda c: (
            {
                "asked": tr.pgettext("export", "Asked, no answer yet"),
                "skipped": tr.pgettext("export", "Not asked"),
            }.get(c)
            or answer_name(tr, c)
        ),
        "checkin": lambda c: checkin_answer(tr, c),
        "sex": lambda c: gender_name(tr, c),
        "origin": lambda c: origin_name(tr, c),
    }
    out: dict[str, dict[str, str]] = {}
    for vocabulary, label in say.items():
        out[vocabulary] = {}
        for code in VOCABULARIES[vocabulary]:
            text = label(code)
            assert text, (vocabulary, code)
            out[vocabulary][code] = text
    return out
