"""One curriculum in every language: translations checked against the source, plans, records.

English is the source (content/README.md says why). Every translated screen must have the source
screen's shape (the same blocks, list lengths and prompts), the same numbers and the same links,
and records on its key line the version of the source text it translates: ``{#game source=…}``.
When the source changes, the translation is reported stale until it is updated and stamped again
(``python bot.py content stamp``).

``python -m content.alignment [GUIDE ...]`` prints what differs, without the stamps; the full
content check (``python bot.py content check``) includes them.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

import yaml

from content.guides import LANGUAGES, SOURCE_LANG, Guide, Library
from content.plans import Plan, load_plans
from content.rules import Problem
from content.schema import MEETING_MINUTES, PREPARATION_ID, expected_kind

FIELDS_PATH = Path(__file__).resolve().parent / "fields.yaml"
RECORD_SCREEN = "record"
# Word counts of every guide before the languages were made one curriculum: no language may fall
# more than 10% below them (bring each language up, never cut).
WORD_FLOOR_PATH = (
    Path(__file__).resolve().parent.parent / "tests" / "content" / "fixtures" / "words_before.json"
)
WORD_FLOOR_SHARE = 0.9
_WORD = re.compile(r"\w+")
_KEY_LINE = re.compile(r"^\{#([a-z0-9][a-z0-9_-]*)(?:\s+source=[0-9a-f]*)?\}[ \t]*$", re.M)

__all__ = [
    "FIELDS_PATH",
    "check_alignment",
    "field_labels",
    "stamp",
]


@cache
def field_labels(path: Path = FIELDS_PATH) -> dict[str, dict[str, str]]:
    """content/fields.yaml as {lang: {label: field}}."""
    fields = yaml.safe_load(path.read_text(encoding="utf-8"))["fields"]
    return {
        lang: {str(names[lang]).strip(): name for name, names in fields.items()}
        for lang in LANGUAGES
    }


def check_alignment(
    library: Library,
    *,
    ids: Sequence[str] | None = None,
    plans: dict[str, Plan] | None = None,
    stamps: bool = True,
    word_floor: Path | None = WORD_FLOOR_PATH,
) -> list[Problem]:
    """Translations against the source, plans, record screens and the word floor."""
    chosen = list(ids) if ids else list(library.guide_ids())
    if plans is None:
        plans = load_plans(library.root.parent / "plans" if library.root else None)
    problems: list[Problem] = []
    for guide_id in chosen:
        source = library.get(SOURCE_LANG, guide_id)
        if source is None:
            continue
        for lang in LANGUAGES:
            guide = library.get(lang, guide_id)
            if guide is None:
                continue
            if lang != SOURCE_LANG:
                problems += _against_source(guide, source, stamps=stamps)
            if guide.kind == "week":
                problems += _record_screen(guide)
        if expected_kind(guide_id) == "week":
            problems += _plan(guide_id, plans.get(guide_id))
    problems += _meeting_length(library, chosen)
    if word_floor is not None and word_floor.exists():
        problems += _word_floor(library, chosen, word_floor)
    return problems


def _error(rule: str, message: str, guide: Guide, screen: str = "") -> Problem:
    return Problem("error", rule, message, guide.lang, guide.id, screen)


def _against_source(guide: Guide, source: Guide, *, stamps: bool) -> list[Problem]:
    mine = [screen for screen in guide.screens if not screen.generated]
    theirs = [screen for screen in source.screens if not screen.generated]
    if [s.key for s in mine] != [s.key for s in theirs]:
        return [
            _error(
                "structure",
                f"screens {', '.join(s.key for s in mine)} differ from the source's "
                f"{', '.join(s.key for s in theirs)}",
                guide,
            )
        ]
    problems = []
    for screen, original in zip(mine, theirs, strict=True):
        key = screen.key
        if screen.shape != original.shape:
            problems.append(
                _error(
                    "structure",
                    f"blocks {' '.join(screen.shape)} differ from the source's "
                    f"{' '.join(original.shape)} (p paragraph, ulN/olN list of N items, "
                    "qN N quoted lines)",
                    guide,
                    key,
                )
            )
        if Counter(screen.numbers) != Counter(original.numbers):
            problems.append(
                _error(
                    "numbers",
                    f"numbers {' '.join(screen.numbers) or '(none)'} differ from the source's "
                    f"{' '.join(original.numbers) or '(none)'}; write numbers in digits",
                    guide,
                    key,
                )
            )
        if Counter(screen.links) != Counter(original.links):
            problems.append(
                _error(
                    "links",
                    f"links {', '.join(screen.links) or '(none)'} differ from the source's "
                    f"{', '.join(original.links) or '(none)'}",
                    guide,
                    key,
                )
            )
        if stamps and screen.source != original.version:
            what = (
                "records no source version"
                if not screen.source
                else f"translates source version {screen.source}, now {original.version}"
            )
            problems.append(
                _error(
                    "stale",
                    f"{what}: update it from the source, then run "
                    f"'python bot.py content stamp {guide.lang} {guide.id}#{key}'",
                    guide,
                    key,
                )
            )
    return problems


def _record_screen(guide: Guide) -> list[Problem]:
    screen = guide.screen(RECORD_SCREEN)
    if screen is None:
        return []
    known = field_labels()[guide.lang]
    problems = []
    for label in screen.labels:
        if not label:
            problems.append(
                _error(
                    "record",
                    "each item starts with a field the bot takes, in bold "
                    f"({', '.join(known)}): content/fields.yaml",
                    guide,
                    RECORD_SCREEN,
                )
            )
        elif label.rstrip(" :\u00a0") not in known:
            problems.append(
                _error(
                    "record",
                    f"the bot takes no {label!r}; ask only for {', '.join(known)} "
                    "(content/fields.yaml)",
                    guide,
                    RECORD_SCREEN,
                )
            )
    return problems


def _plan(week_id: str, plan: Plan | None) -> list[Problem]:
    if plan is None:
        return [Problem("error", "plan", f"content/plans/{week_id}.yaml is missing")]
    return [Problem("error", "plan", f"content/plans/{week_id}.yaml: {p}") for p in plan.problems]


def _meeting_length(library: Library, chosen: Iterable[str]) -> list[Problem]:
    """The preparation guide states the meeting's length that every plan adds up to."""
    if PREPARATION_ID not in chosen:
        return []
    problems = []
    for lang in LANGUAGES:
        guide = library.get(lang, PREPARATION_ID)
        if guide is not None and not any(
            str(MEETING_MINUTES) in screen.numbers for screen in guide.screens
        ):
            problems.append(
                _error(
                    "plan",
                    f"say how long a meeting lasts ({MEETING_MINUTES} minutes): "
                    "every week's plan adds up to it",
                    guide,
                )
            )
    return problems


def _word_floor(library: Library, chosen: Iterable[str], path: Path) -> list[Problem]:
    before = json.loads(path.read_text(encoding="utf-8"))
    problems = []
    for guide_id in chosen:
        for lang, count in before.get(guide_id, {}).items():
            guide = library.get(lang, guide_id)
            if guide is None:
                continue
            words = guide_words(guide)
            if words < WORD_FLOOR_SHARE * count:
                problems.append(
                    _error(
                        "words",
                        f"{words} words, more than 10% below the {count} it had: "
                        "bring each language up, never cut",
                        guide,
                    )
                )
    return problems


def guide_words(guide: Guide) -> int:
    """Words a reader sees in a guide: its title and every screen."""
    return len(_WORD.findall(guide.title)) + sum(
        len(_WORD.findall(screen.text)) for screen in guide.screens
    )


def stamp(library: Library, lang: str, targets: Sequence[str] = ()) -> list[str]:
    """Record the source's current version on the key lines of ``lang``'s translations.

    ``targets`` are guide ids or ``guide#screen``; none means every guide. Returns what was
    stamped, as ``guide#screen``. A maintainer runs this after bringing a translation up to date.
    """
    if lang == SOURCE_LANG:
        raise ValueError(f"{lang} is the source language: it translates nothing")
    wanted: dict[str, set[str] | None] = {}
    for target in targets:
        guide_id, _, key = target.partition("#")
        if key:
            existing = wanted.setdefault(guide_id, set())
            if existing is not None:
                existing.add(key)
        else:
            wanted[guide_id] = None
    stamped: list[str] = []
    for guide in library.guides(lang):
        source = library.get(SOURCE_LANG, guide.id)
        if source is None or (targets and guide.id not in wanted):
            continue
        versions = {screen.key: screen.version for screen in source.screens}
        keys = wanted.get(guide.id)
        text = guide.path.read_text(encoding="utf-8")
        parts = []
        position = 0
        for match in _KEY_LINE.finditer(text):
            key = match.group(1)
            if key in versions and (keys is None or key in keys):
                parts += [text[position : match.start()], f"{{#{key} source={versions[key]}}}"]
                position = match.end()
                stamped.append(f"{guide.id}#{key}")
        parts.append(text[position:])
        guide.path.write_text("".join(parts), encoding="utf-8")
    return stamped


def main(argv: Sequence[str]) -> int:
    ids = [arg for arg in argv if not arg.startswith("-")]
    library = Library.load()
    problems = check_alignment(library, ids=ids or None, stamps="--stamps" in argv)
    problems += [
        Problem("error", issue.rule, issue.message, guide.lang, guide.id, issue.screen)
        for guide_id in (ids or library.guide_ids())
        for lang in LANGUAGES
        if (guide := library.get(lang, guide_id)) is not None
        for issue in guide.issues
    ]
    for problem in problems:
        print(problem)
    for guide_id in ids or ():
        counts = ", ".join(
            f"{lang} {guide_words(guide)} words"
            for lang in LANGUAGES
            if (guide := library.get(lang, guide_id)) is not None
        )
        print(f"{guide_id}: {counts}")
    print(f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
