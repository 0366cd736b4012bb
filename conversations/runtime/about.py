"""The bot's profile texts: what a person sees before their first message, in their language.

Telegram shows the description on the empty chat screen and the short description on the bot's
profile and in shared links. The default (for phones whose language Telegram has no text for) is
the programme's default language, Kirundi unless configured otherwise; fr and en are set beside it.
Set at every start: three languages, two texts, six calls.
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import BadRequest

from locales import Translator, translator

log = logging.getLogger(__name__)

# Telegram's limits: 512 characters for the description, 120 for the short one.
DESCRIPTION_MAX = 512
SHORT_MAX = 120


def description(tr: Translator) -> str:
    return tr.pgettext(
        "about",
        "This bot walks the facilitators of community-based sociotherapy groups through each "
        "week's session guide, keeps attendance and reflections, and tells coordinators about "
        "agreements to document. It works by invitation: open the link the programme gave you.",
    )[:DESCRIPTION_MAX]


def short_description(tr: Translator) -> str:
    return tr.pgettext(
        "about", "Session guides and records for sociotherapy facilitators, by invitation."
    )[:SHORT_MAX]


async def push_descriptions(bot: Bot, default_language: str) -> None:
    """Sets both texts for the default and for each other language; a refusal is logged."""
    languages: list[tuple[str, str | None]] = [(default_language, None)]
    languages += [(lang, lang) for lang in ("fr", "en")]
    for lang, code in languages:
        tr = translator(lang)
        try:
            await bot.set_my_description(description(tr), language_code=code)
            await bot.set_my_short_description(short_description(tr), language_code=code)
        except BadRequest as error:
            log.warning("profile texts (%s) refused: %s", code or "default", error.message)
