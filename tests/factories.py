"""Small builders for test data, going through the domain functions."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy.ext.asyncio import AsyncSession

from models import areas, groups, users
from models.groups import Group
from models.users import Role, User


async def area_path(session: AsyncSession, path: str) -> areas.Area:
    return await areas.add_area_path(session, path.split("/"))


async def group(
    session: AsyncSession, name: str = "Amahoro", path: str = "Gitega/Giheta/Kabuye", **kw: object
) -> Group:
    colline = await area_path(session, path)
    return await groups.create_group(
        session,
        name=name,
        area=colline,
        weekday=int(kw.get("weekday", 2)),  # type: ignore[call-overload]
        meet_time=kw.get("meet_time", time(9, 0)),  # type: ignore[arg-type]
        start_date=kw.get("start_date", date(2026, 11, 4)),  # type: ignore[arg-type]
        timezone="Africa/Bujumbura",
    )


async def user(
    session: AsyncSession,
    telegram_id: int,
    role: Role,
    *,
    area: str | None = None,
    group_id: int | None = None,
    language: str = "fr",
) -> User:
    area_id = (await area_path(session, area)).id if area else None
    code, _ = await users.create_invite(session, role=role, area_id=area_id, group_id=group_id)
    registered = await users.redeem_invite(
        session, telegram_id=telegram_id, code=code, default_language=language
    )
    await users.set_language(session, registered, language)
    return registered
