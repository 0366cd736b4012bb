"""Reading the meeting guides: /guide, /week N, /topics, and the buttons that page through them.

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

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from conversations.guide import browsing, reading
from conversations.runtime.callbacks import pattern
from conversations.runtime.menu import Command, Np_, declare
from conversations.runtime.request import REGISTERED
from conversations.vocabulary.guides import PHASE_NAMES

__all__ = ["PHASE_NAMES", "handlers"]

declare(
    Command("guide", REGISTERED, Np_("menu", "Read the session guides")),
    Command("week", REGISTERED, Np_("menu", "Open one week's guide, for example /week 7")),
    Command("topics", REGISTERED, Np_("menu", "Problem areas and how to handle them")),
)


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    taps = {
        "gm": browsing.on_menu,
        "gw": browsing.on_weeks,
        "gp": browsing.on_phases,
        "gr": browsing.on_reference,
        "gk": browsing.on_topics,
        "gt": reading.on_contents,
        "gd": reading.on_screen,
        "gx": reading.on_download,
    }
    return [
        CommandHandler("guide", browsing.guide_command, filters=private),
        CommandHandler("week", reading.week_command, filters=private),
        CommandHandler("topics", browsing.topics_command, filters=private),
        *(CallbackQueryHandler(tap, pattern=pattern(action)) for action, tap in taps.items()),
    ]
