"""Registration: /start with an invite code, the language choice, /language and /help."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from conversations.runtime import guard
from conversations.runtime.callbacks import BadCallback, pack, pattern, unpack
from conversations.runtime.menu import Command, Np_, commands_for, declare, menu_key, push_user_menu
from conversations.runtime.reply import Button, Reply
from conversations.runtime.request import ANYONE, REGISTERED, Request, not_registered_text
from conversations.runtime.unit_of_work import handler
from conversations.vocabulary.languages import LANGUAGE_NAMES
from locales import LANGUAGES, Translator, translator
from models import users
from models.errors import DomainError
from models.users import Role, User

declare(
    Command(
        "start",
        REGISTERED,
        Np_("menu", "Start: your main menu"),
        public=True,
    ),
    Command("help", REGISTERED, Np_("menu", "What you can do here"), public=True),
    Command("language", REGISTERED, Np_("menu", "Change the language")),
)


def in_every_language(template: str, **values: object) -> str:
    """For people whose language the bot does not know yet: the message in each, in turn."""
    return "\n\n".join(translator(lang).render(template, **values) for lang in LANGUAGES)


def language_picker() -> Reply:
    """Shown in all three languages: the user has not chosen one yet."""
    text = in_every_language("registration/choose_language.j2")
    buttons = [[Button(LANGUAGE_NAMES[lang], pack("lang", lang))] for lang in LANGUAGES]
    return Reply(text, buttons=buttons)


def help_reply(tr: Translator, user: User, greeting: str | None = None) -> Reply:
    """What the person can do; `greeting`: "welcome" or "language_saved" above it."""
    role = Role(user.role)
    text = tr.render(
        "registration/help.j2", role=role.value, commands=commands_for(role), greeting=greeting
    )
    return Reply(text)


def _refusal(reason: str) -> str:
    """The person may not be registered yet: answer in all three languages.

    `reason`: an invite's error code (an unknown one reads as "not valid"), "revoked", or
    "too_many_codes".
    """
    return in_every_language("registration/refused.j2", reason=reason)


def _refresh_menu(request: Request, user: User) -> None:
    """After the commit: push the chat's command menu when role or language changed."""
    if user.menu_key == menu_key(user):
        return

    async def push() -> None:
        if await push_user_menu(request.context.bot, user):
            async with request.services.db.write() as session:
                await users.record_menu(session, user_id=user.id, menu_key=menu_key(user))

    request.after_commit.append(push)


@handler(roles=ANYONE, write=True)
async def start(request: Request) -> Reply:
    code = request.args[0] if request.args else None
    telegram_id = request.update.effective_user.id  # type: ignore[union-attr]
    if code and guard.invite_failures.over(telegram_id):
        return Reply(_refusal("too_many_codes"), new=True)
    if code:
        try:
            user = await users.redeem_invite(
                request.session,
                telegram_id=request.update.effective_user.id,  # type: ignore[union-attr]
                code=code,
                default_language=request.services.settings.default_language,
            )
        except DomainError as error:
            guard.invite_failures.hit(telegram_id)
            return Reply(_refusal(error.code), new=True)
        if not user.language_chosen:
            return language_picker()
        _refresh_menu(request, user)
        return help_reply(request.tr, user, greeting="welcome")
    user_or_none = request.user
    if user_or_none is None:
        return Reply(not_registered_text())
    if user_or_none.revoked_at is not None:
        return Reply(_refusal("revoked"))
    if not user_or_none.language_chosen:
        return language_picker()
    _refresh_menu(request, user_or_none)
    return help_reply(request.tr, user_or_none)


@handler(roles=REGISTERED, write=True)
async def choose_language(request: Request) -> Reply:
    (lang,) = unpack(request.data, "lang", 1)
    if lang not in LANGUAGES:
        raise BadCallback(lang)
    user = request.me
    await users.set_language(request.session, user, lang)
    _refresh_menu(request, user)
    return help_reply(translator(lang), user, greeting="language_saved")


@handler(roles=REGISTERED)
async def language(request: Request) -> Reply:
    reply = language_picker()
    reply.new = True
    return reply


@handler(roles=REGISTERED)
async def help_command(request: Request) -> Reply:
    _refresh_menu(request, request.me)
    return help_reply(request.tr, request.me)


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [
        CommandHandler("start", start, filters=private),
        CommandHandler("help", help_command, filters=private),
        CommandHandler("language", language, filters=private),
        CallbackQueryHandler(choose_language, pattern=pattern("lang")),
    ]
