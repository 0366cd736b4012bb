"""Translated names of roles."""

from __future__ import annotations

from locales import Translator


def role_name(tr: Translator, role: str) -> str:
    names = {
        "admin": tr.pgettext("role", "programme administrator"),
        "coordinator": tr.pgettext("role", "coordinator"),
        "facilitator": tr.pgettext("role", "facilitator"),
        "trainee": tr.pgettext("role", "trainee"),
    }
    return names.get(role, role)
