"""Button data of the coordinators' flow, and the typed step that waits for a reference number.

  co:v:<agreement>              view details (a new, protected message)
  co:k:<agreement>              acknowledge (on the alert); co:kd:<agreement> on the details
  co:d:<agreement>:<version>    record (or correct) the reference number of the signed paper
  co:nv:<agreement>             not an agreement (violence): the confirmation, in place
  co:ny:<agreement>             confirmed: refer it; co:nb:<agreement> back to the details
  co:rc / co:rx / co:rv         the attendance chart (PNG) / XLSX export / CSV exports
  co:ro                         the report again, in place (after a choice)
  co:rp, co:rq:<choice>         the periods; a period chosen (month, quarter, all)
  co:rt                         two dates to be typed for the period
  co:ra:<area>                  the areas under <area> (0: the person's own), to choose one
  co:rs:<area>                  reports about <area> (0: all of the person's area)
  co:rm:<0|1>                   the monthly files turned off or on
  co:g:<group> / co:gl          a group's view / the list of groups again
  co:gr:<member> / co:gy:<member>   replace a facilitator: the question / confirmed
  co:gd:<group> / co:gt:<group>:<weekday> / co:gm:<group>:<weekday>:<hhmm>
                                the self-help group's meeting day and time

Buttons carry ids only: every tap is authorised again against the person's scope.
"""

from __future__ import annotations

from dataclasses import dataclass

from conversations.runtime.callbacks import int_part, pack, unpack_sub

FLOW = "co"
VIEW = "v"
ACKNOWLEDGE = "k"
ACKNOWLEDGE_IN_DETAILS = "kd"
REFERENCE = "d"
REFER_ASK, REFER, REFER_BACK = "nv", "ny", "nb"
CHART = "rc"
XLSX = "rx"
CSV = "rv"
REPORT = "ro"
PERIODS = "rp"
PERIOD = "rq"
TYPE_DATES = "rt"
AREAS = "ra"
AREA = "rs"
MONTHLY = "rm"
GROUP = "g"
GROUPS = "gl"
REPLACE = "gr"
REPLACE_CONFIRMED = "gy"
MEETING_DAY = "gd"
MEETING_TIME = "gt"
MEETING_SAVED = "gm"
# The pending step while the bot waits for two typed dates (conversations/routes.py).
AWAITING_DATES = "coordinator.period"
# The pending step while the bot waits for the typed reference number (conversations/routes.py).
AWAITING_REFERENCE = "coordinator.reference"


def data(sub: str, *parts: object) -> str:
    return pack(FLOW, sub, *parts)


def parts(data: str, sub: str, count: int) -> list[str]:
    """The parts after `co:<sub>`; raises BadCallback when the shape is wrong."""
    return unpack_sub(data, FLOW, sub, count)


def tapped_agreement(data: str, sub: str) -> int:
    """The agreement id of `co:<sub>:<agreement>`."""
    (agreement_id,) = parts(data, sub, 1)
    return int_part(agreement_id)


@dataclass(frozen=True)
class PaperReference:
    """The agreement whose reference number is being typed, and the version the coordinator saw
    (a change made meanwhile by someone else is refused, not overwritten)."""

    agreement_id: int
    version: int

    @property
    def button(self) -> str:
        return data(REFERENCE, self.agreement_id, self.version)

    @property
    def ref(self) -> str:
        """As kept in the person's pending step (`state.ref`)."""
        return f"{self.agreement_id}:{self.version}"


def awaited_reference(ref: str | None) -> PaperReference:
    """The pending step's reference; raises BadCallback or ValueError when it is not one."""
    agreement_id, version = (int_part(p) for p in (ref or "").split(":"))
    return PaperReference(agreement_id, version)
