"""The facilitators are told when the coordinator has acknowledged their agreement and when it
is documented (outbox messages queued by models.agreements.status)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.runtime.outbox import renders
from conversations.runtime.reply import Reply
from conversations.vocabulary.agreements import kind_name
from locales import Translator
from models import agreements
from models.agreements import Status
from models.outbox import OutboxKind, OutboxMessage
from models.users import User

# The statuses in which each notice is still true; a notice about a referred agreement is dropped.
STILL_TRUE = {
    "acknowledged": frozenset({Status.ACKNOWLEDGED, Status.DOCUMENTED}),
    "documented": frozenset({Status.DOCUMENTED}),
}


@renders(OutboxKind.AGREEMENT_NOTICE)
async def agreement_notice(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    event = str(row.data.get("event", ""))
    subject = await agreements.message_subject(session, int(row.data.get("agreement_id", 0)))
    if subject is None or event not in STILL_TRUE:
        return None
    agreement, group = subject
    if agreement.status not in STILL_TRUE[event]:
        return None
    text = tr.render(
        "agreement/notice.j2",
        event=event,
        group=group.name,
        reached_on=tr.date(agreement.reached_on),
        kind=kind_name(tr, agreement.kind),
    )
    return Reply(text)
