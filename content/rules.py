"""The rules the content check applies to the guides: presence, structure, length, markup, links,
prompts, forbidden spellings, glossary terms, weeks copied from each other."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from difflib import SequenceMatcher

from content.glossary import Glossary
from content.guides import (
    GUIDE_IDS,
    LANGUAGES,
    PROMPT_SCREEN,
    Guide,
    Library,
    expected_kind,
    required_screens,
    split_target,
)
from content.schema import CONTINUATION, Problem, base_key, may_continue
from content.spelling import check_address, forbidden_in, forbidden_pattern
from content.telegram_html import validate_html

MAX_SCREEN_CHARS = 1500
MIN_PROMPTS = 3
MAX_SIMILARITY = 0.7

_WORD = re.compile(r"\w+")


def check_library(
    library: Library, glossary: Glossary, expected: Sequence[str] = GUIDE_IDS
) -> list[Problem]:
    """Every rule of the content check applied to ``library``; see content/README.md."""
    problems: list[Problem] = []
    problems += _check_presence(library, expected)
    for lang in LANGUAGES:
        forbidden = forbidden_pattern(glossary.forbidden.get(lang, {}))
        for guide in library.guides(lang):
            problems += _check_guide(library, guide, forbidden, glossary.forbidden.get(lang, {}))
            problems += check_address(guide, glossary.address.get(lang, ()))
        problems += _check_similarity(library.guides(lang))
        problems += _check_terms(library.guides(lang), lang, glossary)
    problems += _check_free_keys(library)
    return problems


def _error(rule: str, message: str, guide: Guide | None = None, screen: str = "") -> Problem:
    if guide is None:
        return Problem("error", rule, message)
    return Problem("error", rule, message, guide.lang, guide.id, screen)


def _check_presence(library: Library, expected: Sequence[str]) -> list[Problem]:
    problems = []
    for guide_id in dict.fromkeys((*expected, *library.guide_ids())):
        if guide_id not in expected:
            problems.append(
                Problem(
                    "warning",
                    "missing",
                    f"{guide_id}.md is not one of the guides listed in content/README.md; "
                    f"the bot shows it as a {expected_kind(guide_id)} guide",
                )
            )
        missing = [lang for lang in LANGUAGES if library.get(lang, guide_id) is None]
        for lang in missing:
            problems.append(Problem("error", "missing", "the file is missing", lang, guide_id))
    return problems


def _check_guide(
    library: Library,
    guide: Guide,
    forbidden: re.Pattern[str] | None,
    fixes: Mapping[str, str | None],
) -> list[Problem]:
    problems = [_error(issue.rule, issue.message, guide, issue.screen) for issue in guide.issues]
    required = required_screens(guide.id)
    main_keys = tuple(
        screen.key
        for screen in guide.screens
        if not screen.generated and not screen.key.endswith(CONTINUATION)
    )
    if required is not None and main_keys != required:
        problems.append(_error("screens", _key_difference(main_keys, required), guide))
    problems += _check_continuations(guide)
    if forbidden is not None:
        problems += forbidden_in(guide.title, forbidden, fixes, guide, "")
    for screen in guide.screens:
        if screen.plain_length > MAX_SCREEN_CHARS:
            problems.append(
                _error(
                    "length",
                    f"{screen.plain_length} characters; a screen holds at most "
                    f"{MAX_SCREEN_CHARS}: split it or shorten it",
                    guide,
                    screen.key,
                )
            )
        for message in validate_html(screen.html):
            problems.append(_error("html", f"Telegram would refuse: {message}", guide, screen.key))
        for target in screen.links:
            message = _broken_link(library, guide.lang, target)
            if message:
                problems.append(_error("link", message, guide, screen.key))
        if forbidden is not None:
            problems += forbidden_in(screen.text, forbidden, fixes, guide, screen.key)
    activity = guide.screen(PROMPT_SCREEN)
    prompts = sum(
        len(screen.prompts) for screen in guide.screens if base_key(screen.key) == PROMPT_SCREEN
    )
    if guide.kind == "week" and activity is not None and prompts < MIN_PROMPTS:
        problems.append(
            _error(
                "prompts",
                f"{prompts} prompts (quoted lines '> ...'); each week needs at least {MIN_PROMPTS}",
                guide,
                PROMPT_SCREEN,
            )
        )
    return problems


def written_keys(guide: Guide) -> tuple[str, ...]:
    """The keys of the screens written in the file (not the generated plan)."""
    return tuple(screen.key for screen in guide.screens if not screen.generated)


def _check_continuations(guide: Guide) -> list[Problem]:
    """A ``<key>-2`` screen comes right after ``<key>``, and only where a screen may continue."""
    problems = []
    written = [screen for screen in guide.screens if not screen.generated]
    for before, screen in zip((None, *written), written, strict=False):
        if not screen.key.endswith(CONTINUATION):
            continue
        base = base_key(screen.key)
        if before is None or before.key != base:
            problems.append(
                _error("screens", f"{{#{screen.key}}} must come right after {{#{base}}}", guide)
            )
        elif not may_continue(guide.id, base):
            problems.append(
                _error("screens", f"{{#{base}}} may not continue on another screen", guide)
            )
    return problems


def _key_difference(found: Sequence[str], required: Sequence[str]) -> str:
    missing = [key for key in required if key not in found]
    extra = [key for key in found if key not in required]
    details = []
    if missing:
        details.append("missing " + ", ".join(missing))
    if extra:
        details.append("unexpected " + ", ".join(extra))
    if not details:
        details.append("found in the order " + ", ".join(found))
    return f"screens must be {', '.join(required)} in this order: {'; '.join(details)}"


def _broken_link(library: Library, lang: str, target: str) -> str:
    guide_id, key = split_target(target)
    if guide_id not in library.guide_ids():
        return f"link ({target}): there is no guide {guide_id!r}"
    if key is None:
        return ""
    linked, _ = library.guide(lang, guide_id)
    if linked.screen(key) is None:
        return f"link ({target}): {guide_id} has no screen {{#{key}}}"
    return ""


def _check_similarity(guides: Sequence[Guide]) -> list[Problem]:
    """Screens of different weeks that are more than 70% alike: a copied week, not a new one.

    The ratio is difflib's, computed on words rather than characters: on characters, difflib
    treats every letter that makes up more than 1% of a text over 200 characters as junk (so
    copies score low), and without that heuristic it is quadratic. quick_ratio's bound (shared
    words regardless of order) rules out most pairs before the real comparison.
    """
    screens = [
        (guide, screen.key, _WORD.findall(screen.text.casefold()))
        for guide in guides
        if guide.kind == "week"
        for screen in guide.screens
        if not screen.generated
    ]
    # Each word's n-th occurrence as its own element: a set intersection (in C) then counts the
    # words two screens share, repeats included, which is the numerator of quick_ratio.
    bags = [
        frozenset((word, n) for word, count in Counter(words).items() for n in range(count))
        for _, _, words in screens
    ]
    problems = []
    for i, (guide_a, key_a, words_a) in enumerate(screens):
        matcher: SequenceMatcher[str] | None = None
        for j in range(i + 1, len(screens)):
            guide_b, key_b, words_b = screens[j]
            if guide_b.id == guide_a.id:
                continue
            total = len(words_a) + len(words_b)
            if not total or 2 * min(len(words_a), len(words_b)) / total <= MAX_SIMILARITY:
                continue  # real_quick_ratio: the lengths alone are too different
            if 2 * len(bags[i] & bags[j]) / total <= MAX_SIMILARITY:
                continue  # quick_ratio
            if matcher is None:
                matcher = SequenceMatcher(None, autojunk=False)
                matcher.set_seq2(words_a)
            matcher.set_seq1(words_b)
            ratio = matcher.ratio()
            if ratio > MAX_SIMILARITY:
                problems.append(
                    _error(
                        "similar",
                        f"{ratio:.0%} the same as {guide_a.id} {{#{key_a}}}: "
                        "write this week's own text",
                        guide_b,
                        key_b,
                    )
                )
    return problems


def _check_terms(guides: Sequence[Guide], lang: str, glossary: Glossary) -> list[Problem]:
    if not guides:
        return []
    text = "\n".join(
        part.casefold()
        for guide in guides
        for part in (guide.title, *(screen.text for screen in guide.screens))
    )
    problems = []
    for term in glossary.terms:
        stems = term.stems(lang)
        if term.key_term and stems and not any(stem in text for stem in stems):
            problems.append(
                Problem(
                    "warning",
                    "glossary",
                    f"the glossary term for {term.key!r} ({term.names.get(lang)}) "
                    "never appears in the guides",
                    lang,
                )
            )
    return problems


def _check_free_keys(library: Library) -> list[Problem]:
    """Guides without a fixed list of screens must still have the same keys in every language."""
    problems = []
    for guide_id in library.guide_ids():
        if required_screens(guide_id) is not None:
            continue
        versions = [g for lang in LANGUAGES if (g := library.get(lang, guide_id)) is not None]
        for other in versions[1:]:
            if written_keys(other) != written_keys(versions[0]):
                problems.append(
                    _error(
                        "screens",
                        f"screen keys {', '.join(written_keys(other))} differ from the "
                        f"{versions[0].lang} version's {', '.join(written_keys(versions[0]))}",
                        other,
                    )
                )
    return problems
