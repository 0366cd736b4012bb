"""Agreements in the domain: saving with alerts, who is alerted, hand-over, status and history,
follow-ups, drafts and retention (reminders and escalation: test_agreement_escalation.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from models import agreements, roster
from models.agreements import (
    Agreement,
    AgreementDraft,
    AgreementEvent,
    AgreementParty,
    Answer,
    Kind,
    Status,
)
from models.audit import AuditEntry
from models.clock import clock
from models.db import Database
from models.errors import Conflict, DomainError, InvalidInput, NotFound
from models.groups import Group
from models.outbox import OutboxMessage
from models.scope import Scope
from models.sweep import run_sweep
from models.users import Role, User
from tests.support import factories

# Wednesday 25 November 2026, 12:00 in Bujumbura (UTC+2).
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CODES = "A1, A2, A3, A4"


async def setup(db: Database) -> dict[str, int]:
    """A group in Gitega/Giheta/Kabuye, two commune coordinators, one of the province, one of
    another province, an admin and a facilitator."""
    clock.set(NOW)
    async with db.write() as s:
        group = await factories.group(s)
        await roster.add_codes(s, group=group, text=CODES, actor_id=None)
        ids = {"group": group.id}
        ids["c1"] = (await factories.user(s, 11, Role.COORDINATOR, area="Gitega/Giheta")).id
        ids["c2"] = (await factories.user(s, 12, Role.COORDINATOR, area="Gitega/Giheta")).id
        ids["p"] = (await factories.user(s, 13, Role.COORDINATOR, area="Gitega")).id
        ids["other"] = (await factories.user(s, 14, Role.COORDINATOR, area="Ngozi")).id
        ids["admin"] = (await factories.user(s, 15, Role.ADMIN)).id
        ids["f"] = (await factories.user(s, 16, Role.FACILITATOR, group_id=group.id)).id
    return ids


async def save(db: Database, ids: dict[str, int], **kw: object) -> int:
    async with db.write() as s:
        group = await s.get(Group, ids["group"])
        reporter = await s.get(User, ids["f"])
        assert group is not None and reporter is not None
        return int((await factories.agreement(s, group=group, reporter=reporter, **kw)).id)  # type: ignore[arg-type]


async def recipients(db: Database, kind: str) -> dict[str, list[int]]:
    async with db.read() as s:
        rows = await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind))
        found: dict[str, list[int]] = {}
        for row in rows:
            found.setdefault(row.key.split(":")[3], []).append(row.recipient_id)
    return {period: sorted(users) for period, users in found.items()}


async def scope_of(s: object, user_id: int) -> Scope:
    user = await s.get(User, user_id)  # type: ignore[attr-defined]
    return await Scope.of(s, user)  # type: ignore[arg-type]


async def test_saving_alerts_the_nearest_coordinators_in_one_transaction(db: Database) -> None:
    ids = await setup(db)
    number = await save(db, ids, codes=("A1", "A3"))
    assert await recipients(db, "agreement.alert") == {"new": sorted([ids["c1"], ids["c2"]])}
    async with db.read() as s:
        agreement = await s.get(Agreement, number)
        assert agreement is not None and agreement.status == Status.REPORTED
        assert await agreements.party_codes(s, number) == ["A1", "A3"]
        assert [e.action for e in await agreements.history(s, number)] == ["reported"]
        assert await s.scalar(select(func.count()).select_from(AgreementDraft)) == 0
        assert (
            await s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "agreement.report", AuditEntry.record_id == number)
            )
            == 1
        )
        stored = await s.scalar(text("SELECT summary FROM agreements"))
    # Encrypted at rest: the stored value is a token, not the text.
    assert "field" not in stored and stored.startswith("gAAAA")


async def test_without_coordinators_the_admins_are_alerted(db: Database) -> None:
    clock.set(NOW)
    async with db.write() as s:
        group = await factories.group(s, path="Ngozi/Busiga/Ruhororo")
        await roster.add_codes(s, group=group, text=CODES, actor_id=None)
        admin = await factories.user(s, 21, Role.ADMIN)
        facilitator = await factories.user(s, 22, Role.FACILITATOR, group_id=group.id)
        await factories.user(s, 23, Role.COORDINATOR, area="Gitega")
        await factories.agreement(s, group=group, reporter=facilitator)
    assert await recipients(db, "agreement.alert") == {"new": [admin.id]}


async def test_a_coordinator_who_blocked_the_bot_is_skipped_next_time(db: Database) -> None:
    ids = await setup(db)
    async with db.write() as s:
        blocked = await s.get(User, ids["c2"])
        assert blocked is not None
        blocked.unreachable_at = clock.now()
    await save(db, ids)
    assert await recipients(db, "agreement.alert") == {"new": [ids["c1"]]}
    async with db.write() as s:
        first = await s.get(User, ids["c1"])
        assert first is not None
        first.unreachable_at = clock.now()
    await save(db, ids)
    # The whole commune level is unreachable: the province coordinator gets the second one.
    async with db.read() as s:
        rows = list(await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [r.recipient_id for r in rows] == [ids["c1"], ids["p"]]


async def test_hand_over_goes_one_level_up_then_to_the_admins(db: Database) -> None:
    ids = await setup(db)
    number = await save(db, ids)
    async with db.write() as s:
        group = await s.get(Group, ids["group"])
        assert group is not None
        row = await s.scalar(select(OutboxMessage).where(OutboxMessage.recipient_id == ids["c2"]))
        assert row is not None
        assert await agreements.hand_over(s, row, group) == 1
        handed = await s.scalar(select(OutboxMessage).where(OutboxMessage.recipient_id == ids["p"]))
        assert handed is not None and handed.key.endswith(f"handover:{ids['c2']}:{ids['p']}")
        assert handed.data == {"agreement_id": number}
        # The province coordinator blocked the bot too: the admins.
        assert await agreements.hand_over(s, handed, group) == 1
        to_admin = await s.scalar(
            select(OutboxMessage).where(OutboxMessage.recipient_id == ids["admin"])
        )
        assert to_admin is not None
        # Handing over twice queues nothing twice.
        await agreements.hand_over(s, row, group)
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 4


async def test_acknowledge_document_and_history(db: Database) -> None:
    ids = await setup(db)
    number = await save(db, ids)
    clock.advance(timedelta(hours=3))
    async with db.write() as s:
        scope = await scope_of(s, ids["c1"])
        done = await agreements.acknowledge(s, scope=scope, agreement_id=number, actor_id=ids["c1"])
        assert done.changed and done.agreement.status == Status.ACKNOWLEDGED
        version = done.agreement.version
    async with db.write() as s:
        scope = await scope_of(s, ids["c2"])
        again = await agreements.acknowledge(
            s, scope=scope, agreement_id=number, actor_id=ids["c2"]
        )
        assert not again.changed and again.agreement.acknowledged_by == ids["c1"]
    async with db.write() as s:
        scope = await scope_of(s, ids["c1"])
        for bad in ("", "Marie", "x" * 31, "12 34", "<b>1</b>"):
            with pytest.raises(InvalidInput):
                await agreements.document(
                    s,
                    scope=scope,
                    agreement_id=number,
                    version=version,
                    reference=bad,
                    actor_id=ids["c1"],
                )
        with pytest.raises(Conflict):
            await agreements.document(
                s,
                scope=scope,
                agreement_id=number,
                version=version - 1,
                reference="GIT-2026/014",
                actor_id=ids["c1"],
            )
        documented = await agreements.document(
            s,
            scope=scope,
            agreement_id=number,
            version=version,
            reference=" GIT-2026/014 ",
            actor_id=ids["c1"],
        )
        assert documented.status == Status.DOCUMENTED and documented.reference == "GIT-2026/014"
    async with db.write() as s:
        scope = await scope_of(s, ids["p"])
        agreement = await agreements.get_agreement(s, scope, number)
        await agreements.document(
            s,
            scope=scope,
            agreement_id=number,
            version=agreement.version,
            reference="GIT-2026/015",
            actor_id=ids["p"],
        )
    async with db.read() as s:
        events = [(e.action, e.actor_id, e.detail) for e in await agreements.history(s, number)]
    assert events == [
        ("reported", ids["f"], None),
        ("acknowledged", ids["c1"], None),
        ("documented", ids["c1"], "GIT-2026/014"),
        ("reference.corrected", ids["p"], "GIT-2026/015"),
    ]


async def test_out_of_scope_coordinator_can_neither_see_nor_act(db: Database) -> None:
    ids = await setup(db)
    number = await save(db, ids)
    async with db.write() as s:
        scope = await scope_of(s, ids["other"])
        with pytest.raises(NotFound):
            await agreements.get_agreement(s, scope, number)
        with pytest.raises(NotFound):
            await agreements.acknowledge(s, scope=scope, agreement_id=number, actor_id=ids["other"])
        with pytest.raises(NotFound):
            await agreements.document(
                s,
                scope=scope,
                agreement_id=number,
                version=1,
                reference="NG-1",
                actor_id=ids["other"],
            )
        assert await agreements.pending(s, scope) == []
        admin_scope = await scope_of(s, ids["admin"])
        assert [a.id for a in await agreements.pending(s, admin_scope)] == [number]
    async with db.read() as s:
        agreement = await s.get(Agreement, number)
        assert agreement is not None and agreement.status == Status.REPORTED


async def test_an_acknowledged_agreement_is_neither_reminded_nor_escalated(db: Database) -> None:
    ids = await setup(db)
    number = await save(db, ids)
    clock.set(NOW + timedelta(hours=47))
    async with db.write() as s:
        scope = await scope_of(s, ids["c2"])
        await agreements.acknowledge(s, scope=scope, agreement_id=number, actor_id=ids["c2"])
    clock.set(NOW + timedelta(days=5))
    await run_sweep(db)
    assert await recipients(db, "agreement.reminder") == {}
    assert await recipients(db, "agreement.escalation") == {}


async def test_follow_ups_one_and_three_months_after_the_date_reached(db: Database) -> None:
    ids = await setup(db)
    number = await save(db, ids, reached_on=date(2026, 11, 21))
    # Due on 21 December at 09:00 in Bujumbura, which is 07:00 UTC.
    clock.set(datetime(2026, 12, 21, 6, 59, tzinfo=UTC))
    await run_sweep(db)
    assert await recipients(db, "agreement.followup") == {}
    clock.set(datetime(2026, 12, 21, 7, 0, tzinfo=UTC))
    await run_sweep(db)
    await run_sweep(db)
    assert await recipients(db, "agreement.followup") == {"m1": [ids["f"]]}
    async with db.write() as s:
        scope = await scope_of(s, ids["f"])
        row, recorded = await agreements.answer_follow_up(
            s,
            scope=scope,
            agreement_id=number,
            step="m1",
            answer=Answer.HOLDS,
            actor_id=ids["f"],
        )
        assert recorded and row.answer == Answer.HOLDS
        with pytest.raises(NotFound):  # not asked yet
            await agreements.answer_follow_up(
                s,
                scope=scope,
                agreement_id=number,
                step="m3",
                answer=Answer.HOLDS,
                actor_id=ids["f"],
            )
    async with db.write() as s:
        scope = await scope_of(s, ids["c1"])
        row, recorded = await agreements.answer_follow_up(
            s,
            scope=scope,
            agreement_id=number,
            step="m1",
            answer=Answer.BROKEN,
            actor_id=ids["c1"],
        )
        assert not recorded and row.answer == Answer.HOLDS
    # The answer reaches the coordinators.
    assert await recipients(db, "agreement.answer") == {"m1": sorted([ids["c1"], ids["c2"]])}
    clock.set(datetime(2027, 2, 21, 7, 0, tzinfo=UTC))
    await run_sweep(db)
    assert await recipients(db, "agreement.followup") == {"m1": [ids["f"]], "m3": [ids["f"]]}


async def test_recorded_late_only_the_latest_follow_up_is_asked(db: Database) -> None:
    ids = await setup(db)
    clock.set(datetime(2027, 3, 1, 10, 0, tzinfo=UTC))
    number = await save(db, ids, reached_on=date(2026, 11, 5))
    await run_sweep(db)
    assert await recipients(db, "agreement.followup") == {"m3": [ids["f"]]}
    async with db.read() as s:
        steps = {f.step: f.asked_at for f in await agreements.follow_ups(s, number)}
    assert steps["m1"] is None and steps["m3"] is not None


async def test_drafts_refuse_bad_input(db: Database) -> None:
    ids = await setup(db)
    async with db.write() as s:
        group = await s.get(Group, ids["group"])
        user = await s.get(User, ids["f"])
        assert group is not None and user is not None
        draft = await agreements.start_draft(s, user=user, group=group, kind=Kind.HOUSE)
        with pytest.raises(InvalidInput):
            await agreements.set_parties(s, draft, 0b1)  # one party
        with pytest.raises(InvalidInput):
            await agreements.set_parties(s, draft, 1 << 4)  # not on the roster
        chosen = await agreements.set_parties(s, draft, 0b101)
        assert [p.code for p in chosen] == ["A1", "A3"]
        with pytest.raises(InvalidInput):
            agreements.check_reached_on(group, date(2026, 11, 26))  # tomorrow in Bujumbura
        agreements.check_reached_on(group, date(2026, 11, 25))
        with pytest.raises(InvalidInput):
            agreements.clean_summary("x" * 501)
        with pytest.raises(InvalidInput):
            agreements.clean_summary("  \n ")
        assert agreements.clean_summary(" A1  gives\nA2 the field ") == "A1 gives A2 the field"
        with pytest.raises(InvalidInput):
            await agreements.save_draft(s, draft=draft, user=user)  # incomplete
        await roster.add_codes(s, group=group, text="A5", actor_id=None)
        with pytest.raises(Conflict):
            await agreements.draft_roster(s, draft)
        key = draft.key
    async with db.write() as s:
        other = await s.get(User, ids["c1"])
        assert other is not None
        with pytest.raises(NotFound):
            await agreements.get_draft(s, key=key, user=other)


async def test_a_roster_of_one_cannot_hold_an_agreement(db: Database) -> None:
    clock.set(NOW)
    async with db.write() as s:
        group = await factories.group(s)
        await roster.add_codes(s, group=group, text="A1", actor_id=None)
        user = await factories.user(s, 31, Role.FACILITATOR, group_id=group.id)
        with pytest.raises(DomainError) as raised:
            await agreements.start_draft(s, user=user, group=group, kind=Kind.LAND)
    assert raised.value.code == "roster_too_small"


async def test_old_drafts_and_old_summaries_are_erased(db: Database) -> None:
    ids = await setup(db)
    number = await save(db, ids)
    async with db.write() as s:
        group = await s.get(Group, ids["group"])
        user = await s.get(User, ids["f"])
        assert group is not None and user is not None
        draft = await agreements.start_draft(s, user=user, group=group, kind=Kind.OTHER)
        draft.summary = "unfinished"
    clock.set(NOW + timedelta(hours=49))
    await run_sweep(db)
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(AgreementDraft)) == 0
    clock.set(NOW + timedelta(days=800))
    await run_sweep(db)
    async with db.read() as s:
        agreement = await s.get(Agreement, number)
        assert agreement is not None and agreement.summary is None
        assert agreement.status == Status.REPORTED  # the record itself stays
        assert await s.scalar(select(func.count()).select_from(AgreementParty)) == 2
        actions = [e.action for e in await s.scalars(select(AgreementEvent))]
    assert "summary.erased" in actions
