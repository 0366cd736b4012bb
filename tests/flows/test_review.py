"""Reviewing guides from a phone, end to end: /review, approve, suggest, and the draft marker.

A reviewer approves a safety screen and suggests a correction of another; the facilitator then
sees the approved screen without the draft marker and the others with it; an edit of the source
text makes the approved screen due again, and a verdict on a text changed since it was shown is
refused.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from content import review as content_review
from content.guides import GUIDES_DIR, Library, default_library
from conversations.guide import access as guide_access
from conversations.review import screens as review_screens
from conversations.runtime.callbacks import pack
from exports.reviews import review_notes, write_files
from locales import translator
from models import reviews
from models.db import Database
from models.users import Role, User
from tests.support.e2e import register
from tests.support.tgserver import TelegramTestServer
from tests.support.tgserver.users import BotMessage, TestUser

DRAFT = ("guide", "Draft, not yet checked by the programme.")
NAMES = {"rn": "Claudine N.", "fr": "Jean-Marie K."}


def rv(lang: str, message: str) -> str:
    return translator(lang).pgettext("review", message)


def draft_marker(lang: str) -> str:
    return translator(lang).pgettext(*DRAFT)


async def make_reviewer(db: Database, person: TestUser, lang: str) -> None:
    async with db.write() as session:
        user = await session.scalar(select(User).where(User.telegram_id == person.id))
        assert user is not None
        await reviews.grant_reviewer(
            session, user_id=user.id, lang=lang, name=NAMES[lang], actor_id=None
        )


async def open_guide_screen(person: TestUser, guide_id: str, key: str) -> BotMessage:
    """/guide, the guide's contents, then the screen: as a facilitator would."""
    await person.send("/guide")
    menu = await person.next_message()
    await person.tap_data(menu, pack("gt", guide_id))
    contents = await person.next_message()
    index = default_library().guide(person_lang(person), guide_id)[0].keys.index(key)
    await person.tap_data(contents, pack("gd", guide_id, index))
    return await person.next_message()


_LANGS: dict[int, str] = {}


def person_lang(person: TestUser) -> str:
    return _LANGS[person.id]


async def person_in(tg: TelegramTestServer, db: Database, uid: int, role: Role, lang: str) -> Any:
    person = await register(tg, db, uid, role, lang)
    _LANGS[person.id] = lang
    return person


@pytest.fixture
def edit_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], None]]:
    """A function that edits the English consent and referral screens, as a maintainer would."""

    def clear() -> None:
        content_review.review_items.cache_clear()
        content_review.item_index.cache_clear()

    def apply() -> None:
        root = tmp_path / "guides"
        shutil.copytree(GUIDES_DIR, root)
        path = root / "en" / "preparation.md"
        text = path.read_text(encoding="utf-8")
        marker = "{#referral"
        assert marker in text
        edited = "An edited sentence of the source.\n\n"
        # Consent comes right before referral, and referral is the guide's last screen.
        path.write_text(
            text.replace(marker, edited + marker, 1).rstrip("\n") + "\n\n" + edited,
            encoding="utf-8",
        )
        library = Library.load(root)
        for module in (content_review, guide_access, review_screens):
            monkeypatch.setattr(module, "default_library", lambda: library)
        clear()

    yield apply
    clear()


@pytest.mark.parametrize("lang", ["rn", "fr"])
async def test_a_reviewer_approves_and_suggests_and_an_edit_makes_the_screen_due_again(
    tg: TelegramTestServer,
    bot: Any,
    db: Database,
    tmp_path: Path,
    edit_source: Callable[[], None],
    lang: str,
) -> None:
    marker = draft_marker(lang)
    assert marker != DRAFT[1], "the marker is translated"
    facilitator = await person_in(tg, db, 801, Role.FACILITATOR, lang)
    reviewer = await person_in(tg, db, 802, Role.FACILITATOR, lang)
    await make_reviewer(db, reviewer, lang)

    # Before any review, the consent screen says it is a draft.
    consent = await open_guide_screen(facilitator, "preparation", "consent")
    assert marker in consent.plain

    # The review menu: safety screens first, none reviewed yet.
    items = content_review.review_items(lang)
    safety = sum(1 for item in items if item.safety)
    await reviewer.send("/review")
    menu = await reviewer.next_message()
    assert (
        rv(lang, "Safety screens reviewed: {done} of {total}").format(done=0, total=safety)
        in menu.plain
    )
    await reviewer.tap(menu, rv(lang, "Start with the next due"))
    shown = await reviewer.next_message()
    first = items[0]
    assert first.key == "preparation#consent" and first.safety
    # The source beside the translation.
    english = default_library().get("en", "preparation")
    mine = default_library().get(lang, "preparation")
    assert english is not None and mine is not None
    assert english.screen("consent").text.split("\n")[-1] in shown.plain  # type: ignore[union-attr]
    assert mine.screen("consent").text.split("\n")[-1] in shown.plain  # type: ignore[union-attr]
    assert rv(lang, "safety") in shown.plain

    # Approve: the next due item follows on the same message.
    await reviewer.tap(shown, "✓ " + rv(lang, "Approve"))
    answer = await reviewer.wait_for_callback_answer()
    assert answer.text == rv(lang, "Approved.")
    following = await reviewer.next_message()
    assert following.message_id == shown.message_id
    assert items[1].title in following.plain

    # Suggest a correction of the next one: typed, stored, thanked.
    await reviewer.tap(following, rv(lang, "Suggest a correction"))
    prompt = await reviewer.next_message()
    assert prompt.plain == translator(lang).pgettext(
        "review",
        "Type the text as it should read, in one message. Only the guide's words: no names of "
        "participants. /cancel to stop.",
    )
    await reviewer.send("Umuhuzabikorwa wawe azobabwira aho ivyo bikorwa biri.")
    thanks = await reviewer.next_message()
    assert (
        rv(
            lang,
            "Thank you: your suggestion is saved for the content maintainer. The text stays as it "
            "is until they change it.",
        )
        in thanks.plain
    )

    # The facilitator: the approved screen has no marker, the next one still has it.
    consent = await open_guide_screen(facilitator, "preparation", "consent")
    assert marker not in consent.plain
    referral = await open_guide_screen(facilitator, "preparation", "referral")
    assert marker in referral.plain

    # The maintainer's export holds the suggestion, who made it, and the text it corrects.
    async with db.read() as session:
        notes = await review_notes(session, lang)
    written = write_files([notes], tmp_path / "export")
    suggestions = (tmp_path / "export" / f"suggestions-{lang}.md").read_text(encoding="utf-8")
    assert "Umuhuzabikorwa wawe azobabwira aho ivyo bikorwa biri." in suggestions
    assert f"Suggestion by {NAMES[lang]}" in suggestions
    assert items[1].key in suggestions
    assert len(written) == 2

    # The reviewer opens the next item; meanwhile the source of the approved screen is edited.
    await reviewer.send("/review")
    menu = await reviewer.next_message()
    assert (
        rv(lang, "Safety screens reviewed: {done} of {total}").format(done=1, total=safety)
        in menu.plain
    )
    await reviewer.tap(menu, rv(lang, "Start with the next due"))
    open_item = await reviewer.next_message()
    edit_source()

    # The approved screen is due again, and says it is a draft to the facilitator.
    consent = await open_guide_screen(facilitator, "preparation", "consent")
    assert marker in consent.plain
    await reviewer.send("/review")
    menu = await reviewer.next_message()
    assert (
        rv(lang, "Safety screens reviewed: {done} of {total}").format(done=0, total=safety)
        in menu.plain
    )

    # A verdict on the text as it was shown before the edit is refused, with the reason.
    await reviewer.tap_data(open_item, open_item.button_data("✓ " + rv(lang, "Approve")) or "")
    refusal = await reviewer.wait_for_callback_answer()
    assert refusal.show_alert
    assert refusal.text == translator(lang).pgettext(
        "error",
        "This text has changed since it was shown. Open /review again to see it as it reads now.",
    )


@pytest.mark.parametrize("lang", ["rn", "fr"])
async def test_review_is_refused_to_a_person_who_is_not_a_reviewer(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    trainee = await person_in(tg, db, 811, Role.TRAINEE, lang)
    await trainee.send("/review")
    refusal = await trainee.next_message()
    assert refusal.plain == translator(lang).pgettext(
        "error",
        "Reviewing is for people the programme has named as reviewers of a language. "
        "Ask your coordinator.",
    )
    # A forged review button is refused the same way, and shows nothing of the guides.
    await trainee.tap_data(refusal, pack("ri", lang, 0))
    answer = await trainee.wait_for_callback_answer()
    assert answer.text == refusal.plain


def test_a_kirundi_rewording_proposed_by_the_maintainer_is_shown_to_the_reviewer() -> None:
    from conversations.review import screens
    from conversations.review.access import Progress

    items = content_review.review_items("rn")
    number, item = next((n, i) for n, i in enumerate(items) if i.proposals)
    progress = Progress(0, 0, 0, 0, 0, 0, due=(number,))
    reply = screens.item(translator("rn"), "rn", number, item, progress)
    proposal = item.proposals[0]
    assert rv("rn", "Proposed rewording, not in the guide yet:") in reply.text
    assert proposal.suggestion[:100] in reply.text
