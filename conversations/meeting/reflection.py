"""The reflection after a held meeting: phase, climate, topics, follow-ups and referral by
buttons, then saved as it is or with a short typed note.

The answers so far travel in the buttons (codec.Draft); nothing is stored until "Save". The
note is typed: it is stored encrypted, and the person's message is removed from the chat.
"""

from __future__ import annotations

from conversations.meeting import access
from conversations.meeting.access import RECORDERS
from conversations.meeting.codec import Draft, NoteStep
from conversations.meeting.screens.common import Note
from conversations.meeting.screens.reflection import (
    ask_note_screen,
    note_too_long_screen,
    reflection_screen,
)
from conversations.meeting.screens.week import summary_screen
from conversations.runtime import fallback
from conversations.runtime.callbacks import BadCallback, int_part, unpack
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from models import meetings
from models.errors import Conflict, InvalidInput
from models.groups import Group
from models.meetings import MeetingRecord

# Still "session.*": pending steps persisted before a restart carry this name.
NOTE_STEP = "session.note"


@handler(roles=RECORDERS, write=True)
async def reflection_tap(request: Request) -> Reply:
    record_id, version, packed, op = unpack(request.data, "rf", 4)
    record, group = await access.record_in_scope(request, int_part(record_id))
    draft = Draft.parse(packed)
    version_number = int_part(version)
    if op == "s":
        return await _save(request, group, record, version_number, draft, note=None)
    if op == "n":
        step = NoteStep(record.id, version_number, draft)
        request.context.state.expect(NOTE_STEP, step.pack())
        return ask_note_screen(request.tr)
    return reflection_screen(
        request.tr,
        record_id=record.id,
        week=record.week,
        version=version_number,
        draft=draft.answer(op),
    )


@fallback.expects_text(NOTE_STEP)
@handler(roles=RECORDERS, write=True)
async def typed_note(request: Request) -> Reply:
    state = request.context.state
    try:
        step = NoteStep.parse(state.ref)
        record, group = await access.record_in_scope(request, step.record_id)
    except BadCallback:
        state.clear()
        raise InvalidInput() from None
    if len(request.text) > meetings.NOTE_MAX:
        return note_too_long_screen(request.tr)
    state.clear()
    reply = await _save(request, group, record, step.version, step.draft, note=request.text)
    reply.new = True
    # Shared phones: the note leaves the chat; the answer says only "saved".
    reply.delete_user_message = True
    return reply


async def _save(
    request: Request,
    group: Group,
    record: MeetingRecord,
    version: int,
    draft: Draft,
    note: str | None,
) -> Reply:
    """Saves the reflection (version 0: a new one); a co-facilitator's newer save is shown."""
    try:
        await meetings.save_reflection(
            request.session,
            record=record,
            draft=draft.to_domain(),
            note=note,
            version=version or None,
            actor_id=request.me.id,
        )
    except Conflict:
        current = await meetings.reflection_of(request.session, record.id)
        assert current is not None
        return reflection_screen(
            request.tr,
            record_id=record.id,
            week=record.week,
            version=current.version,
            draft=Draft.of(current),
            note=Note("changed"),
        )
    view = await access.record_view(request, group, record)
    return summary_screen(request.tr, view, Note("reflection_saved"))
