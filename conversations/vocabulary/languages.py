"""The languages people choose from, each named in itself so that anyone can find their own."""

from __future__ import annotations

LANGUAGE_NAMES = {"rn": "Ikirundi", "fr": "Français", "en": "English"}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)
