"""An admin reads the audit log in Telegram and on the command line; nobody else can."""

from __future__ import annotations

from typing import Any

from locales import translator
from models.db import Database
from models.settings import Settings
from models.users import Role
from tests.support.e2e import register
from tests.support.tgserver import TelegramTestServer


async def test_admin_reads_the_audit_log_and_others_cannot(
    tg: TelegramTestServer, bot: Any, db: Database, settings: Settings
) -> None:
    admin = await register(tg, db, 1201, Role.ADMIN, "fr")
    trainee = await register(tg, db, 1202, Role.TRAINEE, "fr")
    await admin.send("/audit")
    page = await admin.next_message()
    assert translator("fr").pgettext("audit", "Audit log, newest first") in page.plain
    assert "invite.redeem" in page.plain and "invite.create" in page.plain
    await trainee.send("/audit")
    denied = await trainee.next_message()
    assert "invite.redeem" not in denied.plain
    assert (
        translator("fr").pgettext(
            "access", "This is not part of your role. Send /help to see what you can do."
        )
        in denied.plain
    )

    from tests.cli.test_operator import cli

    printed = cli(settings, "audit", "--limit", "100")
    assert printed.returncode == 0, printed.stderr
    assert "audit.view" in printed.stdout and "invite.redeem" in printed.stdout
