"""The interface catalogs are complete and every translated string can be extracted."""

import re
from pathlib import Path

from locales import catalogs

ROOT = Path(__file__).resolve().parents[2]
# Babel cannot see a translation call inside an f-string: such a string never gets translated.
IN_FSTRING = re.compile(r"""\bf(["']).*?\{[^}]*pgettext\(\s*["']""")


def test_catalogs_are_current_and_complete() -> None:
    assert catalogs.problems() == []


def test_no_translation_call_hides_inside_an_f_string() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("conversations", "models", "content")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if IN_FSTRING.search(line)
    ]
    assert found == []
