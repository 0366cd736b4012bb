"""A complete, valid one-curriculum library of guides, written into a temporary folder for tests.

Every guide in every language, with made-up words so that no two weeks look alike; the same blocks,
numbers and links in every language; record screens that ask only for fields the bot takes; a plan
for each week in ``<tmp>/plans``; and the French and Kirundi translations stamped with the version
of the English screen they translate. Tests copy it, break one thing, and assert that exactly that
is reported.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from content.alignment import check_alignment, field_labels, stamp
from content.check import BOT_SCREENS, Problem, load_glossary
from content.guides import (
    GUIDE_IDS,
    LANGUAGES,
    SOURCE_LANG,
    WEEK_IDS,
    Guide,
    Library,
    expected_kind,
    parse_guide,
    required_screens,
)
from content.rules import check_library

SYLLABLES = [consonant + vowel for consonant in "bdgkmnprst" for vowel in "aeiou"]
PHASES = {1: "safety", 3: "trust", 5: "care", 8: "respect", 11: "orientation", 13: "memory"}
TRANSLATIONS = tuple(lang for lang in LANGUAGES if lang != SOURCE_LANG)
# The screens of a guide whose keys are free: these, with the keys the bot's code opens in it
# (agreements#never, the referral screens) between them.
FREE_KEYS = ("overview", "steps")
# What every week's record screen asks for (content/fields.yaml).
RECORD_FIELDS = ("date", "attendance")
PLAN: dict[str, Any] = {
    "parts": [
        {"part": "opening", "minutes": 20, "lead": "first"},
        {"part": "game", "minutes": 20, "lead": "second"},
        {"part": "reportback", "minutes": 25, "lead": "first"},
        {"part": "activity", "minutes": 60, "lead": "both"},
        {"part": "food", "minutes": 35, "lead": "both"},
        {"part": "closing", "minutes": 20, "lead": "second"},
    ],
    "food": {"en": "Share beans.", "fr": "Partagez des haricots.", "rn": "Musangire ibiharage."},
    "materials": [{"en": "paper", "fr": "du papier", "rn": "urupapuro"}],
    "split": False,
}

Found = tuple[str, str, str, str, str]


def words(rng: random.Random, count: int) -> str:
    return " ".join(
        "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))) for _ in range(count)
    )


def phase_of(week: int) -> str:
    if week == 15:
        return "closing"
    return PHASES[max(start for start in PHASES if start <= week)]


def screen_keys(guide_id: str) -> tuple[str, ...]:
    required = required_screens(guide_id)
    if required is not None:
        return required
    opened = sorted(key for target, _, key in map(_split, BOT_SCREENS) if target == guide_id)
    return (FREE_KEYS[0], *opened, *FREE_KEYS[1:])


def _split(target: str) -> tuple[str, str, str]:
    return target.partition("#")


def record_body(lang: str, rng: random.Random) -> str:
    """A record screen whose bullets open with field labels of content/fields.yaml."""
    labels = {field: label for label, field in field_labels()[lang].items()}
    colon = " :" if lang == "fr" else ":"
    items = [f"- **{labels[field]}**{colon} {words(rng, 6)}" for field in RECORD_FIELDS]
    return f"{words(rng, 30)}.\n\n" + "\n".join(items)


def default_bodies(lang: str, guide_id: str) -> dict[str, str]:
    """Screens of the valid library that are not made-up words alone."""
    if guide_id == "preparation":
        # The meeting's length, which every plan adds up to, and the glossary's key terms.
        rng = random.Random(lang)
        return {"overview": f"{words(rng, 20)} 180 {key_terms(lang)}."}
    if guide_id == "week-01":
        return {"objectives": "See [the activity of week 2](week-02#activity) first."}
    return {}


def guide_source(lang: str, guide_id: str, bodies: Mapping[str, str] | None = None) -> str:
    """A valid guide file, without stamps; ``bodies`` replaces the text of some screens."""
    bodies = {**default_bodies(lang, guide_id), **(bodies or {})}
    rng = random.Random(f"{lang}/{guide_id}")
    kind = expected_kind(guide_id)
    meta = [f"id: {guide_id}", f"kind: {kind}"]
    if kind == "week":
        week = int(guide_id.removeprefix("week-"))
        meta += [f"week: {week}", f"phase: {phase_of(week)}"]
    elif kind == "preparation":
        meta.append("phase: preparation")
    meta.append(f"title: {words(rng, 3)}")
    parts = ["---", *meta, "---", ""]
    for key in screen_keys(guide_id):
        body = f"{words(rng, 30)}.\n\n- {words(rng, 6)}\n- {words(rng, 6)}"
        if key == "activity":
            body += "".join(f"\n\n> {words(rng, 7)}?" for _ in range(3))
        if key == "record" and kind == "week":
            body = record_body(lang, rng)
        if key in bodies:
            body = bodies[key]
        parts += [f"{{#{key}}}", f"## {key.title()} {words(rng, 2)}", "", body, ""]
    return "\n".join(parts)


def key_terms(lang: str) -> str:
    return " ".join(
        term.stems(lang)[0] for term in load_glossary().terms if term.key_term and term.stems(lang)
    )


def write(root: Path, lang: str, guide_id: str, text: str) -> None:
    (root / lang).mkdir(parents=True, exist_ok=True)
    (root / lang / f"{guide_id}.md").write_text(text, encoding="utf-8")


def write_guide(root: Path, lang: str, guide_id: str, **bodies: str) -> None:
    """Write a guide with some screens replaced; a translation is stamped as up to date."""
    write(root, lang, guide_id, guide_source(lang, guide_id, bodies))
    if lang != SOURCE_LANG:
        stamp(load(root), lang, [guide_id])


def edit(root: Path, lang: str, guide_id: str, old: str, new: str, *, stamped: bool = True) -> None:
    """Replace ``old`` (which must be there, once) by ``new`` in a guide file."""
    path = root / lang / f"{guide_id}.md"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (old, path)
    path.write_text(text.replace(old, new), encoding="utf-8")
    if stamped and lang != SOURCE_LANG:
        stamp(load(root), lang, [guide_id])


def reword(root: Path, lang: str, guide_id: str, key: str, word: str = "kukuru") -> None:
    """Change a screen's words without changing its blocks, numbers or links (no stamp)."""
    path = root / lang / f"{guide_id}.md"
    text = path.read_text(encoding="utf-8")
    heading = re.search(rf"^\{{#{re.escape(key)}( source=[0-9a-f]+)?\}}\n## [^\n]*\n\n", text, re.M)
    assert heading is not None, (path, key)
    path.write_text(f"{text[: heading.end()]}{word} {text[heading.end() :]}", encoding="utf-8")


def stamp_translations(root: Path, targets: Iterable[str] = ()) -> None:
    """Stamp every translation as translating the English text as it is now."""
    library = load(root)
    for lang in TRANSLATIONS:
        stamp(library, lang, list(targets))


def plans_dir(root: Path) -> Path:
    """Where Library.load and the check look for the plans of the guides in ``root``."""
    return root.parent / "plans"


def write_plan(root: Path, week_id: str, plan: Mapping[str, Any] = PLAN) -> Path:
    path = plans_dir(root) / f"{week_id}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(dict(plan), allow_unicode=True), encoding="utf-8")
    return path


def build_valid_library(root: Path) -> None:
    """Write the valid library into ``root`` (the guides) and ``root/../plans``."""
    for lang in LANGUAGES:
        for guide_id in GUIDE_IDS:
            write(root, lang, guide_id, guide_source(lang, guide_id))
    for week_id in WEEK_IDS:
        write_plan(root, week_id)
    stamp_translations(root)


_parsed: dict[tuple[str, str, str], Guide] = {}


def load(root: Path) -> Library:
    """Library.load without the plan screens, reusing the parse of files a test did not change
    (it saves seconds); each guide keeps its own path, so that stamp writes the right file."""
    found = []
    for lang in LANGUAGES:
        for path in sorted((root / lang).glob("*.md")):
            key = (lang, path.name, path.read_text(encoding="utf-8"))
            if key not in _parsed:
                _parsed[key] = parse_guide(key[2], path=path, lang=lang)
            guide = _parsed[key]
            found.append(guide if guide.path == path else replace(guide, path=path))
    return Library(found, root)


def found(problems: Iterable[Problem]) -> list[Found]:
    return [(p.severity, p.rule, p.lang, p.guide, p.screen) for p in problems]


def rule_problems(root: Path) -> list[Problem]:
    """The rules of content.rules (presence, structure, length, markup, glossary, ...)."""
    return check_library(load(root), load_glossary())


def alignment_problems(root: Path) -> list[Problem]:
    """Translations against the source, plans and record screens (no word floor)."""
    return check_alignment(load(root), word_floor=None)


def problems_of(root: Path) -> list[Found]:
    return found(rule_problems(root))


def all_problems(root: Path) -> list[Problem]:
    return rule_problems(root) + alignment_problems(root)


def everything_of(root: Path) -> list[Found]:
    """What check_library and check_alignment find together, in a stable order."""
    return sorted(found(all_problems(root)))
