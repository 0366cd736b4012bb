"""Translated names of what an agreement holds: its kind, the roles of outside parties and
witnesses, the follow-up questions and their answers; and the button other flows show to start
recording one."""

from __future__ import annotations

from collections.abc import Sequence

from conversations.runtime.menu import Np_
from locales import Translator
from models.agreements import Answer, Kind

KIND_NAMES = {
    Kind.LAND: Np_("agreement", "Land or boundary"),
    Kind.HOUSE: Np_("agreement", "House or property"),
    Kind.FAMILY: Np_("agreement", "Family or household arrangement"),
    Kind.OTHER: Np_("agreement", "Other community matter"),
}
# Outside parties and witnesses are named by role, never by name.
ROLE_NAMES = {
    "member": Np_("agreement", "Group member"),
    "family": Np_("agreement", "Family member"),
    "neighbour": Np_("agreement", "Neighbour"),
    "elder": Np_("agreement", "Elder (mushingantahe)"),
    "religious": Np_("agreement", "Religious leader"),
    "leader": Np_("agreement", "Local leader"),
    "other": Np_("agreement", "Other"),
}
ANSWER_NAMES = {
    Answer.HOLDS: Np_("agreement", "It holds"),
    Answer.BROKEN: Np_("agreement", "It is broken"),
    Answer.RENEGOTIATED: Np_("agreement", "Renegotiated"),
}
# The follow-up steps (models.agreements.FOLLOW_UPS): when the question is asked.
STEP_NAMES = {
    "m1": Np_("agreement", "One month later"),
    "m3": Np_("agreement", "Three months later"),
}
_KIND_VALUES = frozenset(k.value for k in Kind)


def kind_name(tr: Translator, kind: str) -> str:
    """The kind's name in the reader's language; an unknown value is shown as stored."""
    return tr.pgettext(*KIND_NAMES[Kind(kind)]) if kind in _KIND_VALUES else kind


def role_name(tr: Translator, role: str) -> str:
    return tr.pgettext(*ROLE_NAMES[role]) if role in ROLE_NAMES else role


def role_names(tr: Translator, roles: Sequence[str]) -> str:
    """The roles' names, comma-separated; unknown roles are left out."""
    return ", ".join(tr.pgettext(*ROLE_NAMES[r]) for r in roles if r in ROLE_NAMES)


def answer_name(tr: Translator, answer: str) -> str:
    return tr.pgettext(*ANSWER_NAMES[Answer(answer)])


def step_name(tr: Translator, step: str) -> str:
    return tr.pgettext(*STEP_NAMES[step])
