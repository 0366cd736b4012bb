"""/review: a person the programme named as reviewer of a language checks guides and strings.

The reviewer pages through what is due in their language, safety screens first: the source
(English) beside the translation. Approve records the two versions seen; "Suggest a correction"
waits for typed text, stored as a suggestion for the content maintainer; "For discussion" marks it
to be talked over. Reviewing shows guides and interface strings, never group data. What the
buttons carry is described in codec.py.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from conversations.review import reviewing
from conversations.runtime.callbacks import pattern


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [
        CommandHandler("review", reviewing.review_command, filters=private),
        CallbackQueryHandler(reviewing.on_menu, pattern=pattern("rv")),
        CallbackQueryHandler(reviewing.on_item, pattern=pattern("ri")),
        CallbackQueryHandler(reviewing.on_verdict, pattern=pattern("rj")),
    ]
