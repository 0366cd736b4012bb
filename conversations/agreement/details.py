"""The date reached (a button, or typed), whether a signed paper exists, and the summary (the
only free text: typed, then removed from the chat once stored; words that may point to violence
ask a question first, conversations/agreement/violence.py), ending on the check screen."""

from __future__ import annotations

import re
from datetime import date, timedelta

from conversations.agreement import codec, screens
from conversations.agreement.access import RECORDERS, draft_in_scope
from conversations.runtime import fallback
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from models import agreements
from models.agreements import AgreementDraft
from models.clock import clock
from models.errors import InvalidInput, NotFound
from models.groups import Group
from models.meetings import last_meeting, local_today

DATE_TYPED = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})\s*$")


def show_date(
    request: Request, draft: AgreementDraft, group: Group, problem: str | None = None
) -> Reply:
    """Today, yesterday, and the last meeting when it was before yesterday."""
    today = local_today(group)
    meeting = last_meeting(group, clock.now())
    earlier = meeting.date() if meeting and meeting.date() < today - timedelta(days=1) else None
    return screens.date_screen(
        request.tr, draft.key, group.name, today=today, meeting=earlier, problem=problem
    )


def _typed_day(text: str) -> date | None:
    """A date typed as day/month/year (with / . or -); None when it is not one."""
    match = DATE_TYPED.match(text[:40])
    if not match:
        return None
    try:
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None


@handler(roles=RECORDERS, write=True)
async def date_chosen(request: Request) -> Reply:
    key, day = codec.parse_day(request.data)
    draft, group = await draft_in_scope(request, key)
    try:
        await agreements.set_reached_on(request.session, draft=draft, day=day)
    except InvalidInput as error:
        return show_date(request, draft, group, problem=error.code)
    return screens.written_screen(request.tr, draft.key, group.name)


@handler(roles=RECORDERS)
async def type_date(request: Request) -> Reply:
    draft, group = await draft_in_scope(request, codec.parse_draft(request.data, codec.TYPE_DAY))
    request.context.state.expect(codec.DATE_STEP, draft.key)
    return screens.type_date_screen(request.tr, draft.key, group.name)


@fallback.expects_text(codec.DATE_STEP)
@handler(roles=RECORDERS, write=True)
async def typed_date(request: Request) -> Reply:
    state = request.context.state
    draft, group = await draft_in_scope(request, state.ref or "-")
    day = _typed_day(request.text)
    if day is None:
        return screens.date_problem(request.tr, "format")
    try:
        await agreements.set_reached_on(request.session, draft=draft, day=day)
    except InvalidInput as error:
        return screens.date_problem(request.tr, error.code)
    state.clear()
    return screens.written_screen(request.tr, draft.key, group.name)


@handler(roles=RECORDERS, write=True)
async def written_chosen(request: Request) -> Reply:
    key, written = codec.parse_written(request.data)
    draft, group = await draft_in_scope(request, key)
    await agreements.set_written(request.session, draft=draft, written=written)
    return _ask_summary(request, draft, group)


def _ask_summary(request: Request, draft: AgreementDraft, group: Group) -> Reply:
    request.context.state.expect(codec.SUMMARY_STEP, draft.key)
    return screens.summary_screen(request.tr, draft.key, group.name)


@handler(roles=RECORDERS)
async def rewrite_summary(request: Request) -> Reply:
    key = codec.parse_draft(request.data, codec.REWRITE_SUMMARY)
    draft, group = await draft_in_scope(request, key)
    reply = _ask_summary(request, draft, group)
    reply.new = True
    return reply


@fallback.expects_text(codec.SUMMARY_STEP)
@handler(roles=RECORDERS, write=True)
async def typed_summary(request: Request) -> Reply:
    state = request.context.state
    draft, group = await draft_in_scope(request, state.ref or "-")
    try:
        ask = await agreements.hold_summary(request.session, draft=draft, text=request.text)
    except InvalidInput as error:
        if error.code == "summary_empty":
            return screens.summary_problem(request.tr, None)
        length = error.details.get("length", 0)
        return screens.summary_problem(request.tr, length if isinstance(length, int) else 0)
    state.clear()
    if ask:
        # Words that may point to violence: a question first, the summary is not stored yet.
        reply = screens.violence_question(request.tr, draft.key, group.name)
    else:
        reply = await check_screen(request, draft, group)
    reply.delete_user_message = True
    return reply


async def check_screen(request: Request, draft: AgreementDraft, group: Group) -> Reply:
    """Everything chosen, to check before saving."""
    if not agreements.draft_complete(draft) or draft.reached_on is None:
        raise NotFound()
    return screens.confirm_screen(
        request.tr,
        draft.key,
        group.name,
        kind=draft.kind,
        parties=await agreements.draft_party_codes(request.session, draft),
        outside=draft.outside,
        witnesses=draft.witnesses,
        reached_on=draft.reached_on,
        written=bool(draft.written),
        summary=draft.summary or "",
    )
