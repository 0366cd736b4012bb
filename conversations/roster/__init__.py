"""/roster: a group's participants as pseudonymous codes, added, renamed, marked as left, and
whether each gave consent.

The callback data and the pending steps are described in codec.py."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from conversations.roster import adding, changing, viewing
from conversations.roster.access import STAFF
from conversations.runtime.callbacks import pattern
from conversations.runtime.menu import Command, Np_, declare
from models.users import Role

__all__ = ["STAFF", "handlers"]

declare(
    Command(
        "roster",
        frozenset({Role.FACILITATOR, Role.ADMIN}),
        Np_("menu", "Your group's participant codes"),
    )
)


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [
        CommandHandler("roster", viewing.roster_command, filters=private),
        CallbackQueryHandler(viewing.show_roster, pattern=pattern("ro")),
        CallbackQueryHandler(adding.ask_codes, pattern=pattern("ra")),
        CallbackQueryHandler(viewing.show_left, pattern=pattern("rl")),
        CallbackQueryHandler(viewing.show_participant, pattern=pattern("rp")),
        CallbackQueryHandler(changing.participant_action, pattern=pattern("rx")),
    ]
