"""Consent per participant code: dated, refused for days outside the group's time, a withdrawal
removes the code for good, and two facilitators recording at once leave one consistent record."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from conversations.vocabulary.errors import domain_error_text
from locales import translator
from models import roster
from models.audit import AuditEntry
from models.clock import clock
from models.db import Database
from models.errors import InvalidInput, NotFound
from models.groups import Group
from models.roster import Participant
from models.users import Role
from tests.support import factories

# 10:00 in Bujumbura (UTC+2), a Wednesday; the group started on 6 January.
NOW = datetime(2027, 3, 3, 8, tzinfo=UTC)
TODAY = date(2027, 3, 3)
START = date(2027, 1, 6)


async def actions(db: Database) -> list[str]:
    async with db.read() as s:
        found = await s.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.action.like("participant.consent.%"))
            .order_by(AuditEntry.id)
        )
        return list(found)


async def group_with_codes(db: Database, codes: str = "K1, K2, K3") -> tuple[int, list[int]]:
    async with db.write() as s:
        group = await factories.group(s, start_date=START)
        await roster.add_codes(s, group=group, text=codes, actor_id=None)
        return group.id, [p.id for p in await roster.active_participants(s, group.id)]


async def test_given_is_dated_and_a_withdrawal_removes_the_code_for_good(db: Database) -> None:
    clock.set(NOW)
    group_id, (k1, k2, _) = await group_with_codes(db)
    async with db.write() as s:
        group = await s.get(Group, group_id)
        assert group is not None
        given = await roster.record_consent(
            s, group=group, participant_id=k1, given=True, on=TODAY, actor_id=None
        )
        assert (given.consent_given_on, given.consent_withdrawn_on) == (TODAY, None)
        # The same day again changes nothing and is not audited twice.
        await roster.record_consent(
            s, group=group, participant_id=k1, given=True, on=TODAY, actor_id=None
        )
        k2_row = await roster.get_participant(s, group_id, k2)
        await roster.set_details(s, participant=k2_row, gender=roster.Gender.FEMALE, actor_id=None)
        version = group.roster_version
        withdrawn = await roster.record_consent(
            s, group=group, participant_id=k2, given=False, on=TODAY, actor_id=None
        )
        assert withdrawn.consent_withdrawn_on == TODAY
        assert withdrawn.code == f"~{k2}" and withdrawn.gender is None
        assert withdrawn.left_at is not None and group.roster_version == version + 1
        # Withdrawn is final: no consent can be recorded for the row again.
        for again in (True, False):
            with pytest.raises(NotFound) as refused:
                await roster.record_consent(
                    s, group=group, participant_id=k2, given=again, on=TODAY, actor_id=None
                )
            assert refused.value.code == "participant"
        # The old code is free for someone new, and the removed row cannot be typed back.
        result = await roster.add_codes(s, group=group, text=f"K2, ~{k2}", actor_id=None)
        assert result.added == ["K2"]
        assert result.rejected == [(f"~{k2}", "bad_characters")]
        assert withdrawn.left_at is not None
    assert await actions(db) == ["participant.consent.given", "participant.consent.withdrawn"]
    async with db.read() as s:
        codes = set(await s.scalars(select(Participant.code)))
        assert codes == {"K1", "K2", "K3", f"~{k2}"}


@pytest.mark.parametrize(
    ("now", "on", "code", "sentence"),
    [
        (
            NOW,
            date(2027, 3, 4),
            "consent_date_future",
            "Consent cannot be recorded for a day still to come. Record it on the day.",
        ),
        # Before the group starts: consent is gathered at recruitment, in the preparation.
        (NOW, date(2027, 1, 5), None, None),
        # 23:30 UTC on 3 March is already 4 March in Bujumbura: today there, so not refused.
        (datetime(2027, 3, 3, 23, 30, tzinfo=UTC), date(2027, 3, 4), None, None),
        (NOW, START, None, None),
    ],
)
async def test_days_in_the_future_are_refused_and_recruitment_days_are_not(
    db: Database, now: datetime, on: date, code: str | None, sentence: str | None
) -> None:
    clock.set(now)
    group_id, (k1, *_) = await group_with_codes(db)
    for given in (True, False):
        async with db.write() as s:
            group = await s.get(Group, group_id)
            assert group is not None
            if code is None:
                if given:
                    await roster.record_consent(
                        s, group=group, participant_id=k1, given=given, on=on, actor_id=None
                    )
                continue
            with pytest.raises(InvalidInput) as refused:
                await roster.record_consent(
                    s, group=group, participant_id=k1, given=given, on=on, actor_id=None
                )
            assert refused.value.code == code
            # What the facilitator reads in the pop-up.
            assert domain_error_text(translator("en"), refused.value) == sentence
    async with db.read() as s:
        k1_row = await s.get(Participant, k1)
        assert k1_row is not None and k1_row.code == "K1"
        assert k1_row.consent_given_on == (on if code is None else None)


async def _facilitator(
    db: Database,
    group_id: int,
    participant_id: int,
    *,
    given: bool,
    actor_id: int,
    ready: asyncio.Barrier | None,
) -> str:
    """One facilitator's tap: the handler reads the group and the participant, then records."""
    async with db.write() as s:
        group = await s.get(Group, group_id)
        assert group is not None
        await roster.get_participant(s, group_id, participant_id)
        if ready is not None:
            await ready.wait()  # PostgreSQL: both have read before either records
        try:
            await roster.record_consent(
                s,
                group=group,
                participant_id=participant_id,
                given=given,
                on=TODAY,
                actor_id=actor_id,
            )
        except NotFound as refused:
            return refused.code
    return "recorded"


async def test_two_facilitators_recording_at_once(db: Database) -> None:
    """On PostgreSQL both read first and the group's row lock orders them; SQLite serialises the
    two write transactions itself. Either way the second sees what the first did."""
    clock.set(NOW)
    group_id, (k1, k2, k3) = await group_with_codes(db)
    async with db.write() as s:
        first = (await factories.user(s, 9101, Role.FACILITATOR, group_id=group_id)).id
        second = (await factories.user(s, 9102, Role.FACILITATOR, group_id=group_id)).id

    async def both(participant_id: int, given: tuple[bool, bool]) -> list[str]:
        ready = None if db.is_sqlite else asyncio.Barrier(2)
        return list(
            await asyncio.gather(
                _facilitator(
                    db, group_id, participant_id, given=given[0], actor_id=first, ready=ready
                ),
                _facilitator(
                    db, group_id, participant_id, given=given[1], actor_id=second, ready=ready
                ),
            )
        )

    # Both record consent given for K1: one record, audited once.
    assert await both(k1, (True, True)) == ["recorded", "recorded"]
    assert await actions(db) == ["participant.consent.given"]
    # Both record the withdrawal of K2: the second is told the code is gone.
    assert sorted(await both(k2, (False, False))) == ["participant", "recorded"]
    # One records consent for K3 while the other records its withdrawal: withdrawn either way.
    outcome = await both(k3, (True, False))
    assert outcome[1] == "recorded" and outcome[0] in ("recorded", "participant")
    recorded = await actions(db)
    assert recorded.count("participant.consent.withdrawn") == 2
    assert recorded.count("participant.consent.given") == (2 if outcome[0] == "recorded" else 1)
    async with db.read() as s:
        group = await s.get(Group, group_id)
        assert group is not None
        # Adding K1, K2, K3 was one change; each withdrawal one more.
        assert group.roster_version == 4
        rows = {p.id: p for p in await s.scalars(select(Participant))}
        assert rows[k1].consent_given_on == TODAY and rows[k1].active
        for withdrawn in (k2, k3):
            assert rows[withdrawn].consent_withdrawn_on == TODAY
            assert rows[withdrawn].code == f"~{withdrawn}" and not rows[withdrawn].active
