"""Everything the sweep runs, listed in one place: each finder and sweeper by name, and the
erasers of every table that holds free text. Nothing registers itself by being imported; a new
finder is added here, and the application composes this plan (conversations/app.py)."""

from __future__ import annotations

from models import agreements, privacy, reminders, reports, retention, sweep
from models.reports.monthly import find_monthly_exports

# Every table with free text: what retention erases after RETENTION_MONTHS.
ERASERS: tuple[retention.Eraser, ...] = (
    retention.erase_reflection_notes,
    agreements.erase_summaries,
)

PLAN = sweep.Plan(
    finders={
        "forget_processed_updates": sweep.find_old_updates,
        "forget_old_message_ids": privacy.find_old_message_ids,
        "meeting_reminders": reminders.find_meeting_reminders,
        "record_nudges": reminders.find_record_nudges,
        "self_help_checkins": reminders.find_self_help_checkins,
        "self_help_reminders": reminders.find_self_help_reminders,
        "agreement_reminders": agreements.find_reminders,
        "agreement_follow_ups": agreements.find_follow_ups,
        "agreement_drafts": agreements.find_old_drafts,
        "coordinator_digests": reports.find_digests,
        "monthly_exports": find_monthly_exports,
    },
    sweepers={"retention": retention.erasing(ERASERS)},
)
