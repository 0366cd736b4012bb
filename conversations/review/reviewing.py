"""Handlers of /review: the menu, one item, a verdict, and a typed correction."""

from __future__ import annotations

from conversations.review import access, codec, screens
from conversations.runtime import fallback
from conversations.runtime.reply import Reply
from conversations.runtime.request import REGISTERED, Request
from conversations.runtime.unit_of_work import handler
from models import reviews
from models.errors import InvalidInput
from models.reviews import Verdict


@handler(roles=REGISTERED)
async def review_command(request: Request) -> Reply:
    found = await access.languages(request.session, request.me.id)
    if len(found) > 1:
        return screens.choose_language(request.tr, found)
    return screens.menu(request.tr, found[0], await access.progress(request.session, found[0]))


@handler(roles=REGISTERED)
async def on_menu(request: Request) -> Reply:
    lang = await access.language(request.session, request.me.id, codec.read_menu(request.data))
    return screens.menu(request.tr, lang, await access.progress(request.session, lang))


@handler(roles=REGISTERED)
async def on_item(request: Request) -> Reply:
    lang, number = codec.read_item(request.data)
    await access.language(request.session, request.me.id, lang)
    shown = access.item(lang, number)
    progress = await access.progress(request.session, lang)
    return screens.item(request.tr, lang, number, shown, progress)


@handler(roles=REGISTERED, write=True)
async def on_verdict(request: Request) -> Reply:
    verdict, lang, number, version = codec.read_verdict(request.data)
    await access.language(request.session, request.me.id, lang)
    shown = access.item(lang, number)
    if version != codec.seen(shown):
        # The text changed since it was shown: show it as it reads now, with the reason.
        raise InvalidInput("review_changed")
    if verdict is Verdict.SUGGESTION:
        codec.remember(request.context.state, lang, number, version)
        return screens.ask_suggestion(request.tr, shown)
    now = access.versions(shown)
    await reviews.record_review(
        request.session, user_id=request.me.id, lang=lang, seen=now, now=now, verdict=verdict
    )
    progress = await access.progress(request.session, lang)
    following = progress.next_due(after=number)
    if following is None:
        return screens.menu(request.tr, lang, progress)
    reply = screens.item(request.tr, lang, following, access.item(lang, following), progress)
    reply.toast = screens.saved_toast(request.tr, verdict)
    return reply


@fallback.expects_text(codec.SUGGESTION)
@handler(roles=REGISTERED, write=True)
async def suggestion_typed(request: Request) -> Reply:
    state = request.context.state
    found = codec.pending(state)
    if found is None:
        state.clear()
        raise InvalidInput("review_changed")
    lang, number, version = found
    await access.language(request.session, request.me.id, lang)
    shown = access.item(lang, number)
    if version != codec.seen(shown):
        state.clear()
        raise InvalidInput("review_changed")
    text = request.text.strip()
    if len(text) > reviews.SUGGESTION_MAX:
        return screens.suggestion_refused(request.tr, len(text))
    now = access.versions(shown)
    await reviews.record_review(
        request.session,
        user_id=request.me.id,
        lang=lang,
        seen=now,
        now=now,
        verdict=Verdict.SUGGESTION,
        suggestion=text,
    )
    state.clear()
    progress = await access.progress(request.session, lang)
    return screens.saved(request.tr, lang, Verdict.SUGGESTION, progress.next_due(after=number))
