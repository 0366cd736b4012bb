"""A coordinator's queries never return rows outside their subtree."""

from sqlalchemy import select

from models.db import Database
from models.groups import Group
from models.scope import Scope
from models.users import Role
from tests.support import factories

TREE = [
    ("Gitega/Giheta/Kabuye", "A"),
    ("Gitega/Giheta/Mirama", "B"),
    ("Gitega/Bugendana/Mugera", "C"),
    ("Ngozi/Busiga/Ruhororo", "D"),
    # A commune whose id-path could prefix another's if paths were not slash-terminated.
    ("Gitega/Giheta1/Kabuye", "E"),
]


async def _visible(db: Database, telegram_id: int) -> set[str]:
    from models.users import get_user

    async with db.read() as s:
        user = await get_user(s, telegram_id)
        assert user is not None
        scope = await Scope.of(s, user)
        return {g.name for g in await s.scalars(scope.groups())}


async def test_each_role_sees_exactly_its_subtree(db: Database) -> None:
    async with db.write() as s:
        made = {}
        for path, name in TREE:
            made[name] = await factories.group(s, name=name, path=path)
        await factories.user(s, 1, Role.COORDINATOR, area="Gitega")
        await factories.user(s, 2, Role.COORDINATOR, area="Gitega/Giheta")
        await factories.user(s, 3, Role.COORDINATOR, area="Ngozi")
        await factories.user(s, 4, Role.ADMIN)
        await factories.user(s, 5, Role.FACILITATOR, group_id=made["B"].id)
        await factories.user(s, 6, Role.TRAINEE)
        await factories.user(s, 7, Role.COORDINATOR, area="Gitega/Giheta/Kabuye")
    assert await _visible(db, 1) == {"A", "B", "C", "E"}
    assert await _visible(db, 2) == {"A", "B"}
    assert await _visible(db, 3) == {"D"}
    assert await _visible(db, 4) == {"A", "B", "C", "D", "E"}
    assert await _visible(db, 5) == {"B"}
    assert await _visible(db, 6) == set()
    assert await _visible(db, 7) == {"A"}


async def test_opening_a_group_out_of_scope_returns_nothing(db: Database) -> None:
    from models.users import get_user

    async with db.write() as s:
        inside = await factories.group(s, name="in", path="Gitega/Giheta/Kabuye")
        outside = await factories.group(s, name="out", path="Ngozi/Busiga/Ruhororo")
        await factories.user(s, 1, Role.COORDINATOR, area="Gitega")
    async with db.read() as s:
        user = await get_user(s, 1)
        assert user is not None
        scope = await Scope.of(s, user)
        assert await scope.group(s, inside.id) is not None
        assert await scope.group(s, outside.id) is None
        assert len(list(await s.scalars(select(Group)))) == 2
