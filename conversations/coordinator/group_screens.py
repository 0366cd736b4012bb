"""What a coordinator's group view shows (conversations/coordinator/group_view.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time

from babel.dates import get_day_names

from conversations.coordinator import codec
from conversations.runtime.reply import Button, Reply
from conversations.vocabulary.corrections import html_text
from conversations.vocabulary.languages import language_name
from conversations.vocabulary.meeting_times import time_rows, weekday_rows
from conversations.vocabulary.meetings import preparation_item
from locales import BABEL_LOCALES, Translator
from models.facilitation import Facilitator, Tick
from models.groups import WEEKS, Group, GroupStatus
from models.meetings.corrections import Actor
from models.users import Invite


@dataclass(frozen=True)
class GroupView:
    group: Group
    checklist: Sequence[Tick]
    facilitators: Sequence[Facilitator]
    corrections: Sequence[str]
    self_help_day: int
    self_help_time: time


def _ticked_by(tr: Translator, by: Actor | None) -> str:
    if by == Actor.FACILITATOR:
        return tr.pgettext("coordinator", "ticked by a facilitator")
    if by == Actor.COORDINATOR:
        return tr.pgettext("coordinator", "ticked by a coordinator")
    if by == Actor.FORMER:
        return tr.pgettext("coordinator", "ticked by a former facilitator")
    return ""


def group_view(tr: Translator, view: GroupView, note: str | None = None) -> Reply:
    group = view.group
    self_help = group.status == GroupStatus.SELF_HELP
    days = get_day_names("wide", locale=BABEL_LOCALES[tr.lang])
    text = tr.render(
        "coordinator/group_view.j2",
        note=note,
        name=html_text(group.name),
        self_help_name=html_text(group.self_help_name or "") if self_help else None,
        week=min(group.current_week, WEEKS),
        weeks=WEEKS,
        day=html_text(str(days[view.self_help_day])),
        at=tr.time(view.self_help_time),
        checklist=[
            {
                "done": tick.done,
                "item": html_text(preparation_item(tr, tick.item)),
                "by": html_text(_ticked_by(tr, tick.by)),
            }
            for tick in view.checklist
        ],
        facilitators=[
            {
                "number": f.number,
                "language": language_name(f.language),
                "last": tr.date(tr.local(f.last_active, group.timezone).date())
                if f.last_active
                else None,
            }
            for f in view.facilitators
        ],
        corrections=[html_text(line) for line in view.corrections],
    )
    buttons = [
        [
            Button(
                tr.pgettext("coordinator", "Replace facilitator {number}").format(number=f.number),
                codec.data(codec.REPLACE, f.member_id),
            )
        ]
        for f in view.facilitators
    ]
    if self_help:
        label = tr.pgettext("coordinator", "Change the meeting day or time")
        buttons.append([Button(label, codec.data(codec.MEETING_DAY, group.id))])
    buttons.append([_back_to_groups(tr)])
    return Reply(text, buttons=buttons)


def _back_to_groups(tr: Translator) -> Button:
    return Button(tr.pgettext("coordinator", "Back to the groups"), codec.data(codec.GROUPS))


def _back_to_group(tr: Translator, group_id: int) -> Button:
    return Button(tr.pgettext("coordinator", "Back"), codec.data(codec.GROUP, group_id))


def replace_question(tr: Translator, group: Group, member_id: int, number: int) -> Reply:
    text = tr.render("coordinator/replace.j2", name=group.name, number=number)
    yes = tr.pgettext("coordinator", "Yes, replace facilitator {number}").format(number=number)
    return Reply(
        text,
        buttons=[
            [Button(yes, codec.data(codec.REPLACE_CONFIRMED, member_id))],
            [_back_to_group(tr, group.id)],
        ],
    )


def invite_message(tr: Translator, group: Group, code: str, invite: Invite, username: str) -> Reply:
    """The new facilitator's invitation, a message of its own to forward."""
    text = tr.render(
        "coordinator/invite.j2",
        name=group.name,
        link=f"https://t.me/{username}?start={code}",
        until=tr.date(tr.local(invite.expires_at, group.timezone).date()),
    )
    return Reply(text, new=True)


def change_day(tr: Translator, group_id: int) -> Reply:
    rows = weekday_rows(tr, lambda day: codec.data(codec.MEETING_TIME, group_id, day))
    rows.append([_back_to_group(tr, group_id)])
    return Reply(tr.render("coordinator/self_help_day.j2"), buttons=rows)


def change_time(tr: Translator, group_id: int, weekday: int) -> Reply:
    rows = time_rows(tr, lambda at: codec.data(codec.MEETING_SAVED, group_id, weekday, at))
    rows.append([_back_to_group(tr, group_id)])
    return Reply(tr.render("coordinator/self_help_time.j2"), buttons=rows)
