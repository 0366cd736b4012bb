"""Who may review what, and what is due: the reviewer's languages and their review lists."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from content.review import ReviewItem, review_items
from conversations.runtime.callbacks import BadCallback
from models import reviews
from models.errors import NotAllowed
from models.reviews import Versions


def versions(item: ReviewItem) -> Versions:
    return Versions(item.key, item.source_version, item.version)


async def languages(session: AsyncSession, user_id: int) -> tuple[str, ...]:
    """The languages this person reviews; refused when there are none."""
    found = await reviews.review_languages(session, user_id)
    if not found:
        raise NotAllowed("not_reviewer")
    return found


async def language(session: AsyncSession, user_id: int, lang: str) -> str:
    if lang not in await languages(session, user_id):
        raise NotAllowed("not_reviewer")
    return lang


def item(lang: str, number: int) -> ReviewItem:
    items = review_items(lang)
    if not 0 <= number < len(items):
        raise BadCallback(str(number))
    return items[number]


@dataclass(frozen=True)
class Progress:
    """Where a language's review stands, for the menu and the header of each item."""

    screens: int
    screens_reviewed: int
    safety: int
    safety_reviewed: int
    strings: int
    strings_reviewed: int
    due: tuple[int, ...]  # positions in the review list, in order

    def next_due(self, after: int = -1) -> int | None:
        later = [number for number in self.due if number > after]
        return later[0] if later else (self.due[0] if self.due else None)


async def progress(session: AsyncSession, lang: str) -> Progress:
    items = review_items(lang)
    done = await reviews.approved(session, lang, [versions(i) for i in items])
    reviewed = [i.key in done for i in items]

    def count(kind: str | None, safety: bool = False) -> tuple[int, int]:
        chosen = [
            n
            for n, i in enumerate(items)
            if (kind is None or i.kind == kind) and (not safety or i.safety)
        ]
        return len(chosen), sum(reviewed[n] for n in chosen)

    screens, screens_reviewed = count("screen")
    safety, safety_reviewed = count("screen", safety=True)
    strings, strings_reviewed = count("string")
    due = tuple(n for n, flag in enumerate(reviewed) if not flag)
    return Progress(
        screens, screens_reviewed, safety, safety_reviewed, strings, strings_reviewed, due
    )
