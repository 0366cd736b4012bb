"""What a handler returns: the screen to show, its buttons, and how to show it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Button:
    label: str
    data: str | None = None
    url: str | None = None

    def markup(self) -> InlineKeyboardButton:
        if self.url:
            return InlineKeyboardButton(self.label, url=self.url)
        return InlineKeyboardButton(self.label, callback_data=self.data)


@dataclass
class Reply:
    """One message to show. For a button tap it replaces the tapped message unless `new`."""

    text: str
    buttons: Sequence[Sequence[Button]] = ()
    new: bool = False
    toast: str | None = None
    alert: bool = False
    delete_user_message: bool = False
    protect: bool = False
    silent: bool = False
    document: tuple[str, bytes] | None = None
    # Remember the sent message as the panel that later steps edit (user data `panel_id`).
    panel: bool = False
    # The agreement this screen shows: the message is recorded, to be removed from the chat if
    # the agreement is referred (models.agreements.referral).
    shows: int | None = None

    def markup(self) -> InlineKeyboardMarkup | None:
        if not self.buttons:
            return None
        return InlineKeyboardMarkup([[b.markup() for b in row] for row in self.buttons])

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["document"] = None  # documents are regenerated, never stored
        data["buttons"] = [[asdict(b) for b in row] for row in self.buttons]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        data = dict(data)
        data["buttons"] = [[Button(**b) for b in row] for row in data.get("buttons") or []]
        return cls(**data)


async def send_new(bot: Bot, chat_id: int, reply: Reply) -> Message:
    """The reply as a new message: a document with its caption, or a text with its buttons."""
    if reply.document is not None:
        name, content = reply.document
        return await bot.send_document(
            chat_id,
            document=content,
            filename=name,
            caption=reply.text or None,
            parse_mode=ParseMode.HTML,
            protect_content=reply.protect,
            disable_notification=reply.silent,
        )
    return await bot.send_message(
        chat_id,
        reply.text,
        parse_mode=ParseMode.HTML,
        reply_markup=reply.markup(),
        protect_content=reply.protect,
        disable_notification=reply.silent,
    )
