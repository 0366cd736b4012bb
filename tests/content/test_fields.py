"""content/fields.yaml is the bot's own list: its labels are the words the bot's screens use."""

from __future__ import annotations

import pytest

from content.alignment import field_labels
from locales import translator

# field -> the bot's screen text that shows it, as "<label>: {value}"
SHOWN_AS = {
    "phase": ("meeting", "Phase: {phase}"),
    "climate": ("meeting", "Climate: {climate}"),
    "topics": ("meeting", "Topics: {topics}"),
    "followups": ("meeting", "Follow-ups: {count}"),
    "referral": ("meeting", "Referral: {referral}"),
}


@pytest.mark.parametrize("lang", ["en", "fr", "rn"])
def test_record_labels_are_the_words_of_the_bots_reflection_screen(lang: str) -> None:
    labels = {field: label for label, field in field_labels()[lang].items()}
    for field, (context, message) in SHOWN_AS.items():
        shown = translator(lang).pgettext(context, message)
        assert shown.split(":")[0].strip() == labels[field], (field, shown)


def test_every_field_has_a_label_in_every_language() -> None:
    fields = [set(by_label.values()) for by_label in field_labels().values()]
    assert fields[0] == fields[1] == fields[2]
    assert {"attendance", "consent", "phase", "climate", "topics", "followups", "referral"} <= (
        fields[0]
    )
