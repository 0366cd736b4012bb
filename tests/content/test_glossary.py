"""The glossary in the check: forbidden Kirundi spellings (whole words and stems) in the guides and
in the interface catalogs, and the one form of address of the Kirundi guides."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from content.check import catalog_problems, load_glossary, run_check
from tests.content.library import all_problems, everything_of, found, write_guide

LIST = "\n\n- kamu reto\n- siba gonu"
ACTIVITY = "Kamu reto.\n\n- kamu\n- reto\n\n> {}\n\n> siba gonu?\n\n> diro?"


def messages(root: Path) -> list[str]:
    return [problem.message for problem in all_problems(root)]


@pytest.mark.parametrize(
    ("text", "word", "fix"),
    [
        ("Ni vyiza cyane.", "cyane", "cane"),
        ("Abantu bafite ingorane.", "bafite", "bafise"),  # the stem -fite, inside a word
        ("Afite terefone.", "Afite", "afise"),
        ("Ibyo ni vyiza.", "Ibyo", "ivyo"),
        ("Mufyonde, ntimukande kanda.", "kanda", "fyonda"),
    ],
)
def test_a_forbidden_kirundi_spelling_in_a_guide(
    guides: Path, text: str, word: str, fix: str
) -> None:
    write_guide(guides, "rn", "week-11", closing=text + LIST)
    assert everything_of(guides) == [("error", "forbidden", "rn", "week-11", "closing")]
    assert messages(guides) == [f"{word!r} is not rn spelling (write {fix!r})"]


@pytest.mark.parametrize(
    "text",
    [
        "Hano ni heza, ng'aha.",  # Kirundi too: not a Kinyarwanda spelling
        "Abantu bafise ingorane, ivyo ni vyiza cane.",
        "Mubaze uwo mwicaranye.",  # the plural address
    ],
)
def test_kirundi_the_glossary_allows(guides: Path, text: str) -> None:
    write_guide(guides, "rn", "week-11", closing=text + LIST)
    assert everything_of(guides) == []


def test_the_glossary_is_for_kirundi_only(guides: Path) -> None:
    write_guide(guides, "fr", "week-11", closing="Cyane, bafite, ubaze." + LIST)
    assert everything_of(guides) == []


PO_HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'


def catalog(root: Path, lang: str, entries: str) -> Path:
    path = root / lang / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    path.write_text(PO_HEADER + entries, encoding="utf-8")
    return root


RN_CATALOG = """\
# unreviewed
msgctxt "menu"
msgid "Very good"
msgstr "Ni vyiza cyane"

msgctxt "menu"
msgid "They have a phone"
msgstr "Bafite terefone"

msgctxt "menu"
msgid "Here"
msgstr "Hano"

msgctxt "menu"
msgid "Tap"
msgstr "Fyonda"

msgctxt "menu"
msgid "One session"
msgid_plural "{n} sessions"
msgstr[0] "Inama"
msgstr[1] "Inama {n} canke ibyo"
"""


def test_a_forbidden_kirundi_spelling_in_the_interface(guides: Path, tmp_path: Path) -> None:
    locales = catalog(tmp_path / "locales", "rn", RN_CATALOG)
    problems = catalog_problems(load_glossary(), locales)
    assert found(problems) == [("error", "forbidden", "rn", "", "")] * 3
    assert [problem.message for problem in problems] == [
        "locales: 'cyane' is not rn spelling (write 'cane'), in the translation of 'Very good'",
        "locales: 'Bafite' is not rn spelling (write 'bafise'), in the translation of "
        "'They have a phone'",
        "locales: 'ibyo' is not rn spelling (write 'ivyo'), in the translation of 'One session'",
    ]
    out = io.StringIO()
    assert run_check(guides, locales, out) == 1
    report = out.getvalue()
    assert "  rn: locales: 'cyane' is not rn spelling (write 'cane'), in the translation of " in (
        report
    )
    assert "3 errors, 0 warnings" in report


def test_only_kirundi_catalogs_and_translations_are_checked(tmp_path: Path) -> None:
    locales = catalog(tmp_path / "locales", "fr", 'msgid "Cyane"\nmsgstr "Très bien, cyane"\n')
    catalog(locales, "rn", 'msgid "Ibyo"\nmsgstr "Ivyo"\n\nmsgid "Empty"\nmsgstr ""\n')
    assert catalog_problems(load_glossary(), locales) == []


# --- one form of address ---------------------------------------------------------------------


def test_a_guide_speaking_to_one_facilitator(guides: Path) -> None:
    write_guide(guides, "rn", "week-09", watch="Ubaze umuntu wese ingene ameze." + LIST)
    assert everything_of(guides) == [("error", "address", "rn", "week-09", "watch")]
    assert messages(guides) == [
        "'Ubaze' speaks to one facilitator; the guides speak to both (plural)"
    ]


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("activity", ACTIVITY.format("Ubaze uwo mwicaranye ingene yaraye?")),  # a prompt
        ("watch", "Babwire: *ubaze uwo mwicaranye.*" + LIST),  # italics
        ("watch", "Babwire: «Ubaze uwo mwicaranye.»" + LIST),  # quoted speech
    ],
)
def test_a_participant_may_be_spoken_to_alone(guides: Path, key: str, text: str) -> None:
    write_guide(guides, "rn", "week-09", **{key: text})
    assert everything_of(guides) == []


def test_speech_in_straight_quotes_may_speak_to_one(guides: Path) -> None:
    write_guide(guides, "rn", "week-09", watch='Babwire: "Ubaze uwo mwicaranye."' + LIST)
    assert everything_of(guides) == []
