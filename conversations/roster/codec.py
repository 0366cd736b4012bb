"""What the roster's buttons and pending steps carry: ids, and which change a button makes.

Callback data:
  ro:<g>             the roster of group g
  ra:<g>             ask for codes to add
  rl:<g>             the participants who left
  rp:<g>:<p>         one participant: consent, details, rename, mark as left
  rx:<g>:<p>:<op>    f / m (gender), rt / rs (returnee / resident), rn (rename),
                     lq (ask to mark as left), ly (mark as left),
                     cg (consent given today), cq (ask to record a withdrawal),
                     cw (consent withdrawn: the code is removed)

Pending steps (the text the bot waits for): ADD with the group's id, RENAME with
"<group>:<participant>".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from conversations.runtime.callbacks import BadCallback, int_part, pack
from conversations.runtime.state import UserData
from models.roster import Gender, Origin

ADD = "roster.add"
RENAME = "roster.rename"

DETAIL_OPS: dict[str, Gender | Origin] = {
    "f": Gender.FEMALE,
    "m": Gender.MALE,
    "rt": Origin.RETURNEE,
    "rs": Origin.RESIDENT,
}
ASK_RENAME, ASK_LEFT, MARK_LEFT = "rn", "lq", "ly"
CONSENT_GIVEN, ASK_WITHDRAWN, CONSENT_WITHDRAWN = "cg", "cq", "cw"
OTHER_OPS = (ASK_RENAME, ASK_LEFT, MARK_LEFT, CONSENT_GIVEN, ASK_WITHDRAWN, CONSENT_WITHDRAWN)


@dataclass(frozen=True)
class ParticipantRef:
    group_id: int
    participant_id: int


def ids(parts: Sequence[str]) -> list[int]:
    return [int_part(part) for part in parts]


def detail_op(value: Gender | Origin) -> str:
    return next(op for op, known in DETAIL_OPS.items() if known == value)


def action(group_id: int, participant_id: int, op: str) -> str:
    return pack("rx", group_id, participant_id, op)


def parse_op(op: str) -> str:
    if op not in DETAIL_OPS and op not in OTHER_OPS:
        raise BadCallback(op)
    return op


def forget_typing(state: UserData) -> None:
    """A tap elsewhere in the roster abandons a half-typed answer."""
    if state.awaiting in (ADD, RENAME):
        state.clear()


def expect_codes(state: UserData, group_id: int) -> None:
    state.expect(ADD, group_id)


def expect_rename(state: UserData, ref: ParticipantRef) -> None:
    state.expect(RENAME, f"{ref.group_id}:{ref.participant_id}")


def _ref_ids(ref: str | None, count: int) -> list[int] | None:
    parts = (ref or "").split(":")
    if len(parts) != count or not all(p.isdigit() and len(p) <= 12 for p in parts):
        return None
    return [int(p) for p in parts]


def codes_for(state: UserData) -> int | None:
    """The group whose codes are being typed; None when the pending step is not readable."""
    found = _ref_ids(state.ref, 1)
    return found[0] if found else None


def renaming(state: UserData) -> ParticipantRef | None:
    found = _ref_ids(state.ref, 2)
    return ParticipantRef(found[0], found[1]) if found else None
