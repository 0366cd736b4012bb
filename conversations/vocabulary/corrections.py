"""A record's corrections as one short line each, in the reader's language: "Week 3: corrected
on 12 March by your co-facilitator: attendance 9 → 10, KB04 marked present". People by their role
as the reader sees them, participants by their codes."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from conversations.runtime.menu import Np_
from locales import Translator
from models.meetings.corrections import CODES_SHOWN, Actor, Correction, Corrections

FIELD_NAMES = {
    "phase": Np_("meeting", "phase"),
    "climate": Np_("meeting", "climate"),
    "topics": Np_("meeting", "topics"),
    "follow_ups": Np_("meeting", "follow-ups"),
    "referral": Np_("meeting", "referral"),
    "note": Np_("meeting", "note"),
}


def correction_lines(
    tr: Translator, corrections: Corrections, *, viewer_id: int, facilitator: bool, timezone: str
) -> list[str]:
    """One line per correction shown, and one for the older ones left out. `facilitator`: the
    reader leads the group (another facilitator is their co-facilitator)."""
    lines = [
        tr.pgettext("meeting", "Week {week}: corrected on {date} by {who}: {what}").format(
            week=c.week,
            date=tr.date(tr.local(c.at, timezone).date()),
            who=_who(tr, c, viewer_id, facilitator),
            what=_what(tr, c),
        )
        for c in corrections.shown
    ]
    if corrections.older:
        lines.append(
            tr.npgettext(
                "meeting",
                "… and {count} earlier correction",
                "… and {count} earlier corrections",
                corrections.older,
            ).format(count=corrections.older)
        )
    return lines


def _who(tr: Translator, c: Correction, viewer_id: int, facilitator: bool) -> str:
    if c.actor_id == viewer_id:
        return tr.pgettext("meeting", "you")
    if c.actor == Actor.COORDINATOR:
        return tr.pgettext("meeting", "a coordinator")
    if c.actor == Actor.FACILITATOR:
        if facilitator:
            return tr.pgettext("meeting", "your co-facilitator")
        return tr.pgettext("meeting", "a facilitator")
    return tr.pgettext("meeting", "a former facilitator")


def _codes(codes: Sequence[str]) -> str:
    more = len(codes) - CODES_SHOWN
    return ", ".join(codes[:CODES_SHOWN]) + (f" +{more}" if more > 0 else "")


def _what(tr: Translator, c: Correction) -> str:
    if c.kind == "reflection":
        fields = ", ".join(tr.pgettext(*FIELD_NAMES[f]) for f in c.fields)
        return tr.pgettext("meeting", "reflection ({fields})").format(fields=fields or "-")
    parts = [
        tr.pgettext("meeting", "attendance {before} → {after}").format(
            before=c.present_before, after=c.present_after
        )
    ]
    if c.now_present:
        parts.append(
            tr.pgettext("meeting", "{codes} marked present").format(codes=_codes(c.now_present))
        )
    if c.now_absent:
        parts.append(
            tr.pgettext("meeting", "{codes} marked absent").format(codes=_codes(c.now_absent))
        )
    return ", ".join(parts)


def html_text(text: str) -> Markup:
    """Text for a template, escaped as Telegram gives it back: an apostrophe stays as it is, so
    that a second tap on the same button sees the message unchanged (and does not edit it)."""
    return Markup(str(escape(text)).replace("&#39;", "'"))
