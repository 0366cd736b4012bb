"""Coordinators: agreement alerts and what follows them, /pending, /groups, /report, the digest.

Every alert starts with a neutral line ("A group needs your attention"): the lock screen of a
shared phone shows it. Details come only after "View details", as a new message sent with
protect_content, and every view of details and every export is written to the audit log. What a
coordinator sees is their subtree (models.scope.Scope), an admin everything; an agreement outside
that scope is answered as not found, whatever the button data says.

    access           who may use the flow; lookups in the person's scope
    codec            button data (co:...) and the typed reference step
    screens          what is shown (templates under content/templates/coordinator/)
    alerts           the outbox renderers (alerts, reminders, escalations, answers, referrals,
                     the digest) and the Acknowledge tap on an alert
    agreement_views  an agreement's details, acknowledging from them, its reference typed;
                     "not an agreement: violence, refer"
    lists            /pending, /groups
    group_view       one group from /groups: checklist, facilitators (replacing one),
                     corrections, the self-help meeting; what it shows in group_screens
    report           /report, the chart and the exports, for the chosen period and area
    choices          the period, the area and the monthly files of /report
    report_screens   what /report shows, and its choices
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

# alerts registers the outbox renderers when the package is imported.
from conversations.coordinator import (
    agreement_views,
    alerts,
    choices,
    codec,
    group_view,
    lists,
    report,
)
from conversations.coordinator.access import COORDINATORS
from conversations.runtime.callbacks import pattern
from conversations.runtime.menu import Command, Np_, declare

declare(
    Command("pending", COORDINATORS, Np_("menu", "Agreements waiting for you")),
    Command("groups", COORDINATORS, Np_("menu", "Your groups: weeks, attendance, flags")),
    Command("report", COORDINATORS, Np_("menu", "Report, chart and exports")),
)


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    taps = {
        codec.VIEW: agreement_views.view_details,
        codec.ACKNOWLEDGE: alerts.acknowledge,
        codec.ACKNOWLEDGE_IN_DETAILS: agreement_views.acknowledge_in_details,
        codec.REFERENCE: agreement_views.ask_reference,
        codec.REFER_ASK: agreement_views.ask_refer,
        codec.REFER: agreement_views.refer,
        codec.REFER_BACK: agreement_views.back_to_details,
        codec.CHART: report.chart,
        codec.XLSX: report.export_xlsx,
        codec.CSV: report.export_csv,
        codec.REPORT: report.report_again,
        codec.PERIODS: choices.periods,
        codec.PERIOD: choices.choose_period,
        codec.TYPE_DATES: choices.type_dates,
        codec.AREAS: choices.areas,
        codec.AREA: choices.choose_area,
        codec.MONTHLY: choices.monthly,
        codec.GROUP: group_view.open_group,
        codec.GROUPS: group_view.back_to_groups,
        codec.REPLACE: group_view.ask_replace,
        codec.REPLACE_CONFIRMED: group_view.replace,
        codec.MEETING_DAY: group_view.choose_day,
        codec.MEETING_TIME: group_view.choose_time,
        codec.MEETING_SAVED: group_view.save_meeting,
    }
    return [
        CommandHandler("pending", lists.pending_command, filters=private),
        CommandHandler("groups", lists.groups_command, filters=private),
        CommandHandler("report", report.report_command, filters=private),
        *(
            CallbackQueryHandler(callback, pattern=pattern(f"{codec.FLOW}:{sub}"))
            for sub, callback in taps.items()
        ),
    ]
