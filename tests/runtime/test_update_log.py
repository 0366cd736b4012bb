"""One log line per update handled, with what an operator needs and nothing a person sent."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from cli.logs import JsonLines
from conversations.runtime.callbacks import pack
from models.db import Database
from models.users import Role
from tests.support.e2e import eventually, register
from tests.support.tgserver import TelegramTestServer

TYPED = "KB07 yavuze ibanga marker-8830"


def update_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "updates"]


async def test_each_update_handled_writes_one_line_with_its_outcome_and_no_content(
    tg: TelegramTestServer, bot: Any, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="updates")
    person = await register(tg, db, 7301, Role.FACILITATOR, "rn")
    # The language chosen at registration is logged once its answer is sent.
    await eventually(lambda: any("choose_language" in r.getMessage() for r in update_lines(caplog)))
    caplog.clear()

    await person.send("/help")
    help_screen = await person.next_message()
    forged = pack("zz", "nosuchthing")
    await person.tap_data(help_screen, forged)
    stranger = tg.add_user(user_id=7302, first_name="Aline", language_code="fr")
    await stranger.send(TYPED)
    await stranger.next_message()
    await eventually(lambda: len(update_lines(caplog)) >= 3)

    lines = update_lines(caplog)
    assert [(r.action, r.outcome) for r in lines] == [  # type: ignore[attr-defined]
        ("registration.help_command", "done"),
        ("runtime.fallback.stale_button", "stale"),
        ("runtime.fallback.unexpected_text", "refused"),
    ]
    assert len({r.update_id for r in lines}) == 3  # type: ignore[attr-defined]
    for record in lines:
        text = record.getMessage()
        assert text.startswith(f"update {record.update_id} ")  # type: ignore[attr-defined]
        assert text.endswith("ms")
        assert TYPED not in text and forged not in text and "Aline" not in text
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert TYPED not in everything and forged not in everything


def test_json_lines_carry_the_update_fields() -> None:
    record = logging.LogRecord("updates", logging.INFO, __file__, 1, "update %s", (5,), None)
    for name, value in {
        "update_id": 5,
        "action": "guide.open",
        "outcome": "done",
        "ms": 12,
    }.items():
        setattr(record, name, value)
    line = json.loads(JsonLines().format(record))
    assert line["message"] == "update 5"
    assert (line["update_id"], line["action"], line["outcome"], line["ms"]) == (
        5,
        "guide.open",
        "done",
        12,
    )
    assert line["level"] == "INFO" and line["logger"] == "updates"
