"""Reading a guide: /week N, its contents, its screens one by one, and the week as a file."""

from __future__ import annotations

import re
from collections.abc import Sequence

from content.guides import WEEK_COUNT, Library
from content.referrals import Service
from conversations.guide import access, screens
from conversations.guide.browsing import week_list
from conversations.runtime.callbacks import int_part, unpack
from conversations.runtime.reply import Reply
from conversations.runtime.request import REGISTERED, Request
from conversations.runtime.unit_of_work import handler
from locales import Translator

_WEEK_ARG = re.compile(r"[0-9]{1,2}")


def week_number(args: list[str]) -> int | None:
    """The week asked for with /week N, or None when the argument is not a week."""
    if len(args) != 1 or _WEEK_ARG.fullmatch(args[0]) is None:
        return None
    number = int(args[0])
    return number if 1 <= number <= WEEK_COUNT else None


def screen_view(
    tr: Translator,
    library: Library,
    guide_id: str,
    index: int,
    reviewed: frozenset[str] = frozenset(),
    services: Sequence[tuple[str, Sequence[Service]]] = (),
) -> Reply:
    """Screen `index` (from 0) of a guide, with its links and the way on; `reviewed`: the
    guide's screens reviewed as they read now (the others say they are a draft)."""
    guide, fell_back = access.guide(tr.lang, library, guide_id)
    index = access.screen_index(guide, index)
    links = access.screen_links(tr.lang, library, guide, index, limit=screens.MAX_LINKS)
    beside = access.neighbours(tr.lang, library, guide.id)
    draft = access.is_draft(guide, index, reviewed)
    return screens.page(tr, guide, fell_back, index, links, beside, draft=draft, services=services)


async def reviewed_view(request: Request, library: Library, guide_id: str, index: int) -> Reply:
    """The screen, marked as a draft unless a reviewer approved it as it reads now."""
    guide, _ = access.guide(request.tr.lang, library, guide_id)
    index = access.screen_index(guide, index)
    reviewed = await access.reviewed_screens(request.session, guide)
    services = await access.services_for(request.session, request.user, guide, index)
    return screen_view(request.tr, library, guide_id, index, reviewed, services)


@handler(roles=REGISTERED)
async def week_command(request: Request) -> Reply:
    tr, library = request.tr, access.library()
    if not request.args:
        return week_list(tr)
    number = week_number(request.args)
    if number is None or access.week_id(number) not in library.guide_ids():
        return week_list(tr, wrong_week=True)
    return await reviewed_view(request, library, access.week_id(number), 0)


@handler(roles=REGISTERED)
async def on_contents(request: Request) -> Reply:
    (guide_id,) = unpack(request.data, "gt", 1)
    tr = request.tr
    guide, fell_back = access.guide(tr.lang, access.library(), guide_id)
    return screens.contents(tr, guide, fell_back)


@handler(roles=REGISTERED)
async def on_screen(request: Request) -> Reply:
    guide_id, index = unpack(request.data, "gd", 2)
    return await reviewed_view(request, access.library(), guide_id, int_part(index))


@handler(roles=REGISTERED)
async def on_download(request: Request) -> Reply:
    (guide_id,) = unpack(request.data, "gx", 1)
    tr = request.tr
    guide, _ = access.guide(tr.lang, access.library(), guide_id)
    reviewed = await access.reviewed_screens(request.session, guide)
    return screens.download(tr, guide, access.week_document(guide, tr.lang, reviewed))
