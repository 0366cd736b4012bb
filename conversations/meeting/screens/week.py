"""The week panel (/session), whether the meeting took place, and the record's summary."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from conversations.meeting.codec import CANCELLED, POSTPONED, Draft, pack_day
from conversations.meeting.screens.common import Note, back_to_week, guide_button
from conversations.runtime.callbacks import pack
from conversations.runtime.reply import Button, Reply
from conversations.vocabulary.corrections import html_text
from conversations.vocabulary.meetings import NOT_HELD_REASONS, not_held_reason, phase_name
from conversations.widgets import agreement_button
from locales import Translator

LATE_DAYS_SHOWN = 6
SELF_HELP_GUIDE = "self-help-group"


class Stage(enum.StrEnum):
    WEEKS = "weeks"  # the 15 weeks are under way
    FINISHED = "finished"  # all recorded, the self-help group not started yet
    SELF_HELP = "self_help"


@dataclass(frozen=True)
class HeldWeek:
    record_id: int
    week: int
    held_on: date


@dataclass(frozen=True)
class PanelView:
    group_id: int
    title: str  # the self-help group's name once it has one
    week: int
    phase: str | None  # the week's phase in the guide; None after week 15
    stage: Stage
    self_help_since: date | None
    next_meeting: date | None
    meet_time: time
    roster_size: int
    preparation_done: int | None  # items ticked, while the checklist is open before week 1
    recent: Sequence[HeldWeek]  # the latest held weeks, newest first


@dataclass(frozen=True)
class RecordView:
    group_id: int
    record_id: int
    week: int
    held_on: date
    present: int
    total: int  # 0: attendance not saved yet
    reflection_version: int | None  # None: no reflection yet
    draft: Draft  # the saved reflection to correct, or a new one
    next_meeting: date | None  # None once the weeks are over
    meet_time: time
    corrections: Sequence[str] = ()  # lines saying what corrections changed, newest first


def panel_screen(tr: Translator, view: PanelView, note: Note | None = None) -> Reply:
    text = tr.render(
        "meeting/panel.j2",
        note=note,
        title=view.title,
        week=view.week,
        phase=None if view.phase is None else phase_name(tr, view.phase),
        stage=view.stage,
        self_help_since=view.self_help_since,
        next_meeting=view.next_meeting,
        meet_time=view.meet_time,
        roster_size=view.roster_size,
        preparation_done=view.preparation_done,
    )
    group_id, week = view.group_id, view.week
    buttons: list[list[Button]] = []
    if view.stage == Stage.SELF_HELP:
        guide = tr.pgettext("meeting", "Open the self-help guide")
        buttons.append([guide_button(guide, SELF_HELP_GUIDE)])
        change = tr.pgettext("meeting", "Change the meeting day or time")
        buttons.append([Button(change, pack("hd", group_id))])
    if view.stage == Stage.FINISHED:
        start = tr.pgettext("meeting", "Start the self-help group")
        buttons.append([Button(start, pack("hs", group_id))])
    elif view.stage == Stage.WEEKS:
        if view.preparation_done is not None:
            checklist = tr.pgettext("meeting", "Preparation checklist")
            buttons.append([Button(checklist, pack("pr", group_id))])
        guide = tr.pgettext("meeting", "Open the guide for week {week}").format(week=week)
        buttons.append([guide_button(guide, f"week-{week:02d}")])
        buttons.append(
            [
                Button(tr.pgettext("meeting", "Held today"), pack("st", group_id, week)),
                Button(tr.pgettext("meeting", "Held on another day"), pack("sl", group_id, week)),
            ]
        )
        buttons.append(
            [Button(tr.pgettext("meeting", "Did not take place"), pack("sn", group_id, week))]
        )
    for held in view.recent:
        label = tr.pgettext("meeting", "Week {week}: held on {date}").format(
            week=held.week, date=tr.date(held.held_on)
        )
        buttons.append([Button(label, pack("sv", group_id, held.record_id))])
    return Reply(text, buttons=buttons)


def ask_date_screen(tr: Translator, group_id: int, week: int, today: date) -> Reply:
    """The last days as buttons; an older date can be typed."""
    days = (today - timedelta(days=n) for n in range(1, LATE_DAYS_SHOWN + 1))
    buttons = [[Button(tr.date(day), pack("sa", group_id, week, pack_day(day)))] for day in days]
    buttons.append([Button(tr.pgettext("meeting", "Back"), pack("so", group_id))])
    return Reply(tr.render("meeting/ask_date.j2"), buttons=buttons)


def date_again_screen(tr: Translator) -> Reply:
    return Reply(tr.render("meeting/date_again.j2"))


def not_held_screen(tr: Translator, group_id: int, week: int) -> Reply:
    return Reply(
        tr.render("meeting/not_held.j2"),
        buttons=[
            [
                Button(tr.pgettext("meeting", "Cancelled"), pack("sk", group_id, week, CANCELLED)),
                Button(tr.pgettext("meeting", "Postponed"), pack("sk", group_id, week, POSTPONED)),
            ],
            [Button(tr.pgettext("meeting", "Back"), pack("so", group_id))],
        ],
    )


def reasons_screen(tr: Translator, group_id: int, week: int, kind: str) -> Reply:
    buttons = [
        [Button(not_held_reason(tr, reason), pack("sx", group_id, week, kind, reason))]
        for reason in NOT_HELD_REASONS
    ]
    buttons.append([Button(tr.pgettext("meeting", "Back"), pack("sn", group_id, week))])
    return Reply(tr.render("meeting/reasons.j2"), buttons=buttons)


def summary_screen(tr: Translator, view: RecordView, note: Note | None = None) -> Reply:
    text = tr.render(
        "meeting/summary.j2",
        note=note,
        week=view.week,
        held_on=view.held_on,
        present=view.present,
        total=view.total,
        has_reflection=view.reflection_version is not None,
        next_meeting=view.next_meeting,
        meet_time=view.meet_time,
        corrections=[html_text(line) for line in view.corrections],
    )
    reflection = (
        tr.pgettext("meeting", "Add the reflection")
        if view.reflection_version is None
        else tr.pgettext("meeting", "Correct the reflection")
    )
    version = view.reflection_version or 0
    buttons = [
        [
            Button(
                tr.pgettext("meeting", "Correct attendance"),
                pack("sc", view.group_id, view.record_id),
            )
        ],
        [Button(reflection, pack("rf", view.record_id, version, view.draft.pack(), "e"))],
        [agreement_button(tr, view.group_id)],
        [back_to_week(tr, view.group_id)],
    ]
    return Reply(text, buttons=buttons)
