"""Start-up checks of the registries the application is composed of.

A gap or a duplicate in a registry fails silently at run time (a tap answered as a stale button,
an outbox row that never goes out, typed text taken for stray text), so the application refuses
to start instead, naming what is wrong.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping

from telegram.ext import BaseHandler, CallbackQueryHandler

# What conversations.runtime.callbacks.pattern() makes of an action: ^<action>(:|$)
_PATTERN = re.compile(r"^\^(?P<action>.+)\(:\|\$\)$")


class RegistryError(RuntimeError):
    """The application is not composed right; the message says what to mend."""


def _once(names: Iterable[str], problem: str) -> set[str]:
    counted = Counter(names)
    twice = sorted(name for name, n in counted.items() if n > 1)
    if twice:
        raise RegistryError(f"{problem}: {', '.join(twice)}")
    return set(counted)


def callback_actions(handlers: Iterable[BaseHandler]) -> list[str]:  # type: ignore[type-arg]
    """The action of each button handler, in order (a handler for every tap has none)."""
    actions = []
    for handler in handlers:
        if not isinstance(handler, CallbackQueryHandler) or handler.pattern is None:
            continue
        raw = getattr(handler.pattern, "pattern", handler.pattern)
        match = _PATTERN.match(str(raw))
        if match is None:
            raise RegistryError(f"a button handler's pattern is not an action's: {raw!r}")
        actions.append(re.sub(r"\\(.)", r"\1", match.group("action")))
    return actions


def check_callbacks(
    handlers: Iterable[BaseHandler],  # type: ignore[type-arg]
    declared: Iterable[str],
) -> None:
    """Every button handler's action declared once, handled once, and nothing declared idle."""
    known = _once(declared, "callback prefixes declared more than once")
    handled = _once(callback_actions(handlers), "callback prefixes handled more than once")
    if missing := sorted(handled - known):
        raise RegistryError(f"callback prefixes handled but not declared: {', '.join(missing)}")
    if idle := sorted(known - handled):
        raise RegistryError(f"callback prefixes declared but not handled: {', '.join(idle)}")


def check_text_steps(handled: Collection[str], declared: Iterable[str]) -> None:
    """Every step that waits for typed text has its handler, and only declared steps do."""
    known = _once(declared, "typed-text steps declared more than once")
    if missing := sorted(known - set(handled)):
        raise RegistryError(f"typed-text steps without a handler: {', '.join(missing)}")
    if extra := sorted(set(handled) - known):
        raise RegistryError(f"typed-text handlers of undeclared steps: {', '.join(extra)}")


def check_outbox(renderers: Mapping[str, object], kinds: Iterable[str], *built_in: str) -> None:
    """Every outbox kind has a renderer (the `built_in` kinds are handled by the worker)."""
    wanted = set(kinds) - set(built_in)
    if missing := sorted(wanted - renderers.keys()):
        raise RegistryError(f"outbox kinds without a renderer: {', '.join(missing)}")
    if unknown := sorted(renderers.keys() - wanted):
        raise RegistryError(f"renderers of unknown outbox kinds: {', '.join(unknown)}")
