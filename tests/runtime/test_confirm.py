"""The next getUpdates (which confirms what was fetched before) waits for writes, not for reads."""

from __future__ import annotations

import asyncio
import json

import pytest

from conversations.runtime import confirm
from conversations.runtime.confirm import ConfirmWhenHandled


def fetched(request: ConfirmWhenHandled, *ids: int) -> None:
    """As if a getUpdates call had just returned these updates."""
    payload = json.dumps({"ok": True, "result": [{"update_id": i} for i in ids]}).encode()
    for update in confirm._updates(payload):
        request._pending.setdefault(update["update_id"], False)


async def test_a_write_being_handled_holds_the_next_poll_until_it_is_handled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(confirm, "WRITE_WAIT", 60.0)
    request = ConfirmWhenHandled()
    fetched(request, 7, 8)
    waiting = asyncio.create_task(request._wait())
    request.handled(7)
    await asyncio.sleep(0.05)
    assert not waiting.done()  # update 8 is still being handled
    request.handled(8)
    await asyncio.wait_for(waiting, 5)


async def test_reads_being_handled_hold_the_next_poll_only_briefly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(confirm, "WRITE_WAIT", 60.0)
    monkeypatch.setattr(confirm, "READ_WAIT", 0.01)
    request = ConfirmWhenHandled()
    fetched(request, 7, 8)
    request.reading(7)
    waiting = asyncio.create_task(request._wait())
    await asyncio.sleep(0.05)
    assert not waiting.done()  # update 8 may still write
    request.reading(8)
    await asyncio.wait_for(waiting, 5)
    assert set(request._pending) == {7, 8}  # given up on, not handled: the next call confirms


async def test_an_update_never_handled_holds_the_poll_no_longer_than_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(confirm, "WRITE_WAIT", 0.05)
    request = ConfirmWhenHandled()
    fetched(request, 7)
    await asyncio.wait_for(request._wait(), 5)


def test_a_payload_that_is_not_a_list_of_updates_is_ignored() -> None:
    assert confirm._updates(b"not json") == []
    assert confirm._updates(b'{"ok": false, "description": "Conflict"}') == []
    assert confirm._updates(b'{"ok": true, "result": [1, {"update_id": 3}]}') == [{"update_id": 3}]
