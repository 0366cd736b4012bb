"""Alerts to coordinators, sent through the outbox, and the Acknowledge tap on them.

The outbox renders each row for its recipient when it is sent: an alert about an agreement
acknowledged meanwhile is still sent (its button then says so), a reminder or escalation is
dropped. When a recipient has blocked the bot, the message is handed to the next coordinator up
the tree, else to the admins (models.coordination.hand_over_alert).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

import exports
from conversations.coordinator import access, codec, report_screens, screens
from conversations.coordinator.access import COORDINATORS
from conversations.runtime.outbox import renders
from conversations.runtime.reply import Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from locales import Translator
from models import agreements, coordination, reports
from models.agreements import Status
from models.clock import clock
from models.coordination import hand_over_alert
from models.outbox import OutboxKind, OutboxMessage
from models.reports import monthly, preferences
from models.reports.digest import area_today
from models.reports.indicators import programme_indicators
from models.reports.period import Period
from models.users import User


@renders(OutboxKind.AGREEMENT_ALERT, fallback=hand_over_alert)
async def render_alert(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    agreement = await coordination.agreement_of(session, row)
    if agreement is None or agreement.status == Status.REFERRED:
        return None  # a referral (handed over after it was made) is not an agreement to alert
    return screens.alert(tr, "reported", agreement)


@renders(OutboxKind.AGREEMENT_REMINDER, fallback=hand_over_alert)
async def render_reminder(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    agreement = await coordination.agreement_of(session, row)
    if agreement is None or agreement.status != Status.REPORTED:
        return None  # acknowledged meanwhile: nothing to remind
    return screens.alert(tr, "reminder", agreement)


@renders(OutboxKind.AGREEMENT_ESCALATION, fallback=hand_over_alert)
async def render_escalation(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    agreement = await coordination.agreement_of(session, row)
    if agreement is None or agreement.status != Status.REPORTED:
        return None
    return screens.alert(tr, "escalation", agreement, _days_since(agreement.created_at))


@renders(OutboxKind.AGREEMENT_UNDOCUMENTED, fallback=hand_over_alert)
async def render_undocumented(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    """Acknowledged, its reference still missing: a reminder, or the same one level up."""
    agreement = await coordination.agreement_of(session, row)
    if agreement is None or agreement.status != Status.ACKNOWLEDGED:
        return None  # documented (or referred) meanwhile
    step = "escalation" if row.data.get("step") == "escalation" else "reminder"
    since = agreement.acknowledged_at or agreement.created_at
    return screens.alert(tr, f"undocumented.{step}", agreement, _days_since(since))


def _days_since(moment: datetime) -> int:
    return (clock.now() - moment) // timedelta(days=1)


@renders(OutboxKind.AGREEMENT_ANSWER, fallback=hand_over_alert)
async def render_answer(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    answered = await coordination.answered_follow_up(session, row)
    if answered is None:
        return None
    return screens.follow_up_answered(tr, answered.agreement, answered.follow_up)


@renders(OutboxKind.AGREEMENT_REFERRAL, fallback=hand_over_alert)
async def render_referral(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    group = await coordination.group_of(session, row)
    if group is None:
        return None
    return screens.referral_needed(tr, group.name)


@renders(OutboxKind.DIGEST)
async def render_digest(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    found = await reports.digest_figures(session, user=user, now=clock.now())
    if found is None:
        return None
    # The month so far, in the programme's indicators, above the groups' figures.
    chosen = await preferences.report_scope(session, user)
    month = Period.this_month(await area_today(session, user, clock.now()))
    figures = await programme_indicators(session, chosen, month)
    return report_screens.digest(tr, found, month, figures)


@renders(OutboxKind.MONTHLY_EXPORT)
async def render_monthly_export(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    """The month's indicators of the person's area, as a workbook: aggregates only."""
    if not user.monthly_export:
        return None
    period = monthly.period_of(row.data)
    chosen = await preferences.report_scope(session, user)
    figures = await programme_indicators(session, chosen, period)
    if not figures:
        return None
    names = await preferences.area_label(session, chosen)
    label = " / ".join(names) if names else tr.pgettext("coordinator", "All areas")
    when = clock.now().replace(tzinfo=None)
    meta = exports.ExportMeta(label, period, user.role, when)
    data = await asyncio.to_thread(exports.workbook, tr, [], figures, meta)
    return report_screens.monthly_file(tr, period, data)


@handler(roles=COORDINATORS, write=True)
async def acknowledge(request: Request) -> Reply:
    """Acknowledge from the alert: the alert is edited, with no details added to it."""
    agreement_id = codec.tapped_agreement(request.data, codec.ACKNOWLEDGE)
    done = await agreements.acknowledge(
        request.session,
        scope=await access.scope(request),
        agreement_id=agreement_id,
        actor_id=request.me.id,
    )
    return screens.acknowledged(request.tr, done.agreement, changed=done.changed)
