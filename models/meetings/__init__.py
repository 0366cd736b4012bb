"""The weekly record: whether the meeting was held (and when), attendance, and a reflection.

Records carry the date the meeting happened, not the date the message arrived: phones are often
off for days. A record can be corrected for 7 days; every correction keeps the previous version
in the history, and a correction made on an outdated version is refused (optimistic concurrency)
so two facilitators cannot silently overwrite each other.

  dates         a group's local today and its meeting times
  records       held / not held, the correction window and the history of corrections
  attendance    who came, and the visit prompts for members absent twice in a row
  reflections   the reflection after a held meeting
  self_help     the self-help group after week 15: its meetings and its monthly check-in
  corrections   what corrections changed, by whom (as a role) and when
  facilitators  who leads a group now
"""

from models.meetings.attendance import Attendance, attendance_of, save_attendance
from models.meetings.dates import last_meeting, local_today, meeting_at, next_meeting
from models.meetings.facilitators import IN_CHUNK, chunks, facilitator_ids, facilitators_by_group
from models.meetings.records import (
    CORRECTION_DAYS,
    LATE_ENTRY_DAYS,
    AlreadyHeld,
    MeetingRecord,
    MeetingStatus,
    Reason,
    RecordHistory,
    get_record,
    record_by_id,
    record_for_week,
    record_held,
    record_not_held,
    records_of,
)
from models.meetings.reflections import (
    FOLLOW_UP_MAX,
    NOTE_MAX,
    PHASES,
    REFERRALS,
    TOPICS,
    Reflection,
    ReflectionDraft,
    reflection_of,
    save_reflection,
)
from models.meetings.self_help import (
    CheckinAnswer,
    SelfHelpCheckin,
    answer_checkin,
    next_self_help_meeting,
    self_help_time,
    self_help_weekday,
    set_self_help_meeting,
    start_self_help,
)

__all__ = [
    "CORRECTION_DAYS",
    "FOLLOW_UP_MAX",
    "IN_CHUNK",
    "LATE_ENTRY_DAYS",
    "NOTE_MAX",
    "PHASES",
    "REFERRALS",
    "TOPICS",
    "AlreadyHeld",
    "Attendance",
    "CheckinAnswer",
    "MeetingRecord",
    "MeetingStatus",
    "Reason",
    "RecordHistory",
    "Reflection",
    "ReflectionDraft",
    "SelfHelpCheckin",
    "answer_checkin",
    "attendance_of",
    "chunks",
    "facilitator_ids",
    "facilitators_by_group",
    "get_record",
    "last_meeting",
    "local_today",
    "meeting_at",
    "next_meeting",
    "next_self_help_meeting",
    "record_by_id",
    "record_for_week",
    "record_held",
    "record_not_held",
    "records_of",
    "reflection_of",
    "save_attendance",
    "save_reflection",
    "self_help_time",
    "self_help_weekday",
    "set_self_help_meeting",
    "start_self_help",
]
