"""Catalog maintenance with Babel: extract, update, and the staleness check CI runs.

    python -m locales.catalogs update   extract strings and merge them into every .po
    python -m locales.catalogs check    exit 1 when catalogs are stale or rn/fr are incomplete

`pybabel update --check` misreports catalogs that use message contexts, so the check compares
(context, id) pairs itself.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from locales import DOMAIN, LANGUAGES, LOCALES_DIR

ROOT = LOCALES_DIR.parent
POT = LOCALES_DIR / f"{DOMAIN}.pot"
KEYWORDS = ["pgettext:1c,2", "npgettext:1c,2,3", "Np_:1c,2", "in_all_languages:1c,2"]
# Languages whose every message must be translated before CI passes.
REQUIRED = ("rn", "fr")
PLURALS = {"rn": "nplurals=2; plural=(n != 1);", "fr": "nplurals=2; plural=(n > 1);"}


def extract(target: Path) -> None:
    args = [
        "pybabel",
        "-q",
        "extract",
        "-F",
        str(LOCALES_DIR / "babel.cfg"),
        "--no-default-keywords",
        "--add-location=file",
        "--sort-by-file",
        "--project=sociotherapy-bot",
        "--msgid-bugs-address=",
        "-o",
        str(target),
    ]
    for keyword in KEYWORDS:
        args += ["-k", keyword]
    # Relative paths, so the catalogs' location comments are the same on every machine.
    previous = os.getcwd()
    os.chdir(ROOT)
    try:
        CommandLineInterface().run([*args, "."])
    finally:
        os.chdir(previous)


def po_path(lang: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _read(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def _keys(catalog: Catalog) -> set[tuple[str | None, str]]:
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}


def update() -> None:
    extract(POT)
    for lang in LANGUAGES:
        path = po_path(lang)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            CommandLineInterface().run(
                [
                    "pybabel",
                    "-q",
                    "init",
                    "-D",
                    DOMAIN,
                    "-i",
                    str(POT),
                    "-d",
                    str(LOCALES_DIR),
                    "-l",
                    lang,
                ]
            )
        CommandLineInterface().run(
            [
                "pybabel",
                "-q",
                "update",
                "-D",
                DOMAIN,
                "-i",
                str(POT),
                "-d",
                str(LOCALES_DIR),
                "-l",
                lang,
                "--no-fuzzy-matching",
                "--ignore-obsolete",
            ]
        )
        if lang in PLURALS:
            text = path.read_text(encoding="utf-8")
            lines = [
                f'"Plural-Forms: {PLURALS[lang]}\\n"' if line.startswith('"Plural-Forms:') else line
                for line in text.splitlines()
            ]
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def problems() -> list[str]:
    """What makes the catalogs unfit to ship; empty when all is well."""
    found: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh_path = Path(tmp) / "fresh.pot"
        extract(fresh_path)
        fresh = _keys(_read(fresh_path))
    if not POT.exists():
        return ["locales/messages.pot is missing: run python -m locales.catalogs update"]
    committed = _keys(_read(POT))
    if fresh != committed:
        added, gone = len(fresh - committed), len(committed - fresh)
        found.append(
            f"messages.pot is stale ({added} new, {gone} removed strings): "
            "run python -m locales.catalogs update"
        )
    for lang in LANGUAGES:
        path = po_path(lang)
        if not path.exists():
            found.append(f"{lang}: catalog missing")
            continue
        catalog = _read(path, lang)
        keys = _keys(catalog)
        if keys != fresh:
            found.append(f"{lang}: catalog does not match the source strings: run update")
        if lang in REQUIRED:
            for message in catalog:
                if not message.id:
                    continue
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if not all(strings):
                    found.append(f"{lang}: untranslated: {message.context}|{message.id!s:.60}")
                elif message.fuzzy:
                    found.append(f"{lang}: fuzzy: {message.context}|{message.id!s:.60}")
    return found


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        update()
        return 0
    if argv[:1] == ["check"]:
        issues = problems()
        for issue in issues:
            print(issue)
        print("catalogs: ok" if not issues else f"catalogs: {len(issues)} problem(s)")
        return 1 if issues else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
