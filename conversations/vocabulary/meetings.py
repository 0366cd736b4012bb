"""Translated names of what a weekly meeting records: the phase the group is in, why a meeting
did not take place, the problem areas discussed, referral types, the preparation checklist and
the self-help group's monthly answer.

The dictionaries keep their keys in the order people see them; the functions translate one key.
The phases' names are the guides' (conversations/vocabulary/guides.py): one word, one translation.
"""

from __future__ import annotations

from conversations.runtime.menu import Np_
from conversations.vocabulary.guides import PHASE_NAMES
from locales import Translator

__all__ = [
    "CHECKIN_ANSWERS",
    "NOT_HELD_REASONS",
    "PHASE_NAMES",
    "PREPARATION_ITEMS",
    "REFERRAL_NAMES",
    "TOPIC_NAMES",
    "checkin_answer",
    "not_held_reason",
    "phase_name",
    "preparation_item",
    "referral_name",
    "topic_name",
]

NOT_HELD_REASONS = {
    "weather": Np_("meeting", "Weather"),
    "bereavement": Np_("meeting", "Funeral or illness"),
    "security": Np_("meeting", "Security"),
    "facilitator": Np_("meeting", "A facilitator could not come"),
    "other": Np_("meeting", "Other reason"),
}
TOPIC_NAMES = {
    "daily": Np_("meeting", "Daily worries"),
    "returnees": Np_("meeting", "Returnees and residents"),
    "land": Np_("meeting", "Land and other disputes"),
    "violence": Np_("meeting", "Violence in families"),
    "upbringing": Np_("meeting", "Upbringing and education"),
    "women": Np_("meeting", "Women's rights"),
    "beliefs": Np_("meeting", "Beliefs, witchcraft"),
}
REFERRAL_NAMES = {
    "health": Np_("meeting", "Health"),
    "psychosocial": Np_("meeting", "Psychosocial"),
    "legal": Np_("meeting", "Legal"),
    "protection": Np_("meeting", "Protection"),
}
PREPARATION_ITEMS = {
    "context": Np_("meeting", "Context analysis"),
    "mapping": Np_("meeting", "Community mapping"),
    "consent": Np_("meeting", "Consent of participants"),
    "referral": Np_("meeting", "Referral services known"),
}
CHECKIN_ANSWERS = {
    "meeting": Np_("meeting", "Still meeting"),
    "paused": Np_("meeting", "Paused"),
    "stopped": Np_("meeting", "Stopped"),
}


def phase_name(tr: Translator, phase: str | None) -> str:
    """A guide's phase; a guide without a known phase counts as the first one, safety."""
    return tr.pgettext(*PHASE_NAMES.get(phase or "", PHASE_NAMES["safety"]))


def not_held_reason(tr: Translator, reason: str) -> str:
    return tr.pgettext(*NOT_HELD_REASONS[reason])


def topic_name(tr: Translator, topic: str) -> str:
    return tr.pgettext(*TOPIC_NAMES[topic])


def referral_name(tr: Translator, referral: str) -> str:
    return tr.pgettext(*REFERRAL_NAMES[referral])


def preparation_item(tr: Translator, item: str) -> str:
    return tr.pgettext(*PREPARATION_ITEMS[item])


def checkin_answer(tr: Translator, answer: str) -> str:
    return tr.pgettext(*CHECKIN_ANSWERS[answer])
