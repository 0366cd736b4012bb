"""The facilitator's week: /session opens this week's guide and, after the meeting, the record.

One message, edited in place, walks through: the week panel → held today / another day / did not
take place → attendance (tap the absentees, then save) → a short reflection, mostly buttons →
a closing summary. Nothing half-done is saved silently: attendance and reflection are saved by an
explicit tap, and each screen says what is already saved.

Button data (ids and small numbers only; every tap re-checks the group against the user's scope):
  so:<g>                      the week panel of group g
  st:<g>:<w> / sl:<g>:<w>     held today / choose the date it was held
  sa:<g>:<w>:<yyyymmdd>       held on that date
  sn:<g>:<w> / sk:<g>:<w>:<c|p> / sx:<g>:<w>:<c|p>:<reason>   did not take place
  sv:<g>:<s> / sc:<g>:<s>     view a record / correct its attendance
  at:<s>:<rv>:<v>:<mask>:<i>  toggle participant i (absent set as a bitmask over the roster)
  as:<s>:<rv>:<v>:<mask>      save attendance (rv: roster version, v: record version)
  rf:<s>:<v>:<draft>:<op>     reflection steps (draft: step.phase.climate.topics.followups.referral)
  pr:<g> / pt:<g>:<item>      preparation checklist / tick an item
  hs:<g> / hw:<g>:<weekday>   start the self-help group / its meeting day
  hc:<g>:<yyyymm>:<answer>    monthly self-help check-in
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

from babel.dates import get_day_names
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from content.guides import default_library
from content.telegram_html import escape
from conversations.agreement import agreement_button
from conversations.guide import PHASE_NAMES
from conversations.runtime import fallback
from conversations.runtime.callbacks import BadCallback, int_part, pack, pattern, unpack
from conversations.runtime.menu import Command, Np_, declare
from conversations.runtime.reply import Button, Reply
from conversations.runtime.request import Request
from conversations.runtime.unit_of_work import handler
from conversations.widgets import choose_group, my_groups, no_group
from locales import BABEL_LOCALES, Translator
from models import groups as group_ops
from models import sessions
from models.clock import clock
from models.errors import Conflict, DomainError, InvalidInput, NotFound
from models.groups import WEEKS, Group, GroupStatus
from models.roster import Participant, active_participants
from models.scope import Scope
from models.sessions import ReflectionDraft, SessionRecord, SessionStatus
from models.users import Role

RECORDERS = frozenset({Role.FACILITATOR, Role.ADMIN})

declare(Command("session", RECORDERS, Np_("menu", "This week: guide and record")))

REASONS = {
    "weather": Np_("session", "Weather"),
    "bereavement": Np_("session", "Funeral or illness"),
    "security": Np_("session", "Security"),
    "facilitator": Np_("session", "A facilitator could not come"),
    "other": Np_("session", "Other reason"),
}
TOPIC_NAMES = {
    "daily": Np_("session", "Daily worries"),
    "returnees": Np_("session", "Returnees and residents"),
    "land": Np_("session", "Land and other disputes"),
    "violence": Np_("session", "Violence in families"),
    "upbringing": Np_("session", "Upbringing and education"),
    "women": Np_("session", "Women's rights"),
    "beliefs": Np_("session", "Beliefs, witchcraft"),
}
REFERRAL_NAMES = {
    "health": Np_("session", "Health"),
    "psychosocial": Np_("session", "Psychosocial"),
    "legal": Np_("session", "Legal"),
    "protection": Np_("session", "Protection"),
}
PREP_NAMES = {
    "context": Np_("session", "Context analysis"),
    "mapping": Np_("session", "Community mapping"),
    "consent": Np_("session", "Consent of participants"),
    "referral": Np_("session", "Referral services known"),
}
CHECKIN_NAMES = {
    "meeting": Np_("session", "Still meeting"),
    "paused": Np_("session", "Paused"),
    "stopped": Np_("session", "Stopped"),
}
ROW = 3
LATE_DAYS_SHOWN = 6
DATE_TYPED = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})(?:[./-](\d{2,4}))?\s*$")


# --- shared -----------------------------------------------------------------------------------


async def _group(request: Request, group_id: int) -> Group:
    """The group if this user may record for it; a forged or foreign id is simply not found."""
    group = await (await Scope.of(request.session, request.me)).group(request.session, group_id)
    if group is None:
        raise NotFound()
    return group


async def _record(request: Request, record_id: int) -> tuple[SessionRecord, Group]:
    record = await request.session.get(SessionRecord, record_id)
    if record is None:
        raise NotFound()
    return record, await _group(request, record.group_id)


def _week_phase(tr: Translator, week: int) -> str:
    if week > WEEKS:
        return tr.pgettext("session", "The 15 weeks are done")
    guide, _ = default_library().guide(tr.lang, f"week-{week:02d}")
    phase = tr.pgettext(*PHASE_NAMES.get(guide.phase or "", PHASE_NAMES["safety"]))
    return tr.pgettext("session", "Week {week}/15 · {phase}").format(week=week, phase=phase)


def _day(tr: Translator, day: date) -> str:
    return tr.weekday_date(day)


def _flag_to_int(value: str, limit: int) -> int:
    number = int_part(value)
    if number > limit:
        raise BadCallback(value)
    return number


def _parse_day(value: str) -> date:
    if not re.fullmatch(r"\d{8}", value):
        raise BadCallback(value)
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise BadCallback(value) from None


# --- the week panel ---------------------------------------------------------------------------


@handler(roles=RECORDERS)
async def session_command(request: Request) -> Reply:
    request.context.state.clear()
    groups = [g for g in await my_groups(request) if g.status != GroupStatus.CLOSED]
    if not groups:
        return no_group(request)
    if len(groups) > 1:
        return choose_group(request, groups, lambda g: pack("so", g.id))
    reply = await _panel(request, groups[0])
    reply.new = True
    return reply


@handler(roles=RECORDERS)
async def open_panel(request: Request) -> Reply:
    (group_id,) = unpack(request.data, "so", 1)
    return await _panel(request, await _group(request, int_part(group_id)))


async def _panel(request: Request, group: Group, note: str | None = None) -> Reply:
    tr, session = request.tr, request.session
    records = await sessions.records_of(session, group.id)
    roster = await active_participants(session, group.id)
    week = group.current_week
    lines = [f"<b>{escape(group.self_help_name or group.name)}</b>", _week_phase(tr, week)]
    if note:
        lines.insert(0, note)
    buttons: list[list[Button]] = []
    if group.status == GroupStatus.SELF_HELP:
        lines.append(
            tr.pgettext("session", "A self-help group since {date}.").format(
                date=tr.date(group.self_help_since or sessions.local_today(group))
            )
        )
    elif week > WEEKS:
        lines.append(
            tr.pgettext(
                "session",
                "All 15 weeks are recorded. The group can now continue as a self-help "
                "group: give it a name and a meeting day.",
            )
        )
        buttons.append(
            [Button(tr.pgettext("session", "Start the self-help group"), pack("hs", group.id))]
        )
    else:
        upcoming = sessions.next_meeting(group, clock.now())
        lines.append(
            tr.pgettext("session", "Next meeting: {day} at {time}").format(
                day=_day(tr, upcoming.date()), time=tr.time(group.meet_time)
            )
        )
        if not roster:
            lines.append(
                tr.pgettext("session", "No participants yet: add their codes with /roster.")
            )
        if week == 1 and not group.prep_done:
            done = sum(getattr(group, f"prep_{item}") for item in group_ops.PREP_ITEMS)
            lines.append(
                tr.pgettext("session", "Preparation checklist: {done}/4 done.").format(done=done)
            )
            buttons.append(
                [Button(tr.pgettext("session", "Preparation checklist"), pack("pr", group.id))]
            )
        buttons.append(
            [
                Button(
                    tr.pgettext("session", "Open the guide for week {week}").format(week=week),
                    pack("gd", f"week-{week:02d}", 0),
                )
            ]
        )
        buttons.append(
            [
                Button(tr.pgettext("session", "Held today"), pack("st", group.id, week)),
                Button(tr.pgettext("session", "Held on another day"), pack("sl", group.id, week)),
            ]
        )
        buttons.append(
            [Button(tr.pgettext("session", "Did not take place"), pack("sn", group.id, week))]
        )
    for record in reversed(records[-2:]):
        if record.status == SessionStatus.HELD:
            label = tr.pgettext("session", "Week {week}: held on {date}").format(
                week=record.week, date=tr.date(record.held_on)
            )
            buttons.append([Button(label, pack("sv", group.id, record.id))])
    return Reply("\n".join(lines), buttons=buttons)


# --- held / not held --------------------------------------------------------------------------


async def _current(request: Request, data: str, action: str, count: int) -> tuple[Group, list[str]]:
    parts = unpack(data, action, count)
    group = await _group(request, int_part(parts[0]))
    week = int_part(parts[1])
    if week != group.current_week:
        # Someone recorded this week in the meantime (or the button is old): show where we are.
        raise WeekMoved(group)
    return group, parts[2:]


class WeekMoved(DomainError):
    code = "week_moved"

    def __init__(self, group: Group) -> None:
        super().__init__()
        self.group = group


async def _moved(request: Request, moved: WeekMoved) -> Reply:
    note = request.tr.pgettext(
        "session",
        "This week is already recorded (perhaps by your co-facilitator). Here is where "
        "the group is now.",
    )
    return await _panel(request, moved.group, note=f"<i>{note}</i>")


@handler(roles=RECORDERS, write=True)
async def held_today(request: Request) -> Reply:
    try:
        group, _ = await _current(request, request.data, "st", 2)
    except WeekMoved as moved:
        return await _moved(request, moved)
    return await _record_held(request, group, sessions.local_today(group))


@handler(roles=RECORDERS)
async def late_dates(request: Request) -> Reply:
    try:
        group, _ = await _current(request, request.data, "sl", 2)
    except WeekMoved as moved:
        return await _moved(request, moved)
    tr = request.tr
    today = sessions.local_today(group)
    buttons = [
        [Button(tr.date(day), pack("sa", group.id, group.current_week, f"{day:%Y%m%d}"))]
        for day in (today - timedelta(days=n) for n in range(1, LATE_DAYS_SHOWN + 1))
    ]
    buttons.append([Button(tr.pgettext("session", "Back"), pack("so", group.id))])
    request.context.state.expect("session.date", f"{group.id}:{group.current_week}")
    text = tr.pgettext(
        "session",
        "When was the session held? Tap the date, or type an older one as day/month "
        "(for example 3/11).",
    )
    return Reply(text, buttons=buttons)


@handler(roles=RECORDERS, write=True)
async def held_on(request: Request) -> Reply:
    try:
        group, (day,) = await _current(request, request.data, "sa", 3)
    except WeekMoved as moved:
        return await _moved(request, moved)
    request.context.state.clear()
    return await _record_held(request, group, _parse_day(day))


@fallback.expects_text("session.date")
@handler(roles=RECORDERS, write=True)
async def typed_date(request: Request) -> Reply:
    state = request.context.state
    try:
        group_id, week = (int_part(p) for p in (state.ref or "").split(":"))
    except (BadCallback, ValueError):
        state.clear()
        raise InvalidInput() from None
    group = await _group(request, group_id)
    if week != group.current_week:
        state.clear()
        return _new(await _moved(request, WeekMoved(group)))
    day = _typed_day(request.text, sessions.local_today(group))
    if day is None:
        return Reply(
            request.tr.pgettext(
                "session", "Please type the date as day/month, for example 3/11, or day/month/year."
            )
        )
    state.clear()
    return _new(await _record_held(request, group, day))


def _typed_day(text: str, today: date) -> date | None:
    match = DATE_TYPED.match(text[:40])
    if not match:
        return None
    day, month, year = match.groups()
    full_year = today.year if year is None else int(year) + (2000 if len(year) == 2 else 0)
    try:
        typed = date(full_year, int(month), int(day))
    except ValueError:
        return None
    if year is None and typed > today:  # "28/12" typed in January means last December
        typed = typed.replace(year=typed.year - 1)
    return typed


def _new(reply: Reply) -> Reply:
    reply.new = True
    return reply


async def _record_held(request: Request, group: Group, day: date) -> Reply:
    try:
        record = await sessions.record_held(
            request.session, group=group, held_on=day, actor_id=request.me.id
        )
    except InvalidInput as error:
        return await _panel(request, group, note=f"<i>{_date_problem(request.tr, error.code)}</i>")
    return await _attendance(request, group, record, absent=None)


def _date_problem(tr: Translator, code: str) -> str:
    problems = {
        "date_future": tr.pgettext("session", "That date is in the future."),
        "date_too_old": tr.pgettext("session", "That date is more than 60 days ago."),
        "date_before_start": tr.pgettext("session", "That date is before the group started."),
        "date_before_previous": tr.pgettext(
            "session", "That date is before the previous recorded session."
        ),
    }
    return problems.get(code, tr.pgettext("session", "That date cannot be used."))


@handler(roles=RECORDERS)
async def not_held_menu(request: Request) -> Reply:
    try:
        group, _ = await _current(request, request.data, "sn", 2)
    except WeekMoved as moved:
        return await _moved(request, moved)
    tr = request.tr
    week = group.current_week
    return Reply(
        tr.pgettext(
            "session",
            "The meeting did not take place. Cancelled, or postponed to another day this week?",
        ),
        buttons=[
            [
                Button(tr.pgettext("session", "Cancelled"), pack("sk", group.id, week, "c")),
                Button(tr.pgettext("session", "Postponed"), pack("sk", group.id, week, "p")),
            ],
            [Button(tr.pgettext("session", "Back"), pack("so", group.id))],
        ],
    )


@handler(roles=RECORDERS)
async def not_held_reason(request: Request) -> Reply:
    try:
        group, (kind,) = await _current(request, request.data, "sk", 3)
    except WeekMoved as moved:
        return await _moved(request, moved)
    if kind not in ("c", "p"):
        raise BadCallback(kind)
    tr = request.tr
    buttons = [
        [Button(tr.pgettext(*label), pack("sx", group.id, group.current_week, kind, key))]
        for key, label in REASONS.items()
    ]
    buttons.append(
        [Button(tr.pgettext("session", "Back"), pack("sn", group.id, group.current_week))]
    )
    return Reply(tr.pgettext("session", "Why?"), buttons=buttons)


@handler(roles=RECORDERS, write=True)
async def not_held(request: Request) -> Reply:
    try:
        group, (kind, reason) = await _current(request, request.data, "sx", 4)
    except WeekMoved as moved:
        return await _moved(request, moved)
    if kind not in ("c", "p") or reason not in REASONS:
        raise BadCallback(reason)
    status = SessionStatus.CANCELLED if kind == "c" else SessionStatus.POSTPONED
    last = sessions.last_meeting(group, clock.now())
    on = last.date() if last is not None else sessions.local_today(group)
    await sessions.record_not_held(
        request.session,
        group=group,
        status=status,
        reason=sessions.Reason(reason),
        on=on,
        actor_id=request.me.id,
    )
    tr = request.tr
    saved = (
        tr.pgettext("session", "Saved: cancelled. Next time the group does week {week}.")
        if status == SessionStatus.CANCELLED
        else tr.pgettext("session", "Saved: postponed. Record it here once it has taken place.")
    )
    return await _panel(request, group, note=f"<i>{saved.format(week=group.current_week)}</i>")


# --- attendance -------------------------------------------------------------------------------


def _mask(absent_indexes: set[int]) -> int:
    return sum(1 << i for i in absent_indexes)


def _indexes(mask: int, size: int) -> set[int]:
    if mask >= 1 << size:
        raise BadCallback(str(mask))
    return {i for i in range(size) if mask >> i & 1}


async def _attendance(
    request: Request,
    group: Group,
    record: SessionRecord,
    absent: set[int] | None,
    note: str | None = None,
) -> Reply:
    """The roster as toggle buttons; `absent` None: as recorded (everyone present if new)."""
    tr = request.tr
    roster = await active_participants(request.session, group.id)
    if not roster:
        text = tr.pgettext(
            "session",
            "Session saved for {date}. Add the participants' codes with /roster, then "
            "record attendance here.",
        ).format(date=tr.date(record.held_on))
        return Reply(
            text,
            buttons=[[Button(tr.pgettext("session", "Back to the week"), pack("so", group.id))]],
        )
    if absent is None:
        recorded = await sessions.attendance_of(request.session, record.id)
        absent = {i for i, p in enumerate(roster) if recorded.get(p.id) is False}
    mask = _mask(absent)
    head = tr.pgettext("session", "Week {week}, held on {date}.").format(
        week=record.week, date=tr.date(record.held_on)
    )
    how = tr.pgettext("session", "Tap the participants who were ABSENT, then save.")
    count = tr.pgettext("session", "Present: {present}/{total}").format(
        present=len(roster) - len(absent), total=len(roster)
    )
    lines = [head, how, f"<b>{count}</b>"]
    if record.attendance_saved:
        lines.insert(1, tr.pgettext("session", "Attendance was saved; you are correcting it."))
    if note:
        lines.insert(0, f"<i>{note}</i>")
    toggles = [
        Button(
            ("✗ " if i in absent else "✓ ") + p.code,
            pack("at", record.id, group.roster_version, record.version, mask, i),
        )
        for i, p in enumerate(roster)
    ]
    buttons = [toggles[n : n + ROW] for n in range(0, len(toggles), ROW)]
    save_label = (
        tr.pgettext("session", "All present: save")
        if not absent
        else tr.pgettext("session", "Save: {absent} absent").format(absent=len(absent))
    )
    buttons.append(
        [Button(save_label, pack("as", record.id, group.roster_version, record.version, mask))]
    )
    buttons.append([Button(tr.pgettext("session", "Back to the week"), pack("so", group.id))])
    return Reply("\n".join(lines), buttons=buttons)


async def _attendance_tap(
    request: Request, action: str, count: int
) -> tuple[SessionRecord, Group, list[Participant], int, int, set[int], list[str]]:
    parts = unpack(request.data, action, count)
    record, group = await _record(request, int_part(parts[0]))
    roster_version, version, mask = (int_part(p) for p in parts[1:4])
    roster = await active_participants(request.session, group.id)
    absent = _indexes(mask, len(roster))
    return record, group, roster, roster_version, version, absent, parts[4:]


@handler(roles=RECORDERS)
async def toggle_absent(request: Request) -> Reply:
    record, group, roster, roster_version, version, absent, (index,) = await _attendance_tap(
        request, "at", 5
    )
    if roster_version != group.roster_version or version != record.version:
        return await _attendance(request, group, record, None, note=_changed(request.tr))
    i = int_part(index)
    if i >= len(roster):
        raise BadCallback(index)
    absent ^= {i}
    return await _attendance(request, group, record, absent)


def _changed(tr: Translator) -> str:
    return tr.pgettext(
        "session",
        "The record or the roster changed meanwhile (perhaps your "
        "co-facilitator). This is the current state; please check and save again.",
    )


@handler(roles=RECORDERS, write=True)
async def save_attendance(request: Request) -> Reply:
    record, group, roster, roster_version, version, absent, _ = await _attendance_tap(
        request, "as", 4
    )
    try:
        await sessions.save_attendance(
            request.session,
            group=group,
            record=record,
            absent={roster[i].id for i in absent},
            version=version,
            roster_version=roster_version,
            actor_id=request.me.id,
        )
    except Conflict:
        return await _attendance(request, group, record, None, note=_changed(request.tr))
    request.send_outbox_soon()  # visit prompts for members absent twice in a row
    tr = request.tr
    saved = tr.pgettext("session", "Attendance saved: {present}/{total} present.").format(
        present=len(roster) - len(absent), total=len(roster)
    )
    reflection = await sessions.reflection_of(request.session, record.id)
    if reflection is not None:
        return await _summary(request, group, record, note=saved)
    return _reflection_step(request, record, 0, _start_draft(record), note=saved)


# --- reflection -------------------------------------------------------------------------------
# The draft travels in the button data: "step.phase.climate.topics.followups.referral", with
# indexes into the tuples in models.sessions and "x" for "not given".

STEPS = ("phase", "climate", "topics", "follow_ups", "referral", "confirm")


def _start_draft(record: SessionRecord) -> str:
    guide, _ = default_library().guide("en", f"week-{min(record.week, WEEKS):02d}")
    phase = guide.phase if guide.phase in sessions.PHASES else "memory"
    return f"0.{sessions.PHASES.index(phase)}.x.0.x.x"


def _draft_of(reflection: sessions.Reflection) -> str:
    topics = set(reflection.topics.split(",")) if reflection.topics else set()
    mask = sum(1 << i for i, t in enumerate(sessions.TOPICS) if t in topics)

    def opt(value: int | None) -> str:
        return "x" if value is None else str(value)

    referral = (
        "x"
        if reflection.referral is None
        else str(sessions.REFERRALS.index(reflection.referral) + 1)
    )
    return (
        f"5.{sessions.PHASES.index(reflection.phase)}.{opt(reflection.climate)}.{mask}."
        f"{opt(reflection.follow_ups)}.{referral}"
    )


def _parse_draft(raw: str) -> list[int | None]:
    pieces = raw.split(".")
    if len(pieces) != 6:
        raise BadCallback(raw)
    values = [None if p == "x" else int_part(p) for p in pieces]
    limits = [
        len(STEPS) - 1,
        len(sessions.PHASES) - 1,
        5,
        (1 << len(sessions.TOPICS)) - 1,
        sessions.FOLLOW_UP_MAX,
        len(sessions.REFERRALS),
    ]
    if values[0] is None or values[1] is None or values[3] is None:
        raise BadCallback(raw)
    if any(v is not None and v > limit for v, limit in zip(values, limits, strict=True)):
        raise BadCallback(raw)
    return values


def _encode(values: list[int | None]) -> str:
    return ".".join("x" if v is None else str(v) for v in values)


def _to_domain(values: list[int | None]) -> ReflectionDraft:
    _, phase, climate, topics, follow_ups, referral = values
    assert phase is not None and topics is not None
    return ReflectionDraft(
        phase=sessions.PHASES[phase],
        climate=climate or None,
        topics=frozenset(t for i, t in enumerate(sessions.TOPICS) if topics >> i & 1),
        follow_ups=follow_ups,
        referral=None if not referral else sessions.REFERRALS[referral - 1],
    )


def _reflection_step(
    request: Request, record: SessionRecord, version: int, draft: str, note: str | None = None
) -> Reply:
    tr = request.tr
    values = _parse_draft(draft)
    step = STEPS[values[0] or 0]

    def data(op: str) -> str:
        return pack("rf", record.id, version, draft, op)

    lines = [f"<i>{note}</i>"] if note else []
    lines.append(
        tr.pgettext("session", "Reflection on week {week} ({n}/5)").format(
            week=record.week, n=min((values[0] or 0) + 1, 5)
        )
    )
    buttons: list[list[Button]] = []
    if step == "phase":
        lines.append(
            tr.pgettext(
                "session",
                "Which phase is the group in now? It moves with the "
                "group's readiness, not the calendar.",
            )
        )
        for i, key in enumerate(sessions.PHASES):
            mark = "• " if values[1] == i else ""
            buttons.append([Button(mark + tr.pgettext(*PHASE_NAMES[key]), data(f"p{i}"))])
    elif step == "climate":
        lines.append(
            tr.pgettext(
                "session", "How was the group's climate? 1 = very tense, 5 = warm and open."
            )
        )
        buttons.append([Button(str(n), data(f"c{n}")) for n in range(1, 6)])
        buttons.append([Button(tr.pgettext("session", "Skip"), data("c0"))])
    elif step == "topics":
        lines.append(
            tr.pgettext(
                "session", "Which problem areas were discussed? Tap all that apply, then Next."
            )
        )
        topics = values[3] or 0
        toggles = [
            Button(
                ("✓ " if topics >> i & 1 else "") + tr.pgettext(*TOPIC_NAMES[key]), data(f"t{i}")
            )
            for i, key in enumerate(sessions.TOPICS)
        ]
        buttons.extend([toggles[n : n + 2] for n in range(0, len(toggles), 2)])
        buttons.append([Button(tr.pgettext("session", "Next"), data("tn"))])
    elif step == "follow_ups":
        lines.append(
            tr.pgettext(
                "session",
                "How many follow-ups did members agree (things to do and report back next week)?",
            )
        )
        buttons.append(
            [
                Button(str(n) if n < sessions.FOLLOW_UP_MAX else f"{n}+", data(f"f{n}"))
                for n in range(sessions.FOLLOW_UP_MAX + 1)
            ]
        )
    elif step == "referral":
        lines.append(
            tr.pgettext("session", "Was anyone referred to a service? Only the type is recorded.")
        )
        buttons.append([Button(tr.pgettext("session", "No referral"), data("r0"))])
        options = [
            Button(tr.pgettext(*REFERRAL_NAMES[key]), data(f"r{i + 1}"))
            for i, key in enumerate(sessions.REFERRALS)
        ]
        buttons.extend([options[:2], options[2:]])
    else:
        lines.append(_draft_summary(tr, _to_domain(values)))
        lines.append(
            tr.pgettext("session", "Save it as it is, or add a short note. No names, no stories.")
        )
        buttons.append([Button(tr.pgettext("session", "Save"), data("s"))])
        buttons.append(
            [
                Button(tr.pgettext("session", "Add a short note"), data("n")),
                Button(tr.pgettext("session", "Change"), data("e")),
            ]
        )
    return Reply("\n".join(lines), buttons=buttons)


def _draft_summary(tr: Translator, draft: ReflectionDraft) -> str:
    topics = ", ".join(tr.pgettext(*TOPIC_NAMES[t]) for t in sessions.TOPICS if t in draft.topics)
    referral = (
        tr.pgettext(*REFERRAL_NAMES[draft.referral])
        if draft.referral
        else tr.pgettext("session", "none")
    )
    dash = "-"
    return "\n".join(
        [
            tr.pgettext("session", "Phase: {phase}").format(
                phase=tr.pgettext(*PHASE_NAMES[draft.phase])
            ),
            tr.pgettext("session", "Climate: {climate}").format(climate=draft.climate or dash),
            tr.pgettext("session", "Topics: {topics}").format(topics=topics or dash),
            tr.pgettext("session", "Follow-ups: {count}").format(
                count=dash if draft.follow_ups is None else draft.follow_ups
            ),
            tr.pgettext("session", "Referral: {referral}").format(referral=referral),
        ]
    )


@handler(roles=RECORDERS, write=True)
async def reflection_tap(request: Request) -> Reply:
    record_id, version, draft, op = unpack(request.data, "rf", 4)
    record, group = await _record(request, int_part(record_id))
    values = _parse_draft(draft)
    version_number = int_part(version)
    kind, argument = op[:1], op[1:]
    # Each answer moves to the next step; "e" (change) starts again from the phase.
    if kind == "p" and argument.isdigit():
        values[1] = _flag_to_int(argument, len(sessions.PHASES) - 1)
        values[0] = 1
    elif kind == "c" and argument.isdigit():
        values[2] = _flag_to_int(argument, 5) or None
        values[0] = 2
    elif kind == "t" and argument.isdigit():
        values[3] = (values[3] or 0) ^ (1 << _flag_to_int(argument, len(sessions.TOPICS) - 1))
    elif op == "tn":
        values[0] = 3
    elif kind == "f" and argument.isdigit():
        values[4] = _flag_to_int(argument, sessions.FOLLOW_UP_MAX)
        values[0] = 4
    elif kind == "r" and argument.isdigit():
        values[5] = _flag_to_int(argument, len(sessions.REFERRALS))
        values[0] = 5
    elif op == "e":
        values[0] = 0
    elif op == "s":
        return await _save_reflection(request, group, record, version_number, values, note=None)
    elif op == "n":
        request.context.state.expect(
            "session.note", f"{record.id}:{version_number}:{_encode(values)}"
        )
        return Reply(
            request.tr.pgettext(
                "session",
                "Type a short note (at most 500 characters). <b>No names, no stories.</b> "
                "It is stored encrypted and your message is removed from this chat.",
            )
        )
    else:
        raise BadCallback(op)
    return _reflection_step(request, record, version_number, _encode(values))


async def _save_reflection(
    request: Request,
    group: Group,
    record: SessionRecord,
    version: int,
    values: list[int | None],
    note: str | None,
) -> Reply:
    try:
        await sessions.save_reflection(
            request.session,
            record=record,
            draft=_to_domain(values),
            note=note,
            version=version or None,
            actor_id=request.me.id,
        )
    except Conflict:
        current = await sessions.reflection_of(request.session, record.id)
        assert current is not None
        return _reflection_step(
            request, record, current.version, _draft_of(current), note=_changed(request.tr)
        )
    return await _summary(
        request, group, record, note=request.tr.pgettext("session", "Reflection saved.")
    )


@fallback.expects_text("session.note")
@handler(roles=RECORDERS, write=True)
async def typed_note(request: Request) -> Reply | list[Reply]:
    state = request.context.state
    try:
        record_id, version, draft = (state.ref or "").split(":")
        values = _parse_draft(draft)
        record, group = await _record(request, int_part(record_id))
    except (ValueError, BadCallback):
        state.clear()
        raise InvalidInput() from None
    text = request.text
    if len(text) > sessions.NOTE_MAX:
        return Reply(
            request.tr.pgettext(
                "session",
                "That note is longer than 500 characters. Please send a shorter one "
                "(no names, no stories).",
            ),
            delete_user_message=True,
        )
    state.clear()
    reply = await _save_reflection(request, group, record, int_part(version), values, note=text)
    reply.new = True
    # Shared phones: the note leaves the chat; the answer says only "saved".
    reply.delete_user_message = True
    return reply


# --- summary and corrections -------------------------------------------------------------------


async def _summary(
    request: Request, group: Group, record: SessionRecord, note: str | None = None
) -> Reply:
    tr, session = request.tr, request.session
    attendance = await sessions.attendance_of(session, record.id)
    reflection = await sessions.reflection_of(session, record.id)
    lines = [f"<i>{note}</i>"] if note else []
    lines.append(
        "<b>" + tr.pgettext("session", "Week {week} recorded").format(week=record.week) + "</b>"
    )
    lines.append(tr.pgettext("session", "Held on: {date}").format(date=tr.date(record.held_on)))
    if attendance:
        present = sum(attendance.values())
        lines.append(
            tr.pgettext("session", "Attendance: {present}/{total} present").format(
                present=present, total=len(attendance)
            )
        )
    else:
        lines.append(tr.pgettext("session", "Attendance: not saved yet"))
    if reflection is not None:
        lines.append(tr.pgettext("session", "Reflection: saved"))
    else:
        lines.append(tr.pgettext("session", "Reflection: not saved yet"))
    if group.current_week <= WEEKS and group.status != GroupStatus.SELF_HELP:
        upcoming = sessions.next_meeting(group, clock.now())
        lines.append(
            tr.pgettext("session", "Next meeting: {day} at {time}").format(
                day=_day(tr, upcoming.date()), time=tr.time(group.meet_time)
            )
        )
    buttons = [
        [Button(tr.pgettext("session", "Correct attendance"), pack("sc", group.id, record.id))],
        [
            Button(
                tr.pgettext("session", "Correct the reflection")
                if reflection
                else tr.pgettext("session", "Add the reflection"),
                pack(
                    "rf",
                    record.id,
                    reflection.version if reflection else 0,
                    _draft_of(reflection) if reflection else _start_draft(record),
                    "e",
                ),
            )
        ],
        [agreement_button(tr, group.id)],
        [Button(tr.pgettext("session", "Back to the week"), pack("so", group.id))],
    ]
    return Reply("\n".join(lines), buttons=buttons)


@handler(roles=RECORDERS)
async def view_record(request: Request) -> Reply:
    group_id, record_id = unpack(request.data, "sv", 2)
    record, group = await _record(request, int_part(record_id))
    if group.id != int_part(group_id):
        raise BadCallback(group_id)
    return await _summary(request, group, record)


@handler(roles=RECORDERS)
async def correct_attendance(request: Request) -> Reply:
    group_id, record_id = unpack(request.data, "sc", 2)
    record, group = await _record(request, int_part(record_id))
    if group.id != int_part(group_id):
        raise BadCallback(group_id)
    return await _attendance(request, group, record, absent=None)


# --- preparation checklist ---------------------------------------------------------------------


def _prep_screen(request: Request, group: Group, note: str | None = None) -> Reply:
    tr = request.tr
    lines = [f"<i>{note}</i>"] if note else []
    lines.append(
        tr.pgettext("session", "Before week 1: tick what is done. Your coordinator sees this list.")
    )
    buttons = [
        [
            Button(
                ("✓ " if getattr(group, f"prep_{item}") else "☐ ") + tr.pgettext(*PREP_NAMES[item]),
                pack("pt", group.id, item),
            )
        ]
        for item in group_ops.PREP_ITEMS
    ]
    buttons.append(
        [Button(tr.pgettext("session", "Open the preparation guide"), pack("gd", "preparation", 0))]
    )
    buttons.append([Button(tr.pgettext("session", "Back to the week"), pack("so", group.id))])
    return Reply("\n".join(lines), buttons=buttons)


@handler(roles=RECORDERS)
async def prep_checklist(request: Request) -> Reply:
    (group_id,) = unpack(request.data, "pr", 1)
    return _prep_screen(request, await _group(request, int_part(group_id)))


@handler(roles=RECORDERS, write=True)
async def prep_toggle(request: Request) -> Reply:
    group_id, item = unpack(request.data, "pt", 2)
    group = await _group(request, int_part(group_id))
    if item not in group_ops.PREP_ITEMS:
        raise BadCallback(item)
    await group_ops.toggle_prep(request.session, group=group, item=item, actor_id=request.me.id)
    return _prep_screen(request, group)


# --- self-help group ----------------------------------------------------------------------------


@handler(roles=RECORDERS)
async def self_help_start(request: Request) -> Reply:
    (group_id,) = unpack(request.data, "hs", 1)
    group = await _group(request, int_part(group_id))
    if group.current_week <= WEEKS or group.status == GroupStatus.SELF_HELP:
        return await _panel(request, group)
    request.context.state.expect("session.selfhelp", json.dumps({"g": group.id}))
    return Reply(
        request.tr.pgettext(
            "session", "Type the name the group chose for its self-help group (no personal names)."
        )
    )


@fallback.expects_text("session.selfhelp")
@handler(roles=RECORDERS)
async def self_help_name(request: Request) -> Reply:
    state = request.context.state
    try:
        group_id = int(json.loads(state.ref or "{}")["g"])
    except (ValueError, KeyError, TypeError):
        state.clear()
        raise InvalidInput() from None
    group = await _group(request, group_id)
    name = " ".join(request.text.split())
    if not name or len(name) > 80:
        return Reply(request.tr.pgettext("session", "Please send a name of at most 80 characters."))
    state.expect("session.selfhelp_day", json.dumps({"g": group.id, "n": name}))
    days = get_day_names("wide", locale=BABEL_LOCALES[request.tr.lang])
    buttons = [[Button(str(days[d]), pack("hw", group.id, d))] for d in range(7)]
    return Reply(
        request.tr.pgettext("session", "On which day will the self-help group meet?"),
        buttons=buttons,
    )


@handler(roles=RECORDERS, write=True)
async def self_help_day(request: Request) -> Reply:
    group_id, weekday = unpack(request.data, "hw", 2)
    group = await _group(request, int_part(group_id))
    state = request.context.state
    try:
        stored = json.loads(state.ref or "{}") if state.awaiting == "session.selfhelp_day" else {}
        name = str(stored["n"]) if int(stored["g"]) == group.id else ""
    except (ValueError, KeyError, TypeError):
        name = ""
    if not name:
        return await _panel(
            request,
            group,
            note="<i>"
            + request.tr.pgettext("session", "Please start again: the name was not kept.")
            + "</i>",
        )
    await sessions.start_self_help(
        request.session,
        group=group,
        name=name,
        weekday=_flag_to_int(weekday, 6),
        actor_id=request.me.id,
    )
    state.clear()
    return await _panel(
        request,
        group,
        note="<i>"
        + request.tr.pgettext(
            "session", "Saved. Once a month the bot will ask how the group is doing."
        )
        + "</i>",
    )


@handler(roles=RECORDERS, write=True)
async def self_help_checkin(request: Request) -> Reply:
    group_id, month, answer = unpack(request.data, "hc", 3)
    group = await _group(request, int_part(group_id))
    if not re.fullmatch(r"\d{6}", month) or answer not in CHECKIN_NAMES:
        raise BadCallback(month)
    await sessions.answer_checkin(
        request.session,
        group=group,
        month=f"{month[:4]}-{month[4:]}",
        answer=sessions.CheckinAnswer(answer),
        actor_id=request.me.id,
    )
    tr = request.tr
    text = tr.pgettext("session", "Thank you. Saved: {answer}.").format(
        answer=tr.pgettext(*CHECKIN_NAMES[answer])
    )
    return Reply(text)


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    taps = {
        "so": open_panel,
        "st": held_today,
        "sl": late_dates,
        "sa": held_on,
        "sn": not_held_menu,
        "sk": not_held_reason,
        "sx": not_held,
        "sv": view_record,
        "sc": correct_attendance,
        "at": toggle_absent,
        "as": save_attendance,
        "rf": reflection_tap,
        "pr": prep_checklist,
        "pt": prep_toggle,
        "hs": self_help_start,
        "hw": self_help_day,
        "hc": self_help_checkin,
    }
    return [
        CommandHandler("session", session_command, filters=private),
        *(
            CallbackQueryHandler(callback, pattern=pattern(action))
            for action, callback in taps.items()
        ),
    ]
