"""Reading the session guides: /guide, /week N, /topics, and the buttons that page through them.

Every view is one message edited in place; only "Download this week" sends a new message (the
guide as one HTML file). Buttons carry a guide id and a screen index, never state, and are checked
against the library on every tap: buttons on old messages keep working, and a button naming a
guide or screen that does not exist is answered like any stale button.

Callback data:
  gm                the main guide menu
  gw                the weeks, in rows of five
  gp, gp:<phase>    the phases; one phase and its weeks
  gr                the reference guides
  gk                the six problem areas (/topics)
  gt:<guide>        a guide's contents: its screens as buttons
  gd:<guide>:<n>    screen n (from 0) of a guide
  gx:<guide>        the guide as one HTML file, for reading offline
"""

from __future__ import annotations

import re
from functools import lru_cache

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from content.export import render_week_document
from content.guides import (
    PHASES,
    REFERENCE_SCREENS,
    WEEK_COUNT,
    Guide,
    Library,
    default_library,
    expected_kind,
    split_target,
)
from content.telegram_html import escape
from conversations.runtime.callbacks import BadCallback, int_part, pack, pattern, unpack
from conversations.runtime.menu import Command, Np_, declare
from conversations.runtime.reply import Button, Reply
from conversations.runtime.request import REGISTERED, Request
from conversations.runtime.unit_of_work import handler
from locales import Translator

declare(
    Command("guide", REGISTERED, Np_("menu", "Read the session guides")),
    Command("week", REGISTERED, Np_("menu", "Open one week's guide, for example /week 7")),
    Command("topics", REGISTERED, Np_("menu", "Problem areas and how to handle them")),
)

PHASE_NAMES = {
    "preparation": Np_("guide", "Preparation"),
    "safety": Np_("guide", "Safety"),
    "trust": Np_("guide", "Trust"),
    "care": Np_("guide", "Care"),
    "respect": Np_("guide", "Respect"),
    "orientation": Np_("guide", "New life orientation"),
    "memory": Np_("guide", "Memory"),
    "closing": Np_("guide", "Closing"),
}
# Whole sentences per language: Kirundi changes a language's name after "in" (mu Gifaransa).
FALLBACK_NOTES = {
    "fr": Np_("guide", "Not yet written in your language: shown in French."),
    "en": Np_("guide", "Not yet written in your language: shown in English."),
    "rn": Np_("guide", "Not yet written in your language: shown in Kirundi."),
}
PREPARATION = "preparation"
PHASE_GUIDE = "phases"
TOPIC_GUIDE = "problem-areas"
TOPIC_KEYS = REFERENCE_SCREENS[TOPIC_GUIDE][1:]
WEEKS_PER_ROW = 5
MAX_LINKS = 3
# Long button labels are cut by Telegram apps anyway; cutting here keeps the keyboard tidy.
LABEL_CHARS = 48
_WEEK_ARG = re.compile(r"[0-9]{1,2}")


def _library() -> Library:
    return default_library()


# --- labels ---------------------------------------------------------------------------------


def _fit(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def week_id(number: int) -> str:
    return f"week-{number:02d}"


def short_label(tr: Translator, guide: Guide) -> str:
    """The short name: "Week 7" for a week, the title for any other guide."""
    if guide.week is not None:
        return tr.pgettext("guide", "Week {number}").format(number=guide.week)
    return guide.title


def guide_label(tr: Translator, guide: Guide) -> str:
    """The full name: "Week 7: <title>" for a week, the title for any other guide."""
    if guide.week is not None:
        return tr.pgettext("guide", "Week {number}: {title}").format(
            number=guide.week, title=guide.title
        )
    return guide.title


def place_label(tr: Translator, guide: Guide) -> str:
    """Where a guide belongs: its phase, or "Reference"."""
    if guide.phase in PHASE_NAMES:
        return tr.pgettext(*PHASE_NAMES[guide.phase])
    return tr.pgettext("guide", "Reference")


def fallback_note(tr: Translator, guide: Guide, fell_back: bool) -> str:
    if not fell_back:
        return ""
    return tr.pgettext(*FALLBACK_NOTES.get(guide.lang, FALLBACK_NOTES["fr"]))


def _up_to_menu(tr: Translator) -> list[Button]:
    label = tr.pgettext("guide", "All guides")
    return [Button(f"↑ {label}", pack("gm"))]


# --- looking things up ----------------------------------------------------------------------


def _guide(tr: Translator, library: Library, guide_id: str) -> tuple[Guide, bool]:
    """The guide in the reader's language or its fallback; BadCallback when there is none."""
    if guide_id not in library.guide_ids():
        raise BadCallback(guide_id)
    return library.guide(tr.lang, guide_id)


def _ids_of_kind(library: Library, kind: str) -> list[str]:
    return [guide_id for guide_id in library.guide_ids() if expected_kind(guide_id) == kind]


def _neighbours(library: Library, guide_id: str) -> tuple[str | None, str | None]:
    """The guides before and after this one, in reading order."""
    ids = library.guide_ids()
    position = ids.index(guide_id)
    before = ids[position - 1] if position > 0 else None
    after = ids[position + 1] if position + 1 < len(ids) else None
    return before, after


def _target(tr: Translator, library: Library, target: str) -> tuple[str, int, str] | None:
    """An internal link (``week-07#watch``) as (guide id, screen index, button label)."""
    guide_id, key = split_target(target)
    if guide_id not in library.guide_ids():
        return None
    guide, _ = library.guide(tr.lang, guide_id)
    if not guide.screens:
        return None
    if key is None:
        return guide_id, 0, guide_label(tr, guide)
    if key not in guide.keys:
        return None
    index = guide.keys.index(key)
    label = tr.pgettext("guide", "{guide}: {part}").format(
        guide=short_label(tr, guide), part=guide.screens[index].title
    )
    return guide_id, index, label


# --- views ----------------------------------------------------------------------------------


def main_menu(tr: Translator, library: Library) -> Reply:
    weeks = tr.pgettext("guide", "The 15 weeks")
    phases = tr.pgettext("guide", "The phases")
    reference = tr.pgettext("guide", "Reference pages")
    rows = [[Button(weeks, pack("gw"))], [Button(phases, pack("gp"))]]
    ids = library.guide_ids()
    if PREPARATION in ids:
        preparation, _ = library.guide(tr.lang, PREPARATION)
        rows.append([Button(_fit(preparation.title), pack("gt", PREPARATION))])
    if TOPIC_GUIDE in ids:
        topics, _ = library.guide(tr.lang, TOPIC_GUIDE)
        rows.append([Button(_fit(topics.title), pack("gk"))])
    rows.append([Button(reference, pack("gr"))])
    return Reply(tr.render("guide/menu.j2"), buttons=rows)


def weeks_view(tr: Translator, library: Library, problem: str = "") -> Reply:
    weeks = [library.guide(tr.lang, guide_id)[0] for guide_id in _ids_of_kind(library, "week")]
    numbered = [guide for guide in weeks if guide.week is not None]
    buttons = [Button(str(guide.week), pack("gd", guide.id, 0)) for guide in numbered]
    rows = [buttons[i : i + WEEKS_PER_ROW] for i in range(0, len(buttons), WEEKS_PER_ROW)]
    rows.append(_up_to_menu(tr))
    lines = [(guide.week, guide.title) for guide in numbered]
    return Reply(tr.render("guide/weeks.j2", weeks=lines, problem=problem), buttons=rows)


def _phase_guides(tr: Translator, library: Library) -> dict[str, list[Guide]]:
    """The preparation guide and the weeks, by phase, in the order of the method."""
    found: dict[str, list[Guide]] = {phase: [] for phase in PHASES}
    for guide_id in library.guide_ids():
        if expected_kind(guide_id) == "reference":
            continue
        guide, _ = library.guide(tr.lang, guide_id)
        if guide.phase in found:
            found[guide.phase].append(guide)
    return {phase: guides for phase, guides in found.items() if guides}


def phases_view(tr: Translator, library: Library) -> Reply:
    rows = [
        [Button(tr.pgettext(*PHASE_NAMES[phase]), pack("gp", phase))]
        for phase in _phase_guides(tr, library)
    ]
    rows.append(_up_to_menu(tr))
    return Reply(tr.render("guide/phases.j2"), buttons=rows)


def phase_view(tr: Translator, library: Library, phase: str) -> Reply:
    guides = _phase_guides(tr, library).get(phase)
    if not guides:
        raise BadCallback(phase)
    rows = [[Button(_fit(guide_label(tr, guide)), pack("gd", guide.id, 0))] for guide in guides]
    if PHASE_GUIDE in library.guide_ids():
        about, _ = library.guide(tr.lang, PHASE_GUIDE)
        if phase in about.keys:
            label = tr.pgettext("guide", "About this phase")
            rows.append([Button(label, pack("gd", PHASE_GUIDE, about.keys.index(phase)))])
    up = tr.pgettext("guide", "The phases")
    rows.append([Button(f"↑ {up}", pack("gp"))])
    name = tr.pgettext(*PHASE_NAMES[phase])
    return Reply(tr.render("guide/phase.j2", name=name), buttons=rows)


def reference_view(tr: Translator, library: Library) -> Reply:
    rows = []
    for guide_id in _ids_of_kind(library, "reference"):
        guide, _ = library.guide(tr.lang, guide_id)
        rows.append([Button(_fit(guide.title), pack("gt", guide_id))])
    rows.append(_up_to_menu(tr))
    return Reply(tr.render("guide/reference.j2"), buttons=rows)


def topics_view(tr: Translator, library: Library) -> Reply:
    if TOPIC_GUIDE not in library.guide_ids():
        return Reply(tr.pgettext("guide", "The problem areas are not available yet."))
    guide, fell_back = library.guide(tr.lang, TOPIC_GUIDE)
    rows = []
    for key in TOPIC_KEYS:
        if key in guide.keys:
            index = guide.keys.index(key)
            rows.append([Button(_fit(guide.screens[index].title), pack("gd", guide.id, index))])
    rows.append(_up_to_menu(tr))
    text = tr.render("guide/topics.j2", title=guide.title, note=fallback_note(tr, guide, fell_back))
    return Reply(text, buttons=rows)


def contents_view(tr: Translator, library: Library, guide_id: str) -> Reply:
    guide, fell_back = _guide(tr, library, guide_id)
    rows = [
        [Button(_fit(f"{number}. {screen.title}"), pack("gd", guide.id, number - 1))]
        for number, screen in enumerate(guide.screens, start=1)
    ]
    bottom = _up_to_menu(tr)
    if guide.kind == "week":
        bottom.append(_download_button(tr, guide))
    rows.append(bottom)
    text = tr.render(
        "guide/contents.j2",
        label=guide_label(tr, guide),
        place=place_label(tr, guide),
        note=fallback_note(tr, guide, fell_back),
    )
    return Reply(text, buttons=rows)


def _download_button(tr: Translator, guide: Guide) -> Button:
    label = tr.pgettext("guide", "Download this week")
    return Button(f"⬇ {label}", pack("gx", guide.id))


def screen_view(tr: Translator, library: Library, guide_id: str, index: int) -> Reply:
    guide, fell_back = _guide(tr, library, guide_id)
    if not 0 <= index < len(guide.screens):
        raise BadCallback(str(index))
    screen = guide.screens[index]
    rows: list[list[Button]] = []
    seen = {(guide.id, index)}
    for link in screen.links:
        found = _target(tr, library, link)
        if found is None or found[:2] in seen:
            continue
        seen.add(found[:2])
        rows.append([Button(_fit(f"→ {found[2]}"), pack("gd", found[0], found[1]))])
        if len(rows) == MAX_LINKS:
            break
    rows.append(_turn_buttons(tr, library, guide, index))
    bottom = [Button("↑ " + tr.pgettext("guide", "Contents"), pack("gt", guide.id))]
    if guide.kind == "week":
        bottom.append(_download_button(tr, guide))
    rows.append(bottom)
    text = tr.render(
        "guide/screen.j2",
        label=guide_label(tr, guide),
        place=place_label(tr, guide),
        position=index + 1,
        total=len(guide.screens),
        note=fallback_note(tr, guide, fell_back),
        html=screen.html,
    )
    return Reply(text, buttons=rows)


def _turn_buttons(tr: Translator, library: Library, guide: Guide, index: int) -> list[Button]:
    """Back and Next; at a guide's first or last screen they lead on to the guide beside it."""
    back = tr.pgettext("guide", "Back")
    following = tr.pgettext("guide", "Next")
    before, after = _neighbours(library, guide.id)
    row = []
    if index > 0:
        row.append(Button(f"‹ {back}", pack("gd", guide.id, index - 1)))
    elif before is not None:
        previous, _ = library.guide(tr.lang, before)
        if previous.screens:
            last = len(previous.screens) - 1
            label = _fit(short_label(tr, previous))
            row.append(Button(f"‹ {label}", pack("gd", previous.id, last)))
    if index + 1 < len(guide.screens):
        row.append(Button(f"{following} ›", pack("gd", guide.id, index + 1)))
    elif after is not None:
        upcoming, _ = library.guide(tr.lang, after)
        if upcoming.screens:
            label = _fit(short_label(tr, upcoming))
            row.append(Button(f"{label} ›", pack("gd", upcoming.id, 0)))
    return row


@lru_cache(maxsize=64)
def _document(guide: Guide, lang: str) -> bytes:
    # Guides are immutable once loaded; rendering reads the file, so each is done once.
    return render_week_document(guide, lang)


def download(tr: Translator, library: Library, guide_id: str) -> Reply:
    guide, _ = _guide(tr, library, guide_id)
    hint = tr.pgettext(
        "guide", "To read it without internet, open this file in your phone's browser."
    )
    caption = f"<b>{escape(guide_label(tr, guide))}</b>\n{escape(hint)}"
    return Reply(caption, document=(f"{guide.id}.html", _document(guide, tr.lang)), new=True)


# --- handlers -------------------------------------------------------------------------------


def week_number(args: list[str]) -> int | None:
    """The week asked for with /week N, or None when the argument is not a week."""
    if len(args) != 1 or _WEEK_ARG.fullmatch(args[0]) is None:
        return None
    number = int(args[0])
    return number if 1 <= number <= WEEK_COUNT else None


@handler(roles=REGISTERED)
async def guide_command(request: Request) -> Reply:
    return main_menu(request.tr, _library())


@handler(roles=REGISTERED)
async def week_command(request: Request) -> Reply:
    tr, library = request.tr, _library()
    if not request.args:
        return weeks_view(tr, library)
    number = week_number(request.args)
    if number is None or week_id(number) not in library.guide_ids():
        problem = tr.pgettext(
            "guide",
            "Weeks are numbered from {first} to {last}. Send for example /week 7, "
            "or choose a week below.",
        ).format(first=1, last=WEEK_COUNT)
        return weeks_view(tr, library, problem=problem)
    return screen_view(tr, library, week_id(number), 0)


@handler(roles=REGISTERED)
async def topics_command(request: Request) -> Reply:
    return topics_view(request.tr, _library())


@handler(roles=REGISTERED)
async def on_menu(request: Request) -> Reply:
    unpack(request.data, "gm", 0)
    return main_menu(request.tr, _library())


@handler(roles=REGISTERED)
async def on_weeks(request: Request) -> Reply:
    unpack(request.data, "gw", 0)
    return weeks_view(request.tr, _library())


@handler(roles=REGISTERED)
async def on_phases(request: Request) -> Reply:
    parts = unpack(request.data, "gp")
    if not parts:
        return phases_view(request.tr, _library())
    if len(parts) != 1:
        raise BadCallback(request.data)
    return phase_view(request.tr, _library(), parts[0])


@handler(roles=REGISTERED)
async def on_reference(request: Request) -> Reply:
    unpack(request.data, "gr", 0)
    return reference_view(request.tr, _library())


@handler(roles=REGISTERED)
async def on_topics(request: Request) -> Reply:
    unpack(request.data, "gk", 0)
    return topics_view(request.tr, _library())


@handler(roles=REGISTERED)
async def on_contents(request: Request) -> Reply:
    (guide_id,) = unpack(request.data, "gt", 1)
    return contents_view(request.tr, _library(), guide_id)


@handler(roles=REGISTERED)
async def on_screen(request: Request) -> Reply:
    guide_id, index = unpack(request.data, "gd", 2)
    return screen_view(request.tr, _library(), guide_id, int_part(index))


@handler(roles=REGISTERED)
async def on_download(request: Request) -> Reply:
    (guide_id,) = unpack(request.data, "gx", 1)
    return download(request.tr, _library(), guide_id)


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    taps = {
        "gm": on_menu,
        "gw": on_weeks,
        "gp": on_phases,
        "gr": on_reference,
        "gk": on_topics,
        "gt": on_contents,
        "gd": on_screen,
        "gx": on_download,
    }
    return [
        CommandHandler("guide", guide_command, filters=private),
        CommandHandler("week", week_command, filters=private),
        CommandHandler("topics", topics_command, filters=private),
        *(CallbackQueryHandler(tap, pattern=pattern(action)) for action, tap in taps.items()),
    ]
