"""French puts a space before : ; ? ! — in the catalog's strings and in what the templates show."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from locales import catalogs, french_spacing, translator

# A mark glued to the word before it; a time (14:30) or a URL (https://, ?start=) is not followed
# by a space, so it is not matched.
GLUED = re.compile(r"(&#?\w+;)|[^\s\u00a0\u202f:;?!]([:;?!])(?=[\s<]|$)")


def glued(text: str) -> bool:
    return any(match.group(2) for match in GLUED.finditer(text))


def strings(value: object) -> list[str]:
    """A message's translation, or its plural forms."""
    values = value if isinstance(value, (tuple, list)) else (value,)
    return [text for text in values if isinstance(text, str) and text]


def test_french_strings_put_a_space_before_colons_and_marks() -> None:
    with catalogs.po_path("fr").open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    found = [
        f"{message.context}|{message.id!s:.60}: {text!r}"
        for message in catalog
        if message.id
        for text in strings(message.string)
        if glued(text)
    ]
    assert found == []


def test_the_check_sees_a_glued_colon() -> None:
    assert glued("Groupe: Amahoro") and glued("Vraiment?") and glued("<b>Lieu</b>; ici")
    assert not glued("Groupe : Amahoro") and not glued("à 14:30.") and not glued("a &amp; b")
    assert not glued("https://t.me/bot?start=abc")


def test_french_templates_show_the_space_that_a_label_and_its_colon_lack() -> None:
    fr = translator("fr")
    text = fr.render("newgroup/places.j2", name="Amahoro", where="Gitega", any_places=True)
    assert f"{fr.pgettext('newgroup', 'New group')} : Amahoro" in text
    assert f"{fr.pgettext('newgroup', 'Place')} : Gitega" in text
    assert not glued(text)
    # What people typed is shown as they typed it.
    typed = fr.render("newgroup/places.j2", name="Amahoro: A1; A2!", where="", any_places=True)
    assert "Amahoro: A1; A2!" in typed
    assert french_spacing("Heure: 14:30; lien https://x.y/?a=1 &amp; fin!") == (
        "Heure : 14:30 ; lien https://x.y/?a=1 &amp; fin !"
    )
    # Kirundi and English are left as written.
    for lang in ("rn", "en"):
        shown = translator(lang).render(
            "newgroup/places.j2", name="Amahoro", where="", any_places=True
        )
        assert f"{translator(lang).pgettext('newgroup', 'New group')}: Amahoro" in shown


def test_french_guides_put_the_space_too() -> None:
    from content.guides import default_library

    found = [
        f"{guide.id}: {text[:60]!r}"
        for guide in default_library().guides("fr")
        for text in (
            guide.title,
            *(s.title for s in guide.screens),
            *(s.html for s in guide.screens),
        )
        if glued(text)
    ]
    assert found == []
