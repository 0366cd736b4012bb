"""/wipe clears this chat on a shared or borrowed phone; /mydata says what the bot holds."""

from __future__ import annotations

import logging

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from conversations.runtime.callbacks import pack, pattern, unpack
from conversations.runtime.menu import Command, Np_, declare
from conversations.runtime.reply import Button, Reply
from conversations.runtime.request import REGISTERED, Request
from conversations.runtime.unit_of_work import handler
from conversations.runtime.wiping import wipe_chat
from conversations.vocabulary.languages import language_name
from conversations.vocabulary.people import role_name
from models import privacy
from models.errors import InvalidInput

log = logging.getLogger(__name__)

declare(
    Command("wipe", REGISTERED, Np_("menu", "Clear this chat on a shared phone")),
    Command("mydata", REGISTERED, Np_("menu", "What the bot keeps about you")),
)


@handler(roles=REGISTERED)
async def wipe_command(request: Request) -> Reply:
    tr = request.tr
    return Reply(
        tr.render("privacy/wipe.j2"),
        new=True,
        buttons=[
            [
                Button(tr.pgettext("privacy", "Delete"), pack("wp", "y")),
                Button(tr.pgettext("privacy", "Keep"), pack("wp", "n")),
            ]
        ],
    )


@handler(roles=REGISTERED)
async def wipe_answer(request: Request) -> Reply:
    (answer,) = unpack(request.data, "wp", 1)
    tr = request.tr
    if answer == "n":
        return Reply(tr.render("privacy/kept.j2"))
    if answer != "y":
        raise InvalidInput()
    chat_id = request.me.telegram_id
    services, bot = request.services, request.context.bot
    reply = Reply("", toast=tr.pgettext("privacy", "Deleted."))

    async def wipe() -> None:
        done = await wipe_chat(bot, services, chat_id)
        deleted = tr.npgettext(
            "privacy", "Deleted {n} message.", "Deleted {n} messages.", done.deleted
        ).format(n=done.deleted)
        if not done.left:
            reply.toast = deleted
            return
        # What is left is said in one short message, itself deleted by the next /wipe.
        left = tr.npgettext(
            "privacy",
            "{n} could not be deleted (older than 48 hours, or refused by Telegram): "
            "delete it by hand: long-press it → Delete.",
            "{n} could not be deleted (older than 48 hours, or refused by Telegram): "
            "delete them by hand: long-press each → Delete.",
            done.left,
        ).format(n=done.left)
        reply.text, reply.toast, reply.new = f"{deleted} {left}", None, True

    request.after_commit.append(wipe)
    return reply


@handler(roles=REGISTERED)
async def mydata_command(request: Request) -> Reply:
    data = await privacy.my_data(request.session, request.me)
    text = request.tr.render(
        "privacy/mydata.j2",
        data=data,
        role=role_name(request.tr, data["role"]),
        language=language_name(data["language"]),
    )
    return Reply(text, new=True)


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [
        CommandHandler("wipe", wipe_command, filters=private),
        CommandHandler("mydata", mydata_command, filters=private),
        CallbackQueryHandler(wipe_answer, pattern=pattern("wp")),
    ]
