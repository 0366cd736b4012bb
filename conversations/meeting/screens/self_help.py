"""After week 15: naming the self-help group, its meeting day, and the monthly check-in."""

from __future__ import annotations

from babel.dates import get_day_names

from conversations.meeting.screens.common import back_to_week
from conversations.runtime.callbacks import pack
from conversations.runtime.reply import Button, Reply
from conversations.vocabulary.meeting_times import time_rows, weekday_rows
from conversations.vocabulary.meetings import checkin_answer
from locales import BABEL_LOCALES, Translator


def ask_name_screen(tr: Translator) -> Reply:
    return Reply(tr.render("meeting/self_help_name.j2"))


def name_again_screen(tr: Translator) -> Reply:
    return Reply(tr.render("meeting/self_help_name_again.j2"))


def ask_day_screen(tr: Translator, group_id: int) -> Reply:
    """The seven weekdays, Monday first (0, like date.weekday())."""
    days = get_day_names("wide", locale=BABEL_LOCALES[tr.lang])
    buttons = [[Button(str(days[d]), pack("hw", group_id, d))] for d in range(7)]
    return Reply(tr.render("meeting/self_help_day.j2"), buttons=buttons)


def change_day_screen(tr: Translator, group_id: int) -> Reply:
    rows = weekday_rows(tr, lambda day: pack("ht", group_id, day))
    rows.append([back_to_week(tr, group_id)])
    return Reply(tr.render("meeting/self_help_day.j2"), buttons=rows)


def change_time_screen(tr: Translator, group_id: int, weekday: int) -> Reply:
    rows = time_rows(tr, lambda at: pack("hm", group_id, weekday, at))
    rows.append([back_to_week(tr, group_id)])
    return Reply(tr.render("meeting/self_help_time.j2"), buttons=rows)


def checkin_saved_screen(tr: Translator, answer: str) -> Reply:
    return Reply(tr.render("meeting/checkin_saved.j2", answer=checkin_answer(tr, answer)))
