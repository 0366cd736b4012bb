"""The /newgroup screens: one message edited in place, showing the draft so far and one question.

Each takes the choices made so far and returns what to show; the steps are named after what
they ask: "weekday", "time", "date", "confirm", and "created" at the end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from babel.dates import get_day_names

from conversations.newgroup import codec
from conversations.newgroup.access import Places
from conversations.runtime.reply import Button, Reply
from locales import BABEL_LOCALES, Translator
from models.areas import Area, Level
from models.groups import Group
from models.users import Invite

NAME_MAX = 80
TIMES = [time(hour, 0) for hour in range(8, 17)]
PER_ROW = 2
TIMES_PER_ROW = 3
MAX_PLACES = 60


@dataclass(frozen=True)
class Chosen:
    """The draft so far, as the screens show it."""

    name: str
    place: str | None = None
    weekday: int | None = None
    at: time | None = None
    start: date | None = None


def weekday_name(tr: Translator, weekday: int) -> str:
    # Babel, like Python's date.weekday(), counts from 0 = Monday.
    name = str(get_day_names("wide", locale=BABEL_LOCALES[tr.lang])[weekday])
    return name[:1].upper() + name[1:]


def _cancel_button(tr: Translator) -> Button:
    return Button(tr.pgettext("newgroup", "Cancel"), codec.cancellation())


def _back(tr: Translator, data: str) -> Button:
    return Button("‹ " + tr.pgettext("newgroup", "Back"), data)


def _rows(buttons: list[Button], per_row: int) -> list[list[Button]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def _draft_text(
    tr: Translator, chosen: Chosen, step: str, *, past: bool = False, group_id: int = 0
) -> str:
    return tr.render(
        "newgroup/draft.j2",
        name=chosen.name,
        place=chosen.place,
        weekday=weekday_name(tr, chosen.weekday) if chosen.weekday is not None else None,
        at=tr.time(chosen.at) if chosen.at is not None else None,
        start=tr.date(chosen.start) if chosen.start is not None else None,
        step=step,
        past=past,
        group_id=group_id,
    )


def ask_name(tr: Translator) -> Reply:
    text = tr.render("newgroup/ask_name.j2", maximum=NAME_MAX)
    return Reply(text, buttons=[[_cancel_button(tr)]], new=True)


def name_refused(tr: Translator, length: int) -> Reply:
    """An empty name (length 0) or one over NAME_MAX characters."""
    return Reply(tr.render("newgroup/name_refused.j2", length=length, maximum=NAME_MAX), new=True)


def no_area(tr: Translator) -> Reply:
    return Reply(tr.render("newgroup/no_area.j2"))


def places(tr: Translator, name: str, found: Places) -> Reply:
    buttons = [
        Button(
            area.name[:48],
            codec.weekdays(area.id) if area.level == Level.COLLINE else codec.places(area.id),
        )
        for area in found.places[:MAX_PLACES]
    ]
    rows = _rows(buttons, PER_ROW)
    bottom = [_back(tr, codec.places(found.up))] if found.can_go_up else []
    bottom.append(_cancel_button(tr))
    rows.append(bottom)
    text = tr.render(
        "newgroup/places.j2", name=name, where=found.where, any_places=bool(found.places)
    )
    return Reply(text, buttons=rows)


def weekdays(tr: Translator, chosen: Chosen, colline: Area, up: int | None) -> Reply:
    """`up`: the area above the colline, when the person may go back to it."""
    days = [Button(weekday_name(tr, w), codec.times(colline.id, w)) for w in range(7)]
    rows = _rows(days, PER_ROW)
    rows.append([_back(tr, codec.places(up)), _cancel_button(tr)])
    return Reply(_draft_text(tr, chosen, "weekday"), buttons=rows)


def times(tr: Translator, chosen: Chosen, colline: Area, weekday: int) -> Reply:
    buttons = [Button(tr.time(at), codec.dates(colline.id, weekday, at)) for at in TIMES]
    rows = _rows(buttons, TIMES_PER_ROW)
    rows.append([_back(tr, codec.weekdays(colline.id)), _cancel_button(tr)])
    return Reply(_draft_text(tr, chosen, "time"), buttons=rows)


def time_not_read(tr: Translator) -> Reply:
    return Reply(tr.render("newgroup/time_not_read.j2"), new=True)


def dates(
    tr: Translator,
    chosen: Chosen,
    colline: Area,
    weekday: int,
    at: time,
    days: list[date],
    past: bool = False,
) -> Reply:
    """The next meeting days to start on; `past`: the day chosen before has passed meanwhile."""
    rows = [
        [Button(tr.date(day), codec.confirmation(colline.id, weekday, at, day))] for day in days
    ]
    rows.append([_back(tr, codec.times(colline.id, weekday)), _cancel_button(tr)])
    return Reply(_draft_text(tr, chosen, "date", past=past), buttons=rows)


def confirmation(tr: Translator, chosen: Chosen, colline: Area) -> Reply:
    weekday, at, start = chosen.weekday, chosen.at, chosen.start
    assert weekday is not None and at is not None and start is not None
    rows = [
        [Button(tr.pgettext("newgroup", "Create"), codec.creation(colline.id, weekday, at, start))],
        [_back(tr, codec.dates(colline.id, weekday, at)), _cancel_button(tr)],
    ]
    return Reply(_draft_text(tr, chosen, "confirm"), buttons=rows)


def created(
    tr: Translator, chosen: Chosen, group: Group, invites: list[tuple[str, Invite]], username: str
) -> list[Reply]:
    """The group as created, then one message per facilitator invitation, to forward."""
    replies = [Reply(_draft_text(tr, chosen, "created", group_id=group.id))]
    for number, (code, invite) in enumerate(invites, start=1):
        text = tr.render(
            "newgroup/invite.j2",
            number=number,
            name=group.name,
            link=f"https://t.me/{username}?start={code}",
            until=tr.date(tr.local(invite.expires_at, group.timezone).date()),
        )
        replies.append(Reply(text, new=True))
    return replies


def draft_ended(tr: Translator) -> Reply:
    """A button of a draft that is over: a pop-up, the message stays as it was."""
    text = tr.pgettext("newgroup", "This draft has ended. Send /newgroup to start again.")
    return Reply("", toast=text, alert=True)


def draft_ended_message(tr: Translator) -> Reply:
    return Reply(tr.render("newgroup/draft_ended.j2"))


def cancelled(tr: Translator) -> Reply:
    return Reply(tr.render("newgroup/cancelled.j2"))
