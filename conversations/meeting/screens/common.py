"""What several screens of the meeting flow share: the note that says what just happened, and
the buttons that lead back to the week or on to the guides."""

from __future__ import annotations

from dataclasses import dataclass

from conversations.runtime.callbacks import pack
from conversations.runtime.reply import Button
from locales import Translator

# The guide flow's button for one screen of a guide, gd:<guide>:<screen> (its prefix is declared
# in conversations/routes.py): a flow does not import another flow, so it is named here.
GUIDE_SCREEN = "gd"

# Problems with a date, each with its own sentence (content/templates/meeting/_notes.j2).
DATE_PROBLEMS = frozenset(
    {"date_future", "date_too_old", "date_before_start", "date_before_previous"}
)


@dataclass(frozen=True)
class Note:
    """The line in italics above a screen. `kind` picks its sentence in _notes.j2:
    week_moved, held_same_day, date_future, date_too_old, date_before_start, date_before_previous,
    date_unusable, cancelled (week), postponed, changed, attendance_saved (present, total),
    reflection_saved, name_lost, self_help_saved."""

    kind: str
    week: int = 0
    present: int = 0
    total: int = 0

    @classmethod
    def date_problem(cls, code: str) -> Note:
        return cls(code if code in DATE_PROBLEMS else "date_unusable")


def back_to_week(tr: Translator, group_id: int) -> Button:
    return Button(tr.pgettext("meeting", "Back to the week"), pack("so", group_id))


def guide_button(label: str, guide_id: str) -> Button:
    """Opens the first screen of a guide in the guide flow."""
    return Button(label, pack(GUIDE_SCREEN, guide_id, 0))
