"""The operator's command line, run as an operator would: `python bot.py ...` in a process."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from locales import translator
from models import crypto
from models.audit import AuditEntry
from models.clock import clock
from models.db import Database
from models.settings import Settings
from models.users import Role, User, get_user
from tests.conftest import PG_URL
from tests.support import factories
from tests.support.command_line import KEY, cli
from tests.support.e2e import eventually, flush_outbox, join, register
from tests.support.encrypted import populate, reads_everything


def test_help_is_available_everywhere(settings: Settings) -> None:
    for command in [[], ["invite"], ["user"], ["area"], ["db"], ["content"], ["backup"]]:
        result = cli(settings, *command, "--help")
        assert result.returncode == 0, result.stderr
        assert "usage: bot.py" in result.stdout


def test_run_without_a_token_explains_botfather(settings: Settings) -> None:
    result = cli(settings, "run")
    assert result.returncode == 2
    assert "@BotFather" in result.stderr


def test_a_bad_setting_is_refused_naming_the_variable(settings: Settings) -> None:
    result = cli(settings, "status", DEFAULT_LANGUAGE="sw")
    assert result.returncode == 2
    assert "DEFAULT_LANGUAGE" in result.stderr


async def test_areas_invites_and_users(settings: Settings, db: Database) -> None:
    added = cli(settings, "area", "add", "Gitega/Giheta/Kabuye")
    assert added.returncode == 0, added.stderr
    assert "colline" in added.stdout
    listing = cli(settings, "area", "list")
    assert "Gitega (province)" in listing.stdout and "Kabuye (colline)" in listing.stdout

    made = cli(
        settings, "invite", "--role", "coordinator", "--area", "Gitega/Giheta", "--uses", "2"
    )
    assert made.returncode == 0, made.stderr
    link = next(line for line in made.stdout.splitlines() if line.startswith("link: "))
    link = link.removeprefix("link: ")
    code = link.split("?start=")[1]
    assert link.startswith("https://t.me/sociotherapy_test_bot?start=")
    assert len(code) <= 64 and all(c.isalnum() or c in "_-" for c in code)
    assert "2 use(s)" in made.stdout

    refused = cli(settings, "invite", "--role", "coordinator")
    assert refused.returncode == 1 and "A coordinator needs an area" in refused.stderr

    async with db.write() as s:
        user = await factories.user(s, 42, Role.TRAINEE)
    assert "trainee" in cli(settings, "user", "list").stdout
    promoted = cli(settings, "user", "set-role", str(user.id), "coordinator", "--area", "Gitega")
    assert promoted.returncode == 0, promoted.stderr
    revoked = cli(settings, "user", "revoke", str(user.id))
    assert revoked.returncode == 0
    async with db.read() as s:
        stored = await get_user(s, 42)
        assert stored is not None and stored.role == Role.COORDINATOR
        assert stored.revoked_at is not None
        actions = set(await s.scalars(select(AuditEntry.action)))
    assert {"user.role.coordinator", "user.revoke", "invite.create"} <= actions
    assert "revoked" in cli(settings, "user", "list").stdout

    invites = cli(settings, "invite", "list")
    first_id = invites.stdout.split()[0]
    assert cli(settings, "invite", "revoke", first_id).returncode == 0
    assert "revoked" in cli(settings, "invite", "list").stdout


def test_status_and_health(settings: Settings, db: Database) -> None:
    status = cli(settings, "status")
    assert status.returncode == 0, status.stderr
    assert "outbox pending" in status.stdout
    # No bot has run, so there is no heartbeat: unhealthy.
    health = cli(settings, "health")
    assert health.returncode == 1 and "heartbeat" in health.stdout


def test_db_current_reports_head(settings: Settings, db: Database) -> None:
    result = cli(settings, "db", "current")
    applied, latest = (line.split()[-1] for line in result.stdout.splitlines()[:2])
    assert applied == latest != "none"


@pytest.mark.skipif(PG_URL is not None, reason="the PostgreSQL variant is in test_backup_pg")
async def test_sqlite_backup_restores_into_a_fresh_database(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    # Encrypted with the key the command line runs with, which the backup's keys file keeps.
    crypto.configure([KEY])
    await populate(db)
    async with db.write() as s:
        await factories.user(s, 77, Role.FACILITATOR, group_id=(await factories.group(s)).id)
    target = tmp_path / "backups"
    result = cli(settings, "backup", str(target))
    assert result.returncode == 0, result.stderr
    copy = next(target.glob("bot-*.sqlite3"))
    keys = next(target.glob("keys-*.txt"))
    assert (keys.stat().st_mode & 0o777) == 0o600
    assert keys.read_text().startswith("ENCRYPTION_KEYS=")

    restored = Database(f"sqlite+aiosqlite:///{copy}")
    crypto.configure(keys.read_text().strip().split("=", 1)[1].split(","))
    async with restored.read() as s:
        user = await get_user(s, 77)
        assert user is not None and user.role == Role.FACILITATOR
        assert len(list(await s.scalars(select(User)))) == 2
    await reads_everything(restored)
    await restored.dispose()
    restored_settings = Settings.from_env(
        {"DATABASE_URL": f"sqlite:///{copy}", "DATA_DIR": str(tmp_path / "restored")}
    )
    key_line = keys.read_text().strip().split("=", 1)[1]
    upgrade = cli(restored_settings, "db", "upgrade", ENCRYPTION_KEYS=key_line)
    assert upgrade.returncode == 0, upgrade.stderr


@pytest.mark.skipif(PG_URL is None, reason="needs TEST_DATABASE_URL (PostgreSQL)")
async def test_backup_pg_restores_into_a_fresh_database(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    from sqlalchemy import text

    from models.backup import libpq_url

    crypto.configure([KEY])
    await populate(db)
    async with db.write() as s:
        await factories.user(s, 78, Role.COORDINATOR, area="Ngozi")
    target = tmp_path / "backups"
    result = cli(settings, "backup", str(target))
    assert result.returncode == 0, result.stderr
    dump = next(target.glob("bot-*.pgdump"))
    keys = next(target.glob("keys-*.txt"))

    fresh = f"restore_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    admin = Database(settings.database_url)
    async with admin.write_engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{fresh}"'))
        await conn.execute(text(f'CREATE DATABASE "{fresh}"'))
    await admin.dispose()
    fresh_url = settings.database_url.rsplit("/", 1)[0] + f"/{fresh}"
    await asyncio.to_thread(
        subprocess.run,
        ["pg_restore", "--no-owner", "--dbname", libpq_url(fresh_url), str(dump)],
        check=True,
        capture_output=True,
    )
    restored = Database(fresh_url, schema=settings.database_schema)
    crypto.configure(keys.read_text().strip().split("=", 1)[1].split(","))
    async with restored.read() as s:
        user = await get_user(s, 78)
        assert user is not None and user.role == Role.COORDINATOR
    await reads_everything(restored)
    await restored.dispose()
    restored_settings = Settings.from_env({"DATABASE_URL": fresh_url})
    status = cli(restored_settings, "status", DATABASE_SCHEMA=settings.database_schema or "")
    assert status.returncode == 0, status.stderr


def test_postgresql_refuses_to_start_without_keys(settings: Settings) -> None:
    result = cli(
        settings, "status", ENCRYPTION_KEYS="", DATABASE_URL="postgresql://nobody@127.0.0.1:1/none"
    )
    assert result.returncode == 2
    assert "ENCRYPTION_KEYS" in result.stderr


def test_sqlite_first_run_generates_an_owner_only_key(tmp_path: Path) -> None:
    data = tmp_path / "fresh"
    fresh = Settings.from_env({"DATA_DIR": str(data)})
    # The first command that writes sets the database up (one that only reads refuses).
    result = cli(fresh, "area", "add", "Gitega", ENCRYPTION_KEYS="")
    assert result.returncode == 0, result.stderr
    assert "Generated an encryption key" in result.stderr
    key = data / crypto.KEY_FILE
    assert (key.stat().st_mode & 0o777) == 0o600
    again = cli(fresh, "status", ENCRYPTION_KEYS="")
    assert "Generated" not in again.stderr


@pytest.mark.parametrize(
    "command",
    [["status"], ["user", "list"], ["invite", "list"], ["audit"], ["group", "list"], ["health"]],
)
def test_a_read_only_command_on_a_missing_database_says_so_and_creates_nothing(
    settings: Settings, tmp_path: Path, command: list[str]
) -> None:
    empty = tmp_path / "elsewhere"
    result = cli(
        settings,
        *command,
        DATABASE_URL=f"sqlite:///{empty}/bot.sqlite3",
        DATA_DIR=str(empty),
        ENCRYPTION_KEYS="",
    )
    assert result.returncode != 0
    said = result.stdout + result.stderr
    assert f"There is no database at {empty}/bot.sqlite3: check DATABASE_URL and DATA_DIR" in said
    assert not empty.exists(), "nothing was created"


def test_a_refusal_is_a_sentence_saying_what_to_do(settings: Settings, db: Database) -> None:
    result = cli(settings, "invite", "--role", "coordinator")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "Not done. A coordinator needs an area. Give it too, as Province/Commune/Colline."
    )


async def test_user_list_tells_two_facilitators_of_a_group_apart_without_names(
    tg: Any, bot: Any, settings: Settings, db: Database
) -> None:
    async with db.write() as s:
        group = await factories.group(s, name="Kabuye centre", path="Gitega/Giheta/Kabuye")
    codes = []
    for label in ("Aline, Kabuye", "Jean-Paul, Kabuye"):
        made = cli(
            settings, "invite", "--role", "facilitator", "--group", str(group.id), "--label", label
        )
        assert made.returncode == 0, made.stderr
        assert f'for "{label}"' in made.stdout
        codes.append(re.search(r"code: (\S+)", made.stdout).group(1))  # type: ignore[union-attr]
    first = await join(tg, 8101, codes[0], "rn")
    await join(tg, 8102, codes[1], "fr")
    await first.send("/help")
    await first.next_message()

    async def seen() -> bool:
        async with db.read() as s:
            return (
                await s.scalar(select(User.last_active_on).where(User.telegram_id == 8101))
                == clock.now().date()
            )

    for _ in range(100):
        if await seen():
            break
        await asyncio.sleep(0.05)

    listed = cli(settings, "user", "list").stdout
    lines = [line for line in listed.splitlines() if "facilitator" in line]
    assert len(lines) == 2
    assert '"Aline, Kabuye"' in lines[0] and " rn " in lines[0]
    assert '"Jean-Paul, Kabuye"' in lines[1] and " fr " in lines[1]
    for line in lines:
        assert f"groups {group.id} Kabuye centre" in line
    assert f"{clock.now():%Y-%m-%d}" in lines[0]
    assert '"Aline, Kabuye"' in cli(settings, "invite", "list").stdout


async def test_a_role_changed_on_the_command_line_refreshes_the_menu_at_once(
    tg: Any, bot: Any, settings: Settings, db: Database
) -> None:
    person = await register(tg, db, 8201, Role.TRAINEE, "fr")
    await eventually(lambda: person.commands is not None and "guide" in dict(person.commands))
    assert "report" not in dict(person.commands)
    async with db.read() as s:
        user = await get_user(s, 8201)
        assert user is not None
    async with db.write() as s:
        await factories.area_path(s, "Gitega/Giheta")

    changed = cli(settings, "user", "set-role", str(user.id), "coordinator", "--area", "Gitega")
    assert changed.returncode == 0, changed.stderr
    await flush_outbox(bot, db)  # the person sends nothing: the outbox sets the menu
    assert dict(person.commands)["report"] == translator("fr").pgettext(
        "menu", "Report, chart and exports"
    )

    assert cli(settings, "user", "revoke", str(user.id)).returncode == 0
    await flush_outbox(bot, db)
    assert not person.commands
