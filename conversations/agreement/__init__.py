"""Recording a reached agreement: /agreement (or the button on the week's record).

One message, edited in place, walks through: what it is about → the parties (codes from the
roster) → outside parties by role → witnesses by role → the date reached → whether a signed paper
exists → a short summary (the only typed step, with a "no names, no stories" reminder; the typed
message is deleted once stored) → a confirmation screen. The record, its alerts to the
coordinators and the audit entry are written together on "Save".

    start      the group and what the agreement is about (a new draft)
    parties    parties, outside parties and witnesses
    details    the date reached, the signed paper, the summary, the check screen
    save       save or cancel
    violence   never an agreement: referral guidance, nothing stored; the question asked
               when a summary has words that may point to violence
    follow_up  one and three months later: does it hold?
    notices    the facilitators told that the coordinator received, then documented it

access.py looks records up within the person's scope, codec.py packs and parses the button data
(the table of every tap is there), screens.py renders from content/templates/agreement/.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from conversations.agreement import codec
from conversations.agreement import notices as notices  # registers its outbox renderer
from conversations.agreement.access import RECORDERS
from conversations.agreement.details import (
    date_chosen,
    rewrite_summary,
    type_date,
    written_chosen,
)
from conversations.agreement.follow_up import follow_up_answer
from conversations.agreement.parties import (
    outside_done,
    parties_done,
    toggle_outside,
    toggle_party,
    toggle_witness,
    witnesses_done,
)
from conversations.agreement.save import cancel, save
from conversations.agreement.start import agreement_command, group_chosen, kind_chosen
from conversations.agreement.violence import (
    referral_requested,
    violence,
    violence_no,
    violence_yes,
    why_never,
)
from conversations.runtime.callbacks import pattern
from conversations.runtime.menu import Command, Np_, declare

declare(Command("agreement", RECORDERS, Np_("menu", "Record an agreement a group reached")))


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    taps = {
        codec.GROUP: group_chosen,
        codec.KIND: kind_chosen,
        codec.VIOLENCE: violence,
        codec.WHY_NEVER: why_never,
        codec.REFERRAL: referral_requested,
        codec.PARTY: toggle_party,
        codec.PARTIES_DONE: parties_done,
        codec.OUTSIDE: toggle_outside,
        codec.OUTSIDE_DONE: outside_done,
        codec.WITNESS: toggle_witness,
        codec.WITNESSES_DONE: witnesses_done,
        codec.DAY: date_chosen,
        codec.TYPE_DAY: type_date,
        codec.WRITTEN: written_chosen,
        codec.REWRITE_SUMMARY: rewrite_summary,
        codec.VIOLENCE_YES: violence_yes,
        codec.VIOLENCE_NO: violence_no,
        codec.SAVE: save,
        codec.CANCEL: cancel,
        codec.FOLLOW_UP: follow_up_answer,
    }
    return [
        CommandHandler("agreement", agreement_command, filters=private),
        *(
            CallbackQueryHandler(callback, pattern=pattern(f"{codec.ACTION}:{sub}"))
            for sub, callback in taps.items()
        ),
    ]
