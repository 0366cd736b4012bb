"""Links between guide screens: each button says where it leads, in whole words, and two links
into the same long-named guide stay apart."""

from __future__ import annotations

import pytest

from content.guides import default_library
from conversations.guide import access
from conversations.guide.reading import screen_view
from conversations.guide.screens import LABEL_CHARS, MAX_LINKS, fit, link_label, link_labels
from locales import translator

LIBRARY = default_library()


@pytest.mark.parametrize("lang", ["fr", "rn", "en"])
def test_link_labels_are_whole_words_and_all_different(lang: str) -> None:
    tr = translator(lang)
    checked = 0
    for guide in LIBRARY.guides(lang):
        for index in range(len(guide.screens)):
            links = access.screen_links(lang, LIBRARY, guide, index, limit=MAX_LINKS)
            labels = link_labels(tr, links)
            assert len(set(labels)) == len(labels), labels
            for link, label in zip(links, labels, strict=True):
                assert len(label) <= LABEL_CHARS - 2
                words = set(link_label(tr, link).split())
                cut = [w for w in label.split() if not w.rstrip(":").endswith("…")]
                assert all(w in words for w in cut), label
                if not link.whole_guide:
                    # The screen's own title, which tells links into one guide apart, is kept
                    # whenever it fits at all.
                    title = link.guide.screens[link.index].title
                    assert title in label or len(title) > LABEL_CHARS // 2, label
                checked += 1
    assert checked > 50


def test_a_long_guide_name_is_shortened_and_the_screen_title_kept() -> None:
    tr = translator("fr")
    guide = next(g for g in LIBRARY.guides("fr") if g.id == "week-14")
    index = next(i for i, s in enumerate(guide.screens) if "preparation#referral" in s.links)
    reply = screen_view(tr, LIBRARY, "week-14", index)
    shown = [row[0].label for row in reply.buttons if row[0].label.startswith("→ ")]
    preparation = next(g for g in LIBRARY.guides("fr") if g.id == "preparation")
    title = next(s.title for s in preparation.screens if s.key == "referral")
    assert any(label.endswith(f"… : {title}") for label in shown), shown
    # A week's short name stays whole; the title is cut after a word.
    assert any(label.startswith("→ Semaine 13 : ") for label in shown), shown


def test_fit_cuts_after_a_whole_word() -> None:
    assert fit("Orientation et soin de soi", 20) == "Orientation et soin…"
    assert fit("Court", 20) == "Court"
