"""One curriculum: every translated screen against its English source, stamps, record screens,
continuation screens.

Each test breaks one thing in a copy of the valid library (tests/content/library.py) and asserts
that exactly that is reported, where, and in words a maintainer can act on.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from content.alignment import field_labels, stamp
from content.check import coverage_table, run_check
from content.guides import LANGUAGES, Library, parse_guide
from tests.content.library import (
    all_problems,
    edit,
    everything_of,
    guide_source,
    load,
    reword,
    stamp_translations,
    write,
    write_guide,
)


def messages(root: Path) -> list[str]:
    return [problem.message for problem in all_problems(root)]


def key_line(root: Path, lang: str, guide_id: str, key: str) -> str:
    text = (root / lang / f"{guide_id}.md").read_text(encoding="utf-8")
    found = re.search(rf"^\{{#{key}( source=[0-9a-f]+)?\}}$", text, re.M)
    assert found is not None
    return found.group(0)


def test_the_valid_library_is_one_curriculum(guides: Path, tmp_path: Path) -> None:
    assert everything_of(guides) == []
    out = io.StringIO()
    assert run_check(guides, tmp_path / "no-locales", out) == 0, out.getvalue()
    assert "stale" not in coverage_table(load(guides))


def test_what_a_screen_shares_with_its_translations() -> None:
    guide = parse_guide(
        "---\nid: week-03\nkind: week\nweek: 3\nphase: trust\ntitle: T\n---\n\n"
        "{#record source=0123abcdef}\n## Record: week 3\n\nAfter 20 minutes, then 5.\n\n"
        "- **Attendance**: the codes\n- the **rest**\n\n1. one\n2. two\n3. three\n\n"
        "> Who?\n> Why?\n\n[see](week-05)\n",
        path=Path("fr/week-03.md"),
        lang="fr",
    )
    (screen,) = guide.screens
    assert screen.shape == ("p", "ul2", "ol3", "q2", "p")
    # Numbers in digits, title included, sorted as numbers.
    assert screen.numbers == ("1", "2", "3", "3", "5", "20")
    # Every list item, bulleted or numbered: the bold label it opens with, or "".
    assert screen.labels == ("Attendance", "", "", "", "")
    assert screen.links == ("week-05",)
    assert screen.source == "0123abcdef"
    assert screen.version and screen.version != screen.source


# --- blocks, numbers, links ------------------------------------------------------------------


def test_a_translation_with_one_bullet_fewer(guides: Path) -> None:
    write_guide(guides, "rn", "week-05", game="Kamu reto siba.\n\n- gonu diro")
    assert everything_of(guides) == [("error", "structure", "rn", "week-05", "game")]
    assert messages(guides) == [
        "blocks p ul1 differ from the source's p ul2 "
        "(p paragraph, ulN/olN list of N items, qN N quoted lines)"
    ]


def test_a_translation_missing_a_prompt(guides: Path) -> None:
    # The source asks four questions; the Kirundi still has the three it had.
    for lang in ("en", "fr"):
        text = (guides / lang / "week-05.md").read_text(encoding="utf-8")
        start = text.index("{#activity")
        prompt = text.index("\n\n> ", start)
        edit(guides, lang, "week-05", text[start:prompt], text[start:prompt] + "\n\n> Kamu?")
    stamp_translations(guides)
    assert everything_of(guides) == [("error", "structure", "rn", "week-05", "activity")]
    assert messages(guides) == [
        "blocks p ul2 q1 q1 q1 differ from the source's p ul2 q1 q1 q1 q1 "
        "(p paragraph, ulN/olN list of N items, qN N quoted lines)"
    ]


def test_a_prompt_wrapped_differently(guides: Path) -> None:
    # Two prompts in one quote: the same number of lines, but not the same blocks.
    prompts = "Baza:\n\n> kamu reto?\n> siba gonu?\n\n> diro?"
    write_guide(guides, "rn", "week-05", activity=prompts)
    found = everything_of(guides)
    assert found == [("error", "structure", "rn", "week-05", "activity")]


def test_different_numbers(guides: Path) -> None:
    write_guide(guides, "en", "week-06", game="Play for 20 minutes.\n\n- kamu\n- reto")
    write_guide(guides, "fr", "week-06", game="Jouez 30 minutes.\n\n- kamu\n- reto")
    write_guide(guides, "rn", "week-06", game="Mukine iminota 20.\n\n- kamu\n- reto")
    assert everything_of(guides) == [("error", "numbers", "fr", "week-06", "game")]
    assert messages(guides) == ["numbers 30 differ from the source's 20; write numbers in digits"]


def test_a_number_written_in_words(guides: Path) -> None:
    write_guide(guides, "en", "week-06", game="Play for 20 minutes.\n\n- kamu\n- reto")
    write_guide(guides, "fr", "week-06", game="Jouez 20 minutes.\n\n- kamu\n- reto")
    write_guide(guides, "rn", "week-06", game="Mukine iminota mirongo ibiri.\n\n- kamu\n- reto")
    assert everything_of(guides) == [("error", "numbers", "rn", "week-06", "game")]
    assert messages(guides) == [
        "numbers (none) differ from the source's 20; write numbers in digits"
    ]


def test_a_link_missing_in_a_translation(guides: Path) -> None:
    write_guide(guides, "en", "week-07", watch="See [week 2](week-02).\n\n- kamu\n- reto")
    write_guide(guides, "fr", "week-07", watch="Voir [semaine 2](week-02).\n\n- kamu\n- reto")
    write_guide(guides, "rn", "week-07", watch="Raba indwi 2.\n\n- kamu\n- reto")
    assert everything_of(guides) == [("error", "links", "rn", "week-07", "watch")]
    assert messages(guides) == ["links (none) differ from the source's week-02"]


def test_screens_that_differ_from_the_source(guides: Path) -> None:
    source = guide_source("fr", "agreements")
    write(guides, "fr", "agreements", source.replace("{#steps}", "{#etapes}"))
    stamp(load(guides), "fr", ["agreements"])
    found = [p for p in all_problems(guides) if p.rule == "structure"]
    assert [(p.lang, p.guide, p.screen) for p in found] == [("fr", "agreements", "")]
    assert found[0].message.startswith("screens overview, ")
    assert found[0].message.endswith(", etapes differ from the source's overview, never, steps")


# --- stale translations ----------------------------------------------------------------------


def test_an_edit_of_the_source_makes_its_translations_stale_until_stamped(guides: Path) -> None:
    before = {lang: key_line(guides, lang, "week-05", "game") for lang in ("fr", "rn")}
    reword(guides, "en", "week-05", "game")
    assert everything_of(guides) == [
        ("error", "stale", "fr", "week-05", "game"),
        ("error", "stale", "rn", "week-05", "game"),
    ]
    version = load(guides).get("en", "week-05").screen("game").version  # type: ignore[union-attr]
    old = before["fr"].removeprefix("{#game source=").removesuffix("}")
    assert f"translates source version {old}, now {version}: update it from the source, then " in (
        " ".join(messages(guides))
    )
    assert "run 'python bot.py content stamp rn week-05#game'" in " ".join(messages(guides))

    assert stamp(load(guides), "fr", ["week-05#game"]) == ["week-05#game"]
    assert everything_of(guides) == [("error", "stale", "rn", "week-05", "game")]
    assert stamp(load(guides), "rn", ["week-05"]) == [
        f"week-05#{key}"
        for key in load(guides).get("rn", "week-05").keys  # type: ignore[union-attr]
    ]
    assert everything_of(guides) == []
    assert key_line(guides, "rn", "week-05", "game") == f"{{#game source={version}}}"


def test_a_translation_with_no_stamp(guides: Path) -> None:
    line = key_line(guides, "rn", "week-07", "closing")
    edit(guides, "rn", "week-07", line + "\n", "{#closing}\n", stamped=False)
    assert everything_of(guides) == [("error", "stale", "rn", "week-07", "closing")]
    assert messages(guides) == [
        "records no source version: update it from the source, then run "
        "'python bot.py content stamp rn week-07#closing'"
    ]
    stamp(load(guides), "rn", ["week-07#closing"])
    assert key_line(guides, "rn", "week-07", "closing") == line
    assert everything_of(guides) == []


def test_stamp_touches_only_what_it_is_asked_to(guides: Path) -> None:
    for lang in ("fr", "rn"):
        for key in ("game", "watch"):
            line = key_line(guides, lang, "week-08", key)
            edit(guides, lang, "week-08", line + "\n", f"{{#{key}}}\n", stamped=False)
    before = (guides / "fr" / "week-09.md").read_text(encoding="utf-8")
    assert stamp(load(guides), "rn", ["week-08#watch"]) == ["week-08#watch"]
    assert everything_of(guides) == [
        ("error", "stale", "fr", "week-08", "game"),
        ("error", "stale", "fr", "week-08", "watch"),
        ("error", "stale", "rn", "week-08", "game"),
    ]
    assert (guides / "fr" / "week-09.md").read_text(encoding="utf-8") == before
    with pytest.raises(ValueError, match="source language"):
        stamp(load(guides), "en")


def test_the_report_counts_stale_translations(guides: Path, tmp_path: Path) -> None:
    reword(guides, "en", "week-05", "game")
    reword(guides, "en", "week-05", "watch")
    out = io.StringIO()
    assert run_check(guides, tmp_path / "no-locales", out) == 1
    row = next(line for line in out.getvalue().splitlines() if line.startswith("week-05 "))
    assert row.split() == ["week-05", *["8", "screens,", "2", "stale"] * 2, "8", "screens"]
    assert "rn/week-05.md {#watch}: translates source version" in out.getvalue()
    assert "4 errors, 0 warnings" in out.getvalue()


# --- record screens --------------------------------------------------------------------------


def test_every_language_has_the_labels_of_every_field() -> None:
    labels = field_labels()
    assert set(labels) == set(LANGUAGES)
    fields = set(labels["en"].values())
    assert {"date", "attendance", "followups", "note"} <= fields
    assert all(set(by_label.values()) == fields for by_label in labels.values())
    assert labels["fr"]["Présences"] == labels["rn"]["Ukwitaba"] == "attendance"


def test_a_record_bullet_asking_for_what_the_bot_does_not_take(guides: Path) -> None:
    edit(guides, "en", "week-10", "**Attendance**", "**Follow-ups by code**")
    stamp_translations(guides)
    assert everything_of(guides) == [("error", "record", "en", "week-10", "record")]
    (message,) = messages(guides)
    assert message.startswith("the bot takes no 'Follow-ups by code'; ask only for Date, ")
    assert message.endswith(", Self-help group (content/fields.yaml)")


def test_a_record_bullet_with_a_label_of_another_language(guides: Path) -> None:
    edit(guides, "rn", "week-10", "**Ukwitaba**", "**Attendance**")
    assert everything_of(guides) == [("error", "record", "rn", "week-10", "record")]
    assert messages(guides)[0].startswith("the bot takes no 'Attendance'; ask only for Itariki, ")


def test_a_record_bullet_with_no_label(guides: Path) -> None:
    edit(guides, "fr", "week-11", "- **Présences** :", "- Présences :")
    assert everything_of(guides) == [("error", "record", "fr", "week-11", "record")]
    (message,) = messages(guides)
    assert message.startswith("each item starts with a field the bot takes, in bold (Date, ")
    assert message.endswith("): content/fields.yaml")


def test_a_record_label_may_hold_its_colon(guides: Path) -> None:
    edit(guides, "en", "week-11", "**Attendance**:", "**Attendance:**")
    stamp_translations(guides)
    assert everything_of(guides) == []


# --- continuation screens --------------------------------------------------------------------


def continue_screen(root: Path, guide_id: str, after: str, key: str) -> None:
    """Insert screen ``key`` (two prompts and a paragraph) right after screen ``after``, in every
    language, and stamp the translations."""
    for lang in LANGUAGES:
        text = (root / lang / f"{guide_id}.md").read_text(encoding="utf-8")
        start = text.index(f"{{#{after}")
        end = text.find("\n{#", start + 1)
        end = len(text) if end == -1 else end + 1
        screen = f"{{#{key}}}\n## More\n\nKamu reto {lang}.\n\n> siba?\n\n> gonu?\n\n"
        write(root, lang, guide_id, text[:end] + screen + text[end:])
    stamp_translations(root)


def test_an_activity_continues_on_activity_2(guides: Path) -> None:
    continue_screen(guides, "week-12", "activity", "activity-2")
    assert everything_of(guides) == []
    library = Library.load(guides)
    keys = library.get("rn", "week-12").keys  # type: ignore[union-attr]
    assert keys[keys.index("activity") + 1] == "activity-2"


def test_a_reference_screen_may_continue(guides: Path) -> None:
    continue_screen(guides, "phases", "care", "care-2")
    assert everything_of(guides) == []


def test_a_continuation_not_right_after_its_screen_is_refused(guides: Path) -> None:
    continue_screen(guides, "week-12", "reportback", "game-2")
    assert everything_of(guides) == [
        ("error", "screens", lang, "week-12", "") for lang in sorted(LANGUAGES)
    ]
    assert set(messages(guides)) == {"{#game-2} must come right after {#game}"}


def test_objectives_may_not_continue(guides: Path) -> None:
    continue_screen(guides, "week-13", "objectives", "objectives-2")
    assert everything_of(guides) == [
        ("error", "screens", lang, "week-13", "") for lang in sorted(LANGUAGES)
    ]
    assert set(messages(guides)) == {"{#objectives} may not continue on another screen"}


def test_the_preparation_guide_does_not_continue(guides: Path) -> None:
    continue_screen(guides, "preparation", "context", "context-2")
    assert set(messages(guides)) == {"{#context} may not continue on another screen"}
    assert len(messages(guides)) == len(LANGUAGES)


def test_the_full_check_says_why_objectives_may_not_continue(guides: Path, tmp_path: Path) -> None:
    continue_screen(guides, "week-13", "objectives", "objectives-2")
    out = io.StringIO()
    assert run_check(guides, tmp_path / "no-locales", out) == 1
    assert "en/week-13.md: {#objectives} may not continue on another screen [screens]" in (
        out.getvalue()
    )
