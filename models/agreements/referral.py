"""Violence is never an agreement: the question a worrying summary raises, and a coordinator's
"this is not an agreement: violence, refer".

A typed summary with words that may point to violence (content/agreements/violence-words.yaml) is
not stored as the summary: it waits, encrypted on the draft, for the facilitator's answer to one
question. Yes ends the draft with everything typed; No makes it the summary, marked for the
coordinator to check. The list only prompts the question; the facilitator's judgement decides.

A coordinator who finds that a recorded agreement is about violence refers it: the record keeps
its group, kind, dates and status "referred" (the type only: no text, no parties, no roles), and
the summary is erased wherever it was kept, including the bot messages that showed it
(`AgreementScreen`, removed through the outbox). The facilitators get a neutral message.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from content.violence_words import may_involve_violence
from models import outbox
from models.agreements.drafts import clean_summary, drop_draft
from models.agreements.events import add_event
from models.agreements.records import get_agreement
from models.agreements.tables import (
    Agreement,
    AgreementDraft,
    AgreementParty,
    AgreementScreen,
    Status,
)
from models.audit import AuditEntry, audit
from models.clock import clock
from models.errors import NotFound
from models.groups import Group
from models.meetings import facilitator_ids
from models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from models.scope import Scope
from models.service import ProcessedUpdate
from models.users import User

# --- the facilitator's summary -------------------------------------------------------------------


async def hold_summary(session: AsyncSession, *, draft: AgreementDraft, text: str) -> bool:
    """Stores the typed summary, unless it has words that may point to violence: then it is held
    apart until the facilitator answers (True: ask the question). Refusals as `set_summary`."""
    summary = clean_summary(text)
    if may_involve_violence(summary):
        draft.unchecked_summary = summary
        return True
    draft.summary = summary
    draft.unchecked_summary = None
    # A new summary without such words: the earlier answer was about other words.
    draft.violence_check = False
    return False


async def no_violence(session: AsyncSession, *, draft: AgreementDraft) -> str:
    """The facilitator answered No: the held summary is the summary, marked for checking."""
    if draft.unchecked_summary is None:
        raise NotFound()  # answered already, or a new summary was typed since
    draft.summary = draft.unchecked_summary
    draft.unchecked_summary = None
    draft.violence_check = True
    return draft.summary


async def violence_confirmed(
    session: AsyncSession, *, draft: AgreementDraft, actor_id: int
) -> None:
    """The facilitator answered Yes: the draft and all it held are deleted; nothing is kept but
    that it happened in this group (audit, no text)."""
    await audit(
        session, actor_id=actor_id, action="draft.violence", record=("group", draft.group_id)
    )
    await drop_draft(session, user_id=draft.user_id, key=draft.key)


# --- the messages that showed an agreement ------------------------------------------------------


async def remember_screen(
    session: AsyncSession, *, chat_id: int, message_id: int, agreement_id: int
) -> None:
    """A bot message in this private chat shows the agreement (sent or edited just now)."""
    known = await session.get(AgreementScreen, (chat_id, message_id))
    user_id = await session.scalar(select(User.id).where(User.telegram_id == chat_id))
    agreement = await session.get(Agreement, agreement_id)
    if user_id is None or agreement is None:
        return
    if agreement.status == Status.REFERRED:
        # Shown while it was being referred: removed straight away.
        await _erase(session, user_id, chat_id, message_id)
        return
    if known is None:
        session.add(
            AgreementScreen(
                chat_id=chat_id,
                message_id=message_id,
                agreement_id=agreement_id,
                user_id=user_id,
                sent_at=clock.now(),
            )
        )
    else:
        known.agreement_id = agreement_id
        known.sent_at = clock.now()


# --- a coordinator: not an agreement, violence, refer -------------------------------------------


async def refer(
    session: AsyncSession,
    *,
    scope: Scope,
    agreement_id: int,
    actor_id: int,
    replacing: tuple[int, int] | None = None,
) -> tuple[Agreement, bool]:
    """Marks the agreement referred and erases what it said; returns it and whether it changed.

    `replacing`: (chat, message) of the screen the caller is replacing with its answer, which is
    forgotten rather than deleted (it no longer shows the agreement).

    Kept: group, kind, date reached, written or not, the reference of a paper at the office (so
    that the office can find the paper), status and events. Erased: summary, parties, outside
    parties and witnesses by role, the stored replies of everyone who was shown it, pending
    messages about it, and the bot messages that showed it.
    """
    agreement = await get_agreement(session, scope, agreement_id, lock=True)
    if agreement.status == Status.REFERRED:
        return agreement, False
    now = clock.now()
    agreement.status = Status.REFERRED.value
    agreement.summary = None
    agreement.outside_roles = ""
    agreement.witness_roles = ""
    agreement.updated_at = now
    agreement.version += 1
    await session.execute(delete(AgreementParty).where(AgreementParty.agreement_id == agreement.id))
    add_event(session, agreement, actor_id, "referred")
    await audit(
        session, actor_id=actor_id, action="agreement.referred", record=("agreement", agreement.id)
    )
    subject = f"agreement:{agreement.id}"
    await _forget_stored_replies(session, agreement, subject)
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.subject == subject,
            OutboxMessage.status == OutboxStatus.PENDING.value,
        )
        .values(status=OutboxStatus.CANCELLED.value, last_error="referred")
    )
    if replacing is not None:
        await session.execute(
            delete(AgreementScreen).where(
                AgreementScreen.chat_id == replacing[0],
                AgreementScreen.message_id == replacing[1],
            )
        )
    await _erase_screens(session, agreement.id)
    await _tell_facilitators(session, agreement)
    await session.flush()
    return agreement, True


async def _forget_stored_replies(session: AsyncSession, agreement: Agreement, subject: str) -> None:
    """The replies kept to answer a redelivered update may quote the summary: those of everyone
    who was shown the agreement go (a redelivery then costs only its stored answer)."""
    viewers = select(AuditEntry.actor_id).where(
        AuditEntry.record_type == "agreement", AuditEntry.record_id == agreement.id
    )
    alerted = select(OutboxMessage.recipient_id).where(OutboxMessage.subject == subject)
    shown = select(AgreementScreen.user_id).where(AgreementScreen.agreement_id == agreement.id)
    people = {agreement.reported_by} | set(await session.scalars(viewers.union(alerted, shown)))
    chats = select(User.telegram_id).where(User.id.in_([p for p in people if p is not None]))
    await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.chat_id.in_(chats)))


async def _erase_screens(session: AsyncSession, agreement_id: int) -> None:
    """Each message that showed the agreement is removed by the outbox, then forgotten here."""
    screens = list(
        await session.scalars(
            select(AgreementScreen).where(AgreementScreen.agreement_id == agreement_id)
        )
    )
    for screen in screens:
        await _erase(session, screen.user_id, screen.chat_id, screen.message_id)
    await session.execute(
        delete(AgreementScreen).where(AgreementScreen.agreement_id == agreement_id)
    )


async def _erase(session: AsyncSession, user_id: int, chat_id: int, message_id: int) -> None:
    await outbox.enqueue(
        session,
        kind=OutboxKind.AGREEMENT_ERASE_SCREEN,
        subject=f"screen:{chat_id}:{message_id}",
        period="",
        recipient_id=user_id,
        payload={"message_id": message_id},
    )


async def _tell_facilitators(session: AsyncSession, agreement: Agreement) -> None:
    """A neutral message to the group's facilitators (and whoever recorded it): no details."""
    group = await session.get(Group, agreement.group_id)
    if group is None:
        return
    recipients = set(await facilitator_ids(session, group.id))
    if agreement.reported_by is not None:
        recorder = await session.get(User, agreement.reported_by)
        if recorder is not None and recorder.revoked_at is None:
            recipients.add(recorder.id)
    for user_id in sorted(recipients):
        await outbox.enqueue(
            session,
            kind=OutboxKind.AGREEMENT_REFERRED,
            subject=f"group:{group.id}",
            period=f"referred:{agreement.id}",
            recipient_id=user_id,
            payload={"group_id": group.id},
        )
