"""The period a report covers: this month, last quarter, since the start, or two dates typed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from models.errors import InvalidInput

KINDS = ("month", "quarter", "all", "dates")


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both days included."""

    start: date
    end: date
    kind: str = "dates"

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput("period_order")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @classmethod
    def this_month(cls, today: date) -> Period:
        return cls(today.replace(day=1), today, "month")

    @classmethod
    def last_quarter(cls, today: date) -> Period:
        """The last whole calendar quarter before today's."""
        first_of_this = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        end = first_of_this - timedelta(days=1)
        return cls(date(end.year, end.month - 2, 1), end, "quarter")

    @classmethod
    def since(cls, start: date, today: date) -> Period:
        return cls(min(start, today), today, "all")
