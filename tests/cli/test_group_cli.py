"""`bot.py group create` and `bot.py group list`, run as an operator would, in a process; the
meeting day as an operator types it."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from sqlalchemy import select

from cli.places import parse_weekday
from models import roster
from models.audit import AuditEntry
from models.db import Database
from models.groups import Group, GroupMember
from models.settings import Settings
from models.users import Invite, Role, get_user, redeem_invite
from tests.support import factories
from tests.support.command_line import cli

LINK = re.compile(r"^link: https://t\.me/sociotherapy_test_bot\?start=([A-Za-z0-9_-]+)$", re.M)


async def test_create_prints_the_group_and_two_facilitator_links(
    settings: Settings, db: Database
) -> None:
    async with db.write() as s:
        colline = await factories.area_path(s, "Gitega/Giheta/Kabuye")
        await factories.area_path(s, "Ngozi/Ngozi/Kinyami")
    made = cli(
        settings,
        "group",
        "create",
        "--name",
        "Kabuye centre",
        "--area",
        "Gitega/Giheta/Kabuye",
        "--weekday",
        "Mercredi",
        "--time",
        "9:30",
        "--start",
        "2026-11-04",
    )
    assert made.returncode == 0, made.stderr
    group_id = int(re.search(r"^group (\d+): Kabuye centre$", made.stdout, re.M).group(1))  # type: ignore[union-attr]
    codes = LINK.findall(made.stdout)
    assert len(codes) == 2 and codes[0] != codes[1]
    async with db.write() as s:
        group = await s.get(Group, group_id)
        assert group is not None
        assert (group.area_id, group.weekday, group.meet_time, group.start_date) == (
            colline.id,
            2,
            time(9, 30),
            date(2026, 11, 4),
        )
        invites = list(await s.scalars(select(Invite).where(Invite.group_id == group_id)))
        assert [(i.role, i.uses_left) for i in invites] == [(Role.FACILITATOR.value, 1)] * 2
        # The printed codes are the invites: each makes a facilitator of this group.
        for telegram_id, code in zip((501, 502), codes, strict=True):
            await redeem_invite(s, telegram_id=telegram_id, code=code, default_language="fr")
        first = await get_user(s, 501)
        assert first is not None and first.role == Role.FACILITATOR
        members = list(
            await s.scalars(select(GroupMember.user_id).where(GroupMember.group_id == group_id))
        )
        assert len(members) == 2
        await roster.add_codes(s, group=group, text="K1, K2, K3", actor_id=None)

    # By id and by an English day name or a number as well.
    by_id = cli(
        settings,
        *("group", "create", "--name", "Second", "--area", str(colline.id)),
        *("--weekday", "0", "--time", "14:00", "--start", "2026-11-02"),
    )
    assert by_id.returncode == 0, by_id.stderr

    listing = cli(settings, "group", "list")
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert len(lines) == 2
    first_line = lines[0]
    for part in [
        str(group_id),
        "Kabuye centre",
        "Gitega / Giheta / Kabuye",
        "Wednesday",
        "09:30",
        "preparing",
        "week 1/15",
        "roster 3",
    ]:
        assert part in first_line, (part, first_line)
    assert "Monday" in lines[1] and "roster 0" in lines[1]


def test_bad_values_are_refused_naming_the_option(settings: Settings) -> None:
    base = ["group", "create", "--name", "X", "--area", "Gitega/Giheta/Kabuye"]
    assert cli(settings, "area", "add", "Gitega/Giheta/Kabuye").returncode == 0
    cases = {
        ("--weekday", "Funday", "--time", "09:00", "--start", "2026-11-04"): "--weekday",
        ("--weekday", "2", "--time", "25:00", "--start", "2026-11-04"): "--time",
        ("--weekday", "2", "--time", "09:00", "--start", "2026-13-04"): "--start",
        ("--weekday", "2", "--time", "09:00", "--start", "04/11/2026"): "--start",
        ("--weekday", "thursday", "--time", "09:00", "--start", "2026-11-04"): "Wednesday",
    }
    for values, expected in cases.items():
        result = cli(settings, *base, *values)
        assert result.returncode == 2, (values, result.stdout, result.stderr)
        assert expected in result.stderr, (values, result.stderr)
    not_colline = cli(
        settings,
        *("group", "create", "--name", "X", "--area", "Gitega/Giheta"),
        *("--weekday", "2", "--time", "09:00", "--start", "2026-11-04"),
    )
    assert not_colline.returncode == 1
    assert "Not done. A group meets on a colline. Choose its place down to the colline." in (
        not_colline.stderr
    )
    unknown = cli(
        settings,
        *("group", "create", "--name", "X", "--area", "Nowhere"),
        *("--weekday", "2", "--time", "09:00", "--start", "2026-11-04"),
    )
    assert unknown.returncode == 1
    assert cli(settings, "group", "list").stdout == ""
    assert "usage: bot.py group" in cli(settings, "group", "--help").stdout


async def test_add_group_makes_a_trainee_a_facilitator_and_says_so_in_the_audit_log(
    settings: Settings, db: Database
) -> None:
    async with db.write() as s:
        group = await factories.group(s)
        trainee = await factories.user(s, 61, Role.TRAINEE)
    added = cli(settings, "user", "add-group", str(trainee.id), str(group.id))
    assert added.returncode == 0, added.stderr
    assert f"user {trainee.id} now leads group {group.id}" in added.stdout
    async with db.read() as s:
        stored = await get_user(s, 61)
        assert stored is not None and stored.role == Role.FACILITATOR
        members = set(
            await s.scalars(select(GroupMember.user_id).where(GroupMember.group_id == group.id))
        )
        assert trainee.id in members
        entries = [
            (e.action, e.record_type, e.record_id, e.actor_id)
            for e in await s.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]
    assert ("group.facilitator.add", "group", group.id, None) in entries
    assert ("user.role.facilitator", "user", trainee.id, None) in entries

    unknown = cli(settings, "user", "add-group", str(trainee.id + 1000), str(group.id))
    assert unknown.returncode == 1
    assert "Not done. There is no person with that number." in unknown.stderr


@pytest.mark.parametrize(
    ("typed", "weekday"),
    [
        ("Ku wa gatatu", 2),
        ("ku  wa  gatatu", 2),
        ("Ku w'indwi", 6),
        ("Ku w’indwi", 6),
        ("mercredi", 2),
        ("Dimanche", 6),
        ("Wednesday", 2),
        ("0", 0),
    ],
)
def test_the_meeting_day_is_taken_in_kirundi_french_or_english(typed: str, weekday: int) -> None:
    assert parse_weekday(typed) == weekday


def test_a_day_no_language_knows_is_refused() -> None:
    with pytest.raises(ValueError, match="--weekday"):
        parse_weekday("Funday")
