"""Nothing a person typed reaches the logs, not even from an update PTB cannot read."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from telegram.error import NetworkError

from conversations.runtime import logredact
from tests.support.e2e import eventually
from tests.support.tgserver import TelegramTestServer

MARKER = "KB04 ntazosubira gukubita marker-5521"


def malformed_update(user_id: int) -> dict[str, Any]:
    """A message whose date is not a number: PTB fails to parse the whole getUpdates batch."""
    return {
        "message": {
            "message_id": 1,
            "from": {"id": user_id, "is_bot": False, "first_name": "Aline"},
            "chat": {"id": user_id, "type": "private", "first_name": "Aline"},
            "date": "tomorrow",
            "text": MARKER,
        }
    }


def logged_text(record: logging.LogRecord) -> str:
    """Everything a handler may write for the record: message, exception and stack."""
    parts = [record.getMessage(), record.exc_text or "", record.stack_info or ""]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


def parse_failures(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "telegram.ext.Updater" and r.levelno == logging.CRITICAL
    ]


def skipped(caplog: pytest.LogCaptureFixture, update_id: int) -> bool:
    return any(
        r.name == "conversations.runtime.confirm"
        and r.getMessage() == f"update {update_id} cannot be read and is skipped"
        for r in caplog.records
    )


async def test_an_unreadable_update_is_reported_without_what_was_typed_and_skipped(
    tg: TelegramTestServer, bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    person = tg.add_user(user_id=601, first_name="Aline", language_code="rn")
    update_id = tg.push_raw_update(malformed_update(601))
    await eventually(lambda: skipped(caplog, update_id))
    # Everyone's updates after it are handled: the unreadable one no longer holds them back.
    await person.send("/start")
    assert (await person.next_message()).plain
    await eventually(lambda: not tg.pending_updates)

    leaks = [r for r in caplog.records if MARKER in logged_text(r)]
    assert not leaks, "typed text logged:\n" + "\n".join(map(logged_text, leaks))
    # The operator still learns that an update could not be read, which one, and why.
    failures = parse_failures(caplog)
    assert failures and "not* processed! (TypeError)" in failures[0].getMessage()
    assert any(
        r.name == "telegram.ext.ExtBot"
        and r.levelno == logging.CRITICAL
        and f"<withheld: updates [{update_id}" in r.getMessage()
        for r in caplog.records
    )
    # The capture really saw PTB's DEBUG records, where API calls and their answers are logged.
    assert any(
        r.name == "telegram.ext.ExtBot" and "getUpdates" in r.getMessage() for r in caplog.records
    )


async def test_a_message_is_handled_without_its_text_in_the_debug_logs(
    tg: TelegramTestServer, bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    person = tg.add_user(user_id=603, first_name="Aline", language_code="rn")
    await person.send(MARKER)
    assert (await person.next_message()).plain
    leaks = [r for r in caplog.records if MARKER in logged_text(r)]
    assert not leaks, "typed text logged:\n" + "\n".join(map(logged_text, leaks))
    assert any(r.getMessage().startswith("Processing update <withheld>") for r in caplog.records)


def test_the_filter_withholds_payloads_and_keeps_the_rest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logredact.install()
    logredact.install()
    updater = logging.getLogger("telegram.ext.Updater")
    assert updater.filters.count(logredact._FILTER) == 1
    caplog.set_level(logging.DEBUG)

    updater.debug("Webhook received data: %s", json.dumps({"update_id": 9, "text": MARKER}))
    updater.critical("Received data was: %r", {"update_id": 9, "text": MARKER})
    updater.critical("Parsing failed", exc_info=ValueError(f"bad value {MARKER!r}"))
    updater.debug("Received Update with ID %d on Webhook", 9)
    updater.error("Polling failed", exc_info=NetworkError("httpx.ConnectError: refused"))

    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "Webhook received data: <withheld>",
        "Received data was: <withheld: update 9>",
        "Parsing failed (ValueError)",
        "Received Update with ID 9 on Webhook",
        "Polling failed",
    ]
    assert not any(MARKER in logged_text(r) for r in caplog.records)
    # A network error quotes no payload: its traceback stays for the operator.
    assert "httpx.ConnectError" in logged_text(caplog.records[-1])
