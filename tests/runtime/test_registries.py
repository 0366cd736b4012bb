"""The registries the application is composed of: a gap or a duplicate refuses to start."""

from __future__ import annotations

import re
from typing import Any

import pytest
from telegram.ext import CallbackQueryHandler

from conversations import privacy, routes
from conversations.app import build_application
from conversations.runtime import outbox as outbox_worker
from conversations.runtime.callbacks import pattern
from conversations.runtime.registry import RegistryError, check_callbacks
from conversations.runtime.state import UserData
from models import outbox
from models.db import Database
from models.settings import Settings


def test_the_application_is_composed_without_gaps(settings: Settings, db: Database) -> None:
    application = build_application(settings, database=db)
    assert application.handlers


def test_a_callback_prefix_declared_twice_refuses_to_start(
    settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "CALLBACKS", (*routes.CALLBACKS, ("gd", "a guide screen again")))
    with pytest.raises(RegistryError, match="callback prefixes declared more than once: gd"):
        build_application(settings, database=db)


def test_a_callback_prefix_handled_twice_refuses_to_start(
    settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    twice = privacy.handlers() + privacy.handlers()
    monkeypatch.setattr(privacy, "handlers", lambda: twice)
    with pytest.raises(RegistryError, match="callback prefixes handled more than once: wp"):
        build_application(settings, database=db)


def test_a_handler_of_an_undeclared_prefix_refuses_to_start() -> None:
    async def tap(update: Any, context: Any) -> None:
        return None

    handlers = [CallbackQueryHandler(tap, pattern=pattern("zz"))]
    with pytest.raises(RegistryError, match="handled but not declared: zz"):
        check_callbacks(handlers, ["zz2"])


def test_an_outbox_kind_without_a_renderer_refuses_to_start(
    settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(outbox_worker.RENDERERS, "digest")
    with pytest.raises(RegistryError, match="outbox kinds without a renderer: digest"):
        build_application(settings, database=db)


def test_a_typed_text_step_without_a_handler_refuses_to_start(
    settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "TEXT_STEPS", (*routes.TEXT_STEPS, ("roster.note", "a note")))
    with pytest.raises(
        RegistryError, match=re.escape("typed-text steps without a handler: roster.note")
    ):
        build_application(settings, database=db)


def test_an_undeclared_step_fails_loudly(settings: Settings, db: Database) -> None:
    build_application(settings, database=db)
    with pytest.raises(ValueError, match=re.escape("undeclared step 'roster.nobody'")):
        UserData().expect("roster.nobody")
    UserData().expect("roster.add", 1)


async def test_a_message_of_an_unknown_kind_is_refused_when_queued(db: Database) -> None:
    async with db.write() as s:
        with pytest.raises(ValueError, match="nonsense"):
            await outbox.enqueue(s, kind="nonsense", subject="1", period="", recipient_id=1)
