"""The content check: everything programme staff can get wrong in content/, found before the bot.

Run with ``python -m content.check`` (or ``python bot.py content check``). It prints the coverage
table (guide x language x review status), the errors and warnings, and the state of the interface
translations, and exits 1 when there is an error. Warnings never fail the check.
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

from content.glossary import GLOSSARY_PATH, Glossary, Term, load_glossary
from content.guides import (
    GUIDE_IDS,
    LANGUAGES,
    Library,
)
from content.rules import Problem, check_library

CONTENT_DIR = Path(__file__).resolve().parent
LOCALES_DIR = CONTENT_DIR.parent / "locales"
# Translator comment ("# unreviewed") marking a translated message no native speaker has checked.
UNREVIEWED_COMMENT = "unreviewed"

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
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
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
    """Guides x languages, each cell the review status or 'MISSING'."""
    ids = list(dict.fromkeys((*expected, *library.guide_ids())))
    width = max(len(guide_id) for guide_id in ids) + 2
    lines = ["guide".ljust(width) + "".join(lang.ljust(10) for lang in LANGUAGES)]
    for guide_id in ids:
        cells = []
        for lang in LANGUAGES:
            guide = library.get(lang, guide_id)
            cells.append((guide.review if guide else "MISSING").ljust(10))
        lines.append(guide_id.ljust(width) + "".join(cells).rstrip())
    totals = []
    for lang in LANGUAGES:
        reviewed = sum(guide.reviewed for guide in library.guides(lang))
        totals.append(f"{lang} {reviewed}/{len(ids)}")
    lines.append("reviewed: " + ", ".join(totals))
    return "\n".join(lines)


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
    try:
        catalogs = catalog_stats(locales_dir)
    except (OSError, ValueError, PoFileError) as error:
        problems.append(Problem("error", "catalog", f"a messages.po cannot be read: {error}"))
        catalogs = []

    errors = [problem for problem in problems if problem.severity == "error"]
    warnings = [problem for problem in problems if problem.severity == "warning"]
    print("Guides (review status)", file=out)
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
