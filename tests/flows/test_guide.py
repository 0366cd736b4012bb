"""Reading the meeting guides end to end: /guide, /week N, /topics, paging, links, downloads.

Interface strings are read through the translator, so these tests hold before and after the
catalogs carry the guide's translations; guide text is compared with content/guides itself.
"""

from __future__ import annotations

import itertools
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from content.guides import GUIDES_DIR, WEEK_COUNT, Guide, Library, default_library
from content.telegram_html import utf16_len
from conversations.guide import access as guide_access
from conversations.guide.reading import screen_view, week_number
from conversations.guide.screens import FALLBACK_NOTES, MAX_LINKS, fit
from conversations.runtime.callbacks import pack
from conversations.runtime.request import not_registered_text
from locales import translator
from models.db import Database
from models.users import Role
from tests.support.e2e import eventually, register
from tests.support.tgserver import TelegramTestServer
from tests.support.tgserver.users import BotMessage, TestUser

LIBRARY = default_library()
TOPICS = ("returnees", "land", "violence", "upbringing", "women", "beliefs")


def ui(lang: str, message: str) -> str:
    return translator(lang).pgettext("guide", message)


def shown(lang: str, guide_id: str) -> Guide:
    return LIBRARY.guide(lang, guide_id)[0]


def data_of(message: BotMessage) -> list[str]:
    return [data for row in message.buttons for _, data in row if data]


async def tap(person: TestUser, message: BotMessage, data: str) -> BotMessage:
    """Taps the button carrying `data` (it must be on the message); returns the edited message."""
    assert data in data_of(message), f"no button {data!r} on {message!r}"
    edits = message.edited
    await person.tap_data(message, data)
    edited = await person.next_message()
    assert edited.message_id == message.message_id, "the same message is edited in place"
    assert edited.edited == edits + 1
    return edited


def assert_screen(message: BotMessage, lang: str, guide: Guide, index: int) -> None:
    header, place = message.plain.split("\n")[:2]
    assert guide.title in header
    assert place.endswith(f" · {index + 1}/{len(guide.screens)}"), place
    assert guide.screens[index].text in message.plain
    assert utf16_len(message.plain) <= 4096


# --- paging ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["rn", "fr", "en"])
async def test_a_trainee_pages_through_every_screen_of_every_guide(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    person = await register(tg, db, 701, Role.TRAINEE, lang)
    await person.send("/guide")
    menu = await person.next_message()
    assert ui(lang, "Session guides") in menu.plain
    contents = await tap(person, menu, pack("gt", "preparation"))
    message = await tap(person, contents, pack("gd", "preparation", 0))

    path = [
        (guide_id, index)
        for guide_id in LIBRARY.guide_ids()
        for index in range(len(shown(lang, guide_id).screens))
    ]
    started = time.monotonic()
    assert_screen(message, lang, shown(lang, "preparation"), 0)
    for (guide_id, _), (next_id, next_index) in itertools.pairwise(path):
        forward = pack("gd", next_id, next_index)
        if next_id == guide_id:
            assert (f"{ui(lang, 'Next')} ›", forward) in message.buttons[-2]
        message = await tap(person, message, forward)
        assert_screen(message, lang, shown(lang, next_id), next_index)
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"{len(path)} screens took {elapsed:.1f} s"

    # The very last screen leads nowhere further; Back, Up and Up again still work.
    last_id, last_index = path[-1]
    back = pack("gd", last_id, last_index - 1)
    assert message.buttons[-2] == [(f"‹ {ui(lang, 'Back')}", back)]
    message = await tap(person, message, back)
    assert_screen(message, lang, shown(lang, last_id), last_index - 1)

    message = await tap(person, message, pack("gt", last_id))
    titles = [screen.title for screen in shown(lang, last_id).screens]
    labels = [label for row in message.buttons[:-1] for label, _ in row]
    assert len(labels) == len(titles)
    for number, (title, label) in enumerate(zip(titles, labels, strict=True), start=1):
        prefix, _, rest = label.partition(". ")
        assert prefix == str(number) and title.startswith(rest.rstrip("…"))
    message = await tap(person, message, pack("gm"))
    assert ui(lang, "Session guides") in message.plain
    assert person.messages[-1].message_id == menu.message_id, "no new message along the way"


async def test_back_on_a_first_screen_goes_to_the_previous_guide(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    person = await register(tg, db, 702, Role.FACILITATOR, "fr")
    await person.send("/week 4")
    message = await person.next_message()
    assert_screen(message, "fr", shown("fr", "week-04"), 0)
    week_3 = shown("fr", "week-03")
    message = await tap(person, message, pack("gd", "week-03", len(week_3.screens) - 1))
    assert_screen(message, "fr", week_3, len(week_3.screens) - 1)
    week_4_label = ui("fr", "Week {number}").format(number=4)
    assert (f"{week_4_label} ›", pack("gd", "week-04", 0)) in message.buttons[-2]


# --- languages ------------------------------------------------------------------------------


async def test_a_kirundi_reader_sees_the_kirundi_guide(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    kirundi, french = shown("rn", "week-07"), shown("fr", "week-07")
    assert kirundi.lang == "rn" and kirundi.title != french.title
    person = await register(tg, db, 703, Role.FACILITATOR, "rn")
    await person.send("/week 7")
    message = await person.next_message()
    assert_screen(message, "rn", kirundi, 0)
    assert french.screens[0].text not in message.plain
    for note in FALLBACK_NOTES.values():
        assert translator("rn").pgettext(*note) not in message.plain
    message = await tap(person, message, pack("gt", "week-07"))
    message = await tap(person, message, pack("gd", "week-07", 4))
    assert_screen(message, "rn", kirundi, 4)
    assert message.plain.split("\n")[0] == (
        ui("rn", "Week {number}: {title}").format(number=7, title=kirundi.title)
    )


@pytest.fixture
def library_without_kirundi_week_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Library:
    root = tmp_path / "guides"
    shutil.copytree(GUIDES_DIR, root)
    (root / "rn" / "week-03.md").unlink()
    library = Library.load(root)
    monkeypatch.setattr(guide_access, "default_library", lambda: library)
    return library


async def test_a_guide_missing_in_kirundi_is_shown_in_french_with_a_note(
    tg: TelegramTestServer, bot: Any, db: Database, library_without_kirundi_week_3: Library
) -> None:
    library = library_without_kirundi_week_3
    french = library.get("fr", "week-03")
    assert french is not None and library.get("rn", "week-03") is None
    note = translator("rn").pgettext(*FALLBACK_NOTES["fr"])
    person = await register(tg, db, 704, Role.FACILITATOR, "rn")

    await person.send("/week 3")
    message = await person.next_message()
    assert_screen(message, "rn", french, 0)
    assert note in message.plain
    message = await tap(person, message, pack("gd", "week-03", 1))
    assert_screen(message, "rn", french, 1)
    assert note in message.plain
    message = await tap(person, message, pack("gt", "week-03"))
    assert note in message.plain

    # The neighbours are still Kirundi, without the note.
    await person.send("/week 4")
    message = await person.next_message()
    kirundi = library.get("rn", "week-04")
    assert kirundi is not None
    assert_screen(message, "rn", kirundi, 0)
    assert note not in message.plain

    reader = await register(tg, db, 705, Role.TRAINEE, "fr")
    await reader.send("/week 3")
    message = await reader.next_message()
    assert_screen(message, "fr", french, 0)
    assert translator("fr").pgettext(*FALLBACK_NOTES["fr"]) not in message.plain


# --- /week and /topics ----------------------------------------------------------------------


async def test_week_command_opens_a_week_and_explains_the_range(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    person = await register(tg, db, 706, Role.FACILITATOR, "fr")
    await person.send("/week 7")
    message = await person.next_message()
    assert_screen(message, "fr", shown("fr", "week-07"), 0)

    problem = ui(
        "fr",
        "Weeks are numbered from {first} to {last}. Send for example /week 7, "
        "or choose a week below.",
    ).format(first=1, last=WEEK_COUNT)
    for wrong in ["/week 99", "/week abc", "/week 0", "/week -3", "/week 7 8", "/week ٧"]:
        await person.send(wrong)
        answer = await person.next_message()
        assert problem in answer.plain, wrong
        assert answer.message_id != message.message_id
    numbers = [[label for label, _ in row] for row in answer.buttons[:3]]
    assert numbers == [[str(n) for n in range(i, i + 5)] for i in (1, 6, 11)]
    opened = await tap(person, answer, pack("gd", "week-12", 0))
    assert_screen(opened, "fr", shown("fr", "week-12"), 0)

    await person.send("/week")
    weeks = await person.next_message()
    assert problem not in weeks.plain
    assert all(shown("fr", f"week-{n:02d}").title in weeks.plain for n in range(1, 16))
    assert [len(row) for row in weeks.buttons] == [5, 5, 5, 1]


async def test_topics_lists_six_problem_areas_and_opens_land(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    areas = shown("rn", "problem-areas")
    person = await register(tg, db, 707, Role.COORDINATOR, "rn")
    await person.send("/topics")
    message = await person.next_message()
    assert areas.title in message.plain
    targets = [pack("gd", "problem-areas", areas.keys.index(key)) for key in TOPICS]
    assert [data for row in message.buttons[:-1] for _, data in row] == targets
    land = areas.keys.index("land")
    assert message.buttons[1][0][0] == areas.screens[land].title
    message = await tap(person, message, targets[1])
    assert_screen(message, "rn", areas, land)
    message = await tap(person, message, pack("gt", "problem-areas"))
    assert len(message.buttons) == len(areas.screens) + 1


async def test_menus_lead_to_weeks_phases_and_reference_pages(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    person = await register(tg, db, 708, Role.ADMIN, "en")
    await person.send("/guide")
    menu = await person.next_message()

    phases = await tap(person, menu, pack("gp"))
    care = await tap(person, phases, pack("gp", "care"))
    assert ui("en", "Care") in care.plain
    assert data_of(care)[:3] == [pack("gd", f"week-0{n}", 0) for n in (5, 6, 7)]
    about = shown("en", "phases")
    message = await tap(person, care, pack("gd", "phases", about.keys.index("care")))
    assert_screen(message, "en", about, about.keys.index("care"))
    message = await tap(person, message, pack("gt", "phases"))
    message = await tap(person, message, pack("gm"))

    reference = await tap(person, message, pack("gr"))
    assert data_of(reference)[:-1] == [
        pack("gt", guide_id)
        for guide_id in (
            "phases",
            "principles",
            "problem-areas",
            "agreements",
            "referral-selfcare",
            "self-help-group",
        )
    ]
    weeks = await tap(person, reference, pack("gm"))
    weeks = await tap(person, weeks, pack("gw"))
    assert [len(row) for row in weeks.buttons] == [5, 5, 5, 1]


async def test_links_in_a_screen_become_buttons(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    week_14 = shown("fr", "week-14")
    index, screen = next((i, s) for i, s in enumerate(week_14.screens) if s.links)
    assert "week-13#watch" in screen.links
    week_13 = shown("fr", "week-13")
    watch = week_13.keys.index("watch")
    person = await register(tg, db, 709, Role.FACILITATOR, "fr")
    await person.send("/week 14")
    message = await person.next_message()
    message = await tap(person, message, pack("gt", "week-14"))
    message = await tap(person, message, pack("gd", "week-14", index))
    label = ui("fr", "{guide}: {part}").format(
        guide=ui("fr", "Week {number}").format(number=13), part=week_13.screens[watch].title
    )
    link = pack("gd", "week-13", watch)
    assert message.buttons[0] == [(fit(f"→ {label}"), link)]
    message = await tap(person, message, link)
    assert_screen(message, "fr", week_13, watch)

    # At most three link buttons, whatever the screen holds.
    for guide in LIBRARY.guides("fr"):
        for i in range(len(guide.screens)):
            reply = screen_view(translator("fr"), LIBRARY, guide.id, i)
            links = [row for row in reply.buttons if row[0].label.startswith("→ ")]
            assert len(links) <= MAX_LINKS


# --- download -------------------------------------------------------------------------------


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


@pytest.mark.parametrize("lang", ["rn", "fr"])
async def test_download_this_week_sends_one_small_html_file(
    tg: TelegramTestServer, bot: Any, db: Database, lang: str
) -> None:
    week = shown(lang, "week-05")
    person = await register(tg, db, 710, Role.FACILITATOR, lang)
    await person.send("/week 5")
    screen = await person.next_message()
    await person.tap_data(screen, pack("gx", "week-05"))
    sent = await person.next_message()
    assert sent.kind == "document" and sent.message_id != screen.message_id
    assert sent.document is not None and sent.document.data is not None
    assert sent.document.filename == "week-05.html"
    assert len(sent.document.data) < 30 * 1024
    parser = _Text()
    parser.feed(sent.document.data.decode("utf-8"))
    parser.close()
    assert {"html", "h1", "h2", "blockquote"} <= set(parser.tags)
    text = " ".join(" ".join(parser.parts).split())
    activity = week.screen("activity")
    assert activity is not None and len(activity.prompts) >= 3
    assert all(" ".join(prompt.split()) in text for prompt in activity.prompts)
    assert week.title in text
    assert screen.edited == 0 and person.pending_events == 0, "the screen stays as it was"


# --- stale buttons, access ------------------------------------------------------------------


async def test_stale_and_forged_buttons_change_nothing(
    tg: TelegramTestServer, bot: Any, db: Database
) -> None:
    person = await register(tg, db, 711, Role.TRAINEE, "fr")
    await person.send("/week 1")
    screen = await person.next_message()
    before = (screen.text, screen.reply_markup, screen.edited)
    stale = translator("fr").pgettext(
        "access", "This button is no longer valid. Send /help to see what you can do."
    )
    forged = [
        "gd:week-99:0",
        "gd:week-01:999",
        "gd:../../etc:0",
        "gd:week-01",
        "gd:week-01:-1",
        "gd:week-01:1:2",
        "gt:nothing",
        "gx:week-16",
        "gp:nowhere",
        "gm:extra",
        "gd:" + "x" * 61,
    ]
    for data in forged:
        await person.tap_data(screen, data)
        answer = await person.wait_for_callback_answer()
        assert answer.text == stale and answer.show_alert, data
    assert (screen.text, screen.reply_markup, screen.edited) == before
    assert person.pending_events == 0 and len(person.messages) == 2


@pytest.mark.parametrize("command", ["/guide", "/week 7", "/topics"])
async def test_unregistered_people_get_the_not_registered_answer(
    tg: TelegramTestServer, bot: Any, command: str
) -> None:
    stranger = tg.add_user(user_id=712, first_name="X", language_code="fr")
    await stranger.send(command)
    reply = await stranger.next_message()
    assert reply.plain == not_registered_text()
    assert not reply.buttons


@pytest.mark.parametrize("role", list(Role))
async def test_every_role_has_the_guide_commands(
    tg: TelegramTestServer, bot: Any, db: Database, role: Role
) -> None:
    person = await register(tg, db, 713, role, "fr")
    await eventually(lambda: person.commands is not None)
    commands = dict(person.commands or [])
    menu = translator("fr")
    assert commands["guide"] == menu.pgettext("menu", "Read the session guides")
    assert {"guide", "week", "topics"} <= commands.keys()
    await person.send("/guide")
    assert ui("fr", "Session guides") in (await person.next_message()).plain


def test_week_numbers() -> None:
    assert week_number(["7"]) == 7
    assert week_number(["07"]) == 7
    assert week_number(["15"]) == 15
    for wrong in (["0"], ["16"], ["abc"], ["7", "8"], [], ["٧"], ["-1"], ["7.0"]):
        assert week_number(wrong) is None
