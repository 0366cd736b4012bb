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
    "weather": Np_("session", "Weather"),
    "bereavement": Np_("session", "Funeral or illness"),
    "security": Np_("session", "Security"),
    "facilitator": Np_("session", "A facilitator could not come"),
    "other": Np_("session", "Other reason"),
}
TOPIC_NAMES = {
    "daily": Np_("session", "Daily worries"),
    "returnees": Np_("session", "Returnees and residents"),
    "land": Np_("session", "Land and other disputes"),
    "violence": Np_("session", "Violence in families"),
    "upbringing": Np_("session", "Upbringing and education"),
    "women": Np_("session", "Women's rights"),
    "beliefs": Np_("session", "Beliefs, witchcraft"),
}
REFERRAL_NAMES = {
    "health": Np_("session", "Health"),
    "psychosocial": Np_("session", "Psychosocial"),
    "legal": Np_("session", "Legal"),
    "protection": Np_("session", "Protection"),
}
PREPARATION_ITEMS = {
    "context": Np_("session", "Context analysis"),
    "mapping": Np_("session", "Community mapping"),
    "consent": Np_("session", "Consent of participants"),
    "referral": Np_("session", "Referral services known"),
}
CHECKIN_ANSWERS = {
    "meeting": Np_("session", "Still meeting"),
    "paused": Np_("session", "Paused"),
    "stopped": Np_("session", "Stopped"),
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
