"""The content check: everything programme staff can get wrong in content/, found before the bot.

Run with ``python -m content.check`` (or ``python bot.py content check``). It prints the
coverage table (guide x language: screens, stale translations), the errors and warnings, and the
state of the interface translations, and exits 1 when there is an error. Warnings never fail
the check.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import yaml
from babel.messages.pofile import PoFileError, read_po

from content.alignment import WORD_FLOOR_PATH, check_alignment
from content.glossary import GLOSSARY_PATH, Glossary, Term, load_glossary
from content.guides import (
    GUIDE_IDS,
    LANGUAGES,
    SOURCE_LANG,
    Library,
)
from content.referrals import REFERRAL_SCREENS, load_directory
from content.review import LOCALES_DIR, UNREVIEWED_COMMENT, message_strings
from content.rules import Problem, check_library
from content.spelling import forbidden_words

CONTENT_DIR = Path(__file__).resolve().parent

__all__ = [
    "GLOSSARY_PATH",
    "CatalogStats",
    "Glossary",
    "Problem",
    "Term",
    "catalog_stats",
    "check_library",
    "coverage_table",
    "load_glossary",
    "run_check",
]


@dataclass(frozen=True)
class CatalogStats:
    """Translation state of one ``locales/<lang>/LC_MESSAGES/messages.po``."""

    lang: str
    path: Path
    total: int
    untranslated: int
    not_reviewed: int


SOURCE_LANGUAGE = "en"


def catalog_stats(locales_dir: Path | str | None = None) -> list[CatalogStats]:
    """Untranslated and not-reviewed counts for each ``<lang>/LC_MESSAGES/messages.po``.

    A message counts as untranslated when any of its forms is empty. A translated message counts
    as not reviewed when it is marked fuzzy, or when it carries the translator comment
    ``# unreviewed`` (the convention for text that a native speaker has not yet checked; the
    reviewer deletes the comment). The header entry is not counted.
    """
    root = Path(locales_dir) if locales_dir is not None else LOCALES_DIR
    stats = []
    for path in sorted(root.glob("*/LC_MESSAGES/messages.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle)
        total = untranslated = not_reviewed = 0
        for message in catalog:
            if not message.id:
                continue
            total += 1
            forms = message_strings(message.string)
            if not all(forms):
                untranslated += 1
            elif message.fuzzy or any(
                comment.strip().casefold() == UNREVIEWED_COMMENT
                for comment in message.user_comments
            ):
                not_reviewed += 1
        stats.append(CatalogStats(path.parent.parent.name, path, total, untranslated, not_reviewed))
    return stats


def coverage_table(library: Library, expected: Sequence[str] = GUIDE_IDS) -> str:
    """Guides x languages: screens, and for a translation how many are stale, or 'MISSING'.

    Review state is not in the files: ``python bot.py content review`` shows it.
    """
    ids = list(dict.fromkeys((*expected, *library.guide_ids())))
    width = max(len(guide_id) for guide_id in ids) + 2
    lines = ["guide".ljust(width) + "".join(lang.ljust(20) for lang in LANGUAGES)]
    for guide_id in ids:
        source = library.get(SOURCE_LANG, guide_id)
        versions = {s.key: s.version for s in source.screens} if source else {}
        cells = []
        for lang in LANGUAGES:
            guide = library.get(lang, guide_id)
            if guide is None:
                cells.append("MISSING".ljust(20))
                continue
            written = [screen for screen in guide.screens if not screen.generated]
            cell = f"{len(written)} screens"
            if lang != SOURCE_LANG:
                stale = sum(versions.get(s.key) != s.source for s in written)
                cell += f", {stale} stale" if stale else ""
            cells.append(cell.ljust(20))
        lines.append(guide_id.ljust(width) + "".join(cells).rstrip())
    return "\n".join(lines)


# Screens the bot's code opens by key: renaming one would break a flow.
BOT_SCREENS = REFERRAL_SCREENS | {"agreements#never", "problem-areas#violence"}


def _screens_the_bot_opens(library: Library) -> list[Problem]:
    problems = []
    for target in sorted(BOT_SCREENS):
        guide_id, _, key = target.partition("#")
        for lang in LANGUAGES:
            guide = library.get(lang, guide_id)
            if guide is not None and guide.screen(key) is None:
                problems.append(
                    Problem(
                        "error",
                        "screens",
                        f"the bot opens {{#{key}}}: keep that key",
                        lang,
                        guide_id,
                    )
                )
    return problems


def catalog_problems(glossary: Glossary, locales_dir: Path | str | None = None) -> list[Problem]:
    """The glossary's forbidden spellings in the interface strings, as in the guides."""
    root = Path(locales_dir) if locales_dir is not None else LOCALES_DIR
    problems = []
    for lang in glossary.forbidden:
        path = root / lang / "LC_MESSAGES" / "messages.po"
        if not path.exists():
            continue
        with path.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if not message.id or not message.string:
                continue
            texts = message_strings(message.string)
            for word, fix in forbidden_words(" ".join(texts), glossary, lang):
                advice = f" (write {fix!r})" if fix else ""
                msgid = message.id if isinstance(message.id, str) else message.id[0]
                problems.append(
                    Problem(
                        "error",
                        "forbidden",
                        f"locales: {word!r} is not {lang} spelling{advice}, in the translation "
                        f"of {msgid[:60]!r}",
                        lang,
                    )
                )
    return problems


def run_check(
    library_dir: Path | str | None = None,
    locales_dir: Path | str | None = None,
    out: TextIO = sys.stdout,
    *,
    glossary_path: Path | str | None = None,
) -> int:
    """Run the whole content check, print its report to ``out``; return the exit code."""
    started = time.perf_counter()
    library = Library.load(library_dir)
    problems: list[Problem] = []
    try:
        glossary = load_glossary(glossary_path)
    except (OSError, yaml.YAMLError, AttributeError) as error:
        problems.append(Problem("error", "glossary", f"glossary.yaml cannot be read: {error}"))
        glossary = Glossary()
    problems += check_library(library, glossary)
    # The word floor belongs to the shipped guides; a library elsewhere (a test's) has none.
    floor = WORD_FLOOR_PATH if library_dir is None else None
    problems += check_alignment(library, word_floor=floor)
    problems += [
        Problem("error", "referrals", f"content/referrals.yaml: {problem}")
        for problem in load_directory().problems
    ]
    problems += _screens_the_bot_opens(library)
    try:
        problems += catalog_problems(glossary, locales_dir)
    except (OSError, ValueError, PoFileError):
        pass  # reported below, where the catalogs are counted
    try:
        catalogs = catalog_stats(locales_dir)
    except (OSError, ValueError, PoFileError) as error:
        problems.append(Problem("error", "catalog", f"a messages.po cannot be read: {error}"))
        catalogs = []

    errors = [problem for problem in problems if problem.severity == "error"]
    warnings = [problem for problem in problems if problem.severity == "warning"]
    print("Guides (screens; translations whose source changed since: stale)", file=out)
    print(coverage_table(library), file=out)
    for title, found in (("Errors", errors), ("Warnings", warnings)):
        if found:
            print(f"\n{title} ({len(found)})", file=out)
            for problem in found:
                print(f"  {problem}", file=out)
    if catalogs:
        print("\nInterface translations (locales)", file=out)
        for stats in catalogs:
            if stats.lang == SOURCE_LANGUAGE:
                # The English text is the message id itself; an empty translation shows it.
                print(f"  {stats.lang}: {stats.total} messages (source language)", file=out)
                continue
            print(
                f"  {stats.lang}: {stats.total} messages, {stats.untranslated} untranslated, "
                f"{stats.not_reviewed} fuzzy or not reviewed",
                file=out,
            )
    guides = sum(len(library.guides(lang)) for lang in LANGUAGES)
    elapsed = time.perf_counter() - started
    print(
        f"\n{len(errors)} errors, {len(warnings)} warnings; "
        f"{guides} guide files checked in {elapsed:.2f} s",
        file=out,
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(run_check())
