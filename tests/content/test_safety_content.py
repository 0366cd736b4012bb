"""The method's safety decisions, held in every language of the shipped guides.

These read the real content: a violence matter ends an agreement's draft with referral guidance
(never "remove the sentence and go on"), the medical timing after rape is exact, and the
French and Kirundi advice the languages once had does not come back.
"""

from __future__ import annotations

import re

import pytest

from content.guides import LANGUAGES, default_library

LIBRARY = default_library()


def text_of(lang: str, guide_id: str) -> str:
    guide = LIBRARY.get(lang, guide_id)
    assert guide is not None, f"{lang}/{guide_id}.md is missing"
    return "\n".join(screen.text for screen in guide.screens)


def links_of(lang: str, guide_id: str) -> set[str]:
    guide = LIBRARY.get(lang, guide_id)
    assert guide is not None
    return {link for screen in guide.screens for link in screen.links}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_week_12_ends_a_draft_with_violence_and_gives_referral_guidance(lang: str) -> None:
    text = text_of(lang, "week-12")
    assert "1/13" in text and "2016" in text, "the law that forbids amicable settlement"
    assert "agreements#never" in links_of(lang, "week-12")
    # The old French and Kirundi advice went on with the clause removed.
    assert "Retirez une telle phrase" not in text
    assert "iyo nteruro ikurweho" not in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_medical_timing_after_rape_is_exact(lang: str) -> None:
    text = text_of(lang, "problem-areas")
    assert "72" in text, "post-exposure prophylaxis: within 72 hours"
    assert "120" in text, "emergency contraception: up to 120 hours"
    for guide in LIBRARY.guides(lang):
        for screen in guide.screens:
            assert not re.search(r"ideally within 3 days|idéalement dans les 3 jours", screen.text)
