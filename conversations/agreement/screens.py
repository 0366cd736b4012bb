"""What the agreement flow shows: each screen from plain data, its text from a template in
content/templates/agreement/. Nothing here reads or changes a record."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

from content.referrals import Service
from conversations.agreement import codec
from conversations.runtime.callbacks import pack
from conversations.runtime.reply import Button, Reply
from conversations.vocabulary.agreements import (
    ANSWER_NAMES,
    KIND_NAMES,
    answer_name,
    kind_name,
    role_name,
    role_names,
    step_name,
)
from locales import Translator
from models.agreements import (
    NOT_A_PARTY,
    OUTSIDE_ROLES,
    SUMMARY_MAX,
    WITNESS_ROLES,
    Agreement,
    Answer,
    from_mask,
)

CODES_PER_ROW = 4
ROLES_PER_ROW = 2


def _cancel(tr: Translator, key: str = codec.NO_DRAFT) -> list[Button]:
    return [Button(tr.pgettext("agreement", "Cancel"), codec.draft_data(codec.CANCEL, key))]


def _toggle_rows(
    labels: Sequence[str | None], mask: int, data: Callable[[int], str], per_row: int
) -> list[list[Button]]:
    """One button per option, ticked when chosen; `data(i)` is the tap's data for option i.
    An option labelled None is not offered (its bit keeps its place in the mask)."""
    rows: list[list[Button]] = []
    offered = [(i, label) for i, label in enumerate(labels) if label is not None]
    for position, (i, label) in enumerate(offered):
        mark = "✓ " if mask & (1 << i) else ""
        if position % per_row == 0:
            rows.append([])
        rows[-1].append(Button(f"{mark}{label}", data(i)))
    return rows


# --- start: what is it about ---------------------------------------------------------------------


def kind_screen(tr: Translator, group_id: int, group_name: str) -> Reply:
    buttons = [
        [Button(tr.pgettext(*label), codec.kind_data(group_id, kind))]
        for kind, label in KIND_NAMES.items()
    ]
    violence = tr.pgettext("agreement", "Violence in a family or sexual violence")
    buttons.append([Button(violence, codec.group_data(codec.VIOLENCE, group_id))])
    buttons.append(_cancel(tr))
    return Reply(tr.render("agreement/kind.j2", group=group_name), buttons=buttons)


def roster_too_small(tr: Translator) -> Reply:
    return Reply(tr.render("agreement/roster_too_small.j2"))


# --- violence: referral guidance, nothing stored ------------------------------------------------


def _violence_buttons(tr: Translator, group_id: int, *, back: bool) -> list[list[Button]]:
    first = (
        Button(tr.pgettext("agreement", "Back"), codec.group_data(codec.VIOLENCE, group_id))
        if back
        else Button(
            tr.pgettext("agreement", "Why never an agreement"),
            codec.group_data(codec.WHY_NEVER, group_id),
        )
    )
    referral = Button(
        tr.pgettext("agreement", "Tell the coordinator a referral is needed"),
        codec.group_data(codec.REFERRAL, group_id),
    )
    # The guide's own button data (conversations/guide): its referral and self-care pages.
    guide = Button(
        tr.pgettext("agreement", "Referral and self-care guide"), pack("gt", "referral-selfcare")
    )
    return [[first], [referral], [guide]]


def violence_screen(
    tr: Translator,
    group_id: int,
    guide_html: str,
    services: Sequence[tuple[str, Sequence[Service]]] = (),
) -> Reply:
    """The draft has ended: the referral guidance and the services of the group's area."""
    text = tr.render("agreement/violence.j2", guide=guide_html, services=services)
    return Reply(text, buttons=_violence_buttons(tr, group_id, back=False))


def why_never_screen(tr: Translator, group_id: int, guide_html: str) -> Reply:
    text = tr.render("agreement/why_never.j2", guide=guide_html)
    return Reply(text, buttons=_violence_buttons(tr, group_id, back=True))


def referral_requested_screen(tr: Translator, group_id: int, group_name: str) -> Reply:
    back, _, guide = _violence_buttons(tr, group_id, back=True)
    # The request is made: its button goes, the way back and the referral guide stay.
    text = tr.render("agreement/referral_requested.j2", group=group_name)
    return Reply(text, buttons=[back, guide])


# --- parties, outside parties, witnesses: toggles carried in the button data --------------------


def parties_screen(
    tr: Translator, key: str, group_name: str, roster: Sequence[str], mask: int
) -> Reply:
    """`roster`: the codes the mask's bits stand for, in order."""
    chosen = [code for i, code in enumerate(roster) if mask & (1 << i)]
    buttons = _toggle_rows(
        roster,
        mask,
        lambda i: codec.toggles_data(codec.PARTY, key, mask ^ (1 << i)),
        CODES_PER_ROW,
    )
    next_data = codec.toggles_data(codec.PARTIES_DONE, key, mask)
    buttons.append([Button(tr.pgettext("agreement", "Next"), next_data)])
    buttons.append(_cancel(tr, key))
    text = tr.render("agreement/parties.j2", group=group_name, chosen=chosen)
    return Reply(text, buttons=buttons)


def too_few_parties(tr: Translator) -> Reply:
    toast = tr.pgettext("agreement", "Choose at least two parties from the roster.")
    return Reply("", toast=toast, alert=True)


def roles_screen(tr: Translator, key: str, group_name: str, *, outside: bool, mask: int) -> Reply:
    """Outside parties (step 2) or witnesses (step 3), by role."""
    if outside:
        options, toggle, done, step = OUTSIDE_ROLES, codec.OUTSIDE, codec.OUTSIDE_DONE, 2
    else:
        options, toggle, done, step = WITNESS_ROLES, codec.WITNESS, codec.WITNESSES_DONE, 3
    # An official or local leader is never a party (the method keeps the administration out);
    # the role stays in the list so that the masks of earlier buttons keep their meaning.
    buttons = _toggle_rows(
        [None if outside and r in NOT_A_PARTY else role_name(tr, r) for r in options],
        mask,
        lambda i: codec.toggles_data(toggle, key, mask ^ (1 << i)),
        ROLES_PER_ROW,
    )
    buttons.append([Button(tr.pgettext("agreement", "Next"), codec.toggles_data(done, key, mask))])
    buttons.append(_cancel(tr, key))
    text = tr.render(
        "agreement/roles.j2",
        group=group_name,
        step=step,
        outside=outside,
        chosen=role_names(tr, from_mask(mask, options)),
    )
    return Reply(text, buttons=buttons)


# --- the date reached, the paper, the summary ---------------------------------------------------


def date_screen(
    tr: Translator,
    key: str,
    group_name: str,
    *,
    today: date,
    meeting: date | None,
    problem: str | None = None,
) -> Reply:
    """`meeting`: the last meeting's day, offered when it was before yesterday."""
    choices = [
        (today, tr.pgettext("agreement", "Today")),
        (today - timedelta(days=1), tr.pgettext("agreement", "Yesterday")),
    ]
    if meeting is not None:
        label = tr.pgettext("agreement", "At the meeting of {date}")
        choices.append((meeting, label.format(date=tr.date(meeting))))
    buttons = [[Button(label, codec.day_data(key, day))] for day, label in choices]
    typed = tr.pgettext("agreement", "Another date: type it")
    buttons.append([Button(typed, codec.draft_data(codec.TYPE_DAY, key))])
    buttons.append(_cancel(tr, key))
    text = tr.render("agreement/date.j2", group=group_name, problem=problem)
    return Reply(text, buttons=buttons)


def type_date_screen(tr: Translator, key: str, group_name: str) -> Reply:
    text = tr.render("agreement/type_date.j2", group=group_name)
    return Reply(text, buttons=[_cancel(tr, key)])


def date_problem(tr: Translator, problem: str) -> Reply:
    """The answer to a typed date: "format", or the code of the domain's refusal."""
    return Reply(tr.render("agreement/date_problem.j2", problem=problem))


def written_screen(tr: Translator, key: str, group_name: str) -> Reply:
    buttons = [
        [
            Button(tr.pgettext("agreement", "Yes, signed"), codec.written_data(key, True)),
            Button(tr.pgettext("agreement", "Not yet"), codec.written_data(key, False)),
        ],
        _cancel(tr, key),
    ]
    return Reply(tr.render("agreement/written.j2", group=group_name), buttons=buttons)


def summary_screen(tr: Translator, key: str, group_name: str) -> Reply:
    text = tr.render("agreement/summary.j2", group=group_name, limit=SUMMARY_MAX)
    return Reply(text, buttons=[_cancel(tr, key)])


def violence_question(tr: Translator, key: str, group_name: str) -> Reply:
    """The summary's words may point to violence: the facilitator's answer decides."""
    buttons = [
        [
            Button(tr.pgettext("agreement", "Yes"), codec.draft_data(codec.VIOLENCE_YES, key)),
            Button(tr.pgettext("agreement", "No"), codec.draft_data(codec.VIOLENCE_NO, key)),
        ],
        _cancel(tr, key),
    ]
    return Reply(tr.render("agreement/violence_question.j2", group=group_name), buttons=buttons)


def summary_problem(tr: Translator, length: int | None) -> Reply:
    """`length`: of a summary too long; None for one that was empty."""
    text = tr.render("agreement/summary_problem.j2", length=length, limit=SUMMARY_MAX)
    # Shared phones: a summary that was not stored leaves the chat as well.
    return Reply(text, delete_user_message=True)


def confirm_screen(
    tr: Translator,
    key: str,
    group_name: str,
    *,
    kind: str,
    parties: Sequence[str],
    outside: Sequence[str],
    witnesses: Sequence[str],
    reached_on: date,
    written: bool,
    summary: str,
) -> Reply:
    none = "-"
    text = tr.render(
        "agreement/confirm.j2",
        group=group_name,
        kind=kind_name(tr, kind),
        parties=", ".join(parties),
        outside=role_names(tr, outside) or none,
        witnesses=role_names(tr, witnesses) or none,
        reached_on=tr.date(reached_on),
        written=written,
        summary=summary,
    )
    rewrite = tr.pgettext("agreement", "Write the summary again")
    buttons = [
        [Button(tr.pgettext("agreement", "Save"), codec.draft_data(codec.SAVE, key))],
        [Button(rewrite, codec.draft_data(codec.REWRITE_SUMMARY, key))],
        _cancel(tr, key),
    ]
    return Reply(text, buttons=buttons)


# --- a referred agreement: what the facilitators and the chats are told -----------------------


def referred_notice(tr: Translator, group_name: str) -> Reply:
    """Neutral first line (a shared phone's lock screen); no details of the case."""
    guide = Button(
        tr.pgettext("agreement", "Referral and self-care guide"), pack("gt", "referral-selfcare")
    )
    return Reply(tr.render("agreement/referred.j2", group=group_name), buttons=[[guide]])


def removed(tr: Translator) -> Reply:
    """The text that replaces a message about a referred agreement too old to delete."""
    return Reply(tr.pgettext("agreement", "This message was removed."))


# --- save or cancel -----------------------------------------------------------------------------


def saved_screen(tr: Translator, agreement: Agreement) -> Reply:
    """Recorded as a screen of the agreement: removed from the chat if it is referred."""
    text = tr.render(
        "agreement/saved.j2",
        kind=kind_name(tr, agreement.kind),
        reached_on=tr.date(agreement.reached_on),
    )
    return Reply(text, shows=agreement.id)


def saved_already(tr: Translator) -> Reply:
    """A second tap on Save: the screen already says it."""
    return Reply("", toast=tr.pgettext("agreement", "The agreement is saved."))


def cancelled(tr: Translator) -> Reply:
    return Reply(tr.render("agreement/cancelled.j2"))


# --- follow-ups ---------------------------------------------------------------------------------


def follow_up_question(tr: Translator, agreement: Agreement, group_name: str, step: str) -> Reply:
    text = tr.render(
        "agreement/follow_up_question.j2",
        group=group_name,
        kind=kind_name(tr, agreement.kind),
        reached_on=tr.date(agreement.reached_on),
        when=step_name(tr, step),
    )
    buttons = [
        [Button(tr.pgettext(*label), codec.answer_data(agreement.id, step, answer))]
        for answer, label in ANSWER_NAMES.items()
    ]
    return Reply(text, buttons=buttons)


def follow_up_answered(tr: Translator, answer: Answer | None, *, recorded: bool) -> Reply:
    """`answer`: the one that counts (this one when `recorded`, else the earlier one)."""
    name = answer_name(tr, answer) if answer else ""
    return Reply(tr.render("agreement/follow_up_answered.j2", answer=name, recorded=recorded))
