"""Changing one participant: consent, details, a new code, marking them as left.

Nobody is deleted: a participant who leaves keeps their attendance history. A withdrawal of
consent removes the code; the attendance stays as an anonymous count.

Consent is recorded with today's date in the group's local time: the facilitator records it
at the meeting where it is given or withdrawn."""

from __future__ import annotations

from conversations.roster import access, codec, screens
from conversations.runtime import fallback
from conversations.runtime.callbacks import unpack
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from models import roster
from models.errors import InvalidInput
from models.meetings import local_today
from models.roster import Gender, Origin


@handler(roles=access.STAFF, write=True)
async def participant_action(request: Request) -> Reply:
    parts = unpack(request.data, "rx", 3)
    group_id, participant_id = codec.ids(parts[:2])
    op = codec.parse_op(parts[2])
    group, participant = await access.participant_in_group(request, group_id, participant_id)
    tr = request.tr
    if not participant.active:
        people = await access.people(request, group)
        return screens.gone(tr, group, people, participant, new=False)
    actor = request.me.id
    if op in (codec.CONSENT_GIVEN, codec.CONSENT_WITHDRAWN):
        given = op == codec.CONSENT_GIVEN
        code = participant.code
        await roster.record_consent(
            request.session,
            group=group,
            participant_id=participant.id,
            given=given,
            on=local_today(group),
            actor_id=actor,
        )
        people = await access.people(request, group)
        if given:
            return screens.roster_screen(tr, group, people, consent_given=code)
        return screens.roster_screen(tr, group, people, withdrawn=True)
    if op == codec.ASK_WITHDRAWN:
        return screens.confirm_withdrawn(tr, group, participant)
    if op in codec.DETAIL_OPS:
        value = codec.DETAIL_OPS[op]
        await roster.set_details(
            request.session,
            participant=participant,
            gender=value if isinstance(value, Gender) else None,
            origin=value if isinstance(value, Origin) else None,
            actor_id=actor,
        )
        return screens.participant_screen(tr, group, participant)
    if op == codec.ASK_RENAME:
        codec.expect_rename(request.context.state, codec.ParticipantRef(group.id, participant.id))
        return screens.ask_rename(tr, group, participant)
    if op == codec.ASK_LEFT:
        return screens.confirm_left(tr, group, participant)
    await roster.mark_left(request.session, group=group, participant=participant, actor_id=actor)
    people = await access.people(request, group)
    return screens.roster_screen(tr, group, people, marked_left=participant.code)


@fallback.expects_text(codec.RENAME)
@handler(roles=access.STAFF, write=True)
async def rename(request: Request) -> Reply:
    state = request.context.state
    ref = codec.renaming(state)
    if ref is None:
        state.clear()
        return screens.start_again(request.tr)
    state.clear()
    group, participant = await access.participant_in_group(
        request, ref.group_id, ref.participant_id
    )
    tr = request.tr
    if not participant.active:
        people = await access.people(request, group)
        return screens.gone(tr, group, people, participant, new=True)
    old = participant.code
    try:
        await roster.rename(
            request.session,
            group=group,
            participant=participant,
            code=request.text.strip(),
            actor_id=request.me.id,
        )
    except InvalidInput as error:
        codec.expect_rename(state, ref)
        return screens.rename_refused(tr, old, error.code.removeprefix("code_"))
    people = await access.people(request, group)
    return screens.roster_screen(tr, group, people, renamed=(old, participant.code), new=True)
