"""/newgroup: a coordinator or admin creates a group and gets two facilitator invitations.

The name is typed; everything else is tapped on one message edited in place: the colline (drilling
down the area tree within the user's scope), the weekday, the time (or typed), the start date,
then a confirmation. The choices so far travel in the button data as ids; only the name waits in
the user's state, so a button from an abandoned draft answers "start again" rather than create
something unexpected. Creating clears the draft, so a second tap on Create creates nothing.

Callback data:
  na, na:<a>                       the start of the user's area tree; the places under area a
  nd:<c>                           colline c chosen: the weekday
  nt:<c>:<w>                       weekday w (0 = Monday): the time
  ns:<c>:<w>:<hhmm>                the start date
  nk:<c>:<w>:<hhmm>:<yyyymmdd>     the confirmation
  ny:<c>:<w>:<hhmm>:<yyyymmdd>     create
  nq                               cancel
"""

from __future__ import annotations

import json
from datetime import date, datetime, time

from babel.dates import get_day_names
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from conversations.runtime import fallback
from conversations.runtime.callbacks import BadCallback, int_part, pack, pattern, unpack
from conversations.runtime.menu import Command, Np_, declare
from conversations.runtime.reply import Button, Reply
from conversations.runtime.request import MAX_TEXT_INPUT, Request
from conversations.runtime.unit_of_work import handler
from locales import BABEL_LOCALES, Translator
from models import groups, users
from models.areas import Area, Level, area_names
from models.clock import clock
from models.errors import InvalidInput, NotFound
from models.scope import Scope
from models.users import Role

declare(
    Command(
        "newgroup",
        frozenset({Role.COORDINATOR, Role.ADMIN}),
        Np_("menu", "Create a new group"),
    )
)

CREATORS = frozenset({Role.COORDINATOR, Role.ADMIN})
NAME = "newgroup.name"
TIME = "newgroup.time"
NAME_MAX = 80
TIMES = [time(hour, 0) for hour in range(8, 17)]
DATES = 4
INVITE_DAYS = 14
PER_ROW = 2
MAX_PLACES = 60


# --- the draft: the name in the user's state, the rest in the button data ---------------------


def _remember(request: Request, name: str, awaiting: str | None = None, **extra: int) -> None:
    state = request.context.state
    state.awaiting = awaiting
    state.ref = json.dumps({"newgroup": name, **extra})
    state.panel_id = None


def _draft(request: Request) -> dict[str, object] | None:
    ref = request.context.state.ref
    try:
        data = json.loads(ref) if ref else None
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("newgroup"), str):
        return None
    return data


def _draft_name(request: Request) -> str | None:
    data = _draft(request)
    return str(data["newgroup"]) if data else None


def _draft_ended(request: Request) -> Reply:
    text = request.tr.pgettext("newgroup", "This draft has ended. Send /newgroup to start again.")
    return Reply("", toast=text, alert=True)


def _weekday_name(tr: Translator, weekday: int) -> str:
    # Babel, like Python's date.weekday(), counts from 0 = Monday.
    name = str(get_day_names("wide", locale=BABEL_LOCALES[tr.lang])[weekday])
    return name[:1].upper() + name[1:]


def _today(request: Request) -> date:
    return clock.now().astimezone(request.services.settings.tz).date()


def _cancel_button(tr: Translator) -> Button:
    return Button(tr.pgettext("newgroup", "Cancel"), pack("nq"))


def _back(data: str, tr: Translator) -> Button:
    return Button("‹ " + tr.pgettext("newgroup", "Back"), data)


async def _screen(
    request: Request,
    name: str,
    question: str,
    *,
    colline: Area | None = None,
    weekday: int | None = None,
    at: time | None = None,
    start: date | None = None,
    note: str | None = None,
) -> str:
    tr = request.tr
    place = " / ".join(await area_names(request.session, colline)) if colline else None
    return tr.render(
        "newgroup/draft.j2",
        name=name,
        place=place,
        weekday=_weekday_name(tr, weekday) if weekday is not None else None,
        at=tr.time(at) if at is not None else None,
        start=tr.date(start) if start is not None else None,
        question=question,
        note=note,
    )


# --- parsing and authorising button data ------------------------------------------------------


async def _area_in_scope(request: Request, area_id: int) -> Area:
    area = await request.session.get(Area, area_id)
    scope = await Scope.of(request.session, request.me)
    if area is None or not scope.contains_path(area.path):
        raise NotFound()
    return area


async def _colline(request: Request, part: str) -> Area:
    area = await _area_in_scope(request, int_part(part))
    if area.level != Level.COLLINE:
        raise BadCallback(part)
    return area


def _weekday(part: str) -> int:
    weekday = int_part(part)
    if weekday > 6:
        raise BadCallback(part)
    return weekday


def _time(part: str) -> time:
    if len(part) != 4 or not part.isdigit():
        raise BadCallback(part)
    try:
        return time(int(part[:2]), int(part[2:]))
    except ValueError:
        raise BadCallback(part) from None


def _date(part: str, weekday: int) -> date:
    try:
        value = datetime.strptime(part, "%Y%m%d").date()
    except ValueError:
        raise BadCallback(part) from None
    if value.weekday() != weekday:
        raise BadCallback(part)
    return value


async def _choices(request: Request, parts: list[str]) -> tuple[Area, int, time, date | None]:
    colline = await _colline(request, parts[0])
    weekday = _weekday(parts[1])
    at = _time(parts[2])
    start = _date(parts[3], weekday) if len(parts) > 3 else None
    return colline, weekday, at, start


# --- the steps --------------------------------------------------------------------------------


@handler(roles=CREATORS)
async def new_group(request: Request) -> Reply:
    tr = request.tr
    request.context.state.expect(NAME)
    text = tr.render("newgroup/ask_name.j2", maximum=NAME_MAX)
    return Reply(text, buttons=[[_cancel_button(tr)]], new=True)


@fallback.expects_text(NAME)
@handler(roles=CREATORS)
async def name_typed(request: Request) -> Reply:
    tr = request.tr
    name = " ".join(request.text.split())
    if not name or len(name) > NAME_MAX:
        if name:
            problem = tr.pgettext(
                "newgroup", "That name is too long: {length} characters, at most {maximum}."
            ).format(length=len(name), maximum=NAME_MAX)
        else:
            problem = tr.pgettext("newgroup", "Please send a name.")
        hint = tr.pgettext("newgroup", "Send another name, or /cancel.")
        return Reply(f"{problem} {hint}", new=True)
    _remember(request, name)
    reply = await _places(request, name, None)
    reply.new = True
    return reply


async def _places(request: Request, name: str, area_id: int | None) -> Reply:
    """The places under an area, or the start of the user's own part of the tree."""
    tr = request.tr
    user = request.me
    scope = await Scope.of(request.session, user)
    start_id = None if user.role == Role.ADMIN else user.area_id
    if user.role != Role.ADMIN and start_id is None:
        text = tr.pgettext(
            "newgroup", "Your account has no area yet. Ask the programme administrator."
        )
        return Reply(text)
    current = await _area_in_scope(request, area_id) if area_id is not None else None
    if current is None and start_id is not None:
        current = await _area_in_scope(request, start_id)
    if current is not None and current.level == Level.COLLINE:
        # A coordinator of one colline: that colline is the only choice.
        places = [current]
    else:
        places = await groups.child_areas(request.session, current.id if current else None)
    buttons = [
        Button(
            area.name[:48],
            pack("nd", area.id) if area.level == Level.COLLINE else pack("na", area.id),
        )
        for area in places[:MAX_PLACES]
    ]
    rows = [buttons[i : i + PER_ROW] for i in range(0, len(buttons), PER_ROW)]
    bottom = []
    if current is not None and current.id != start_id:
        parent = await request.session.get(Area, current.parent_id) if current.parent_id else None
        up = pack("na", parent.id) if parent and scope.contains_path(parent.path) else pack("na")
        bottom.append(_back(up, tr))
    bottom.append(_cancel_button(tr))
    rows.append(bottom)
    where = " / ".join(await area_names(request.session, current)) if current else None
    if places:
        question = tr.pgettext("newgroup", "Where does the group meet? Choose down to the colline.")
    else:
        question = tr.pgettext(
            "newgroup", "No collines here yet. Ask the programme administrator to add them."
        )
    text = tr.render("newgroup/places.j2", name=name, where=where, question=question)
    return Reply(text, buttons=rows)


@handler(roles=CREATORS)
async def choose_place(request: Request) -> Reply:
    parts = unpack(request.data, "na")
    if len(parts) > 1:
        raise BadCallback(request.data)
    name = _draft_name(request)
    if name is None:
        return _draft_ended(request)
    _remember(request, name)
    return await _places(request, name, int_part(parts[0]) if parts else None)


@handler(roles=CREATORS)
async def choose_weekday(request: Request) -> Reply:
    (part,) = unpack(request.data, "nd", 1)
    name = _draft_name(request)
    if name is None:
        return _draft_ended(request)
    colline = await _colline(request, part)
    _remember(request, name)
    tr = request.tr
    question = tr.pgettext("newgroup", "On which day of the week does the group meet?")
    days = [Button(_weekday_name(tr, w), pack("nt", colline.id, w)) for w in range(7)]
    rows = [days[i : i + PER_ROW] for i in range(0, len(days), PER_ROW)]
    scope = await Scope.of(request.session, request.me)
    parent = await request.session.get(Area, colline.parent_id) if colline.parent_id else None
    up = pack("na", parent.id) if parent and scope.contains_path(parent.path) else pack("na")
    rows.append([_back(up, tr), _cancel_button(tr)])
    text = await _screen(request, name, question, colline=colline)
    return Reply(text, buttons=rows)


async def _time_screen(request: Request, name: str, colline: Area, weekday: int) -> Reply:
    tr = request.tr
    _remember(request, name, TIME, area=colline.id, weekday=weekday)
    question = tr.pgettext(
        "newgroup", "At what time does it start? Tap a time, or type one such as 14:30."
    )
    times = [Button(tr.time(at), pack("ns", colline.id, weekday, f"{at:%H%M}")) for at in TIMES]
    rows = [times[i : i + 3] for i in range(0, len(times), 3)]
    rows.append([_back(pack("nd", colline.id), tr), _cancel_button(tr)])
    text = await _screen(request, name, question, colline=colline, weekday=weekday)
    return Reply(text, buttons=rows)


@handler(roles=CREATORS)
async def choose_time(request: Request) -> Reply:
    colline_part, weekday_part = unpack(request.data, "nt", 2)
    name = _draft_name(request)
    if name is None:
        return _draft_ended(request)
    colline = await _colline(request, colline_part)
    return await _time_screen(request, name, colline, _weekday(weekday_part))


@fallback.expects_text(TIME)
@handler(roles=CREATORS)
async def time_typed(request: Request) -> Reply:
    tr = request.tr
    draft = _draft(request)
    area_id, weekday = (draft or {}).get("area"), (draft or {}).get("weekday")
    if draft is None or not isinstance(area_id, int) or not isinstance(weekday, int):
        request.context.state.clear()
        return Reply(
            tr.pgettext("newgroup", "This draft has ended. Send /newgroup to start again.")
        )
    name = str(draft["newgroup"])
    try:
        at = groups.parse_time(request.text[:MAX_TEXT_INPUT])
    except InvalidInput:
        answer = tr.pgettext(
            "newgroup", "Please type a time such as 14:30, or tap one of the times above."
        )
        return Reply(answer, new=True)
    colline = await _area_in_scope(request, area_id)
    if colline.level != Level.COLLINE or not 0 <= weekday <= 6:
        raise NotFound()
    reply = await _date_screen(request, name, colline, weekday, at)
    reply.new = True
    return reply


async def _date_screen(
    request: Request, name: str, colline: Area, weekday: int, at: time, note: str | None = None
) -> Reply:
    tr = request.tr
    _remember(request, name)
    question = tr.pgettext("newgroup", "When is the first meeting?")
    hhmm = f"{at:%H%M}"
    dates = groups.next_meeting_dates(weekday, _today(request), DATES)
    rows = [
        [Button(tr.date(day), pack("nk", colline.id, weekday, hhmm, f"{day:%Y%m%d}"))]
        for day in dates
    ]
    rows.append([_back(pack("nt", colline.id, weekday), tr), _cancel_button(tr)])
    text = await _screen(
        request, name, question, colline=colline, weekday=weekday, at=at, note=note
    )
    return Reply(text, buttons=rows)


@handler(roles=CREATORS)
async def choose_date(request: Request) -> Reply:
    parts = unpack(request.data, "ns", 3)
    name = _draft_name(request)
    if name is None:
        return _draft_ended(request)
    colline, weekday, at, _ = await _choices(request, parts)
    return await _date_screen(request, name, colline, weekday, at)


@handler(roles=CREATORS)
async def confirm(request: Request) -> Reply:
    parts = unpack(request.data, "nk", 4)
    name = _draft_name(request)
    if name is None:
        return _draft_ended(request)
    colline, weekday, at, start = await _choices(request, parts)
    tr = request.tr
    question = tr.pgettext("newgroup", "Create this group?")
    rows = [
        [Button(tr.pgettext("newgroup", "Create"), pack("ny", *parts))],
        [_back(pack("ns", *parts[:3]), tr), _cancel_button(tr)],
    ]
    text = await _screen(
        request, name, question, colline=colline, weekday=weekday, at=at, start=start
    )
    return Reply(text, buttons=rows)


@handler(roles=CREATORS, write=True)
async def create(request: Request) -> list[Reply] | Reply:
    parts = unpack(request.data, "ny", 4)
    name = _draft_name(request)
    if name is None:
        return _draft_ended(request)
    colline, weekday, at, start = await _choices(request, parts)
    assert start is not None
    tr = request.tr
    if start <= _today(request):
        note = tr.pgettext("newgroup", "That date has passed. Please choose another.")
        return await _date_screen(request, name, colline, weekday, at, note=note)
    me = request.me
    group = await groups.create_group(
        request.session,
        name=name,
        area=colline,
        weekday=weekday,
        meet_time=at,
        start_date=start,
        timezone=request.services.settings.timezone,
        actor_id=me.id,
    )
    invites = [
        await users.create_invite(
            request.session,
            role=Role.FACILITATOR,
            group_id=group.id,
            uses=1,
            days=INVITE_DAYS,
            created_by=me.id,
        )
        for _ in range(2)
    ]
    request.context.state.clear()
    done = tr.pgettext("newgroup", "Group created (no. {id}).").format(id=group.id)
    summary = await _screen(
        request, name, done, colline=colline, weekday=weekday, at=at, start=start
    )
    summary += "\n\n" + tr.pgettext(
        "newgroup",
        "Forward each of the two messages below to one of the group's two facilitators. "
        "Do not open the links yourself: each works only once.",
    )
    username = request.context.bot.username
    replies = [Reply(summary)]
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


@handler(roles=CREATORS)
async def cancel(request: Request) -> Reply:
    unpack(request.data, "nq", 0)
    state = request.context.state
    if state.awaiting in (NAME, TIME) or _draft(request) is not None:
        state.clear()
    return Reply(request.tr.pgettext("newgroup", "Cancelled. No group was created."))


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [
        CommandHandler("newgroup", new_group, filters=private),
        CallbackQueryHandler(choose_place, pattern=pattern("na")),
        CallbackQueryHandler(choose_weekday, pattern=pattern("nd")),
        CallbackQueryHandler(choose_time, pattern=pattern("nt")),
        CallbackQueryHandler(choose_date, pattern=pattern("ns")),
        CallbackQueryHandler(confirm, pattern=pattern("nk")),
        CallbackQueryHandler(create, pattern=pattern("ny")),
        CallbackQueryHandler(cancel, pattern=pattern("nq")),
    ]
