"""The facilitator's week: /session opens this week's guide and, after the meeting, the record.

One message, edited in place, walks through: the week panel → held today / another day / did not
take place → attendance (tap the absentees, then save) → a short reflection, mostly buttons →
a closing summary. Nothing half-done is saved silently: attendance and reflection are saved by an
explicit tap, and each screen says what is already saved.

Button data (ids and small numbers only; every tap re-checks the group against the user's scope):
  so:<g>                      the week panel of group g
  st:<g>:<w> / sl:<g>:<w>     held today / choose the date it was held
  sa:<g>:<w>:<yyyymmdd>       held on that date
  sn:<g>:<w> / sk:<g>:<w>:<c|p> / sx:<g>:<w>:<c|p>:<reason>   did not take place
  sv:<g>:<s> / sc:<g>:<s>     view a record / correct its attendance
  at:<s>:<rv>:<v>:<mask>:<i>  toggle participant i (absent set as a bitmask over the roster)
  as:<s>:<rv>:<v>:<mask>      save attendance (rv: roster version, v: record version)
  rf:<s>:<v>:<draft>:<op>     reflection steps (draft: step.phase.climate.topics.followups.referral)
  pr:<g> / pt:<g>:<item>      preparation checklist / tick an item
  hs:<g> / hw:<g>:<weekday>   start the self-help group / its meeting day
  hc:<g>:<yyyymm>:<answer>    monthly self-help check-in
  hd:<g> / ht:<g>:<weekday> / hm:<g>:<weekday>:<hhmm>   the self-help meeting's day and time

  panel         /session, the week panel, held / not held, a record's summary
  attendance    the absentees, saved and corrected
  reflection    the reflection's steps and its typed note
  preparation   the checklist before week 1
  self_help     the self-help group after week 15 and its monthly check-in
  access        the groups and records the person may record for, and the screens' data
  codec         what buttons and pending steps carry
  screens/      what each step shows (texts in content/templates/meeting/)
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from conversations.meeting import attendance, panel, preparation, reflection, self_help
from conversations.meeting.access import RECORDERS
from conversations.runtime.callbacks import pattern
from conversations.runtime.menu import Command, Np_, declare

declare(Command("session", RECORDERS, Np_("menu", "This week: guide and record")))


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    taps = {
        "so": panel.open_panel,
        "st": panel.held_today,
        "sl": panel.late_dates,
        "sa": panel.held_on,
        "sn": panel.not_held_menu,
        "sk": panel.not_held_reason,
        "sx": panel.not_held,
        "sv": panel.view_record,
        "sc": attendance.correct_attendance,
        "at": attendance.toggle_absent,
        "as": attendance.save_attendance,
        "rf": reflection.reflection_tap,
        "pr": preparation.prep_checklist,
        "pt": preparation.prep_toggle,
        "hs": self_help.self_help_start,
        "hw": self_help.self_help_day,
        "hc": self_help.self_help_checkin,
        "hd": self_help.change_day,
        "ht": self_help.change_time,
        "hm": self_help.change_meeting,
    }
    return [
        CommandHandler("session", panel.session_command, filters=private),
        *(
            CallbackQueryHandler(callback, pattern=pattern(action))
            for action, callback in taps.items()
        ),
    ]
