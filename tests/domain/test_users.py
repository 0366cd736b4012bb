"""Invites and registration in the domain layer, against a real database."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import users
from models.audit import AuditEntry
from models.clock import clock
from models.db import Database
from models.errors import DomainError, InvalidInput, NotFound
from models.users import Invite, Role
from tests.support import factories


async def test_invite_code_is_deep_link_safe_and_stored_hashed(db: Database) -> None:
    async with db.write() as s:
        code, invite = await users.create_invite(s, role=Role.TRAINEE, uses=2)
    assert 1 <= len(code) <= 64
    assert all(c.isalnum() or c in "_-" for c in code)
    async with db.read() as s:
        stored = await s.get(Invite, invite.id)
        assert stored is not None
        assert stored.code_hash != code and code not in stored.code_hash
        assert stored.code_hash == users.hash_code(code)


async def test_invite_is_limited_in_uses_and_time(db: Database) -> None:
    async with db.write() as s:
        code, _ = await users.create_invite(s, role=Role.TRAINEE, uses=1, days=1)
    async with db.write() as s:
        await users.redeem_invite(s, telegram_id=1, code=code, default_language="rn")
    with pytest.raises(DomainError) as used:
        async with db.write() as s:
            await users.redeem_invite(s, telegram_id=2, code=code, default_language="rn")
    assert used.value.code == "invite_used"

    async with db.write() as s:
        code2, _ = await users.create_invite(s, role=Role.TRAINEE, uses=5, days=1)
    clock.set(clock.now() + timedelta(days=1, seconds=1))
    with pytest.raises(DomainError) as expired:
        async with db.write() as s:
            await users.redeem_invite(s, telegram_id=3, code=code2, default_language="rn")
    assert expired.value.code == "invite_expired"
    with pytest.raises(NotFound):
        async with db.write() as s:
            await users.redeem_invite(s, telegram_id=3, code="nonsense", default_language="rn")
    async with db.read() as s:
        assert await users.get_user(s, 2) is None
        assert await users.get_user(s, 3) is None


async def test_facilitator_invite_needs_a_group_and_joins_it(db: Database) -> None:
    with pytest.raises(InvalidInput):
        async with db.write() as s:
            await users.create_invite(s, role=Role.FACILITATOR)
    async with db.write() as s:
        g = await factories.group(s)
        first = await factories.user(s, 10, Role.FACILITATOR, group_id=g.id)
        second_group = await factories.group(s, name="Ubumwe", path="Gitega/Giheta/Mirama")
        again = await factories.user(s, 10, Role.FACILITATOR, group_id=second_group.id)
        assert again.id == first.id
    from models.scope import Scope

    async with db.read() as s:
        user = await users.get_user(s, 10)
        assert user is not None
        scope = await Scope.of(s, user)
        visible = {g.name for g in await s.scalars(scope.groups())}
    assert visible == {"Amahoro", "Ubumwe"}


async def test_redeeming_is_audited_and_a_revoked_user_cannot_come_back(db: Database) -> None:
    async with db.write() as s:
        u = await factories.user(s, 20, Role.TRAINEE)
        await users.revoke_user(s, user_id=u.id, actor_id=None)
        code, _ = await users.create_invite(s, role=Role.TRAINEE)
    with pytest.raises(DomainError) as revoked:
        async with db.write() as s:
            await users.redeem_invite(s, telegram_id=20, code=code, default_language="rn")
    assert revoked.value.code == "revoked"
    async with db.read() as s:
        actions = list(await s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions.count("invite.redeem") == 1
    assert "user.revoke" in actions


async def test_a_trainee_invited_as_facilitator_is_promoted_never_demoted(db: Database) -> None:
    async with db.write() as s:
        g = await factories.group(s)
        await factories.user(s, 30, Role.COORDINATOR, area="Gitega")
        coordinator = await factories.user(s, 30, Role.TRAINEE)
        assert coordinator.role == Role.COORDINATOR
        trainee = await factories.user(s, 31, Role.TRAINEE)
        promoted = await factories.user(s, 31, Role.FACILITATOR, group_id=g.id)
        assert promoted.id == trainee.id and promoted.role == Role.FACILITATOR
