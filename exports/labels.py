"""What people read in the exports instead of the stored names: sheet titles, column headers and
the label of each coded value, in the reader's language.

The labels of coded values are the ones the bot shows on screen (conversations/vocabulary), so a
phase or a referral type reads the same in Telegram and in the spreadsheet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from conversations.runtime.menu import Np_
from conversations.vocabulary.agreements import ANSWER_NAMES, KIND_NAMES, ROLE_NAMES
from conversations.vocabulary.coordination import STATUS_NAMES
from conversations.vocabulary.guides import PHASE_NAMES
from conversations.vocabulary.meetings import (
    CHECKIN_ANSWERS,
    NOT_HELD_REASONS,
    REFERRAL_NAMES,
    TOPIC_NAMES,
)
from conversations.vocabulary.roster import GENDERS, ORIGINS
from locales import Translator
from models.reports.tables import VOCABULARIES

Label = tuple[str, str]

SHEETS: dict[str, Label] = {
    # The meetings' sheet still says "sessions", as people say it.
    "meetings": Np_("export", "Sessions"),
    "register": Np_("export", "Register"),
    "reflections": Np_("export", "Reflections"),
    "agreements": Np_("export", "Agreements"),
    "checkins": Np_("export", "Check-ins"),
    "attendance": Np_("export", "Attendance"),
    "indicators": Np_("export", "Indicators"),
    "codes": Np_("export", "Codes"),
    "about": Np_("export", "About this file"),
}

HEADERS: dict[str, Label] = {
    "province": Np_("export", "Province"),
    "commune": Np_("export", "Commune"),
    "colline": Np_("export", "Colline"),
    "group_id": Np_("export", "Group no."),
    "group": Np_("export", "Group"),
    "week": Np_("export", "Week"),
    "status": Np_("export", "Status"),
    "date": Np_("export", "Date"),
    "reason": Np_("export", "Reason not held"),
    "attendance_saved": Np_("export", "Attendance saved"),
    "present": Np_("export", "Present"),
    "absent": Np_("export", "Absent"),
    "participant": Np_("export", "Participant code"),
    "phase": Np_("export", "Phase"),
    "climate": Np_("export", "Climate (1-5)"),
    "follow_ups": Np_("export", "Follow-ups"),
    "referral": Np_("export", "Referral"),
    "agreement": Np_("export", "Agreement no."),
    "kind": Np_("export", "About"),
    "parties": Np_("export", "Parties"),
    "date_reached": Np_("export", "Date reached"),
    "written": Np_("export", "Signed paper"),
    "violence_check": Np_("export", "Check for violence"),
    "reported_at": Np_("export", "Reported"),
    "acknowledged_at": Np_("export", "Acknowledged"),
    "documented_at": Np_("export", "Documented"),
    "days_to_acknowledge": Np_("export", "Days to acknowledge"),
    "days_to_document": Np_("export", "Days to document"),
    "reference": Np_("export", "Reference number"),
    "follow_up_m1": Np_("export", "After one month"),
    "follow_up_m3": Np_("export", "After three months"),
    "answer": Np_("export", "Answer"),
    "sex": Np_("roster", "Gender"),
    "origin": Np_("roster", "Returnee or resident"),
}
WEEK = Np_("export", "Week {number}")
TOPIC = Np_("export", "Topic: {topic}")
OUTSIDE = Np_("export", "Outside party: {role}")
WITNESS = Np_("export", "Witness: {role}")

# The labels of each vocabulary's codes (models/reports/tables.py VOCABULARIES).
NAMES: dict[str, Mapping[str, Label]] = {
    "meeting_status": {
        "held": Np_("export", "Held"),
        "cancelled": Np_("meeting", "Cancelled"),
        "postponed": Np_("meeting", "Postponed"),
    },
    "not_held_reason": NOT_HELD_REASONS,
    "phase": PHASE_NAMES,
    "referral": REFERRAL_NAMES,
    "topic": TOPIC_NAMES,
    "agreement_kind": {str(k): v for k, v in KIND_NAMES.items()},
    "agreement_status": {str(k): v for k, v in STATUS_NAMES.items()},
    "follow_up": {
        **{str(k): v for k, v in ANSWER_NAMES.items()},
        "asked": Np_("export", "Asked, no answer yet"),
        "skipped": Np_("export", "Not asked"),
    },
    "checkin": CHECKIN_ANSWERS,
    "group_status": {
        "preparing": Np_("export", "Preparing"),
        "active": Np_("export", "Meeting weekly"),
        "self_help": Np_("export", "Self-help group"),
        "closed": Np_("export", "Closed"),
    },
    "sex": {str(k): v for k, v in GENDERS.items()},
    "origin": {str(k): v for k, v in ORIGINS.items()},
    "role": ROLE_NAMES,
}
# A flag column holds 1 or 0; the code sheet says what they mean.
FLAG = {1: Np_("export", "Yes"), 0: Np_("export", "No")}


def sheet_title(tr: Translator, name: str) -> str:
    """At most 31 characters, none of []:*?/\\ (translations are checked here)."""
    label = SHEETS.get(name)
    text = tr.pgettext(*label) if label else name
    return "".join(c for c in text if c not in "[]:*?/\\")[:31].strip("' ") or name[:31]


def unique_titles(titles: Iterable[str]) -> list[str]:
    """Sheet titles told apart (Excel ignores case), should two translations read the same."""
    seen: set[str] = set()
    out = []
    for title in titles:
        candidate, n = title, 1
        while candidate.casefold() in seen:
            n += 1
            suffix = f" {n}"
            candidate = title[: 31 - len(suffix)] + suffix
        seen.add(candidate.casefold())
        out.append(candidate)
    return out


def header(tr: Translator, column: str) -> str:
    """A column's header; a column no label is known for keeps its stored name."""
    if column in HEADERS:
        return tr.pgettext(*HEADERS[column])
    prefix, _, rest = column.partition("_")
    if prefix == "week" and rest.isdigit():
        return tr.pgettext(*WEEK).format(number=int(rest))
    if prefix == "topic" and rest in TOPIC_NAMES:
        return tr.pgettext(*TOPIC).format(topic=tr.pgettext(*TOPIC_NAMES[rest]))
    if prefix in ("outside", "witness") and rest in ROLE_NAMES:
        role = tr.pgettext(*ROLE_NAMES[rest])
        return tr.pgettext(*(OUTSIDE if prefix == "outside" else WITNESS)).format(role=role)
    return column


def codes(vocabulary: str) -> tuple[str, ...]:
    """The codes of a vocabulary in the order the code sheet lists them."""
    return VOCABULARIES.get(vocabulary) or tuple(NAMES.get(vocabulary, {}))


def labels(tr: Translator, vocabulary: str) -> dict[str, str]:
    """Code -> label for every code known (a code without a label keeps its stored form)."""
    names = NAMES.get(vocabulary, {})
    known = dict.fromkeys((*codes(vocabulary), *names))
    return {code: tr.pgettext(*names[code]) if code in names else code for code in known}


def flag_labels(tr: Translator) -> dict[int, str]:
    return {value: tr.pgettext(*label) for value, label in FLAG.items()}
