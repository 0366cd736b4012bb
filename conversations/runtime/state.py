"""Typed per-user conversation state, persisted by conversations.runtime.persistence.

It only says where a user was (which text the bot is waiting for, and which message to edit);
the database records are the truth. Losing it costs the user one "please start again".
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

# The steps the application declared (conversations/routes.py); a step nobody declared would
# leave the person's next message unanswered, so setting one fails loudly.
KNOWN_STEPS: set[str] = set()


@dataclass
class UserData:
    # What free text the bot waits for, e.g. "roster.add", and the record it belongs to.
    awaiting: str | None = None
    ref: str | None = None
    # The bot message that shows the current step and is edited in place.
    panel_id: int | None = None
    # The last /cancel, "<message id>:<Telegram date>": buttons of a draft shown before it are
    # stale (conversations/runtime/cancelling.py). Kept by clear(), which every flow calls.
    cancelled: str | None = None

    def expect(self, awaiting: str, ref: object | None = None, panel_id: int | None = None) -> None:
        if KNOWN_STEPS and awaiting not in KNOWN_STEPS:
            raise ValueError(f"undeclared step {awaiting!r}")
        self.awaiting = awaiting
        self.ref = None if ref is None else str(ref)
        self.panel_id = panel_id

    def clear(self) -> None:
        self.awaiting = None
        self.ref = None
        self.panel_id = None

    @property
    def is_empty(self) -> bool:
        return self == UserData()

    def dumps(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def loads(cls, raw: str) -> UserData:
        try:
            data: dict[str, Any] = json.loads(raw)
        except ValueError:
            return cls()
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
