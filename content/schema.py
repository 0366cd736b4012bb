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
REVIEW_STATES = ("draft", "reviewed")
WEEK_COUNT = 15
FRONT_MATTER_FIELDS = ("id", "kind", "week", "phase", "title", "review")

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
    review: str
    screens: tuple[Screen, ...]
    path: Path
    lang: str = ""
    issues: tuple[Issue, ...] = field(default=(), compare=False)

    @property
    def reviewed(self) -> bool:
        return self.review == "reviewed"

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
