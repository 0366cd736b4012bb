"""The meeting guides: Markdown files in ``guides/<lang>/`` parsed into screens.

The authoring format is described in ``content/README.md``. Parsing is lenient: a guide with
mistakes still loads (so the bot keeps working), and every mistake is kept in ``Guide.issues``
for the content check to report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import cache
from pathlib import Path

from content.parsing import load_guide, new_markdown, parse_guide
from content.plans import PLAN_AFTER, Plan, load_plans, plan_screen
from content.schema import (
    FALLBACK_ORDER,
    GUIDE_IDS,
    GUIDES_DIR,
    KINDS,
    PHASES,
    PREPARATION_ID,
    PREPARATION_SCREENS,
    PROMPT_SCREEN,
    REFERENCE_IDS,
    REFERENCE_SCREENS,
    SOURCE_LANG,
    WEEK_COUNT,
    WEEK_IDS,
    WEEK_SCREENS,
    Guide,
    Issue,
    Screen,
    expected_kind,
    required_screens,
    sort_key,
    split_target,
)
from locales import LANGUAGES

__all__ = [
    "FALLBACK_ORDER",
    "GUIDES_DIR",
    "GUIDE_IDS",
    "KINDS",
    "LANGUAGES",
    "PHASES",
    "PREPARATION_ID",
    "PREPARATION_SCREENS",
    "PROMPT_SCREEN",
    "REFERENCE_IDS",
    "REFERENCE_SCREENS",
    "SOURCE_LANG",
    "WEEK_COUNT",
    "WEEK_IDS",
    "WEEK_SCREENS",
    "Guide",
    "Issue",
    "Library",
    "Screen",
    "default_library",
    "expected_kind",
    "load_guide",
    "new_markdown",
    "parse_guide",
    "required_screens",
    "sort_key",
    "split_target",
]


class Library:
    """All guides in all languages, loaded once and then only read."""

    def __init__(self, guides: Iterable[Guide], root: Path | None = None) -> None:
        self.root = root
        by_lang: dict[str, dict[str, Guide]] = {}
        for guide in guides:
            by_lang.setdefault(guide.lang, {})[guide.id] = guide
        self._by_lang = {
            lang: dict(sorted(found.items(), key=lambda item: sort_key(item[0])))
            for lang, found in by_lang.items()
        }

    @classmethod
    def load(cls, directory: Path | str | None = None) -> Library:
        """Load ``<directory>/<lang>/*.md`` for every language (default: content/guides)."""
        root = Path(directory) if directory is not None else GUIDES_DIR
        plans = load_plans(root.parent / "plans")
        guides = [
            with_plan(load_guide(path, lang), plans)
            for lang in LANGUAGES
            for path in sorted((root / lang).glob("*.md"))
        ]
        return cls(guides, root)

    def guides(self, lang: str) -> tuple[Guide, ...]:
        """The guides written in ``lang`` (no fallback), in guide order."""
        return tuple(self._by_lang.get(lang, {}).values())

    def get(self, lang: str, guide_id: str) -> Guide | None:
        """The guide in exactly this language, or None."""
        return self._by_lang.get(lang, {}).get(guide_id)

    def guide(self, lang: str, guide_id: str, fallback: str = "fr") -> tuple[Guide, bool]:
        """The guide in ``lang``, else in ``fallback``, else fr, en, rn.

        Returns the guide and whether it fell back to another language. Raises KeyError when no
        language has it.
        """
        for candidate in dict.fromkeys((lang, fallback, *FALLBACK_ORDER)):
            found = self.get(candidate, guide_id)
            if found is not None:
                return found, candidate != lang
        raise KeyError(guide_id)

    def guide_ids(self) -> tuple[str, ...]:
        """Every guide id found in any language, in guide order."""
        ids = {guide_id for found in self._by_lang.values() for guide_id in found}
        return tuple(sorted(ids, key=sort_key))

    def weeks(self, lang: str) -> tuple[Guide, ...]:
        """The weekly guides in ``lang``, falling back per guide; ``Guide.lang`` tells which."""
        return self._with_fallback(lang, "week")

    def reference(self, lang: str) -> tuple[Guide, ...]:
        """The reference guides in ``lang``, falling back per guide, in content/README.md order."""
        return self._with_fallback(lang, "reference")

    def _with_fallback(self, lang: str, kind: str) -> tuple[Guide, ...]:
        return tuple(
            self.guide(lang, guide_id)[0]
            for guide_id in self.guide_ids()
            if expected_kind(guide_id) == kind
        )


def with_plan(guide: Guide, plans: Mapping[str, Plan]) -> Guide:
    """A week with its timed plan shown as a screen after its objectives, if it has a plan."""
    plan = plans.get(guide.id)
    if guide.kind != "week" or plan is None or PLAN_AFTER not in guide.keys:
        return guide
    at = guide.keys.index(PLAN_AFTER) + 1
    screens = (*guide.screens[:at], plan_screen(plan, guide.lang), *guide.screens[at:])
    return replace(guide, screens=screens)


@cache
def default_library() -> Library:
    """The library of content/guides, loaded on first use and then shared."""
    return Library.load()
