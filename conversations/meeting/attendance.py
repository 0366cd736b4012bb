"""Attendance of a held meeting: tap the absentees, then save; corrected the same way.

The absentees travel in the buttons as a bitmask over the roster, with the record's and the
roster's versions: a screen drawn before the co-facilitator saved, or before the roster changed,
is redrawn as it is now instead of overwriting their work.
"""

from __future__ import annotations

from conversations.meeting import access
from conversations.meeting.access import RECORDERS
from conversations.meeting.codec import AttendanceState
from conversations.meeting.screens.attendance import attendance_screen
from conversations.meeting.screens.common import Note
from conversations.meeting.screens.reflection import reflection_screen
from conversations.meeting.screens.week import summary_screen
from conversations.runtime.callbacks import BadCallback, int_part, unpack
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from models import meetings
from models.errors import Conflict
from models.groups import Group
from models.meetings import MeetingRecord
from models.roster import Participant


async def _attendance(
    request: Request,
    group: Group,
    record: MeetingRecord,
    absent: set[int] | None = None,
    note: Note | None = None,
) -> Reply:
    """The attendance screen; `absent` None: as recorded (everyone present if new)."""
    view, absent = await access.attendance_view(request, group, record, absent)
    return attendance_screen(request.tr, view, absent, note)


async def _tapped(
    request: Request, action: str, count: int
) -> tuple[AttendanceState, MeetingRecord, Group, list[Participant], set[int], list[str]]:
    state, rest = AttendanceState.parse(request.data, action, count)
    record, group = await access.record_in_scope(request, state.record_id)
    participants = await access.roster(request, group)
    return state, record, group, participants, state.absent(len(participants)), rest


@handler(roles=RECORDERS)
async def correct_attendance(request: Request) -> Reply:
    group_id, record_id = unpack(request.data, "sc", 2)
    record, group = await access.record_of_group(request, group_id, record_id)
    return await _attendance(request, group, record)


@handler(roles=RECORDERS)
async def toggle_absent(request: Request) -> Reply:
    state, record, group, participants, absent, (index,) = await _tapped(request, "at", 5)
    if state.roster_version != group.roster_version or state.version != record.version:
        return await _attendance(request, group, record, note=Note("changed"))
    i = int_part(index)
    if i >= len(participants):
        raise BadCallback(index)
    return await _attendance(request, group, record, absent ^ {i})


@handler(roles=RECORDERS, write=True)
async def save_attendance(request: Request) -> Reply:
    state, record, group, participants, absent, _ = await _tapped(request, "as", 4)
    try:
        await meetings.save_attendance(
            request.session,
            group=group,
            record=record,
            absent={participants[i].id for i in absent},
            version=state.version,
            roster_version=state.roster_version,
            actor_id=request.me.id,
        )
    except Conflict:
        return await _attendance(request, group, record, note=Note("changed"))
    request.send_outbox_soon()  # visit prompts for members absent twice in a row
    saved = Note(
        "attendance_saved", present=len(participants) - len(absent), total=len(participants)
    )
    if await meetings.reflection_of(request.session, record.id) is not None:
        return summary_screen(request.tr, await access.record_view(request, group, record), saved)
    # Straight on to the reflection, while the meeting is fresh in mind.
    return reflection_screen(
        request.tr,
        record_id=record.id,
        week=record.week,
        version=0,
        draft=access.new_draft(record),
        note=saved,
    )
