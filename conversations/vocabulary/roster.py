"""Translated names of a participant's optional details and of the reasons a code is refused."""

from __future__ import annotations

from conversations.runtime.menu import Np_
from locales import Translator
from models.roster import Gender, Origin

# models.roster.code_problem's keys, and "roster_full" / "empty".
REFUSALS = {
    "too_long": Np_("roster", "too long (at most 12 characters)"),
    "has_space": Np_("roster", "contains a space: is it a name? Use a code"),
    "bad_characters": Np_("roster", "only letters, digits and - . _ are allowed"),
    "duplicate": Np_("roster", "already on this roster"),
    "roster_full": Np_("roster", "the roster is full (at most 15 people)"),
    "empty": Np_("roster", "empty"),
}
GENDERS = {
    Gender.FEMALE: Np_("roster", "Female"),
    Gender.MALE: Np_("roster", "Male"),
}
ORIGINS = {
    Origin.RETURNEE: Np_("roster", "Returnee"),
    Origin.RESIDENT: Np_("roster", "Resident"),
}


def refusal(tr: Translator, reason: str) -> str:
    return tr.pgettext(*REFUSALS.get(reason, REFUSALS["empty"]))


def detail_name(tr: Translator, value: Gender | Origin) -> str:
    return tr.pgettext(*(GENDERS[value] if isinstance(value, Gender) else ORIGINS[value]))


def gender_name(tr: Translator, stored: str | None) -> str | None:
    """The stored gender's name; None when it was not given."""
    gender = next((g for g in GENDERS if g.value == stored), None)
    return detail_name(tr, gender) if gender is not None else None


def origin_name(tr: Translator, stored: str | None) -> str | None:
    origin = next((o for o in ORIGINS if o.value == stored), None)
    return detail_name(tr, origin) if origin is not None else None
