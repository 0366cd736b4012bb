"""A referred agreement (violence: not an agreement) in the domain: erased, within scope, once;
never pending, followed up or counted as an agreement reached; and the summary question."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import agreements
from models.agreements import Agreement, AgreementEvent, AgreementParty, FollowUp, Kind, Status
from models.clock import clock
from models.db import Database
from models.errors import NotFound
from models.groups import Group
from models.outbox import OutboxKind, OutboxMessage
from models.reports.indicators_facts import read_facts
from models.reports.period import Period
from models.scope import Scope
from models.sweep import run_sweep
from models.users import User
from tests.domain.test_agreements import NOW, save, setup


async def scope_of(db: Database, user_id: int) -> Scope:
    async with db.read() as s:
        user = await s.get(User, user_id)
        assert user is not None
        return await Scope.of(s, user)


async def test_referring_erases_the_text_keeps_the_type_and_happens_once(db: Database) -> None:
    ids = await setup(db)
    agreement_id = await save(db, ids)
    kept = await save(db, ids)
    other = await scope_of(db, ids["other"])
    async with db.write() as s:
        with pytest.raises(NotFound):
            await agreements.refer(s, scope=other, agreement_id=agreement_id, actor_id=ids["other"])
    coordinator = await scope_of(db, ids["c1"])
    async with db.write() as s:
        _, changed = await agreements.refer(
            s, scope=coordinator, agreement_id=agreement_id, actor_id=ids["c1"]
        )
        assert changed
    async with db.write() as s:
        _, again = await agreements.refer(
            s, scope=coordinator, agreement_id=agreement_id, actor_id=ids["c1"]
        )
        assert not again
    async with db.read() as s:
        record = await s.get(Agreement, agreement_id)
        assert record is not None and record.status == Status.REFERRED and record.summary is None
        assert record.kind == "land" and record.group_id == ids["group"]
        parties = select(func.count()).where(AgreementParty.agreement_id == agreement_id)
        assert await s.scalar(parties) == 0
        events = list(
            await s.scalars(
                select(AgreementEvent.action).where(AgreementEvent.agreement_id == agreement_id)
            )
        )
        assert events == ["reported", "referred"]
        notices = list(
            await s.scalars(
                select(OutboxMessage.recipient_id).where(
                    OutboxMessage.kind == OutboxKind.AGREEMENT_REFERRED
                )
            )
        )
        assert notices == [ids["f"]]
        # Not waiting for anyone, and no longer an agreement reached.
        waiting = await agreements.pending(s, coordinator)
        assert [a.id for a in waiting] == [kept]
        assert await agreements.count_pending(s, coordinator) == 1
        month = Period(NOW.date() - timedelta(days=30), NOW.date() + timedelta(days=1))
        facts = await read_facts(s, coordinator, month)
        assert len(facts.agreements) == 1


async def test_a_referred_agreement_is_never_followed_up(db: Database) -> None:
    ids = await setup(db)
    agreement_id = await save(db, ids)
    async with db.write() as s:
        admin = await scope_of(db, ids["admin"])
        await agreements.refer(s, scope=admin, agreement_id=agreement_id, actor_id=ids["admin"])
    clock.set(NOW + timedelta(days=100))
    await run_sweep(db)
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(FollowUp)) == 0


async def test_a_summary_with_violence_words_waits_for_the_answer(db: Database) -> None:
    ids = await setup(db)
    async with db.write() as s:
        group = await s.get(Group, ids["group"])
        user = await s.get(User, ids["f"])
        assert group is not None and user is not None
        draft = await agreements.start_draft(s, user=user, group=group, kind=Kind.FAMILY)
        assert await agreements.hold_summary(s, draft=draft, text="A1 will not beat A2 again")
        assert draft.summary is None and draft.unchecked_summary
        assert await agreements.no_violence(s, draft=draft) == "A1 will not beat A2 again"
        assert draft.violence_check and draft.unchecked_summary is None
        with pytest.raises(NotFound):
            await agreements.no_violence(s, draft=draft)  # answered already
        assert not await agreements.hold_summary(s, draft=draft, text="A1 gives A2 the field")
        assert not draft.violence_check
        await agreements.hold_summary(s, draft=draft, text="Il l'a frappée")
        await agreements.violence_confirmed(s, draft=draft, actor_id=user.id)
        await s.flush()
        assert await s.scalar(select(func.count()).select_from(agreements.AgreementDraft)) == 0
