"""The glossary (content/glossary.yaml): the agreed word for each idea in each language, and
spellings that must not appear (Kinyarwanda drifts in machine-made Kirundi)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from content.guides import (
    LANGUAGES,
)


@dataclass(frozen=True)
class Term:
    """A glossary entry: the agreed word for one idea in each language."""

    key: str
    names: Mapping[str, str | None]
    confidence: str | None = None
    key_term: bool = False
    match: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def stems(self, lang: str) -> tuple[str, ...]:
        """Lower-case strings whose presence counts as a use of the term in ``lang``."""
        if lang in self.match:
            return self.match[lang]
        name = self.names.get(lang)
        return (name.casefold(),) if name else ()


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Term, ...] = ()
    # language -> forbidden spelling (lower case) -> the spelling to use instead, if known
    forbidden: Mapping[str, Mapping[str, str | None]] = field(default_factory=dict)
    # language -> words that address one facilitator where the guides address both
    address: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


GLOSSARY_PATH = Path(__file__).resolve().parent / "glossary.yaml"


def load_glossary(path: Path | str | None = None) -> Glossary:
    """Read glossary.yaml (see the comments at its top for the format)."""
    data: Any = yaml.safe_load(Path(path or GLOSSARY_PATH).read_text(encoding="utf-8")) or {}
    terms = []
    for key, entry in (data.get("terms") or {}).items():
        names = {lang: entry.get(lang) for lang in LANGUAGES}
        match = {
            lang: tuple(str(stem).casefold() for stem in stems)
            for lang, stems in (entry.get("match") or {}).items()
        }
        confidence = entry.get("confidence")
        terms.append(
            Term(
                key=str(key),
                names=names,
                confidence=None if confidence is None else str(confidence),
                key_term=bool(entry.get("key")),
                match=match,
            )
        )
    forbidden: dict[str, dict[str, str | None]] = {}
    for lang, words in (data.get("forbidden") or {}).items():
        pairs = words.items() if isinstance(words, dict) else ((word, None) for word in words)
        forbidden[lang] = {str(word).casefold(): fix for word, fix in pairs}
    address = {
        lang: tuple(str(word).casefold() for word in words)
        for lang, words in (data.get("address") or {}).items()
    }
    return Glossary(tuple(terms), forbidden, address)
