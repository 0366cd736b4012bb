"""/newgroup: a coordinator or admin creates a group and gets two facilitator invitations.

The name is typed; everything else is tapped on one message edited in place: the colline (drilling
down the area tree within the user's scope), the weekday, the time (or typed), the start date,
then a confirmation. What the buttons and the pending step carry is described in codec.py.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from conversations.newgroup import creating, naming, placing, scheduling
from conversations.newgroup.access import CREATORS
from conversations.runtime.callbacks import pattern
from conversations.runtime.menu import Command, Np_, declare

declare(
    Command(
        "newgroup",
        CREATORS,
        Np_("menu", "Create a new group"),
    )
)


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [
        CommandHandler("newgroup", naming.new_group, filters=private),
        CallbackQueryHandler(placing.choose_place, pattern=pattern("na")),
        CallbackQueryHandler(scheduling.choose_weekday, pattern=pattern("nd")),
        CallbackQueryHandler(scheduling.choose_time, pattern=pattern("nt")),
        CallbackQueryHandler(scheduling.choose_date, pattern=pattern("ns")),
        CallbackQueryHandler(scheduling.confirm, pattern=pattern("nk")),
        CallbackQueryHandler(creating.create, pattern=pattern("ny")),
        CallbackQueryHandler(naming.cancel, pattern=pattern("nq")),
    ]
