"""Lookups in the guide library: a guide in the reader's language (or its fallback), the guides
beside it, the targets of its links. Every guide id and screen index comes from a button, so
anything the library does not hold is answered like a stale button."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncSession

from content.export import render_week_document
from content.guides import PHASES, Guide, Library, default_library, expected_kind, split_target
from content.referrals import REFERRAL_SCREENS, Service, default_directory
from content.review import item_index
from conversations.runtime.callbacks import BadCallback
from models import areas, groups, reviews
from models.reviews import Versions
from models.users import User

PHASE_GUIDE = "phases"
TOPIC_GUIDE = "problem-areas"
PREPARATION = "preparation"


def library() -> Library:
    return default_library()


def week_id(number: int) -> str:
    return f"week-{number:02d}"


def guide(lang: str, library: Library, guide_id: str) -> tuple[Guide, bool]:
    """The guide in the reader's language or its fallback (True); BadCallback when there is none."""
    if guide_id not in library.guide_ids():
        raise BadCallback(guide_id)
    return library.guide(lang, guide_id)


def optional_guide(lang: str, library: Library, guide_id: str) -> Guide | None:
    """A guide the menus offer only when the library has it."""
    if guide_id not in library.guide_ids():
        return None
    return library.guide(lang, guide_id)[0]


def screen_index(guide: Guide, index: int) -> int:
    if not 0 <= index < len(guide.screens):
        raise BadCallback(str(index))
    return index


def guides_of_kind(lang: str, library: Library, kind: str) -> list[Guide]:
    return [
        library.guide(lang, guide_id)[0]
        for guide_id in library.guide_ids()
        if expected_kind(guide_id) == kind
    ]


def phase_guides(lang: str, library: Library) -> dict[str, list[Guide]]:
    """The preparation guide and the weeks, by phase, in the order of the method."""
    found: dict[str, list[Guide]] = {phase: [] for phase in PHASES}
    for guide_id in library.guide_ids():
        if expected_kind(guide_id) == "reference":
            continue
        shown, _ = library.guide(lang, guide_id)
        if shown.phase in found:
            found[shown.phase].append(shown)
    return {phase: guides for phase, guides in found.items() if guides}


def about_phase(lang: str, library: Library, phase: str) -> int | None:
    """The screen of the phases guide that explains this phase, if there is one."""
    about = optional_guide(lang, library, PHASE_GUIDE)
    if about is None or phase not in about.keys:
        return None
    return about.keys.index(phase)


def neighbours(lang: str, library: Library, guide_id: str) -> tuple[Guide | None, Guide | None]:
    """The guides before and after this one in reading order, when they have screens."""
    ids = library.guide_ids()
    position = ids.index(guide_id)
    before = library.guide(lang, ids[position - 1])[0] if position > 0 else None
    after = library.guide(lang, ids[position + 1])[0] if position + 1 < len(ids) else None
    return (
        before if before is not None and before.screens else None,
        after if after is not None and after.screens else None,
    )


@dataclass(frozen=True)
class LinkTarget:
    """Where an internal link (``week-07#watch``) leads: a whole guide or one of its screens."""

    guide: Guide
    index: int
    whole_guide: bool


def link_target(lang: str, library: Library, target: str) -> LinkTarget | None:
    guide_id, key = split_target(target)
    if guide_id not in library.guide_ids():
        return None
    linked, _ = library.guide(lang, guide_id)
    if not linked.screens:
        return None
    if key is None:
        return LinkTarget(linked, 0, whole_guide=True)
    if key not in linked.keys:
        return None
    return LinkTarget(linked, linked.keys.index(key), whole_guide=False)


def screen_links(
    lang: str, library: Library, shown: Guide, index: int, limit: int
) -> list[LinkTarget]:
    """The screen's links that lead somewhere else, each once, at most `limit`."""
    found: list[LinkTarget] = []
    seen = {(shown.id, index)}
    for link in shown.screens[index].links:
        target = link_target(lang, library, link)
        if target is None or (target.guide.id, target.index) in seen:
            continue
        seen.add((target.guide.id, target.index))
        found.append(target)
        if len(found) == limit:
            break
    return found


@lru_cache(maxsize=64)
def week_document(shown: Guide, lang: str, reviewed: frozenset[str]) -> bytes:
    # Guides are immutable once loaded; rendering reads the file, so each is done once per
    # review state.
    return render_week_document(shown, lang, reviewed)


async def reviewed_screens(session: AsyncSession, shown: Guide) -> frozenset[str]:
    """The screens of ``shown`` (as ``guide#key``) approved by a reviewer as they read now."""
    index = item_index(shown.lang)
    items = [
        Versions(item.key, item.source_version, item.version)
        for screen in shown.screens
        if (item := index.get(f"{shown.id}#{screen.key}")) is not None
    ]
    return frozenset(await reviews.approved(session, shown.lang, items))


def is_draft(shown: Guide, index: int, reviewed: frozenset[str]) -> bool:
    """Whether screen ``index`` says it is a draft: not reviewed as it reads now. The generated
    plan is a draft while any screen of its week is."""
    screen = shown.screens[index]
    if screen.generated:
        return any(
            f"{shown.id}#{other.key}" not in reviewed
            for other in shown.screens
            if not other.generated
        )
    return f"{shown.id}#{screen.key}" not in reviewed


async def reader_area(session: AsyncSession, user: User | None) -> list[str]:
    """Where the reader works, as area names from the province down: a facilitator's first
    group's colline, a coordinator's area; nothing for others (the national list then)."""
    if user is None:
        return []
    mine = await groups.groups_of(session, user.id)
    area_id = mine[0].area_id if mine else user.area_id
    area = await areas.get_area(session, area_id) if area_id is not None else None
    return await areas.area_names(session, area) if area is not None else []


async def services_for(
    session: AsyncSession, user: User | None, shown: Guide, index: int
) -> list[tuple[str, tuple[Service, ...]]]:
    """The referral directory for the reader's area, on the screens that refer people."""
    if f"{shown.id}#{shown.screens[index].key}" not in REFERRAL_SCREENS:
        return []
    return default_directory().services(await reader_area(session, user))
