"""Translated answers for domain errors, shared by every flow."""

from __future__ import annotations

from locales import Translator
from models.errors import DomainError


def domain_error_text(tr: Translator, error: DomainError) -> str:
    texts = {
        "not_allowed": tr.pgettext("error", "This is not part of your role."),
        "not_found": tr.pgettext("error", "This record no longer exists or is not yours to see."),
        "invalid_input": tr.pgettext("error", "That was not understood. Please try again."),
        "conflict": tr.pgettext(
            "error",
            "Someone else changed this record a moment ago. Here is the current version; "
            "please check it and try again.",
        ),
        "revoked": tr.pgettext(
            "access", "Your access to this bot has ended. Ask your coordinator."
        ),
        "not_registered": tr.pgettext("access", "Please open your invitation link first."),
        "language": tr.pgettext("error", "That language is not available."),
    }
    # A specific code without its own text falls back to the text of its kind (NotFound, ...).
    for code in (error.code, type(error).code):
        if code in texts:
            return texts[code]
    return tr.pgettext("error", "That did not work. Please try again.")
