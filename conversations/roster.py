"""/roster: a group's participants as pseudonymous codes, added, renamed and marked as left.

One message is edited in place; text the facilitator types (new codes, a new code for someone)
is answered with a new message. Every tap and every typed answer checks again that the user may
act on the group (Scope) and that the participant belongs to it, so forged or old buttons change
nothing. Nobody is deleted: a participant who leaves keeps their attendance history.

Callback data:
  ro:<g>             the roster of group g
  ra:<g>             ask for codes to add
  rl:<g>             the participants who left
  rp:<g>:<p>         one participant: details, rename, mark as left
  rx:<g>:<p>:<op>    f / m (gender), rt / rs (returnee / resident), rn (rename),
                     lq (ask to mark as left), ly (mark as left)
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from conversations.runtime import fallback
from conversations.runtime.callbacks import BadCallback, int_part, pack, pattern, unpack
from conversations.runtime.menu import Command, Np_, declare
from conversations.runtime.reply import Button, Reply
from conversations.runtime.request import MAX_TEXT_INPUT, Request
from conversations.runtime.unit_of_work import handler
from conversations.widgets import choose_group, my_groups, no_group
from locales import Translator
from models import roster
from models.errors import InvalidInput, NotFound
from models.groups import Group
from models.roster import Gender, Origin, Participant
from models.scope import Scope
from models.users import Role

declare(
    Command(
        "roster",
        frozenset({Role.FACILITATOR, Role.ADMIN}),
        Np_("menu", "Your group's participant codes"),
    )
)

# Coordinators may open the rosters of their area too (from their group views), not only admins.
STAFF = frozenset({Role.FACILITATOR, Role.COORDINATOR, Role.ADMIN})
ADD = "roster.add"
RENAME = "roster.rename"
PER_ROW = 3
SHOWN_REFUSALS = 10
SHOWN_CHARS = 20

REASONS = {
    "too_long": Np_("roster", "too long (at most 12 characters)"),
    "has_space": Np_("roster", "contains a space: is it a name? Use a code"),
    "bad_characters": Np_("roster", "only letters, digits and - . _ are allowed"),
    "duplicate": Np_("roster", "already on this roster"),
    "roster_full": Np_("roster", "the roster is full (at most 15 people)"),
    "empty": Np_("roster", "empty"),
}
GENDERS = {
    Gender.FEMALE: ("f", Np_("roster", "Female")),
    Gender.MALE: ("m", Np_("roster", "Male")),
}
ORIGINS = {
    Origin.RETURNEE: ("rt", Np_("roster", "Returnee")),
    Origin.RESIDENT: ("rs", Np_("roster", "Resident")),
}
DETAIL_OPS: dict[str, Gender | Origin] = {
    **{op: value for value, (op, _) in GENDERS.items()},
    **{op: value for value, (op, _) in ORIGINS.items()},
}


# --- looking things up, with authorisation ----------------------------------------------------


async def _group(request: Request, group_id: int) -> Group:
    """The group if this user may act on it; otherwise "not found", never a hint it exists."""
    scope = await Scope.of(request.session, request.me)
    group = await scope.group(request.session, group_id)
    if group is None:
        raise NotFound()
    return group


def _ids(parts: Sequence[str]) -> list[int]:
    return [int_part(part) for part in parts]


def _forget_typing(request: Request) -> None:
    """A tap elsewhere in the roster abandons a half-typed answer."""
    state = request.context.state
    if state.awaiting in (ADD, RENAME):
        state.clear()


# --- views ------------------------------------------------------------------------------------


def _shown(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _masked(text: str) -> str:
    """A probable name is not repeated in full: its first letter is enough to find it."""
    return text.strip()[:1] + "…"


async def roster_view(
    request: Request,
    group: Group,
    *,
    result: roster.AddResult | None = None,
    note: str | None = None,
    new: bool = False,
    toast: str | None = None,
    removed: bool = False,
) -> Reply:
    tr = request.tr
    active = await roster.active_participants(request.session, group.id)
    left = await roster.left_participants(request.session, group.id)
    refused: list[tuple[str, str]] = []
    if result is not None:
        for raw, reason in result.rejected[:SHOWN_REFUSALS]:
            shown = _masked(raw) if reason == "has_space" else _shown(raw)
            refused.append((shown, tr.pgettext(*REASONS.get(reason, REASONS["empty"]))))
    text = tr.render(
        "roster/roster.j2",
        group_name=group.name,
        codes=[p.code for p in active],
        count=len(active),
        maximum=roster.MAX_PARTICIPANTS,
        result=result,
        refused=refused,
        more=len(result.rejected) - len(refused) if result is not None else 0,
        few=result is not None and len(active) < roster.RECOMMENDED_MIN,
        note=note,
        removed=removed,
    )
    buttons: list[list[Button]] = []
    if len(active) < roster.MAX_PARTICIPANTS:
        buttons.append([Button("+ " + tr.pgettext("roster", "Add codes"), pack("ra", group.id))])
    people = [Button(p.code, pack("rp", group.id, p.id)) for p in active]
    buttons += [people[i : i + PER_ROW] for i in range(0, len(people), PER_ROW)]
    if left:
        label = tr.pgettext("roster", "Left the group: {count}").format(count=len(left))
        buttons.append([Button(label, pack("rl", group.id))])
    return Reply(text, buttons=buttons, new=new, toast=toast)


def _detail_label(tr: Translator, label: tuple[str, str], chosen: bool) -> str:
    text = tr.pgettext(*label)
    return f"✓ {text}" if chosen else text


def participant_view(request: Request, group: Group, participant: Participant) -> Reply:
    tr = request.tr
    gender = next((v for k, v in GENDERS.items() if k.value == participant.gender), None)
    origin = next((v for k, v in ORIGINS.items() if k.value == participant.origin), None)
    text = tr.render(
        "roster/participant.j2",
        group_name=group.name,
        code=participant.code,
        gender=tr.pgettext(*gender[1]) if gender else None,
        origin=tr.pgettext(*origin[1]) if origin else None,
    )

    def op(name: str) -> str:
        return pack("rx", group.id, participant.id, name)

    details = [
        [
            Button(_detail_label(tr, label, participant.gender == value.value), op(code))
            for value, (code, label) in GENDERS.items()
        ],
        [
            Button(_detail_label(tr, label, participant.origin == value.value), op(code))
            for value, (code, label) in ORIGINS.items()
        ],
    ]
    buttons = [
        [Button(tr.pgettext("roster", "Rename"), op("rn"))],
        *details,
        [Button(tr.pgettext("roster", "Mark as left"), op("lq"))],
        [Button("‹ " + tr.pgettext("roster", "Back"), pack("ro", group.id))],
    ]
    return Reply(text, buttons=buttons)


# --- commands and taps ------------------------------------------------------------------------


@handler(roles=STAFF)
async def roster_command(request: Request) -> Reply:
    _forget_typing(request)
    groups = await my_groups(request)
    if not groups:
        if request.me.role == Role.FACILITATOR:
            return no_group(request)
        return Reply(request.tr.pgettext("roster", "There are no groups in your area yet."))
    if len(groups) > 1:
        return choose_group(request, groups, lambda g: pack("ro", g.id))
    return await roster_view(request, groups[0], new=True)


@handler(roles=STAFF)
async def show_roster(request: Request) -> Reply:
    (group_id,) = _ids(unpack(request.data, "ro", 1))
    _forget_typing(request)
    return await roster_view(request, await _group(request, group_id))


@handler(roles=STAFF)
async def ask_codes(request: Request) -> Reply:
    (group_id,) = _ids(unpack(request.data, "ra", 1))
    group = await _group(request, group_id)
    tr = request.tr
    count = await roster.count_active(request.session, group.id)
    if count >= roster.MAX_PARTICIPANTS:
        # Only a pop-up: this message may already show the full roster, unchanged.
        full = tr.pgettext("roster", "The roster is full: at most 15 people.")
        return Reply("", toast=full, alert=True)
    request.context.state.expect(ADD, group.id)
    text = tr.render(
        "roster/ask_codes.j2",
        group_name=group.name,
        free=roster.MAX_PARTICIPANTS - count,
        maximum=roster.CODE_MAX,
    )
    back = [[Button("‹ " + tr.pgettext("roster", "Back"), pack("ro", group.id))]]
    return Reply(text, buttons=back)


@handler(roles=STAFF)
async def show_left(request: Request) -> Reply:
    (group_id,) = _ids(unpack(request.data, "rl", 1))
    _forget_typing(request)
    group = await _group(request, group_id)
    tr = request.tr
    left = await roster.left_participants(request.session, group.id)
    people = [
        (p.code, tr.date(tr.local(p.left_at, group.timezone).date())) for p in left if p.left_at
    ]
    text = tr.render("roster/left.j2", group_name=group.name, people=people)
    back = [[Button("‹ " + tr.pgettext("roster", "Back"), pack("ro", group.id))]]
    return Reply(text, buttons=back)


async def _participant(
    request: Request, group_id: int, participant_id: int
) -> tuple[Group, Participant]:
    """The group, if the user may act on it, and one of its participants (active or not)."""
    group = await _group(request, group_id)
    try:
        participant = await roster.get_participant(request.session, group.id, participant_id)
    except NotFound:
        raise NotFound() from None  # the plain code: answered as "not found or not yours"
    return group, participant


async def _has_left(
    request: Request, group: Group, participant: Participant, new: bool = False
) -> Reply:
    """A button or answer about someone who left meanwhile: the current roster, saying so."""
    tr = request.tr
    note = tr.pgettext("roster", "{code} has left the group.").format(code=participant.code)
    toast = tr.pgettext("roster", "This person has left the group. Here is the current roster.")
    return await roster_view(request, group, note=note, new=new, toast=None if new else toast)


@handler(roles=STAFF)
async def show_participant(request: Request) -> Reply:
    group_id, participant_id = _ids(unpack(request.data, "rp", 2))
    _forget_typing(request)
    group, participant = await _participant(request, group_id, participant_id)
    if not participant.active:
        return await _has_left(request, group, participant)
    return participant_view(request, group, participant)


@handler(roles=STAFF, write=True)
async def participant_action(request: Request) -> Reply:
    parts = unpack(request.data, "rx", 3)
    group_id, participant_id = _ids(parts[:2])
    op = parts[2]
    if op not in DETAIL_OPS and op not in ("rn", "lq", "ly"):
        raise BadCallback(op)
    group, participant = await _participant(request, group_id, participant_id)
    if not participant.active:
        return await _has_left(request, group, participant)
    tr = request.tr
    actor = request.me.id
    if op in DETAIL_OPS:
        value = DETAIL_OPS[op]
        await roster.set_details(
            request.session,
            participant=participant,
            gender=value if isinstance(value, Gender) else None,
            origin=value if isinstance(value, Origin) else None,
            actor_id=actor,
        )
        return participant_view(request, group, participant)
    back = [[Button("‹ " + tr.pgettext("roster", "Back"), pack("rp", group.id, participant.id))]]
    if op == "rn":
        request.context.state.expect(RENAME, f"{group.id}:{participant.id}")
        text = tr.render("roster/rename.j2", code=participant.code, maximum=roster.CODE_MAX)
        return Reply(text, buttons=back)
    if op == "lq":
        text = tr.render("roster/confirm_left.j2", code=participant.code)
        yes = tr.pgettext("roster", "Yes, mark as left")
        buttons = [[Button(yes, pack("rx", group.id, participant.id, "ly"))], *back]
        return Reply(text, buttons=buttons)
    await roster.mark_left(request.session, group=group, participant=participant, actor_id=actor)
    note = tr.pgettext("roster", "{code} is marked as left. Their attendance history is kept.")
    return await roster_view(request, group, note=note.format(code=participant.code))


# --- typed answers ----------------------------------------------------------------------------


def _start_again(request: Request) -> Reply:
    request.context.state.clear()
    return Reply(
        request.tr.pgettext("roster", "Please start again with /roster."),
        new=True,
    )


def _ref_ids(ref: str | None, count: int) -> list[int] | None:
    parts = (ref or "").split(":")
    if len(parts) != count or not all(p.isdigit() and len(p) <= 12 for p in parts):
        return None
    return [int(p) for p in parts]


@fallback.expects_text(ADD)
@handler(roles=STAFF, write=True)
async def add_codes(request: Request) -> Reply:
    state = request.context.state
    ids = _ref_ids(state.ref, 1)
    if ids is None:
        return _start_again(request)
    state.clear()
    group = await _group(request, ids[0])
    tr = request.tr
    text = request.text
    if len(text) > MAX_TEXT_INPUT or not roster.SEPARATORS.sub("", text).strip():
        state.expect(ADD, group.id)
        problem = (
            tr.pgettext("roster", "That message is too long.")
            if len(text) > MAX_TEXT_INPUT
            else tr.pgettext("roster", "No codes found in that message.")
        )
        hint = tr.pgettext(
            "roster",
            "Send the codes separated by commas or on separate lines, or /cancel.",
        )
        return Reply(f"{problem} {hint}", new=True)
    result = await roster.add_codes(request.session, group=group, text=text, actor_id=request.me.id)
    # A shared phone shows the chat to others: a name typed by mistake does not stay in it.
    name_typed = any(reason == "has_space" for _, reason in result.rejected)
    reply = await roster_view(request, group, result=result, new=True, removed=name_typed)
    reply.delete_user_message = name_typed
    return reply


@fallback.expects_text(RENAME)
@handler(roles=STAFF, write=True)
async def rename(request: Request) -> Reply:
    state = request.context.state
    ids = _ref_ids(state.ref, 2)
    if ids is None:
        return _start_again(request)
    state.clear()
    group, participant = await _participant(request, ids[0], ids[1])
    if not participant.active:
        return await _has_left(request, group, participant, new=True)
    tr = request.tr
    text = request.text.strip()
    old = participant.code
    try:
        await roster.rename(
            request.session,
            group=group,
            participant=participant,
            code=text,
            actor_id=request.me.id,
        )
    except InvalidInput as error:
        state.expect(RENAME, f"{group.id}:{participant.id}")
        reason = error.code.removeprefix("code_")
        problem = tr.pgettext(*REASONS.get(reason, REASONS["empty"]))
        answer = tr.pgettext(
            "roster", "Not renamed: {problem}. Send another code for {code}, or /cancel."
        ).format(problem=problem, code=old)
        reply = Reply(answer, new=True)
        if reason == "has_space":
            reply.delete_user_message = True
            reply.text += "\n" + tr.pgettext(
                "roster",
                "Your message was removed from this chat because it seemed to contain a name.",
            )
        return reply
    note = tr.pgettext("roster", "{old} is now {new}.").format(old=old, new=participant.code)
    return await roster_view(request, group, note=note, new=True)


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [
        CommandHandler("roster", roster_command, filters=private),
        CallbackQueryHandler(show_roster, pattern=pattern("ro")),
        CallbackQueryHandler(ask_codes, pattern=pattern("ra")),
        CallbackQueryHandler(show_left, pattern=pattern("rl")),
        CallbackQueryHandler(show_participant, pattern=pattern("rp")),
        CallbackQueryHandler(participant_action, pattern=pattern("rx")),
    ]
