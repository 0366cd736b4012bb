"""Small builders for test data, going through the domain functions."""

from __future__ import annotations

from datetime import date, time
from typing import Any

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


async def agreement(
    session: AsyncSession,
    *,
    group: Group,
    reporter: User,
    codes: tuple[str, ...] = ("A1", "A2"),
    kind: str = "land",
    reached_on: date | None = None,
    summary: str = "A1 lets A2 farm the lower field; they meet again in June.",
    written: bool = True,
) -> Any:
    """An agreement saved the way the flow saves it (alerts queued); the codes must be on the
    group's active roster."""
    from models import agreements
    from models.meetings import local_today
    from models.roster import active_participants

    draft = await agreements.start_draft(
        session, user=reporter, group=group, kind=agreements.Kind(kind)
    )
    roster = await active_participants(session, group.id)
    draft.party_ids = ",".join(str(p.id) for p in roster if p.code in codes)
    draft.reached_on = reached_on or local_today(group)
    draft.written = written
    draft.summary = summary
    return await agreements.save_draft(session, draft=draft, user=reporter)
