"""Recording a reached agreement: /agreement (or the button on the week's record).

One message, edited in place, walks through: what it is about → the parties (codes from the
roster) → outside parties by role → witnesses by role → the date reached → whether a signed paper
exists → a short summary (the only typed step, with a "no names, no stories" reminder; the typed
message is deleted once stored) → a confirmation screen. The record, its alerts to the
coordinators and the audit entry are written together on "Save".

Violence in a family or sexual violence is never an agreement: that choice shows the referral
guidance from the content and stores nothing; the facilitator may ask that the coordinator be told
a referral is needed (the group's name only, no details).

Button data (the draft key is random, so buttons of an earlier draft are refused):
  ag:g:<group>                    start for a group: what is it about?
  ag:k:<group>:<kind>             the kind chosen: a new draft, then the parties
  ag:v:<group> / ag:vn:<group>    violence: referral guidance / why never an agreement
  ag:vr:<group>                   tell the coordinator a referral is needed
  ag:p:<draft>:<mask>             toggle parties (mask over the active roster, by id)
  ag:pn:<draft>:<mask>            parties chosen
  ag:o|on:<draft>:<mask>          outside parties by role / chosen
  ag:t|tn:<draft>:<mask>          witnesses by role / chosen
  ag:d:<draft>:<yyyymmdd>         date reached; ag:dt:<draft> to type it
  ag:wr:<draft>:<0|1>             a signed paper exists or not
  ag:rs:<draft>                   write the summary again
  ag:s:<draft> / ag:x:<draft>     save / cancel (ag:x:0 before a draft exists)
  ag:f:<agreement>:<step>:<h|b|r> answer to a follow-up question
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from content.guides import default_library
from content.telegram_html import escape
from conversations.runtime import fallback
from conversations.runtime.callbacks import BadCallback, int_part, pack, pattern, unpack_sub
from conversations.runtime.menu import Command, Np_, declare
from conversations.runtime.outbox import renders
from conversations.runtime.reply import Button, Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from conversations.widgets import choose_group, my_groups, no_group
from locales import Translator
from models import agreements
from models.agreements import (
    FOLLOW_UPS,
    OUTSIDE_ROLES,
    SUMMARY_MAX,
    WITNESS_ROLES,
    Agreement,
    AgreementDraft,
    Answer,
    Kind,
    from_mask,
    mask_of,
)
from models.clock import clock
from models.errors import DomainError, InvalidInput, NotFound
from models.groups import Group
from models.outbox import OutboxMessage
from models.roster import Participant
from models.scope import Scope
from models.sessions import facilitator_ids, last_meeting, local_today
from models.users import Role, User

RECORDERS = frozenset({Role.FACILITATOR, Role.ADMIN})
ANSWERERS = frozenset({Role.FACILITATOR, Role.COORDINATOR, Role.ADMIN})

declare(Command("agreement", RECORDERS, Np_("menu", "Record an agreement a group reached")))

KIND_NAMES = {
    Kind.LAND: Np_("agreement", "Land or boundary"),
    Kind.HOUSE: Np_("agreement", "House or property"),
    Kind.FAMILY: Np_("agreement", "Family or household arrangement"),
    Kind.OTHER: Np_("agreement", "Other community matter"),
}
ROLE_NAMES = {
    "member": Np_("agreement", "Group member"),
    "family": Np_("agreement", "Family member"),
    "neighbour": Np_("agreement", "Neighbour"),
    "elder": Np_("agreement", "Elder (mushingantahe)"),
    "religious": Np_("agreement", "Religious leader"),
    "leader": Np_("agreement", "Local leader"),
    "other": Np_("agreement", "Other"),
}
ANSWER_CODES = {"h": Answer.HOLDS, "b": Answer.BROKEN, "r": Answer.RENEGOTIATED}
ANSWER_NAMES = {
    Answer.HOLDS: Np_("agreement", "It holds"),
    Answer.BROKEN: Np_("agreement", "It is broken"),
    Answer.RENEGOTIATED: Np_("agreement", "Renegotiated"),
}
STEP_NAMES = {
    "m1": Np_("agreement", "One month later"),
    "m3": Np_("agreement", "Three months later"),
}
CODES_PER_ROW = 4
KIND_VALUES = frozenset(k.value for k in Kind)
DATE_TYPED = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})\s*$")


def kind_name(tr: Translator, kind: str) -> str:
    return tr.pgettext(*KIND_NAMES[Kind(kind)]) if kind in KIND_VALUES else kind


def role_names(tr: Translator, roles: Sequence[str]) -> str:
    return ", ".join(tr.pgettext(*ROLE_NAMES[r]) for r in roles if r in ROLE_NAMES)


def agreement_button(tr: Translator, group_id: int) -> Button:
    """For other screens (the week's record): start recording an agreement for this group."""
    return Button(tr.pgettext("agreement", "Record an agreement"), pack("ag", "g", group_id))


def _parts(request: Request, sub: str, count: int) -> list[str]:
    return unpack_sub(request.data, "ag", sub, count)


def _cancel_button(tr: Translator, key: str = "0") -> Button:
    return Button(tr.pgettext("agreement", "Cancel"), pack("ag", "x", key))


async def _group(request: Request, group_id: int) -> Group:
    """A group this user leads (or, for an admin, any group); NotFound otherwise."""
    scope = await Scope.of(request.session, request.me)
    group = await scope.group(request.session, group_id)
    if group is None:
        raise NotFound()
    return group


async def _draft(request: Request, key: str) -> tuple[AgreementDraft, Group]:
    draft = await agreements.get_draft(request.session, key=key, user=request.me)
    return draft, await _group(request, draft.group_id)


def _title(tr: Translator, group: Group, step: int | None = None) -> str:
    title = tr.pgettext("agreement", "New agreement · {group}").format(group=escape(group.name))
    if step is None:
        return f"<b>{title}</b>"
    position = tr.pgettext("agreement", "Step {step} of {total}").format(step=step, total=6)
    return f"<b>{title}</b>\n<i>{position}</i>"


# --- start: the group and what it is about ------------------------------------------------------


@handler(roles=RECORDERS)
async def agreement_command(request: Request) -> Reply:
    groups = await my_groups(request)
    if not groups:
        return no_group(request)
    if len(groups) > 1:
        return choose_group(request, groups, lambda g: pack("ag", "g", g.id))
    reply = _kind_screen(request.tr, groups[0])
    reply.new = True
    return reply


@handler(roles=RECORDERS)
async def group_chosen(request: Request) -> Reply:
    (group_id,) = _parts(request, "g", 1)
    group = await _group(request, int_part(group_id))
    return _kind_screen(request.tr, group)


def _kind_screen(tr: Translator, group: Group) -> Reply:
    text = "\n".join(
        [
            _title(tr, group),
            tr.pgettext("agreement", "What is the agreement about?"),
            "",
            "<i>{}</i>".format(
                tr.pgettext(
                    "agreement",
                    "Agreements are for land, houses and family arrangements: never for violence.",
                )
            ),
        ]
    )
    buttons = [
        [Button(tr.pgettext(*label), pack("ag", "k", group.id, kind.value))]
        for kind, label in KIND_NAMES.items()
    ]
    buttons.append(
        [
            Button(
                tr.pgettext("agreement", "Violence in a family or sexual violence"),
                pack("ag", "v", group.id),
            )
        ]
    )
    buttons.append([_cancel_button(tr)])
    return Reply(text, buttons=buttons)


@handler(roles=RECORDERS, write=True)
async def kind_chosen(request: Request) -> Reply:
    group_id, kind = _parts(request, "k", 2)
    if kind not in KIND_VALUES:
        raise BadCallback(kind)
    group = await _group(request, int_part(group_id))
    request.context.state.clear()
    try:
        draft = await agreements.start_draft(
            request.session, user=request.me, group=group, kind=Kind(kind)
        )
    except DomainError as error:
        if error.code != "roster_too_small":
            raise
        return Reply(
            request.tr.pgettext(
                "agreement",
                "The roster of this group has fewer than two participant codes. Add the "
                "participants' codes first, then record the agreement.",
            )
        )
    return await _parties_screen(request, draft, group, 0)


# --- violence: referral guidance, nothing stored ------------------------------------------------


def _guide_screen(tr: Translator, guide_id: str, key: str) -> str:
    guide, _ = default_library().guide(tr.lang, guide_id)
    screen = guide.screen(key)
    return screen.html if screen is not None else ""


def _violence_buttons(tr: Translator, group: Group, *, back: bool) -> list[list[Button]]:
    first = (
        Button(tr.pgettext("agreement", "Back"), pack("ag", "v", group.id))
        if back
        else Button(tr.pgettext("agreement", "Why never an agreement"), pack("ag", "vn", group.id))
    )
    return [
        [first],
        [
            Button(
                tr.pgettext("agreement", "Tell the coordinator a referral is needed"),
                pack("ag", "vr", group.id),
            )
        ],
        [
            Button(
                tr.pgettext("agreement", "Referral and self-care guide"),
                pack("gt", "referral-selfcare"),
            )
        ],
    ]


@handler(roles=RECORDERS, write=True)
async def violence(request: Request) -> Reply:
    (group_id,) = _parts(request, "v", 1)
    group = await _group(request, int_part(group_id))
    # Nothing of an agreement is kept for violence, not even an unfinished draft.
    await agreements.drop_draft(request.session, user_id=request.me.id)
    request.context.state.clear()
    tr = request.tr
    note = tr.pgettext("agreement", "No agreement is recorded for violence.")
    text = f"{_guide_screen(tr, 'problem-areas', 'violence')}\n\n<b>{note}</b>"
    return Reply(text, buttons=_violence_buttons(tr, group, back=False))


@handler(roles=RECORDERS)
async def why_never(request: Request) -> Reply:
    (group_id,) = _parts(request, "vn", 1)
    group = await _group(request, int_part(group_id))
    tr = request.tr
    return Reply(
        _guide_screen(tr, "agreements", "never"), buttons=_violence_buttons(tr, group, back=True)
    )


@handler(roles=RECORDERS, write=True)
async def referral_requested(request: Request) -> Reply:
    (group_id,) = _parts(request, "vr", 1)
    group = await _group(request, int_part(group_id))
    await agreements.request_referral(request.session, group=group, actor_id=request.me.id)
    request.send_outbox_soon()
    tr = request.tr
    text = tr.pgettext(
        "agreement",
        "Done. The coordinator is told that {group} needs a referral, with no details. "
        "They may call you. Keep what was said confidential.",
    ).format(group=escape(group.name))
    buttons = _violence_buttons(tr, group, back=True)
    # The request is made: its button goes, the way back and the referral guide stay.
    return Reply(text, buttons=[buttons[0], buttons[2]])


# --- parties, outside parties, witnesses: toggles carried in the button data --------------------


async def _parties_screen(
    request: Request, draft: AgreementDraft, group: Group, mask: int, note: str = ""
) -> Reply:
    tr = request.tr
    roster = await agreements.draft_roster(request.session, draft)
    if mask < 0 or mask >= 1 << len(roster):
        raise BadCallback(str(mask))
    chosen = [p.code for i, p in enumerate(roster) if mask & (1 << i)]
    lines = [
        _title(tr, group, 1),
        tr.pgettext("agreement", "Tap the codes of the parties (at least two)."),
        tr.pgettext("agreement", "Chosen: {codes}").format(
            codes=escape(", ".join(chosen)) if chosen else "-"
        ),
    ]
    if note:
        lines += ["", f"<i>{note}</i>"]
    buttons = _toggle_rows(
        [p.code for p in roster],
        mask,
        lambda i: pack("ag", "p", draft.key, mask ^ (1 << i)),
        CODES_PER_ROW,
    )
    buttons.append([Button(tr.pgettext("agreement", "Next"), pack("ag", "pn", draft.key, mask))])
    buttons.append([_cancel_button(tr, draft.key)])
    return Reply("\n".join(lines), buttons=buttons)


def _toggle_rows(
    labels: Sequence[str], mask: int, data: Callable[[int], str], per_row: int
) -> list[list[Button]]:
    """One button per option, ticked when chosen; `data(i)` is the tap's data for option i."""
    rows: list[list[Button]] = []
    for i, label in enumerate(labels):
        mark = "✓ " if mask & (1 << i) else ""
        if i % per_row == 0:
            rows.append([])
        rows[-1].append(Button(f"{mark}{label}", data(i)))
    return rows


def _mask(value: str, options: int) -> int:
    mask = int_part(value)
    if mask >= 1 << options:
        raise BadCallback(value)
    return mask


@handler(roles=RECORDERS)
async def toggle_party(request: Request) -> Reply:
    key, mask = _parts(request, "p", 2)
    draft, group = await _draft(request, key)
    return await _parties_screen(request, draft, group, int_part(mask))


@handler(roles=RECORDERS, write=True)
async def parties_done(request: Request) -> Reply:
    key, raw = _parts(request, "pn", 2)
    draft, group = await _draft(request, key)
    mask = int_part(raw)
    try:
        await agreements.set_parties(request.session, draft, mask)
    except InvalidInput as error:
        if error.code != "too_few_parties":
            raise
        return Reply(
            "",
            toast=request.tr.pgettext("agreement", "Choose at least two parties from the roster."),
            alert=True,
        )
    # Coming back to this step keeps what was chosen before.
    chosen = mask_of(draft.outside_roles.split(","), OUTSIDE_ROLES)
    return _roles_screen(request.tr, draft, group, "outside", chosen)


def _roles_screen(
    tr: Translator, draft: AgreementDraft, group: Group, which: str, mask: int
) -> Reply:
    if which == "outside":
        options, toggle, done, step = OUTSIDE_ROLES, "o", "on", 2
        question = tr.pgettext(
            "agreement",
            "Is anyone outside the group a party to it? Tap their role, never a name. "
            "If no one, tap Next.",
        )
    else:
        options, toggle, done, step = WITNESS_ROLES, "t", "tn", 3
        question = tr.pgettext(
            "agreement",
            "Who witnessed it? Tap their roles, never names. Officials are not witnesses.",
        )
    chosen = from_mask(mask, options)
    lines = [
        _title(tr, group, step),
        question,
        tr.pgettext("agreement", "Chosen: {codes}").format(
            codes=role_names(tr, chosen) if chosen else "-"
        ),
    ]
    buttons = _toggle_rows(
        [tr.pgettext(*ROLE_NAMES[r]) for r in options],
        mask,
        lambda i: pack("ag", toggle, draft.key, mask ^ (1 << i)),
        2,
    )
    buttons.append([Button(tr.pgettext("agreement", "Next"), pack("ag", done, draft.key, mask))])
    buttons.append([_cancel_button(tr, draft.key)])
    return Reply("\n".join(lines), buttons=buttons)


@handler(roles=RECORDERS)
async def toggle_outside(request: Request) -> Reply:
    key, mask = _parts(request, "o", 2)
    draft, group = await _draft(request, key)
    return _roles_screen(request.tr, draft, group, "outside", _mask(mask, len(OUTSIDE_ROLES)))


@handler(roles=RECORDERS, write=True)
async def outside_done(request: Request) -> Reply:
    key, mask = _parts(request, "on", 2)
    draft, group = await _draft(request, key)
    agreements.set_roles(draft, "outside", _mask(mask, len(OUTSIDE_ROLES)))
    return _roles_screen(request.tr, draft, group, "witness", 0)


@handler(roles=RECORDERS)
async def toggle_witness(request: Request) -> Reply:
    key, mask = _parts(request, "t", 2)
    draft, group = await _draft(request, key)
    return _roles_screen(request.tr, draft, group, "witness", _mask(mask, len(WITNESS_ROLES)))


@handler(roles=RECORDERS, write=True)
async def witnesses_done(request: Request) -> Reply:
    key, mask = _parts(request, "tn", 2)
    draft, group = await _draft(request, key)
    agreements.set_roles(draft, "witness", _mask(mask, len(WITNESS_ROLES)))
    return _date_screen(request.tr, draft, group)


# --- the date reached -------------------------------------------------------------------------


def _date_screen(tr: Translator, draft: AgreementDraft, group: Group, note: str = "") -> Reply:
    today = local_today(group)
    choices = [
        (today, tr.pgettext("agreement", "Today")),
        (today - timedelta(days=1), tr.pgettext("agreement", "Yesterday")),
    ]
    meeting = last_meeting(group, clock.now())
    if meeting is not None and meeting.date() < today - timedelta(days=1):
        label = tr.pgettext("agreement", "At the meeting of {date}").format(
            date=tr.date(meeting.date())
        )
        choices.append((meeting.date(), label))
    lines = [_title(tr, group, 4), tr.pgettext("agreement", "When was the agreement reached?")]
    if note:
        lines += ["", f"<i>{note}</i>"]
    buttons = [
        [Button(label, pack("ag", "d", draft.key, day.strftime("%Y%m%d")))]
        for day, label in choices
    ]
    buttons.append(
        [Button(tr.pgettext("agreement", "Another date: type it"), pack("ag", "dt", draft.key))]
    )
    buttons.append([_cancel_button(tr, draft.key)])
    return Reply("\n".join(lines), buttons=buttons)


def _date_problem(tr: Translator, code: str) -> str:
    if code == "date_future":
        return tr.pgettext("agreement", "That date is in the future.")
    if code == "date_before_start":
        return tr.pgettext("agreement", "That date is before the group started.")
    return tr.pgettext(
        "agreement", "Please type the date as day/month/year, for example 3/12/2026."
    )


def _set_date(request: Request, draft: AgreementDraft, group: Group, day: date) -> Reply:
    try:
        agreements.check_reached_on(group, day)
    except InvalidInput as error:
        return _date_screen(request.tr, draft, group, note=_date_problem(request.tr, error.code))
    draft.reached_on = day
    return _written_screen(request.tr, draft, group)


@handler(roles=RECORDERS, write=True)
async def date_chosen(request: Request) -> Reply:
    key, raw = _parts(request, "d", 2)
    draft, group = await _draft(request, key)
    if len(raw) != 8 or not raw.isdigit():
        raise BadCallback(raw)
    try:
        day = date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
    except ValueError:
        raise BadCallback(raw) from None
    return _set_date(request, draft, group, day)


@handler(roles=RECORDERS)
async def type_date(request: Request) -> Reply:
    (key,) = _parts(request, "dt", 1)
    draft, group = await _draft(request, key)
    request.context.state.expect("agreement.date", draft.key)
    tr = request.tr
    text = "\n".join(
        [
            _title(tr, group, 4),
            tr.pgettext("agreement", "Type the date as day/month/year, for example 3/12/2026."),
        ]
    )
    return Reply(text, buttons=[[_cancel_button(tr, draft.key)]])


@fallback.expects_text("agreement.date")
@handler(roles=RECORDERS, write=True)
async def typed_date(request: Request) -> Reply:
    state = request.context.state
    draft, group = await _draft(request, state.ref or "-")
    match = DATE_TYPED.match(request.text[:40])
    day = None
    if match:
        try:
            day = date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        except ValueError:
            day = None
    if day is None:
        return Reply(_date_problem(request.tr, "format"))
    try:
        agreements.check_reached_on(group, day)
    except InvalidInput as error:
        return Reply(_date_problem(request.tr, error.code))
    state.clear()
    draft.reached_on = day
    return _written_screen(request.tr, draft, group)


# --- the written paper, then the summary ------------------------------------------------------


def _written_screen(tr: Translator, draft: AgreementDraft, group: Group) -> Reply:
    lines = [
        _title(tr, group, 5),
        tr.pgettext("agreement", "Is there a written paper, signed by the parties?"),
    ]
    buttons = [
        [
            Button(tr.pgettext("agreement", "Yes, signed"), pack("ag", "wr", draft.key, 1)),
            Button(tr.pgettext("agreement", "Not yet"), pack("ag", "wr", draft.key, 0)),
        ],
        [_cancel_button(tr, draft.key)],
    ]
    return Reply("\n".join(lines), buttons=buttons)


@handler(roles=RECORDERS, write=True)
async def written_chosen(request: Request) -> Reply:
    key, value = _parts(request, "wr", 2)
    if value not in ("0", "1"):
        raise BadCallback(value)
    draft, group = await _draft(request, key)
    draft.written = value == "1"
    return _summary_screen(request, draft, group)


def _summary_screen(request: Request, draft: AgreementDraft, group: Group) -> Reply:
    tr = request.tr
    request.context.state.expect("agreement.summary", draft.key)
    lines = [
        _title(tr, group, 6),
        tr.pgettext(
            "agreement",
            "In a few words, what did each side commit to? Send it as one message of at most "
            "{limit} characters.",
        ).format(limit=SUMMARY_MAX),
        "",
        "⚠️ <b>{}</b>".format(
            tr.pgettext("agreement", "No names, no stories: use the participant codes.")
        ),
        "<i>{}</i>".format(
            tr.pgettext("agreement", "Your message is removed from this chat once it is stored.")
        ),
    ]
    return Reply("\n".join(lines), buttons=[[_cancel_button(tr, draft.key)]])


@handler(roles=RECORDERS)
async def rewrite_summary(request: Request) -> Reply:
    (key,) = _parts(request, "rs", 1)
    draft, group = await _draft(request, key)
    reply = _summary_screen(request, draft, group)
    reply.new = True
    return reply


@fallback.expects_text("agreement.summary")
@handler(roles=RECORDERS, write=True)
async def typed_summary(request: Request) -> Reply:
    state = request.context.state
    draft, group = await _draft(request, state.ref or "-")
    tr = request.tr
    try:
        draft.summary = agreements.clean_summary(request.text)
    except InvalidInput as error:
        if error.code == "summary_empty":
            text = tr.pgettext("agreement", "Please send the summary as a short text.")
        else:
            text = tr.pgettext(
                "agreement",
                "That summary has {length} characters; the limit is {limit}. Please send a "
                "shorter one (no names, no stories).",
            ).format(length=error.details.get("length", 0), limit=SUMMARY_MAX)
        # Shared phones: a summary that was not stored leaves the chat as well.
        return Reply(text, delete_user_message=True)
    state.clear()
    reply = await _confirm_screen(request, draft, group)
    reply.delete_user_message = True
    return reply


async def _confirm_screen(request: Request, draft: AgreementDraft, group: Group) -> Reply:
    tr = request.tr
    if not agreements.draft_complete(draft):
        raise NotFound()
    codes = [
        p.code
        for p in await request.session.scalars(
            select(Participant).where(Participant.id.in_(draft.parties)).order_by(Participant.id)
        )
    ]
    assert draft.reached_on is not None
    none = "-"
    text = tr.render(
        "agreement/confirm.j2",
        group=group.name,
        kind=kind_name(tr, draft.kind),
        parties=", ".join(codes),
        outside=role_names(tr, [r for r in draft.outside_roles.split(",") if r]) or none,
        witnesses=role_names(tr, [r for r in draft.witness_roles.split(",") if r]) or none,
        reached_on=tr.date(draft.reached_on),
        written=bool(draft.written),
        summary=draft.summary or "",
    )
    buttons = [
        [Button(tr.pgettext("agreement", "Save"), pack("ag", "s", draft.key))],
        [Button(tr.pgettext("agreement", "Write the summary again"), pack("ag", "rs", draft.key))],
        [_cancel_button(tr, draft.key)],
    ]
    return Reply(text, buttons=buttons)


# --- save or cancel -----------------------------------------------------------------------------


def _saved(tr: Translator, agreement: Agreement) -> Reply:
    text = "\n".join(
        [
            "<b>{}</b>".format(
                tr.pgettext("agreement", "Agreement saved (no. {number}).").format(
                    number=agreement.id
                )
            ),
            tr.pgettext(
                "agreement",
                "The coordinators of your area are told. Hand the signed paper to your "
                "coordinator; keep no photo of it on your phone.",
            ),
            tr.pgettext(
                "agreement", "In one month and in three months you will be asked whether it holds."
            ),
        ]
    )
    return Reply(text)


@handler(roles=RECORDERS, write=True)
async def save(request: Request) -> Reply:
    (key,) = _parts(request, "s", 1)
    done = await agreements.saved_from(request.session, key=key, user=request.me)
    if done is not None:  # a second tap on Save: the screen already says it
        toast = request.tr.pgettext("agreement", "Agreement saved (no. {number}).")
        return Reply("", toast=toast.format(number=done.id))
    # The draft's group is checked against the user's scope again, as on every tap.
    draft, _ = await _draft(request, key)
    agreement = await agreements.save_draft(request.session, draft=draft, user=request.me)
    request.context.state.clear()
    request.send_outbox_soon()
    return _saved(request.tr, agreement)


@handler(roles=RECORDERS, write=True)
async def cancel(request: Request) -> Reply:
    (key,) = _parts(request, "x", 1)
    # A Cancel button on an older screen leaves a newer draft alone.
    await agreements.drop_draft(request.session, user_id=request.me.id, key=key)
    request.context.state.clear()
    return Reply(request.tr.pgettext("agreement", "Cancelled. Nothing was saved."))


# --- follow-ups: the question to the facilitators and their answer ------------------------------


async def _hand_follow_up_over(session: AsyncSession, row: OutboxMessage) -> None:
    """A facilitator blocked the bot: if no other facilitator can answer, the coordinators."""
    agreement = await session.get(Agreement, int(row.data.get("agreement_id", 0)))
    group = await session.get(Group, agreement.group_id) if agreement else None
    if agreement is None or group is None:
        return
    others = [uid for uid in await facilitator_ids(session, group.id) if uid != row.recipient_id]
    reachable = [
        u
        for u in await session.scalars(select(User).where(User.id.in_(others)))
        if u.unreachable_at is None
    ]
    if not reachable:
        await agreements.hand_over(session, row, group)


@renders("agreement.followup", fallback=_hand_follow_up_over)
async def follow_up_question(
    session: AsyncSession, row: OutboxMessage, user: User, tr: Translator
) -> Reply | None:
    agreement = await session.get(Agreement, int(row.data.get("agreement_id", 0)))
    step = str(row.data.get("step", ""))
    if agreement is None or step not in FOLLOW_UPS:
        return None
    group = await session.get(Group, agreement.group_id)
    if group is None:
        return None
    lines = [
        tr.pgettext("agreement", "A question about your group"),
        tr.pgettext(
            "agreement",
            "{group}: the agreement no. {number}, reached on {date}. {when}, does it hold?",
        ).format(
            group=escape(group.name),
            number=agreement.id,
            date=tr.date(agreement.reached_on),
            when=tr.pgettext(*STEP_NAMES[step]),
        ),
    ]
    buttons = [
        [Button(tr.pgettext(*ANSWER_NAMES[answer]), pack("ag", "f", agreement.id, step, code))]
        for code, answer in ANSWER_CODES.items()
    ]
    return Reply("\n".join(lines), buttons=buttons)


@handler(roles=ANSWERERS, write=True)
async def follow_up_answer(request: Request) -> Reply:
    agreement_id, step, code = _parts(request, "f", 3)
    if step not in FOLLOW_UPS or code not in ANSWER_CODES:
        raise BadCallback(request.data)
    scope = await Scope.of(request.session, request.me)
    row, recorded = await agreements.answer_follow_up(
        request.session,
        scope=scope,
        agreement_id=int_part(agreement_id),
        step=step,
        answer=ANSWER_CODES[code],
        actor_id=request.me.id,
    )
    tr = request.tr
    answer = tr.pgettext(*ANSWER_NAMES[Answer(row.answer)]) if row.answer else ""
    if recorded:
        request.send_outbox_soon()
        text = tr.pgettext("agreement", "Thank you. Saved: {answer}. The coordinator is told.")
    else:
        text = tr.pgettext("agreement", "This was already answered: {answer}.")
    return Reply(text.format(answer=answer))


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    taps = {
        "g": group_chosen,
        "k": kind_chosen,
        "v": violence,
        "vn": why_never,
        "vr": referral_requested,
        "p": toggle_party,
        "pn": parties_done,
        "o": toggle_outside,
        "on": outside_done,
        "t": toggle_witness,
        "tn": witnesses_done,
        "d": date_chosen,
        "dt": type_date,
        "wr": written_chosen,
        "rs": rewrite_summary,
        "s": save,
        "x": cancel,
        "f": follow_up_answer,
    }
    return [
        CommandHandler("agreement", agreement_command, filters=private),
        *(
            CallbackQueryHandler(callback, pattern=pattern(f"ag:{sub}"))
            for sub, callback in taps.items()
        ),
    ]
