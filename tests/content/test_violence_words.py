"""The words that may point to violence (content/agreements/violence-words.yaml): a match only
asks the facilitator a question, so the list errs towards asking. Every language's words are
checked in every summary, whatever the facilitator's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from content.violence_words import fold, load_words, may_involve_violence


@pytest.mark.parametrize(
    "summary",
    [
        "KB04 will not beat his wife KB08 again, she won't file a complaint",
        "KB04 hit KB08 last month",
        "KB2 was RAPED",
        "KB04 ne frappera plus sa femme KB08",
        "Elle a été violée",
        "La VIOLENCE est finie entre KB1 et KB2",
        "KB1 ntazosubira gukubita umugore wiwe KB2",
        "KB1 yaramukubise",
        "KB3 yamufashe ku nguvu",
        "uwahohotewe ntazorega",
        # Languages mixed in one summary.
        "KB1 na KB2: il ne la frappe plus, nta rugomo",
    ],
)
def test_words_that_may_point_to_violence_ask(summary: str) -> None:
    assert may_involve_violence(summary)


@pytest.mark.parametrize(
    "summary",
    [
        "KB01 gives KB02 half the land until the harvest",
        "KB1 laisse KB2 cultiver le champ du bas; le champ violet reste à KB1",
        "KB01 na KB02 bagabura itongo",
        "KB1 azobitwara ku isoko, KB2 azobisangiza abandi",
    ],
)
def test_ordinary_agreements_are_not_asked_about(summary: str) -> None:
    assert not may_involve_violence(summary)


def test_matching_ignores_case_and_accents() -> None:
    assert fold("Frappé VIOLÉE") == "frappe violee"


def test_staff_extend_the_list_and_a_broken_file_says_what_is_wrong(tmp_path: Path) -> None:
    words = tmp_path / "words.yaml"
    words.write_text("en:\n  stems: [shov]\n  except: [shovel]\n", encoding="utf-8")
    found = load_words(words)
    assert found.match("KB1 shoved KB2") and not found.match("KB1 lends KB2 a shovel")
    words.write_text("en:\n  stem: [shov]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown"):
        load_words(words)
