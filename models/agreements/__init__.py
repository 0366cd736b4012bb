"""Reached agreements: recorded by facilitators, alerted to coordinators, documented, followed up.

An agreement names its parties by participant code only, outside parties and witnesses by role
only, and keeps a short summary encrypted. It is never for sexual or domestic violence: that
choice never reaches this package (the flow shows referral guidance and stores nothing).

Status: reported → acknowledged → documented (the reference number of the signed paper kept at
the office). One and three months after the date reached, the facilitators are asked whether it
holds. Every change is kept in `AgreementEvent` with who and when.

Alerts go through the outbox in the same transaction as the record, to the coordinators of the
nearest level of the area tree that contains the group (admins when there are none); someone who
blocked the bot is skipped, and a message they could not get is handed one level up.

    tables      the tables and the values their columns hold
    drafts      an agreement being recorded, step by step
    records     saving a draft with its alerts; reading within a scope
    alerts      who is told, and hand-over when someone blocked the bot
    status      acknowledging and documenting
    escalation  reminders, then the area tree climbed level by level, of agreements waiting to
                be acknowledged or documented (the sweep)
    followups   one and three months later: does it hold? (the sweep, and the answers)
    retention   old drafts and summaries erased (the sweep)
    referral    violence is never an agreement: the question on a summary, a coordinator's
                referral, and the bot messages that showed a referred agreement
    events      the history of each agreement
"""

from models.agreements.alerts import (
    ADMINS,
    admins,
    alert_recipients,
    coordinator_levels,
    coordinators_by_level,
    hand_follow_up_over,
    hand_over,
    level_above,
    level_of,
    level_recipients,
    reachable,
    request_referral,
)
from models.agreements.drafts import (
    DRAFT_HOURS,
    MIN_PARTIES,
    SUMMARY_MAX,
    check_reached_on,
    clean_summary,
    draft_complete,
    draft_party_codes,
    draft_roster,
    drop_draft,
    from_mask,
    get_draft,
    mask_of,
    set_parties,
    set_reached_on,
    set_roles,
    set_summary,
    set_written,
    start_draft,
)
from models.agreements.escalation import (
    ESCALATE_AFTER,
    ESCALATE_EVERY,
    PAPER_ESCALATE_EVERY,
    PAPER_REMIND_AFTER,
    REMIND_AFTER,
    find_reminders,
    queue_reminders,
)
from models.agreements.events import add_event, history
from models.agreements.followups import (
    FOLLOW_UP_HOUR,
    add_months,
    answer_follow_up,
    find_follow_ups,
    follow_up_due,
    follow_ups,
    queue_follow_ups,
)
from models.agreements.records import (
    count_pending,
    get_agreement,
    message_subject,
    party_codes,
    pending,
    record_view,
    save_draft,
    saved_from,
    scoped,
)
from models.agreements.referral import (
    hold_summary,
    no_violence,
    refer,
    remember_screen,
    violence_confirmed,
)
from models.agreements.retention import erase_summaries, find_old_drafts
from models.agreements.status import (
    REFERENCE_RE,
    Done,
    acknowledge,
    clean_reference,
    document,
    tell_facilitators,
)
from models.agreements.tables import (
    FOLLOW_UPS,
    NOT_A_PARTY,
    OUTSIDE_ROLES,
    REFERENCE_MAX,
    WITNESS_ROLES,
    Agreement,
    AgreementDraft,
    AgreementEvent,
    AgreementParty,
    AgreementScreen,
    Answer,
    FollowUp,
    Kind,
    Status,
)

__all__ = [
    "ADMINS",
    "DRAFT_HOURS",
    "ESCALATE_AFTER",
    "ESCALATE_EVERY",
    "FOLLOW_UPS",
    "FOLLOW_UP_HOUR",
    "MIN_PARTIES",
    "NOT_A_PARTY",
    "OUTSIDE_ROLES",
    "PAPER_ESCALATE_EVERY",
    "PAPER_REMIND_AFTER",
    "REFERENCE_MAX",
    "REFERENCE_RE",
    "REMIND_AFTER",
    "SUMMARY_MAX",
    "WITNESS_ROLES",
    "Agreement",
    "AgreementDraft",
    "AgreementEvent",
    "AgreementParty",
    "AgreementScreen",
    "Answer",
    "Done",
    "FollowUp",
    "Kind",
    "Status",
    "acknowledge",
    "add_event",
    "add_months",
    "admins",
    "alert_recipients",
    "answer_follow_up",
    "check_reached_on",
    "clean_reference",
    "clean_summary",
    "coordinator_levels",
    "coordinators_by_level",
    "count_pending",
    "document",
    "draft_complete",
    "draft_party_codes",
    "draft_roster",
    "drop_draft",
    "erase_summaries",
    "find_follow_ups",
    "find_old_drafts",
    "find_reminders",
    "follow_up_due",
    "follow_ups",
    "from_mask",
    "get_agreement",
    "get_draft",
    "hand_follow_up_over",
    "hand_over",
    "history",
    "hold_summary",
    "level_above",
    "level_of",
    "level_recipients",
    "mask_of",
    "message_subject",
    "no_violence",
    "party_codes",
    "pending",
    "queue_follow_ups",
    "queue_reminders",
    "reachable",
    "record_view",
    "refer",
    "remember_screen",
    "request_referral",
    "save_draft",
    "saved_from",
    "scoped",
    "set_parties",
    "set_reached_on",
    "set_roles",
    "set_summary",
    "set_written",
    "start_draft",
    "tell_facilitators",
    "violence_confirmed",
]
