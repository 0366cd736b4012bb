"""Lookups in the person's scope, and what the screens show of them.

Every tap names a group or a record by id; each is checked again against the groups the person
may record for (Scope), so a forged or foreign id is simply "not found".
"""

from __future__ import annotations

from datetime import date

from content.guides import default_library
from conversations.meeting.codec import Draft
from conversations.meeting.screens.attendance import AttendanceView
from conversations.meeting.screens.week import HeldWeek, PanelView, RecordView, Stage
from conversations.runtime.callbacks import BadCallback, int_part, unpack
from conversations.runtime.request import Request
from conversations.vocabulary.corrections import correction_lines
from conversations.widgets import my_groups
from models import meetings
from models.clock import clock
from models.errors import DomainError, NotFound
from models.groups import PREP_ITEMS, WEEKS, Group, GroupStatus
from models.meetings import PHASES, MeetingRecord, MeetingStatus
from models.meetings.corrections import corrections_of
from models.roster import Participant, active_participants
from models.scope import Scope
from models.users import Role

RECORDERS = frozenset({Role.FACILITATOR, Role.ADMIN})
RECENT_SHOWN = 2


async def group_in_scope(request: Request, group_id: int) -> Group:
    """The group if this user may record for it; a forged or foreign id is simply not found."""
    group = await (await Scope.of(request.session, request.me)).group(request.session, group_id)
    if group is None:
        raise NotFound()
    return group


async def record_in_scope(request: Request, record_id: int) -> tuple[MeetingRecord, Group]:
    record = await meetings.record_by_id(request.session, record_id=record_id)
    if record is None:
        raise NotFound()
    return record, await group_in_scope(request, record.group_id)


async def record_of_group(
    request: Request, group_part: str, record_part: str
) -> tuple[MeetingRecord, Group]:
    """A record named with its group in button data; the two must belong together."""
    record, group = await record_in_scope(request, int_part(record_part))
    if group.id != int_part(group_part):
        raise BadCallback(group_part)
    return record, group


class WeekMoved(DomainError):
    """The button was for a week that is no longer the group's current one."""

    code = "week_moved"

    def __init__(self, group: Group) -> None:
        super().__init__()
        self.group = group


async def current_group(request: Request, action: str, count: int) -> tuple[Group, list[str]]:
    """The group of a "<action>:<group>:<week>:..." tap and the parts after the week."""
    parts = unpack(request.data, action, count)
    group = await group_in_scope(request, int_part(parts[0]))
    if int_part(parts[1]) != group.current_week:
        # Someone recorded this week in the meantime (or the button is old).
        raise WeekMoved(group)
    return group, parts[2:]


async def open_groups(request: Request) -> list[Group]:
    """The groups the person records for that are not closed."""
    return [g for g in await my_groups(request) if g.status != GroupStatus.CLOSED]


async def roster(request: Request, group: Group) -> list[Participant]:
    return await active_participants(request.session, group.id)


def preparation_ticks(group: Group) -> dict[str, bool]:
    """Each item of the checklist before week 1, and whether it is done."""
    return {item: bool(getattr(group, f"prep_{item}")) for item in PREP_ITEMS}


def new_draft(record: MeetingRecord) -> Draft:
    """A reflection starts with the phase of the week's guide marked (memory after the last)."""
    guide, _ = default_library().guide("en", f"week-{min(record.week, WEEKS):02d}")
    return Draft.first(guide.phase if guide.phase in PHASES else "memory")


async def panel_view(request: Request, group: Group) -> PanelView:
    session = request.session
    records = await meetings.records_of(session, group.id)
    participants = await active_participants(session, group.id)
    week = group.current_week
    phase: str | None = None
    if week <= WEEKS:
        guide, _ = default_library().guide(request.tr.lang, f"week-{week:02d}")
        phase = guide.phase or ""
    if group.status == GroupStatus.SELF_HELP:
        stage = Stage.SELF_HELP
    elif week > WEEKS:
        stage = Stage.FINISHED
    else:
        stage = Stage.WEEKS
    recent = [
        HeldWeek(record.id, record.week, record.held_on)
        for record in reversed(records[-RECENT_SHOWN:])
        if record.status == MeetingStatus.HELD
    ]
    self_help_since: date | None = None
    next_meeting: date | None = None
    preparation_done: int | None = None
    meet_time = group.meet_time
    if stage == Stage.SELF_HELP:
        self_help_since = group.self_help_since or meetings.local_today(group)
        next_meeting = meetings.next_self_help_meeting(group, clock.now()).date()
        meet_time = meetings.self_help_time(group)
    elif stage == Stage.WEEKS:
        next_meeting = meetings.next_meeting(group, clock.now()).date()
        if week == 1 and not group.prep_done:
            preparation_done = sum(preparation_ticks(group).values())
    return PanelView(
        group_id=group.id,
        title=group.self_help_name or group.name,
        week=week,
        phase=phase,
        stage=stage,
        self_help_since=self_help_since,
        next_meeting=next_meeting,
        meet_time=meet_time,
        roster_size=len(participants),
        preparation_done=preparation_done,
        recent=recent,
    )


async def attendance_view(
    request: Request, group: Group, record: MeetingRecord, absent: set[int] | None
) -> tuple[AttendanceView, set[int]]:
    """The attendance screen's data, and the absentees: `absent` as given, or when None as
    recorded (everyone present in a new record)."""
    participants = await active_participants(request.session, group.id)
    if absent is None:
        absent = set()
        if participants:
            recorded = await meetings.attendance_of(request.session, record.id)
            absent = {i for i, p in enumerate(participants) if recorded.get(p.id) is False}
    view = AttendanceView(
        group_id=group.id,
        record_id=record.id,
        week=record.week,
        held_on=record.held_on,
        version=record.version,
        roster_version=group.roster_version,
        saved_before=record.attendance_saved,
        codes=[p.code for p in participants],
    )
    return view, absent


async def record_view(request: Request, group: Group, record: MeetingRecord) -> RecordView:
    attendance = await meetings.attendance_of(request.session, record.id)
    reflection = await meetings.reflection_of(request.session, record.id)
    weeks_running = group.current_week <= WEEKS and group.status != GroupStatus.SELF_HELP
    return RecordView(
        group_id=group.id,
        record_id=record.id,
        week=record.week,
        held_on=record.held_on,
        present=sum(attendance.values()),
        total=len(attendance),
        reflection_version=None if reflection is None else reflection.version,
        draft=new_draft(record) if reflection is None else Draft.of(reflection),
        next_meeting=meetings.next_meeting(group, clock.now()).date() if weeks_running else None,
        meet_time=group.meet_time,
        corrections=correction_lines(
            request.tr,
            await corrections_of(request.session, group, record_id=record.id),
            viewer_id=request.me.id,
            facilitator=request.me.role == Role.FACILITATOR,
            timezone=group.timezone,
        ),
    )
