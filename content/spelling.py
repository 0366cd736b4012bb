"""Spelling rules of the content check: forbidden spellings (Kinyarwanda, and other words for an
idea the glossary names) in the guides and the interface, and the Kirundi form of address."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from content.glossary import Glossary
from content.schema import Guide, Problem
from content.telegram_html import plain_text


def _error(rule: str, message: str, guide: Guide, screen: str = "") -> Problem:
    return Problem("error", rule, message, guide.lang, guide.id, screen)


def forbidden_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """Whole words, and "-stem" entries inside any word (``-fite`` finds ``bafite``)."""
    alternatives = "|".join(
        rf"\w*{re.escape(word[1:])}\w*" if word.startswith("-") else re.escape(word)
        for word in sorted(words, key=len, reverse=True)
    )
    if not alternatives:
        return None
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def forbidden_fix(word: str, fixes: Mapping[str, str | None]) -> str | None:
    """The spelling to write instead of ``word``, if the glossary gives one."""
    folded = word.casefold()
    if folded in fixes:
        return fixes[folded]
    for stem, fix in fixes.items():
        if stem.startswith("-") and stem[1:] in folded:
            return folded.replace(stem[1:], (fix or "-").lstrip("-"))
    return None


def forbidden_words(text: str, glossary: Glossary, lang: str) -> list[tuple[str, str | None]]:
    """Each forbidden spelling in ``text`` once, with the spelling to use instead."""
    fixes = glossary.forbidden.get(lang, {})
    pattern = forbidden_pattern(fixes)
    if pattern is None:
        return []
    found = dict.fromkeys(match.group(0) for match in pattern.finditer(text))
    return [(word, forbidden_fix(word, fixes)) for word in found]


# Prompts, italics and quoted speech (the HTML writes a straight quote as &quot;).
_QUOTED = re.compile(
    r"<blockquote>.*?</blockquote>|<i>.*?</i>|&quot;.*?&quot;|[«\"“].*?[»\"”]", re.S
)


def check_address(guide: Guide, words: Sequence[str]) -> list[Problem]:
    """The guides speak to both facilitators; prompts and quoted speech may address one person."""
    if not words:
        return []
    pattern = re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, words))})(?!\w)", re.IGNORECASE)
    problems = []
    for screen in guide.screens:
        spoken_to_facilitators = plain_text(_QUOTED.sub(" ", screen.html))
        for word in dict.fromkeys(m.group(0) for m in pattern.finditer(spoken_to_facilitators)):
            problems.append(
                _error(
                    "address",
                    f"{word!r} speaks to one facilitator; the guides speak to both (plural)",
                    guide,
                    screen.key,
                )
            )
    return problems


def forbidden_in(
    text: str,
    pattern: re.Pattern[str],
    fixes: Mapping[str, str | None],
    guide: Guide,
    screen: str,
) -> list[Problem]:
    problems = []
    for word in dict.fromkeys(match.group(0) for match in pattern.finditer(text)):
        fix = forbidden_fix(word, fixes)
        advice = f" (write {fix!r})" if fix else ""
        problems.append(
            _error("forbidden", f"{word!r} is not {guide.lang} spelling{advice}", guide, screen)
        )
    return problems
