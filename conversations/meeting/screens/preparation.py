"""The preparation checklist before week 1, which the coordinator sees too."""

from __future__ import annotations

from collections.abc import Mapping

from conversations.meeting.screens.common import back_to_week, guide_button
from conversations.runtime.callbacks import pack
from conversations.runtime.reply import Button, Reply
from conversations.vocabulary.meetings import preparation_item
from locales import Translator

PREPARATION_GUIDE = "preparation"


def checklist_screen(tr: Translator, group_id: int, ticked: Mapping[str, bool]) -> Reply:
    """One toggle per item, in the order of `ticked`."""
    buttons = [
        [Button(("✓ " if done else "☐ ") + preparation_item(tr, item), pack("pt", group_id, item))]
        for item, done in ticked.items()
    ]
    guide = tr.pgettext("meeting", "Open the preparation guide")
    buttons.append([guide_button(guide, PREPARATION_GUIDE)])
    buttons.append([back_to_week(tr, group_id)])
    return Reply(tr.render("meeting/checklist.j2"), buttons=buttons)
