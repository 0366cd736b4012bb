"""The roster's screens: each takes the group and its people and returns what to show.

One message is edited in place; text the facilitator types (new codes, a new code for someone)
is answered with a new message."""

from __future__ import annotations

from conversations.roster import codec
from conversations.roster.access import People
from conversations.runtime.callbacks import pack
from conversations.runtime.reply import Button, Reply
from conversations.vocabulary.roster import (
    GENDERS,
    ORIGINS,
    detail_name,
    gender_name,
    origin_name,
    refusal,
)
from locales import Translator
from models import roster
from models.groups import Group
from models.roster import Gender, Origin, Participant

PER_ROW = 3
SHOWN_REFUSALS = 10
SHOWN_CHARS = 20
# Before a code in the roster's list: consent not recorded yet.
NO_CONSENT = "○"


def _shown(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _masked(text: str) -> str:
    """A probable name is not repeated in full: its first letter is enough to find it."""
    return text.strip()[:1] + "…"


def _back(tr: Translator, data: str) -> list[list[Button]]:
    return [[Button("‹ " + tr.pgettext("roster", "Back"), data)]]


def _consented(participant: Participant) -> bool:
    return participant.consent_given_on is not None and participant.consent_withdrawn_on is None


def _listed_left(left: list[Participant]) -> list[Participant]:
    """Those who left and may come back; a withdrawn consent removed the code for good."""
    return [p for p in left if p.consent_withdrawn_on is None]


def roster_screen(
    tr: Translator,
    group: Group,
    people: People,
    *,
    result: roster.AddResult | None = None,
    has_left: str | None = None,
    marked_left: str | None = None,
    renamed: tuple[str, str] | None = None,
    consent_given: str | None = None,
    withdrawn: bool = False,
    new: bool = False,
    toast: str | None = None,
    removed: bool = False,
) -> Reply:
    """The roster, with what was just added or refused, or a note on one person's code. Each
    code without recorded consent carries a mark."""
    active = people.active
    left = _listed_left(people.left)
    refused: list[tuple[str, str]] = []
    if result is not None:
        for raw, reason in result.rejected[:SHOWN_REFUSALS]:
            shown = _masked(raw) if reason == "has_space" else _shown(raw)
            refused.append((shown, refusal(tr, reason)))
    text = tr.render(
        "roster/roster.j2",
        group_name=group.name,
        codes=[(p.code, _consented(p)) for p in active],
        count=len(active),
        consented=sum(1 for p in active if _consented(p)),
        mark=NO_CONSENT,
        maximum=roster.MAX_PARTICIPANTS,
        result=result,
        refused=refused,
        more=len(result.rejected) - len(refused) if result is not None else 0,
        few=result is not None and len(active) < roster.RECOMMENDED_MIN,
        has_left=has_left,
        marked_left=marked_left,
        renamed=renamed,
        consent_given=consent_given,
        withdrawn=withdrawn,
        removed=removed,
    )
    buttons: list[list[Button]] = []
    if len(active) < roster.MAX_PARTICIPANTS:
        buttons.append([Button("+ " + tr.pgettext("roster", "Add codes"), pack("ra", group.id))])
    codes = [Button(p.code, pack("rp", group.id, p.id)) for p in active]
    buttons += [codes[i : i + PER_ROW] for i in range(0, len(codes), PER_ROW)]
    if left:
        label = tr.pgettext("roster", "Left the group: {count}").format(count=len(left))
        buttons.append([Button(label, pack("rl", group.id))])
    return Reply(text, buttons=buttons, new=new, toast=toast)


def has_left(tr: Translator, group: Group, people: People, code: str, new: bool) -> Reply:
    """A button or answer about someone who left meanwhile: the current roster, saying so."""
    toast = tr.pgettext("roster", "This person has left the group. Here is the current roster.")
    return roster_screen(tr, group, people, has_left=code, new=new, toast=None if new else toast)


def gone(
    tr: Translator, group: Group, people: People, participant: Participant, new: bool
) -> Reply:
    """Someone no longer on the roster; after a withdrawal of consent, without their old code."""
    if participant.consent_withdrawn_on is None:
        return has_left(tr, group, people, participant.code, new)
    toast = tr.pgettext("roster", "This person has left the group. Here is the current roster.")
    return roster_screen(tr, group, people, withdrawn=True, new=new, toast=None if new else toast)


def _detail_button(
    tr: Translator, group: Group, participant: Participant, value: Gender | Origin
) -> Button:
    """Tapping a chosen value again clears it, so the chosen one is ticked."""
    label = detail_name(tr, value)
    chosen = participant.gender if isinstance(value, Gender) else participant.origin
    if chosen == value.value:
        label = f"✓ {label}"
    return Button(label, codec.action(group.id, participant.id, codec.detail_op(value)))


def participant_screen(tr: Translator, group: Group, participant: Participant) -> Reply:
    given = participant.consent_given_on
    text = tr.render(
        "roster/participant.j2",
        group_name=group.name,
        code=participant.code,
        consent_given=tr.date(given) if given is not None else None,
        gender=gender_name(tr, participant.gender),
        origin=origin_name(tr, participant.origin),
    )

    def op(name: str) -> str:
        return codec.action(group.id, participant.id, name)

    consent = []
    if given is None:
        consent.append(
            [Button(tr.pgettext("roster", "Consent given today"), op(codec.CONSENT_GIVEN))]
        )
    consent.append([Button(tr.pgettext("roster", "Consent withdrawn"), op(codec.ASK_WITHDRAWN))])
    buttons = [
        *consent,
        [Button(tr.pgettext("roster", "Rename"), op(codec.ASK_RENAME))],
        [_detail_button(tr, group, participant, gender) for gender in GENDERS],
        [_detail_button(tr, group, participant, origin) for origin in ORIGINS],
        [Button(tr.pgettext("roster", "Mark as left"), op(codec.ASK_LEFT))],
        *_back(tr, pack("ro", group.id)),
    ]
    return Reply(text, buttons=buttons)


def confirm_withdrawn(tr: Translator, group: Group, participant: Participant) -> Reply:
    """What a withdrawal does, before it is done: it cannot be undone."""
    text = tr.render("roster/confirm_withdrawn.j2", code=participant.code)
    yes = tr.pgettext("roster", "Yes, consent withdrawn")
    buttons = [
        [Button(yes, codec.action(group.id, participant.id, codec.CONSENT_WITHDRAWN))],
        *_back(tr, pack("rp", group.id, participant.id)),
    ]
    return Reply(text, buttons=buttons)


def ask_codes(tr: Translator, group: Group, free: int) -> Reply:
    text = tr.render(
        "roster/ask_codes.j2", group_name=group.name, free=free, maximum=roster.CODE_MAX
    )
    return Reply(text, buttons=_back(tr, pack("ro", group.id)))


def roster_full(tr: Translator) -> Reply:
    """Only a pop-up: the message may already show the full roster, unchanged."""
    full = tr.pgettext("roster", "The roster is full: at most 15 people.")
    return Reply("", toast=full, alert=True)


def left_list(tr: Translator, group: Group, left: list[Participant]) -> Reply:
    people = [
        (p.code, tr.date(tr.local(p.left_at, group.timezone).date()))
        for p in _listed_left(left)
        if p.left_at
    ]
    text = tr.render("roster/left.j2", group_name=group.name, people=people)
    return Reply(text, buttons=_back(tr, pack("ro", group.id)))


def ask_rename(tr: Translator, group: Group, participant: Participant) -> Reply:
    text = tr.render("roster/rename.j2", code=participant.code, maximum=roster.CODE_MAX)
    return Reply(text, buttons=_back(tr, pack("rp", group.id, participant.id)))


def confirm_left(tr: Translator, group: Group, participant: Participant) -> Reply:
    text = tr.render("roster/confirm_left.j2", code=participant.code)
    yes = tr.pgettext("roster", "Yes, mark as left")
    buttons = [
        [Button(yes, codec.action(group.id, participant.id, codec.MARK_LEFT))],
        *_back(tr, pack("rp", group.id, participant.id)),
    ]
    return Reply(text, buttons=buttons)


def no_groups_here(tr: Translator) -> Reply:
    return Reply(tr.render("roster/no_groups.j2"))


def start_again(tr: Translator) -> Reply:
    return Reply(tr.render("roster/start_again.j2"), new=True)


def codes_not_read(tr: Translator, *, too_long: bool) -> Reply:
    """Typed codes that are not codes at all: too long a message, or only separators."""
    return Reply(tr.render("roster/codes_not_read.j2", too_long=too_long), new=True)


def rename_refused(tr: Translator, code: str, reason: str) -> Reply:
    """The new code is refused; a probable name is removed from the chat."""
    name_typed = reason == "has_space"
    text = tr.render(
        "roster/rename_refused.j2", problem=refusal(tr, reason), code=code, removed=name_typed
    )
    return Reply(text, new=True, delete_user_message=name_typed)
