"""Agreements waiting for a coordinator, with the clock moved: reminded, then climbing the area
tree level by level (colline → commune → province → admins), skipping a level nobody can be
reached at, never twice, never for a referred agreement; and the facilitators told when their
agreement is acknowledged and documented."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from models import agreements, roster
from models.agreements import Agreement, AgreementEvent
from models.clock import clock
from models.db import Database
from models.groups import Group
from models.outbox import OutboxMessage
from models.scope import Scope
from models.sweep import run_sweep
from models.users import Role, User
from tests.support import factories

# Wednesday 25 November 2026, 12:00 in Bujumbura (UTC+2).
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


async def setup(db: Database) -> dict[str, int]:
    """A group in Gitega/Giheta/Kabuye with two facilitators; a coordinator of its colline, two
    of its commune, one of its province, one of another province, and an admin."""
    clock.set(NOW)
    async with db.write() as s:
        group = await factories.group(s)
        await roster.add_codes(s, group=group, text="A1, A2, A3", actor_id=None)
        ids = {"group": group.id}
        ids["col"] = (await factories.user(s, 10, Role.COORDINATOR, area="Gitega/Giheta/Kabuye")).id
        ids["c1"] = (await factories.user(s, 11, Role.COORDINATOR, area="Gitega/Giheta")).id
        ids["c2"] = (await factories.user(s, 12, Role.COORDINATOR, area="Gitega/Giheta")).id
        ids["p"] = (await factories.user(s, 13, Role.COORDINATOR, area="Gitega")).id
        ids["other"] = (await factories.user(s, 14, Role.COORDINATOR, area="Ngozi")).id
        ids["admin"] = (await factories.user(s, 15, Role.ADMIN)).id
        ids["f"] = (await factories.user(s, 16, Role.FACILITATOR, group_id=group.id)).id
        ids["f2"] = (await factories.user(s, 17, Role.FACILITATOR, group_id=group.id)).id
    return ids


async def save(db: Database, ids: dict[str, int]) -> int:
    async with db.write() as s:
        group = await s.get(Group, ids["group"])
        reporter = await s.get(User, ids["f"])
        assert group is not None and reporter is not None
        return int((await factories.agreement(s, group=group, reporter=reporter)).id)


async def sent(db: Database, kind: str) -> dict[str, list[int]]:
    """Recipients of the outbox rows of `kind`, by period."""
    async with db.read() as s:
        rows = await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind))
        found: dict[str, list[int]] = {}
        for row in rows:
            found.setdefault(row.key.split(":")[3], []).append(row.recipient_id)
    return {period: sorted(users) for period, users in found.items()}


async def sweep_at(db: Database, when: datetime, times: int = 2) -> None:
    """The sweep at `when`, run more than once: a repeat must queue nothing."""
    clock.set(when)
    for _ in range(times):
        await run_sweep(db)


async def level(db: Database, number: int) -> int | None:
    async with db.read() as s:
        agreement = await s.get(Agreement, number)
        assert agreement is not None
        return agreement.escalation_level


async def act(db: Database, user_id: int, number: int, reference: str | None = None) -> None:
    """The user acknowledges the agreement, or records its reference."""
    async with db.write() as s:
        user = await s.get(User, user_id)
        assert user is not None
        scope = await Scope.of(s, user)
        if reference is None:
            await agreements.acknowledge(s, scope=scope, agreement_id=number, actor_id=user_id)
            return
        agreement = await agreements.get_agreement(s, scope, number)
        await agreements.document(
            s,
            scope=scope,
            agreement_id=number,
            version=agreement.version,
            reference=reference,
            actor_id=user_id,
        )


async def test_unacknowledged_climbs_the_tree_one_level_every_48_hours(db: Database) -> None:
    ids = await setup(db)
    number = await save(db, ids)
    assert await sent(db, "agreement.alert") == {"new": [ids["col"]]}

    await sweep_at(db, NOW + 48 * HOUR - timedelta(minutes=1))
    assert await sent(db, "agreement.reminder") == {}
    await sweep_at(db, NOW + 48 * HOUR)
    assert await sent(db, "agreement.reminder") == {"48h": [ids["col"]]}
    assert await level(db, number) == 3

    await sweep_at(db, NOW + 96 * HOUR - timedelta(minutes=1))
    assert await sent(db, "agreement.escalation") == {}
    await sweep_at(db, NOW + 96 * HOUR)
    assert await sent(db, "agreement.escalation") == {"level2": sorted([ids["c1"], ids["c2"]])}
    assert await level(db, number) == 2

    await sweep_at(db, NOW + 144 * HOUR)
    await sweep_at(db, NOW + 192 * HOUR)
    await sweep_at(db, NOW + 30 * DAY)
    assert await sent(db, "agreement.escalation") == {
        "level2": sorted([ids["c1"], ids["c2"]]),
        "level1": [ids["p"]],
        "level0": [ids["admin"]],
    }
    assert await level(db, number) == 0
    assert await sent(db, "agreement.reminder") == {"48h": [ids["col"]]}
    async with db.read() as s:
        actions = [e.action for e in await s.scalars(select(AgreementEvent))]
    assert actions == ["reported", "escalated.commune", "escalated.province", "escalated"]


async def test_a_level_nobody_can_be_reached_at_is_skipped(db: Database) -> None:
    ids = await setup(db)
    async with db.write() as s:
        for key in ("c1", "c2"):
            await s.execute(update(User).where(User.id == ids[key]).values(unreachable_at=NOW))
        await s.execute(update(User).where(User.id == ids["p"]).values(revoked_at=NOW))
    await save(db, ids)
    await sweep_at(db, NOW + 48 * HOUR)
    await sweep_at(db, NOW + 96 * HOUR)
    # Neither the commune nor the province: the admins straight after the colline.
    assert await sent(db, "agreement.escalation") == {"level0": [ids["admin"]]}
    await sweep_at(db, NOW + 20 * DAY)
    assert await sent(db, "agreement.escalation") == {"level0": [ids["admin"]]}


async def test_after_a_stop_one_step_at_a_time_and_never_twice(db: Database) -> None:
    ids = await setup(db)
    await save(db, ids)
    # The bot was down for ten days: the reminder first, not every level at once.
    await sweep_at(db, NOW + 10 * DAY)
    assert await sent(db, "agreement.reminder") == {"48h": [ids["col"]]}
    assert await sent(db, "agreement.escalation") == {}
    # Two sweeps find the same escalation at once (a restart while one was running): the write
    # that comes second checks again and queues nothing.
    clock.set(NOW + 12 * DAY)
    async with db.read() as s:
        first = await agreements.find_reminders(s, clock.now())
    async with db.read() as s:
        second = await agreements.find_reminders(s, clock.now())
    assert first is not None and second is not None
    async with db.write() as s:
        assert await first(s) == 2
    async with db.write() as s:
        assert await second(s) == 0
    assert await sent(db, "agreement.escalation") == {"level2": sorted([ids["c1"], ids["c2"]])}


async def test_a_referred_agreement_is_never_reminded_or_escalated(db: Database) -> None:
    ids = await setup(db)
    waiting = await save(db, ids)
    acknowledged = await save(db, ids)
    await act(db, ids["col"], acknowledged)
    async with db.write() as s:
        await s.execute(
            update(Agreement)
            .where(Agreement.id.in_([waiting, acknowledged]))
            .values(status="referred")  # models.agreements.referral
        )
    for days in (2, 4, 7, 14, 21, 40):
        await sweep_at(db, NOW + days * DAY, times=1)
    for kind in ("agreement.reminder", "agreement.escalation", "agreement.undocumented"):
        assert await sent(db, kind) == {}


async def test_acknowledged_but_undocumented_is_reminded_then_escalated(db: Database) -> None:
    ids = await setup(db)
    number = await save(db, ids)
    await sweep_at(db, NOW + 96 * HOUR)  # escalated to the commune before it was acknowledged
    acknowledged_at = NOW + 100 * HOUR
    clock.set(acknowledged_at)
    await act(db, ids["c2"], number)
    assert await level(db, number) is None

    await sweep_at(db, acknowledged_at + 7 * DAY - timedelta(minutes=1))
    assert await sent(db, "agreement.undocumented") == {}
    # Whoever acknowledged it and the coordinators of their level.
    await sweep_at(db, acknowledged_at + 7 * DAY)
    assert await sent(db, "agreement.undocumented") == {"reminder": sorted([ids["c1"], ids["c2"]])}
    await sweep_at(db, acknowledged_at + 14 * DAY - timedelta(minutes=1))
    assert "level1" not in await sent(db, "agreement.undocumented")
    await sweep_at(db, acknowledged_at + 14 * DAY)
    await sweep_at(db, acknowledged_at + 21 * DAY)
    await sweep_at(db, acknowledged_at + 60 * DAY)
    assert await sent(db, "agreement.undocumented") == {
        "reminder": sorted([ids["c1"], ids["c2"]]),
        "level1": [ids["p"]],
        "level0": [ids["admin"]],
    }
    async with db.read() as s:
        rows = await s.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "agreement.undocumented")
        )
        steps = {row.key.split(":")[3]: row.data["step"] for row in rows}
        actions = [e.action for e in await s.scalars(select(AgreementEvent))]
    assert steps == {"reminder": "reminder", "level1": "escalation", "level0": "escalation"}
    assert actions[-3:] == ["acknowledged", "paper.escalated.province", "paper.escalated"]


async def test_documenting_ends_the_reminders(db: Database) -> None:
    ids = await setup(db)
    number = await save(db, ids)
    await act(db, ids["col"], number)
    await sweep_at(db, NOW + 7 * DAY)
    assert await sent(db, "agreement.undocumented") == {"reminder": [ids["col"]]}
    await act(db, ids["col"], number, reference="GIT-2026/020")
    await sweep_at(db, NOW + 60 * DAY)
    assert await sent(db, "agreement.undocumented") == {"reminder": [ids["col"]]}


async def test_facilitators_are_told_of_acknowledgement_and_documentation(db: Database) -> None:
    ids = await setup(db)
    number = await save(db, ids)
    both = sorted([ids["f"], ids["f2"]])
    await act(db, ids["col"], number)
    await act(db, ids["c1"], number)  # already acknowledged: nothing more
    assert await sent(db, "agreement.notice") == {"acknowledged": both}
    await act(db, ids["col"], number, reference="GIT-2026/021")
    await act(db, ids["p"], number, reference="GIT-2026/022")  # a correction tells no one
    assert await sent(db, "agreement.notice") == {"acknowledged": both, "documented": both}
    async with db.read() as s:
        rows = list(
            await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "agreement.notice"))
        )
    assert {row.data["event"] for row in rows} == {"acknowledged", "documented"}
    assert all("GIT" not in row.payload for row in rows)

    # Documented at once, without acknowledging first: one notice, that it is documented.
    other = await save(db, ids)
    await act(db, ids["admin"], other, reference="GIT-2026/023")
    async with db.read() as s:
        rows = list(
            await s.scalars(
                select(OutboxMessage).where(OutboxMessage.subject == f"agreement:{other}")
            )
        )
    assert sorted((r.kind, r.recipient_id) for r in rows if r.kind == "agreement.notice") == [
        ("agreement.notice", ids["f"]),
        ("agreement.notice", ids["f2"]),
    ]
    assert {r.data.get("event") for r in rows if r.kind == "agreement.notice"} == {"documented"}
