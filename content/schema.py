"""What a guide is: the ids, kinds, phases and screens a guide may have, and the parsed form.

The authoring format is described in ``content/README.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from content.telegram_html import plain_text

GUIDES_DIR = Path(__file__).resolve().parent / "guides"

# Order in which a missing guide is looked for in other languages (after the requested fallback).
FALLBACK_ORDER = ("fr", "en", "rn")
KINDS = ("preparation", "week", "reference")
PHASES = ("preparation", "safety", "trust", "care", "respect", "orientation", "memory", "closing")
WEEK_COUNT = 15
FRONT_MATTER_FIELDS = ("id", "kind", "week", "phase", "title")
# The language every guide is written in first; the others translate it (content/README.md).
SOURCE_LANG = "en"
# How long a meeting lasts; every week's plan adds up to it (content/plans/).
MEETING_MINUTES = 180
# A screen too long for one phone screen continues on "<key>-2", right after it.
CONTINUATION = "-2"
# Screens that may continue that way in a weekly guide (reference guides: any screen).
WEEK_CONTINUED = ("game", "activity", "watch")

PREPARATION_ID = "preparation"
WEEK_IDS = tuple(f"week-{number:02d}" for number in range(1, WEEK_COUNT + 1))
REFERENCE_IDS = (
    "phases",
    "principles",
    "problem-areas",
    "agreements",
    "referral-selfcare",
    "self-help-group",
)
GUIDE_IDS = (PREPARATION_ID, *WEEK_IDS, *REFERENCE_IDS)

WEEK_SCREENS = (
    "objectives",
    "opening",
    "game",
    "reportback",
    "activity",
    "watch",
    "closing",
    "record",
)
PREPARATION_SCREENS = ("overview", "context", "mapping", "recruitment", "consent", "referral")
REFERENCE_SCREENS: Mapping[str, tuple[str, ...]] = {
    "problem-areas": (
        "overview",
        "returnees",
        "land",
        "violence",
        "upbringing",
        "women",
        "beliefs",
    ),
    "phases": ("overview", "safety", "trust", "care", "respect", "orientation", "memory"),
    "principles": (
        "overview",
        "interest",
        "equality",
        "democracy",
        "participation",
        "responsibility",
        "learning",
    ),
}
PROMPT_SCREEN = "activity"

WEEK_ID = re.compile(r"week-(\d{2})")


@dataclass(frozen=True)
class Issue:
    """A mistake in a guide file, found while parsing it."""

    rule: str
    message: str
    screen: str = ""


@dataclass(frozen=True)
class Screen:
    """What the bot shows at once: one titled stretch of a guide, as Telegram HTML."""

    key: str
    title: str
    html: str
    plain_length: int
    prompts: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    # What the translations must share with the source: the sequence of blocks ("p", "ul3",
    # "ol4", "q2"), the numbers written in digits (sorted), and bold labels opening list items.
    shape: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    # The version of the text (a hash of what the reader sees), and, in a translation, the version
    # of the source screen it translates (written on the key line: {#key source=...}).
    version: str = ""
    source: str = ""
    # Made by the bot from language-neutral data (the week's plan), not written in the file: it is
    # neither translated nor reviewed as text, and the structure rules skip it.
    generated: bool = False

    @property
    def text(self) -> str:
        """The screen as the reader sees it, without tags."""
        return plain_text(self.html)


@dataclass(frozen=True)
class Guide:
    """One guide in one language."""

    id: str
    kind: str
    week: int | None
    phase: str | None
    title: str
    screens: tuple[Screen, ...]
    path: Path
    lang: str = ""
    issues: tuple[Issue, ...] = field(default=(), compare=False)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(screen.key for screen in self.screens)

    def screen(self, key: str) -> Screen | None:
        """The screen with this key, or None."""
        return next((screen for screen in self.screens if screen.key == key), None)


def expected_kind(guide_id: str) -> str:
    """The kind a guide must have, judged by its file name."""
    if guide_id == PREPARATION_ID:
        return "preparation"
    return "week" if WEEK_ID.fullmatch(guide_id) else "reference"


def required_screens(guide_id: str) -> tuple[str, ...] | None:
    """The screen keys a guide must have, in order, or None where the keys are free."""
    kind = expected_kind(guide_id)
    if kind == "week":
        return WEEK_SCREENS
    if kind == "preparation":
        return PREPARATION_SCREENS
    return REFERENCE_SCREENS.get(guide_id)


def base_key(key: str) -> str:
    """``activity-2`` -> ``activity``: a continuation screen belongs to the screen before it."""
    return key.removesuffix(CONTINUATION)


def may_continue(guide_id: str, key: str) -> bool:
    """Whether screen ``key`` of this guide may continue on ``<key>-2``."""
    kind = expected_kind(guide_id)
    if kind == "week":
        return key in WEEK_CONTINUED
    return kind == "reference"


def split_target(target: str) -> tuple[str, str | None]:
    """``week-07#watch`` -> ``("week-07", "watch")``; ``week-05`` -> ``("week-05", None)``."""
    guide_id, _, key = target.partition("#")
    return guide_id, key or None


def sort_key(guide_id: str) -> tuple[int, str]:
    """Preparation, the weeks, the reference guides of content/README.md, then any others."""
    try:
        return GUIDE_IDS.index(guide_id), ""
    except ValueError:
        return len(GUIDE_IDS), guide_id


@dataclass(frozen=True)
class Problem:
    """One finding of the check."""

    severity: str  # "error" or "warning"
    rule: str
    message: str
    lang: str = ""
    guide: str = ""
    screen: str = ""

    def __str__(self) -> str:
        where = f"{self.lang}/{self.guide}.md" if self.lang and self.guide else self.lang
        if self.screen:
            where += f" {{#{self.screen}}}"
        text = f"{self.message} [{self.rule}]"
        return f"{where}: {text}" if where else text
