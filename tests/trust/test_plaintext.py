"""Nothing a person typed is kept in clear: after a whole cycle, no table, no byte of the
database's files and no backup holds the agreement summary or the reflection note that were
typed, and the backups are owner-only.

The cycle: a facilitator records a meeting and its reflection with a typed note, then an
agreement with a typed summary; a coordinator opens its details (a screen quoting the summary,
which the bot keeps to answer a redelivered tap), acknowledges it and records its reference.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, select
from sqlalchemy.engine import make_url

from locales import translator
from models import backup
from models.db import Database
from models.settings import Settings
from tests.flows.test_agreements_flow import SUMMARY, a, c, people, record_agreement, step
from tests.flows.test_meeting import p
from tests.support.e2e import eventually

NOTE = "Le groupe a parlé du champ du bas; marker-7310"
# Distinctive pieces of what was typed: a Fernet token never holds them.
TYPED = ("marker-7310", "farm the lower field", "repairs the fence")


async def record_meeting_with_note(person: Any, lang: str) -> None:
    await person.send("/session")
    panel = await person.next_message()
    screen = await step(person, panel, p(lang, "Held today"))
    screen = await step(person, screen, p(lang, "All present: save"))
    trust = translator(lang).pgettext("guide", "Trust")
    for label in (trust, "4", p(lang, "Daily worries"), p(lang, "Next"), "2"):
        screen = await step(person, screen, label)
    screen = await step(person, screen, p(lang, "Legal"))
    await step(person, screen, p(lang, "Add a short note"))
    sent = await person.send(NOTE)
    saved = await person.next_message()
    assert p(lang, "Reflection saved.") in saved.plain
    await eventually(
        lambda: any(m.message_id == sent["message_id"] and m.deleted for m in person.user_messages)
    )


async def every_value(db: Database) -> list[str]:
    """Every value of every row of every table, as text."""
    found: list[str] = []
    async with db.read() as s:
        connection = await s.connection()
        metadata = MetaData()
        await connection.run_sync(lambda sync: metadata.reflect(bind=sync))
        for table in metadata.sorted_tables:
            for row in await s.execute(select(table)):
                found.extend(str(value) for value in row if value is not None)
    return found


def backup_text(path: Path) -> bytes:
    """A backup's bytes; a PostgreSQL dump is compressed, so it is read back as SQL too."""
    raw = path.read_bytes()
    if path.suffix == ".pgdump":
        restored = subprocess.run(
            ["pg_restore", "--file=-", str(path)], check=True, capture_output=True
        )
        raw += restored.stdout
    return raw


@pytest.mark.parametrize("lang", ["rn", "fr"])
async def test_a_whole_cycle_keeps_no_typed_text_in_clear(
    tg: Any, bot: Any, db: Database, settings: Settings, tmp_path: Path, lang: str
) -> None:
    _, facilitator, coordinator, _ = await people(tg, db, lang)
    await record_meeting_with_note(facilitator, lang)
    confirm = await record_agreement(facilitator, lang)
    await step(facilitator, confirm, a(lang, "Save"))
    alert = await coordinator.next_message()
    await coordinator.tap(alert, c(lang, "View details"))
    details = await coordinator.next_message()
    assert SUMMARY in details.plain, "the summary was shown, so a stored reply quotes it"
    details = await step(coordinator, details, c(lang, "Acknowledge"))
    await coordinator.tap(details, c(lang, "Record the reference number"))
    await coordinator.next_message()
    await coordinator.send("GIT-2026/014")
    await coordinator.next_message()

    values = await every_value(db)
    assert values, "the tables were read"
    leaks = [v for v in values if any(t in v for t in TYPED)]
    assert leaks == [], f"typed text in a table: {leaks}"

    if db.is_sqlite:
        path = Path(make_url(db.url).database or "")
        files = [f for f in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if f.exists()]
        assert any(f.stat().st_size for f in files)
        for file in files:
            raw = file.read_bytes()
            assert not [t for t in TYPED if t.encode() in raw], f"typed text in {file.name}"
    elif shutil.which("pg_dump") is None:
        pytest.fail("pg_dump is needed to back up PostgreSQL (Debian: postgresql-client)")

    written = backup.backup(settings, tmp_path / "backups")
    assert len(written) == 2
    for file in written:
        assert os.stat(file).st_mode & 0o777 == 0o600, f"{file.name} is not owner-only"
        raw = backup_text(file)
        assert raw
        assert not [t for t in TYPED if t.encode() in raw], f"typed text in {file.name}"
    assert os.stat(tmp_path / "backups").st_mode & 0o777 == 0o700
