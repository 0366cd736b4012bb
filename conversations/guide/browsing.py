"""Finding a guide: /guide, /topics and the menus of weeks, phases and reference pages."""

from __future__ import annotations

from content.guides import WEEK_COUNT
from conversations.guide import access, screens
from conversations.runtime.callbacks import BadCallback, unpack
from conversations.runtime.reply import Reply
from conversations.runtime.request import REGISTERED, Request
from conversations.runtime.unit_of_work import handler
from locales import Translator


def main_menu(tr: Translator) -> Reply:
    library = access.library()
    return screens.main_menu(
        tr,
        preparation=access.optional_guide(tr.lang, library, access.PREPARATION),
        topics=access.optional_guide(tr.lang, library, access.TOPIC_GUIDE),
    )


def week_list(tr: Translator, *, wrong_week: bool = False) -> Reply:
    weeks = access.guides_of_kind(tr.lang, access.library(), "week")
    return screens.week_list(tr, weeks, wrong_week=wrong_week, last=WEEK_COUNT)


def topic_list(tr: Translator) -> Reply:
    library = access.library()
    if access.TOPIC_GUIDE not in library.guide_ids():
        return screens.topic_list(tr, None, fell_back=False)
    guide, fell_back = access.guide(tr.lang, library, access.TOPIC_GUIDE)
    return screens.topic_list(tr, guide, fell_back)


@handler(roles=REGISTERED)
async def guide_command(request: Request) -> Reply:
    return main_menu(request.tr)


@handler(roles=REGISTERED)
async def topics_command(request: Request) -> Reply:
    return topic_list(request.tr)


@handler(roles=REGISTERED)
async def on_menu(request: Request) -> Reply:
    unpack(request.data, "gm", 0)
    return main_menu(request.tr)


@handler(roles=REGISTERED)
async def on_weeks(request: Request) -> Reply:
    unpack(request.data, "gw", 0)
    return week_list(request.tr)


@handler(roles=REGISTERED)
async def on_phases(request: Request) -> Reply:
    parts = unpack(request.data, "gp")
    tr, library = request.tr, access.library()
    by_phase = access.phase_guides(tr.lang, library)
    if not parts:
        return screens.phase_list(tr, by_phase)
    if len(parts) != 1 or not by_phase.get(parts[0]):
        raise BadCallback(request.data)
    phase = parts[0]
    about = access.about_phase(tr.lang, library, phase)
    return screens.phase_menu(tr, phase, by_phase[phase], about)


@handler(roles=REGISTERED)
async def on_reference(request: Request) -> Reply:
    unpack(request.data, "gr", 0)
    tr = request.tr
    return screens.reference_list(tr, access.guides_of_kind(tr.lang, access.library(), "reference"))


@handler(roles=REGISTERED)
async def on_topics(request: Request) -> Reply:
    unpack(request.data, "gk", 0)
    return topic_list(request.tr)
