"""One and three months after the date reached: the question to the facilitators (an outbox
message) and their answer, which the coordinators are told of."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.agreement import codec, screens
from conversations.agreement.access import ANSWERERS, scope_of
from conversations.runtime.outbox import renders
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from locales import Translator
from models import agreements
from models.agreements import FOLLOW_UPS, Answer, Status
from models.outbox import OutboxKind, OutboxMessage
from models.users import User


async def _hand_over(session: AsyncSession, row: OutboxMessage) -> None:
    """A facilitator blocked the bot: if no other facilitator can answer, the coordinators."""
    await agreements.hand_follow_up_over(session, row)


@renders(OutboxKind.AGREEMENT_FOLLOWUP, fallback=_hand_over)
async def follow_up_question(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    step = str(row.data.get("step", ""))
    if step not in FOLLOW_UPS:
        return None
    subject = await agreements.message_subject(session, int(row.data.get("agreement_id", 0)))
    if subject is None:
        return None
    agreement, group = subject
    if agreement.status == Status.REFERRED:
        return None  # not an agreement: nothing to follow up
    return screens.follow_up_question(tr, agreement, group.name, step)


@handler(roles=ANSWERERS, write=True)
async def follow_up_answer(request: Request) -> Reply:
    tap = codec.parse_answer(request.data)
    row, recorded = await agreements.answer_follow_up(
        request.session,
        scope=await scope_of(request),
        agreement_id=tap.agreement_id,
        step=tap.step,
        answer=tap.answer,
        actor_id=request.me.id,
    )
    if recorded:
        request.send_outbox_soon()
    answer = Answer(row.answer) if row.answer else None
    return screens.follow_up_answered(request.tr, answer, recorded=recorded)
