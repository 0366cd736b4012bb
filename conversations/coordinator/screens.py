"""What coordinators are shown: alerts, an agreement's details, the lists, the report.

Render only: each function takes what the handler read and returns a Reply (or its text); every
message text comes from a template under content/templates/coordinator/.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from markupsafe import Markup

from conversations.coordinator import codec
from conversations.coordinator.codec import PaperReference
from conversations.runtime.reply import Button, Reply
from conversations.vocabulary.agreements import (
    STEP_NAMES,
    answer_name,
    kind_name,
    role_names,
    step_name,
)
from conversations.vocabulary.coordination import event_name, status_name
from conversations.vocabulary.people import role_name
from exports.chart import title as chart_title
from locales import Translator
from models.agreements import Agreement, AgreementEvent, Answer, FollowUp, Status
from models.coordination import AgreementDetails, Pending
from models.groups import WEEKS
from models.reports import AreaReport, GroupSummary

# Telegram's limit is 4096 characters; lists stop a little before it and say how many are left.
TEXT_BUDGET = 3600
BAR_CELLS = 10
GROUP_BUTTONS = 40
ANSWER_VALUES = frozenset(a.value for a in Answer)


def bar(rate: float | None) -> str:
    """A text bar for a share between 0 and 1, e.g. ▓▓▓▓▓▓▓░░░ 70%."""
    if rate is None:
        return "-"
    filled = round(rate * BAR_CELLS)
    return f"{'▓' * filled}{'░' * (BAR_CELLS - filled)} {round(rate * 100)}%"


def percent(rate: float | None) -> str:
    return "-" if rate is None else f"{round(rate * 100)}%"


def fit(blocks: Iterable[str], count: int, budget: int = TEXT_BUDGET) -> tuple[str, int]:
    """Joins blocks until the budget; returns the text and how many of the `count` blocks were
    left out. Blocks are taken one at a time: with a thousand groups, only the few that fit are
    rendered."""
    text = ""
    for i, block in enumerate(blocks):
        if len(text) + len(block) > budget:
            return text, count - i
        text += block
    return text, 0


def _view_button(tr: Translator, agreement_id: int) -> Button:
    label = tr.pgettext("coordinator", "View details")
    return Button(label, codec.data(codec.VIEW, agreement_id))


# --- alerts: their first line is neutral, it is what a shared phone's lock screen shows ---------


def _alert_buttons(tr: Translator, agreement: Agreement) -> list[list[Button]]:
    row = [_view_button(tr, agreement.id)]
    if agreement.status == Status.REPORTED:
        label = tr.pgettext("coordinator", "Acknowledge")
        row.insert(0, Button(label, codec.data(codec.ACKNOWLEDGE, agreement.id)))
    return [row]


def alert(tr: Translator, event: str, agreement: Agreement, days: int = 0) -> Reply:
    """An agreement reported, or a reminder or escalation of it ("reported", "reminder",
    "escalation", "undocumented.reminder", "undocumented.escalation"; `days` it has waited); no
    details: those come after "View details"."""
    text = tr.render("coordinator/alert.j2", event=event, date=reached(tr, agreement), days=days)
    return Reply(text, buttons=_alert_buttons(tr, agreement))


def reached(tr: Translator, agreement: Agreement) -> str:
    """How an agreement is named in messages: the day it was reached, never its number."""
    return tr.date(agreement.reached_on)


def follow_up_answered(tr: Translator, agreement: Agreement, follow_up: FollowUp) -> Reply:
    text = tr.render(
        "coordinator/alert.j2",
        event="answer",
        date=reached(tr, agreement),
        when=step_name(tr, follow_up.step),
        answer=answer_name(tr, follow_up.answer or ""),
    )
    return Reply(text, buttons=[[_view_button(tr, agreement.id)]])


def referral_needed(tr: Translator, group_name: str) -> Reply:
    return Reply(tr.render("coordinator/alert.j2", event="referral", group=group_name))


def acknowledged(tr: Translator, agreement: Agreement, *, changed: bool) -> Reply:
    """The alert, edited: its neutral first line stays and no details are added to it."""
    if changed:
        text = tr.render("coordinator/alert.j2", event="acknowledged", date=reached(tr, agreement))
    else:
        text = tr.render(
            "coordinator/alert.j2", event="already_acknowledged", date=reached(tr, agreement)
        )
    return Reply(text, buttons=_alert_buttons(tr, agreement))


# --- one agreement: its details and its reference number -----------------------------------------


def details(tr: Translator, found: AgreementDetails, *, new: bool) -> Reply:
    """Everything about an agreement, as a protected message (it cannot be forwarded)."""
    agreement, group = found.agreement, found.group
    text = tr.render(
        "coordinator/details.j2",
        status=status_name(tr, agreement.status),
        group=group.name,
        place=" / ".join(found.place),
        kind=kind_name(tr, agreement.kind),
        parties=", ".join(found.parties) or "-",
        outside=role_names(tr, agreement.outside) or "-",
        witnesses=role_names(tr, agreement.witnesses) or "-",
        reached_on=tr.date(agreement.reached_on),
        written=agreement.written,
        reference=agreement.reference,
        summary=agreement.summary,
        violence_check=agreement.violence_check,
        referred=agreement.status == Status.REFERRED,
        follow_ups=[_follow_up_state(tr, step, found.follow_ups.get(step)) for step in STEP_NAMES],
        events=[_event_line(tr, e, group.timezone, found.actor_roles) for e in found.events],
    )
    buttons: list[list[Button]] = []
    if agreement.status == Status.REFERRED:
        # Not an agreement: nothing is left to acknowledge, document or refer, nor to erase.
        return Reply(text, new=new, protect=True)
    if agreement.status == Status.REPORTED:
        label = tr.pgettext("coordinator", "Acknowledge")
        buttons.append([Button(label, codec.data(codec.ACKNOWLEDGE_IN_DETAILS, agreement.id))])
    label = (
        tr.pgettext("coordinator", "Correct the reference number")
        if agreement.status == Status.DOCUMENTED
        else tr.pgettext("coordinator", "Record the reference number")
    )
    buttons.append([Button(label, PaperReference(agreement.id, agreement.version).button)])
    refer = tr.pgettext("coordinator", "Not an agreement: violence, refer")
    buttons.append([Button(refer, codec.data(codec.REFER_ASK, agreement.id))])
    # Recorded: removed from the chat if the agreement is referred later.
    return Reply(text, buttons=buttons, new=new, protect=True, shows=agreement.id)


def ask_refer(tr: Translator, agreement: Agreement) -> Reply:
    """Replaces the details (and so the summary) on the screen until the choice is made."""
    text = tr.render(
        "coordinator/ask_refer.j2",
        kind=kind_name(tr, agreement.kind),
        reached_on=tr.date(agreement.reached_on),
    )
    yes = tr.pgettext("coordinator", "Yes: not an agreement, refer")
    back = tr.pgettext("coordinator", "Back to the details")
    buttons = [
        [Button(yes, codec.data(codec.REFER, agreement.id))],
        [Button(back, codec.data(codec.REFER_BACK, agreement.id))],
    ]
    return Reply(text, buttons=buttons)


def referred(tr: Translator, agreement: Agreement, *, changed: bool) -> Reply:
    text = tr.render(
        "coordinator/referred.j2",
        changed=changed,
        kind=kind_name(tr, agreement.kind),
        reached_on=tr.date(agreement.reached_on),
    )
    return Reply(text)


def _follow_up_state(tr: Translator, step: str, follow_up: FollowUp | None) -> dict[str, object]:
    """Answered, asked (no answer yet), skipped (nobody could be asked) or not yet asked."""
    if follow_up is None:
        state = "unasked"
    elif follow_up.answer:
        state = "answered"
    else:
        state = "skipped" if follow_up.asked_at is None else "asked"
    answer = answer_name(tr, follow_up.answer) if follow_up and follow_up.answer else None
    return {"when": step_name(tr, step), "state": state, "answer": answer}


def _event_line(
    tr: Translator, event: AgreementEvent, timezone: str, roles: dict[int, str]
) -> dict[str, object]:
    local = tr.local(event.at, timezone)
    detail = event.detail or ""
    if event.action.startswith("follow_up.") and detail in ANSWER_VALUES:
        detail = answer_name(tr, detail)
    return {
        "day": tr.date(local.date()),
        "time": tr.time(local.timetz()),
        "what": event_name(tr, event.action, detail),
        # The person's role, never their internal id.
        "who": role_name(tr, roles.get(event.actor_id, "")) if event.actor_id else None,
    }


def _about(tr: Translator, agreement: Agreement) -> dict[str, str]:
    """What a person recognises an agreement by: its kind and the date it was reached."""
    return {"kind": kind_name(tr, agreement.kind), "reached_on": tr.date(agreement.reached_on)}


def ask_reference(tr: Translator, agreement: Agreement) -> Reply:
    return Reply(tr.render("coordinator/ask_reference.j2", **_about(tr, agreement)), new=True)


def bad_reference(tr: Translator) -> Reply:
    return Reply(tr.render("coordinator/bad_reference.j2"))


def documented(tr: Translator, agreement: Agreement) -> Reply:
    text = tr.render(
        "coordinator/documented.j2", reference=agreement.reference or "", **_about(tr, agreement)
    )
    return Reply(text, buttons=[[_view_button(tr, agreement.id)]])


# --- lists ---------------------------------------------------------------------------------------


def pending(tr: Translator, found: Pending) -> Reply:
    waiting = [
        {
            **_about(tr, item.agreement),
            "group": item.group.name,
            "status": status_name(tr, item.agreement.status),
        }
        for item in found.shown
    ]
    more = max(0, found.total - len(found.shown))
    text = tr.render("coordinator/pending.j2", waiting=waiting, more=more)
    label = tr.pgettext("coordinator", "{kind}, {date}, {group}: details")
    buttons = [
        [
            Button(
                label.format(
                    kind=kind_name(tr, item.agreement.kind),
                    date=tr.date(item.agreement.reached_on),
                    group=item.group.name,
                ),
                codec.data(codec.VIEW, item.agreement.id),
            )
        ]
        for item in found.shown
    ]
    return Reply(text, buttons=buttons, new=True)


def no_groups(tr: Translator) -> Reply:
    return Reply(tr.render("coordinator/no_groups.j2"))


def groups(tr: Translator, summaries: list[GroupSummary]) -> Reply:
    blocks = (
        tr.render(
            "coordinator/group.j2",
            group=s,
            weeks=WEEKS,
            last_held_on=tr.date(s.last_held_on) if s.last_held_on else "-",
            attendance=percent(s.attendance),
            recent=percent(s.recent_attendance),
        )
        + "\n\n"
        for s in summaries
    )
    shown, left = fit(blocks, len(summaries))
    text = tr.render("coordinator/groups.j2", count=len(summaries), shown=Markup(shown), left=left)
    # A button for each group shown (a few dozen at most: Telegram takes 100 buttons).
    buttons = [
        [Button(s.name, codec.data(codec.GROUP, s.id))]
        for s in summaries[: min(len(summaries) - left, GROUP_BUTTONS)]
    ]
    return Reply(text, buttons=buttons, new=True)


# --- the report, the weekly digest, the chart and the exports ------------------------------------


def report_text(tr: Translator, report: AreaReport, *, digest: bool, header: bool = True) -> str:
    """The totals and as many groups as fit; `header`: with its title (Report, the summary)."""
    totals = tr.render(
        "coordinator/report_totals.j2",
        digest=digest,
        header=header,
        totals=report.totals,
        attendance=bar(report.totals.recent_attendance),
    )
    blocks = (
        tr.render("coordinator/report_group.j2", group=s, attendance=bar(s.recent_attendance))
        + "\n"
        for s in report.summaries
    )
    shown, left = fit(blocks, len(report.summaries), TEXT_BUDGET - len(totals))
    return tr.render("coordinator/report.j2", totals=Markup(totals), shown=Markup(shown), left=left)


def chart(tr: Translator, pictures: Sequence[tuple[str, bytes]]) -> list[Reply]:
    """(file name, PNG) of each picture of the attendance chart, each a document of its own,
    titled like the picture; not protected, so that it can be saved and shared."""
    count = len(pictures)
    return [
        Reply(chart_title(tr, number, count), document=(name, png), new=True)
        for number, (name, png) in enumerate(pictures, 1)
    ]


def preparing_file(tr: Translator) -> str:
    """The note on a tapped export button while a big file is being written."""
    return tr.pgettext("coordinator", "Preparing the file: it comes in a moment.")


def workbook_caption(tr: Translator) -> str:
    return tr.render("coordinator/export.j2")


def files(found: Iterable[tuple[str, str, bytes]]) -> list[Reply]:
    """(file name, caption, content) of each file, each a message of its own; not protected:
    a file is made to be saved and opened elsewhere (agreement details stay protected)."""
    return [Reply(caption, document=(name, data), new=True) for name, caption, data in found]
