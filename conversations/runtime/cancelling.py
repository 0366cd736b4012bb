"""What /cancel stops: the buttons of a draft shown before it.

Some flows carry their whole draft in the buttons (attendance's absentees, a reflection's
answers, a roster change awaiting "Yes") or in a draft row that /cancel drops (an agreement). So
that "Stopped. Nothing more was saved." stays true, a tap on such a button of a message shown
before the last /cancel is answered as a stale button. A message counts as shown before /cancel
when Telegram numbered it before the /cancel message and did not edit it after (a panel edited
since then shows a screen opened afresh).
"""

from __future__ import annotations

from collections.abc import Iterable

from telegram import Message, Update

from conversations.runtime.registry import RegistryError
from conversations.runtime.state import UserData

# The prefixes of taps that continue or save a draft (conversations/routes.py DRAFT_TAPS),
# set at start-up.
DRAFT_TAPS: set[str] = set()


def configure(taps: Iterable[str], declared: Iterable[str]) -> None:
    taps = set(taps)
    if unknown := sorted(taps - set(declared)):
        raise RegistryError(f"draft taps of undeclared callback prefixes: {', '.join(unknown)}")
    DRAFT_TAPS.clear()
    DRAFT_TAPS.update(taps)


def mark(state: UserData, message: Message) -> None:
    """Records this /cancel message as the point before which draft buttons are stale."""
    state.cancelled = f"{message.message_id}:{int(message.date.timestamp())}"


def cancelled_draft(update: Update, state: UserData | None) -> bool:
    """Whether this tap is on a draft's button shown before the person's last /cancel."""
    query = update.callback_query
    if query is None or state is None or not state.cancelled:
        return False
    parts = (query.data or "").split(":", 2)
    if not {parts[0], ":".join(parts[:2])} & DRAFT_TAPS:
        return False
    message = query.message
    if not isinstance(message, Message):
        return False
    try:
        cancel_id, cancel_date = (int(part) for part in state.cancelled.split(":"))
    except ValueError:
        return False
    if message.message_id > cancel_id:
        return False
    edited = message.edit_date
    return edited is None or int(edited.timestamp()) <= cancel_date
