"""Words that may point to violence (content/agreements/violence-words.yaml).

A match only prompts a question to the facilitator; their answer decides. Every language's words
are checked, case- and accent-insensitively.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

WORDS_PATH = Path(__file__).resolve().parent / "agreements" / "violence-words.yaml"
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower case, without accents: "Frappé" → "frappe"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text).replace("_", " "))


@dataclass(frozen=True)
class Entry:
    parts: tuple[str, ...]
    inside: bool

    def matches_at(self, found: list[str], i: int) -> bool:
        if i + len(self.parts) > len(found):
            return False
        if self.inside:
            first, *rest = self.parts
            # Within the first word (prefixes before it); the following words begin the phrase.
            return first in found[i] and all(
                found[i + 1 + k].startswith(p) for k, p in enumerate(rest)
            )
        return all(found[i + k].startswith(p) for k, p in enumerate(self.parts))


@dataclass(frozen=True)
class ViolenceWords:
    entries: tuple[Entry, ...]
    exceptions: tuple[str, ...]

    def match(self, text: str) -> bool:
        """Whether the text has a word of the list (and the question is to be asked)."""
        found = words(text)
        for i, word in enumerate(found):
            if word.startswith(self.exceptions):
                continue
            if any(entry.matches_at(found, i) for entry in self.entries):
                return True
        return False


def _strings(raw: Any, where: str) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(s, str) and s.strip() for s in raw):
        raise ValueError(f"{WORDS_PATH.name}: {where} must be a list of words")
    return [fold(s).strip() for s in raw]


def load_words(path: Path = WORDS_PATH) -> ViolenceWords:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: one section per language")
    entries: list[Entry] = []
    exceptions: list[str] = []
    for lang, section in data.items():
        if not isinstance(section, dict):
            raise ValueError(f"{path.name}: {lang} must hold stems, inside, except")
        unknown = set(section) - {"stems", "inside", "except"}
        if unknown:
            raise ValueError(f"{path.name}: {lang}: unknown {sorted(unknown)}")
        for inside, key in ((False, "stems"), (True, "inside")):
            for phrase in _strings(section.get(key), f"{lang}.{key}"):
                entries.append(Entry(tuple(words(phrase)), inside))
        exceptions.extend(_strings(section.get("except"), f"{lang}.except"))
    return ViolenceWords(tuple(e for e in entries if e.parts), tuple(exceptions))


@cache
def default_words() -> ViolenceWords:
    return load_words()


def may_involve_violence(text: str) -> bool:
    return default_words().match(text)
