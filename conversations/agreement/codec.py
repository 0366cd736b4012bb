"""The agreement flow's button data and pending steps, packed and parsed in one place.

Buttons carry ids and choices only, never state the database does not hold: a group id before a
draft exists, then the draft's random key (so that buttons of an earlier draft are refused), and
for toggled choices a bit mask over the options (bit i: option i is chosen). Every tap is parsed
here and then authorised like any other request (access.py).

  ag:g:<group>                    start for a group: what is it about?
  ag:k:<group>:<kind>             the kind chosen: a new draft, then the parties
  ag:v:<group> / ag:vn:<group>    violence: referral guidance / why never an agreement
  ag:vr:<group>                   tell the coordinator a referral is needed
  ag:p:<draft>:<mask>             toggle parties (mask over the active roster, by id)
  ag:pn:<draft>:<mask>            parties chosen
  ag:o|on:<draft>:<mask>          outside parties by role / chosen
  ag:t|tn:<draft>:<mask>          witnesses by role / chosen
  ag:d:<draft>:<yyyymmdd>         date reached; ag:dt:<draft> to type it
  ag:wr:<draft>:<0|1>             a signed paper exists or not
  ag:rs:<draft>                   write the summary again
  ag:vy|vo:<draft>                the summary's words may point to violence: yes (the draft
                                  ends, referral guidance) / no (it is the summary, to check)
  ag:s:<draft> / ag:x:<draft>     save / cancel (ag:x:0 before a draft exists)
  ag:f:<agreement>:<step>:<h|b|r> answer to a follow-up question

The two typed steps (the date, the summary) wait with the draft's key as the pending step's ref.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from conversations.runtime.callbacks import BadCallback, int_part, pack, unpack_sub
from models.agreements import FOLLOW_UPS, Answer, Kind

ACTION = "ag"
# Sub-actions: the second part of the data.
GROUP, KIND, VIOLENCE, WHY_NEVER, REFERRAL = "g", "k", "v", "vn", "vr"
PARTY, PARTIES_DONE = "p", "pn"
OUTSIDE, OUTSIDE_DONE, WITNESS, WITNESSES_DONE = "o", "on", "t", "tn"
DAY, TYPE_DAY, WRITTEN, REWRITE_SUMMARY = "d", "dt", "wr", "rs"
SAVE, CANCEL, FOLLOW_UP = "s", "x", "f"
VIOLENCE_YES, VIOLENCE_NO = "vy", "vo"
# The Cancel button shown before a draft exists.
NO_DRAFT = "0"

# What typed text the bot waits for; the pending step's ref is the draft's key.
DATE_STEP = "agreement.date"
SUMMARY_STEP = "agreement.summary"

ANSWER_CODES = {"h": Answer.HOLDS, "b": Answer.BROKEN, "r": Answer.RENEGOTIATED}
_CODE_OF_ANSWER = {answer: code for code, answer in ANSWER_CODES.items()}
_KINDS = frozenset(k.value for k in Kind)


def _parts(data: str | None, sub: str, count: int) -> list[str]:
    return unpack_sub(data, ACTION, sub, count)


# --- a group, before a draft exists ------------------------------------------------------------


def group_data(sub: str, group_id: int) -> str:
    return pack(ACTION, sub, group_id)


def parse_group(data: str | None, sub: str) -> int:
    (group_id,) = _parts(data, sub, 1)
    return int_part(group_id)


def kind_data(group_id: int, kind: Kind) -> str:
    return pack(ACTION, KIND, group_id, kind.value)


def parse_kind(data: str | None) -> tuple[int, Kind]:
    group_id, kind = _parts(data, KIND, 2)
    if kind not in _KINDS:
        raise BadCallback(kind)
    return int_part(group_id), Kind(kind)


# --- a draft, and what its buttons choose --------------------------------------------------------


@dataclass(frozen=True)
class Toggles:
    """A draft's key and the options chosen so far, as a bit mask."""

    key: str
    mask: int


def draft_data(sub: str, key: str) -> str:
    return pack(ACTION, sub, key)


def parse_draft(data: str | None, sub: str) -> str:
    (key,) = _parts(data, sub, 1)
    return key


def toggles_data(sub: str, key: str, mask: int) -> str:
    return pack(ACTION, sub, key, mask)


def parse_toggles(data: str | None, sub: str, options: int | None = None) -> Toggles:
    """`options`: how many there are, when known without the database (roles, not the roster)."""
    key, raw = _parts(data, sub, 2)
    mask = int_part(raw)
    if options is not None and mask >= 1 << options:
        raise BadCallback(raw)
    return Toggles(key, mask)


def day_data(key: str, day: date) -> str:
    return pack(ACTION, DAY, key, day.strftime("%Y%m%d"))


def parse_day(data: str | None) -> tuple[str, date]:
    key, raw = _parts(data, DAY, 2)
    if len(raw) != 8 or not raw.isdigit():
        raise BadCallback(raw)
    try:
        return key, date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
    except ValueError:
        raise BadCallback(raw) from None


def written_data(key: str, written: bool) -> str:
    return pack(ACTION, WRITTEN, key, int(written))


def parse_written(data: str | None) -> tuple[str, bool]:
    key, value = _parts(data, WRITTEN, 2)
    if value not in ("0", "1"):
        raise BadCallback(value)
    return key, value == "1"


# --- a follow-up answer --------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpAnswer:
    agreement_id: int
    step: str
    answer: Answer


def answer_data(agreement_id: int, step: str, answer: Answer) -> str:
    return pack(ACTION, FOLLOW_UP, agreement_id, step, _CODE_OF_ANSWER[answer])


def parse_answer(data: str | None) -> FollowUpAnswer:
    agreement_id, step, code = _parts(data, FOLLOW_UP, 3)
    if step not in FOLLOW_UPS or code not in ANSWER_CODES:
        raise BadCallback(data)
    return FollowUpAnswer(int_part(agreement_id), step, ANSWER_CODES[code])
