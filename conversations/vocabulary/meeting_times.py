"""The weekdays and meeting times in the reader's language, as the buttons with which a
facilitator (/session) or a coordinator (a group's view) choose the self-help group's meeting day
and time; each flow gives its own button data, parsed back here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

from babel.dates import get_day_names

from conversations.runtime.callbacks import BadCallback, int_part
from conversations.runtime.reply import Button
from locales import BABEL_LOCALES, Translator

# Whole hours from early morning to late afternoon: when groups on the collines meet.
TIMES = tuple(time(hour, 0) for hour in range(7, 18))


def weekday_rows(tr: Translator, data: Callable[[int], str]) -> list[list[Button]]:
    """The seven weekdays, Monday first (0, like date.weekday()), two to a row."""
    days = get_day_names("wide", locale=BABEL_LOCALES[tr.lang])
    buttons = [Button(str(days[d])[:1].upper() + str(days[d])[1:], data(d)) for d in range(7)]
    return [buttons[i : i + 2] for i in range(0, 7, 2)]


def time_rows(tr: Translator, data: Callable[[str], str]) -> list[list[Button]]:
    buttons = [Button(tr.time(at), data(pack_time(at))) for at in TIMES]
    return [buttons[i : i + 4] for i in range(0, len(buttons), 4)]


def pack_time(at: time) -> str:
    return f"{at:%H%M}"


def parse_time(part: str) -> time:
    """A time offered by time_rows; anything else is forged."""
    if len(part) != 4:
        raise BadCallback(part)
    hours, minutes = int_part(part[:2]), int_part(part[2:])
    if hours > 23 or minutes > 59 or time(hours, minutes) not in TIMES:
        raise BadCallback(part)
    return time(hours, minutes)


def parse_weekday(part: str) -> int:
    day = int_part(part)
    if day > 6:
        raise BadCallback(part)
    return day
