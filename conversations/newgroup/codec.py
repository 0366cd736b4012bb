"""The /newgroup draft: the name in the person's pending step, every choice in the buttons.

Only the name waits in the pending step, so a button from an abandoned draft answers "start
again" rather than create something unexpected. Creating clears the draft, so a second tap on
Create creates nothing.

Callback data:
  na, na:<a>                       the start of the user's area tree; the places under area a
  nd:<c>                           colline c chosen: the weekday
  nt:<c>:<w>                       weekday w (0 = Monday): the time
  ns:<c>:<w>:<hhmm>                the start date
  nk:<c>:<w>:<hhmm>:<yyyymmdd>     the confirmation
  ny:<c>:<w>:<hhmm>:<yyyymmdd>     create
  nq                               cancel

Pending step: NAME while the name is typed; TIME while a time may be typed, with the colline
and weekday beside the name ({"newgroup": name, "area": c, "weekday": w}).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time

from conversations.runtime.callbacks import BadCallback, int_part, pack
from conversations.runtime.state import UserData

NAME = "newgroup.name"
TIME = "newgroup.time"


@dataclass(frozen=True)
class Draft:
    name: str
    # Only while a typed time is awaited: the colline and weekday chosen before it.
    area_id: int | None = None
    weekday: int | None = None


def remember(
    state: UserData,
    name: str,
    awaiting: str | None = None,
    *,
    area_id: int | None = None,
    weekday: int | None = None,
) -> None:
    extra = {"area": area_id, "weekday": weekday} if area_id is not None else {}
    state.awaiting = awaiting
    state.ref = json.dumps({"newgroup": name, **extra})
    state.panel_id = None


def draft(state: UserData) -> Draft | None:
    try:
        data = json.loads(state.ref) if state.ref else None
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("newgroup"), str):
        return None
    area_id, weekday = data.get("area"), data.get("weekday")
    return Draft(
        name=data["newgroup"],
        area_id=area_id if isinstance(area_id, int) else None,
        weekday=weekday if isinstance(weekday, int) else None,
    )


# --- button data ------------------------------------------------------------------------------


def places(area_id: int | None = None) -> str:
    return pack("na") if area_id is None else pack("na", area_id)


def weekdays(colline_id: int) -> str:
    return pack("nd", colline_id)


def times(colline_id: int, weekday: int) -> str:
    return pack("nt", colline_id, weekday)


def dates(colline_id: int, weekday: int, at: time) -> str:
    return pack("ns", colline_id, weekday, f"{at:%H%M}")


def confirmation(colline_id: int, weekday: int, at: time, start: date) -> str:
    return pack("nk", colline_id, weekday, f"{at:%H%M}", f"{start:%Y%m%d}")


def creation(colline_id: int, weekday: int, at: time, start: date) -> str:
    return pack("ny", colline_id, weekday, f"{at:%H%M}", f"{start:%Y%m%d}")


def cancellation() -> str:
    return pack("nq")


def parse_weekday(part: str) -> int:
    weekday = int_part(part)
    if weekday > 6:
        raise BadCallback(part)
    return weekday


def parse_time(part: str) -> time:
    if len(part) != 4 or not part.isdigit():
        raise BadCallback(part)
    try:
        return time(int(part[:2]), int(part[2:]))
    except ValueError:
        raise BadCallback(part) from None


def parse_date(part: str, weekday: int) -> date:
    try:
        value = datetime.strptime(part, "%Y%m%d").date()
    except ValueError:
        raise BadCallback(part) from None
    if value.weekday() != weekday:
        raise BadCallback(part)
    return value
