"""Attendance: the roster as toggle buttons; the facilitator taps the absentees, then saves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from conversations.meeting.codec import AttendanceState, absent_mask
from conversations.meeting.screens.common import Note, back_to_week
from conversations.runtime.reply import Button, Reply
from locales import Translator

ROW = 3


@dataclass(frozen=True)
class AttendanceView:
    group_id: int
    record_id: int
    week: int
    held_on: date
    version: int
    roster_version: int
    saved_before: bool  # attendance was saved once: this is a correction
    codes: Sequence[str]  # the roster's codes, in the order the absentees' mask counts them


def attendance_screen(
    tr: Translator, view: AttendanceView, absent: set[int], note: Note | None = None
) -> Reply:
    if not view.codes:
        text = tr.render("meeting/no_roster.j2", held_on=view.held_on)
        return Reply(text, buttons=[[back_to_week(tr, view.group_id)]])
    total = len(view.codes)
    text = tr.render(
        "meeting/attendance.j2",
        note=note,
        week=view.week,
        held_on=view.held_on,
        correcting=view.saved_before,
        present=total - len(absent),
        total=total,
    )
    state = AttendanceState(view.record_id, view.roster_version, view.version, absent_mask(absent))
    toggles = [
        Button(("✗ " if i in absent else "✓ ") + code, state.pack("at", i))
        for i, code in enumerate(view.codes)
    ]
    buttons = [toggles[n : n + ROW] for n in range(0, len(toggles), ROW)]
    save = (
        tr.pgettext("meeting", "Save: {absent} absent").format(absent=len(absent))
        if absent
        else tr.pgettext("meeting", "All present: save")
    )
    buttons.append([Button(save, state.pack("as"))])
    buttons.append([back_to_week(tr, view.group_id)])
    return Reply(text, buttons=buttons)
