"""What a reviewer reviews: every guide screen and interface string of a language, with versions.

A review record (models/reviews.py) names an item by its key, and holds the version of the source
text and of the translation it saw. An item counts as reviewed only while both versions are still
the ones approved, so an edit of the source or of the translation makes it due again. Safety
screens (violence, referral, consent, what agreements never cover) come first in the queue.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from babel.messages.pofile import read_po

from content.guides import LANGUAGES, SOURCE_LANG, Library, default_library
from content.parsing import text_version
from content.schema import PREPARATION_ID, base_key, expected_kind

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
# Screens whose mistakes could hurt someone: reviewed first, and final only once approved.
SAFETY_GUIDES = ("agreements", "referral-selfcare")
SAFETY_SCREENS = {
    PREPARATION_ID: ("consent", "referral"),
    "problem-areas": ("violence",),
}
SAFETY_WEEK_SCREENS = ("watch",)
# Translator comment ("# unreviewed") marking a translated message no native speaker has checked;
# Poedit and Weblate show it, and unlike `fuzzy` it keeps the string in the compiled catalog.
UNREVIEWED_COMMENT = "unreviewed"


SUGGESTIONS_DIR = Path(__file__).resolve().parent / "suggestions"


@dataclass(frozen=True)
class Proposal:
    """A rewording of existing text proposed by the content maintainer, for a native reviewer."""

    text: str
    suggestion: str
    why: str


def proposals(lang: str, guide_id: str, root: Path = SUGGESTIONS_DIR) -> dict[str, list[Proposal]]:
    """The proposals for one guide in one language, by screen key."""
    path = root / lang / f"{guide_id}.yaml"
    if not path.exists():
        return {}
    found: dict[str, list[Proposal]] = {}
    for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
        if isinstance(entry, dict) and entry.get("screen") and entry.get("suggestion"):
            found.setdefault(str(entry["screen"]), []).append(
                Proposal(
                    str(entry.get("text") or ""),
                    str(entry["suggestion"]),
                    str(entry.get("why") or ""),
                )
            )
    return found


@dataclass(frozen=True)
class ReviewItem:
    """One guide screen or interface string in one language, as a reviewer sees it."""

    key: str  # "week-03#game" for a screen, "ui:<12 hex>" for an interface string
    kind: str  # "screen" or "string"
    lang: str
    guide_id: str
    title: str
    html: str  # the text under review (Telegram HTML for a screen, plain for a string)
    source_html: str  # the source it translates; "" when the item is itself the source
    version: str
    source_version: str
    safety: bool
    # Rewordings proposed for this screen (content/suggestions/<lang>/), waiting for a reviewer.
    proposals: tuple[Proposal, ...] = ()

    @property
    def versions(self) -> tuple[str, str]:
        return self.source_version, self.version


def is_safety_screen(guide_id: str, key: str) -> bool:
    base = base_key(key)
    if guide_id in SAFETY_GUIDES:
        return True
    if expected_kind(guide_id) == "week":
        return base in SAFETY_WEEK_SCREENS
    return base in SAFETY_SCREENS.get(guide_id, ())


def screen_items(library: Library, lang: str) -> list[ReviewItem]:
    items = []
    for guide in library.guides(lang):
        source = library.get(SOURCE_LANG, guide.id)
        proposed = proposals(lang, guide.id)
        for screen in guide.screens:
            if screen.generated:
                continue
            original = source.screen(screen.key) if source and lang != SOURCE_LANG else None
            items.append(
                ReviewItem(
                    key=f"{guide.id}#{screen.key}",
                    kind="screen",
                    lang=lang,
                    guide_id=guide.id,
                    title=screen.title,
                    html=screen.html,
                    source_html=original.html if original else "",
                    version=screen.version,
                    # The source screen is reviewed against itself.
                    source_version=original.version if original else screen.version,
                    safety=is_safety_screen(guide.id, screen.key),
                    proposals=tuple(proposed.get(screen.key, ())),
                )
            )
    return items


def string_key(context: str | None, msgid: str) -> str:
    digest = hashlib.sha256(f"{context or ''}\x04{msgid}".encode()).hexdigest()[:12]
    return f"ui:{digest}"


def string_items(lang: str, locales_dir: Path = LOCALES_DIR) -> list[ReviewItem]:
    """The interface strings translated into ``lang`` (English strings are the source)."""
    if lang == SOURCE_LANG:
        return []
    path = locales_dir / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    items = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = message_strings(message.string)
        text = "\n".join(strings)
        items.append(
            ReviewItem(
                key=string_key(message.context, msgid),
                kind="string",
                lang=lang,
                guide_id="",
                title=msgid[:60],
                html=text,
                source_html=msgid,
                version=text_version(text),
                source_version=text_version(msgid),
                safety=False,
            )
        )
    return items


@cache
def review_items(lang: str) -> tuple[ReviewItem, ...]:
    """Everything to review in ``lang``: safety screens, the other screens, then strings."""
    if lang not in LANGUAGES:
        return ()
    screens = screen_items(default_library(), lang)
    ordered = [item for item in screens if item.safety] + [i for i in screens if not i.safety]
    return tuple(ordered + string_items(lang))


@cache
def item_index(lang: str) -> dict[str, ReviewItem]:
    return {item.key: item for item in review_items(lang)}


def message_strings(value: object) -> list[str]:
    """A message's translation(s): one string, or one per plural form."""
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value] if isinstance(value, tuple | list) else []
