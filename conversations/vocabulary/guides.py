"""Translated names of the method's phases, as the guides and the meeting records use them."""

from __future__ import annotations

from conversations.runtime.menu import Np_
from locales import Translator

PHASE_NAMES = {
    "preparation": Np_("guide", "Preparation"),
    "safety": Np_("guide", "Safety"),
    "trust": Np_("guide", "Trust"),
    "care": Np_("guide", "Care"),
    "respect": Np_("guide", "Respect"),
    "orientation": Np_("guide", "New life orientation"),
    "memory": Np_("guide", "Memory"),
    "closing": Np_("guide", "Closing"),
}


def phase_name(tr: Translator, phase: str) -> str:
    """The phase's name in the reader's language; an unknown key is shown as it is."""
    return tr.pgettext(*PHASE_NAMES[phase]) if phase in PHASE_NAMES else phase
