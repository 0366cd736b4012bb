"""An agreement being recorded: one draft per facilitator, changed step by step, kept two days.

The flow's buttons carry the draft's random key and, for the toggled choices, a bit mask over the
options (`mask_of`, `from_mask`). Each step stores its choice through a setter here, which refuses
what a draft may not hold (one party only, a date in the future, a summary too long).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.agreements.tables import NOT_A_PARTY, OUTSIDE_ROLES, WITNESS_ROLES, AgreementDraft, Kind
from models.clock import clock
from models.errors import Conflict, DomainError, InvalidInput, NotFound
from models.groups import Group
from models.meetings import local_today
from models.roster import Participant, active_participants
from models.users import User

SUMMARY_MAX = 500
MIN_PARTIES = 2
DRAFT_HOURS = 48


# --- masks: toggled choices carried in button data -----------------------------------------------


def mask_of(chosen: Iterable[str], options: Sequence[str]) -> int:
    chosen = set(chosen)
    return sum(1 << i for i, option in enumerate(options) if option in chosen)


def from_mask(mask: int, options: Sequence[str]) -> list[str]:
    if mask < 0 or mask >= 1 << len(options):
        raise InvalidInput("mask")
    return [option for i, option in enumerate(options) if mask & (1 << i)]


# --- the draft itself ----------------------------------------------------------------------------


async def start_draft(
    session: AsyncSession, *, user: User, group: Group, kind: Kind
) -> AgreementDraft:
    """A new draft for this group; any earlier draft of the user is dropped."""
    roster = await active_participants(session, group.id)
    if len(roster) < MIN_PARTIES:
        raise DomainError("roster_too_small")
    await drop_draft(session, user_id=user.id)
    draft = AgreementDraft(
        key=secrets.token_urlsafe(6),
        user_id=user.id,
        group_id=group.id,
        roster_version=group.roster_version,
        kind=kind.value,
        created_at=clock.now(),
    )
    session.add(draft)
    await session.flush()
    return draft


async def drop_draft(session: AsyncSession, *, user_id: int, key: str | None = None) -> None:
    """Deletes the user's draft (only the one with `key`, when given)."""
    statement = delete(AgreementDraft).where(AgreementDraft.user_id == user_id)
    if key is not None:
        statement = statement.where(AgreementDraft.key == key)
    await session.execute(statement)


async def get_draft(session: AsyncSession, *, key: str, user: User) -> AgreementDraft:
    """The user's own draft with this key, still fresh; else NotFound (a stale button)."""
    draft = await session.scalar(
        select(AgreementDraft).where(AgreementDraft.key == key, AgreementDraft.user_id == user.id)
    )
    if draft is None or clock.now() - draft.created_at > timedelta(hours=DRAFT_HOURS):
        raise NotFound()
    return draft


def draft_complete(draft: AgreementDraft) -> bool:
    return (
        len(draft.parties) >= MIN_PARTIES
        and draft.reached_on is not None
        and draft.written is not None
        and bool(draft.summary)
    )


# --- the parties ---------------------------------------------------------------------------------


async def draft_roster(session: AsyncSession, draft: AgreementDraft) -> list[Participant]:
    """The roster the party toggles index; refused when it changed since the draft began."""
    group = await session.get(Group, draft.group_id)
    if group is None:
        raise NotFound()
    if group.roster_version != draft.roster_version:
        raise Conflict()
    return await active_participants(session, group.id)


async def set_parties(session: AsyncSession, draft: AgreementDraft, mask: int) -> list[Participant]:
    roster = await draft_roster(session, draft)
    if mask < 0 or mask >= 1 << len(roster):
        raise InvalidInput("mask")
    chosen = [p for i, p in enumerate(roster) if mask & (1 << i)]
    if len(chosen) < MIN_PARTIES:
        raise InvalidInput("too_few_parties")
    draft.party_ids = ",".join(str(p.id) for p in chosen)
    return chosen


async def draft_party_codes(session: AsyncSession, draft: AgreementDraft) -> list[str]:
    """The codes of the parties chosen, in roster order."""
    rows = await session.scalars(
        select(Participant.code).where(Participant.id.in_(draft.parties)).order_by(Participant.id)
    )
    return list(rows)


async def set_roles(
    session: AsyncSession, *, draft: AgreementDraft, which: str, mask: int
) -> list[str]:
    """Outside parties (`which` "outside") or witnesses, by role: a mask over their roles."""
    if which == "outside":
        roles = from_mask(mask, OUTSIDE_ROLES)
        if NOT_A_PARTY & set(roles):
            raise InvalidInput("official_party")
        draft.outside_roles = ",".join(roles)
    else:
        roles = from_mask(mask, WITNESS_ROLES)
        draft.witness_roles = ",".join(roles)
    return roles


# --- the date, the paper, the summary ------------------------------------------------------------


def check_reached_on(group: Group, day: date) -> None:
    """Never in the future (in the group's time zone), nor before the group began."""
    if day > local_today(group):
        raise InvalidInput("date_future")
    if day < group.start_date - timedelta(days=7):
        raise InvalidInput("date_before_start")


async def set_reached_on(session: AsyncSession, *, draft: AgreementDraft, day: date) -> None:
    """The date the agreement was reached, checked against the draft's group."""
    group = await session.get(Group, draft.group_id)
    if group is None:
        raise NotFound()
    check_reached_on(group, day)
    draft.reached_on = day


async def set_written(session: AsyncSession, *, draft: AgreementDraft, written: bool) -> None:
    """Whether a paper signed by the parties exists."""
    draft.written = written


def clean_summary(text: str) -> str:
    summary = " ".join(text.split())
    if not summary:
        raise InvalidInput("summary_empty")
    if len(summary) > SUMMARY_MAX:
        raise InvalidInput("summary_too_long", length=len(summary))
    return summary


async def set_summary(session: AsyncSession, *, draft: AgreementDraft, text: str) -> str:
    """The summary as typed, spaces tidied; refused when empty or longer than SUMMARY_MAX."""
    draft.summary = clean_summary(text)
    return draft.summary
