"""The one clock of the application. Tests set it; nothing else calls datetime.now().

It also scales the bot's own waits (retry backoffs, pacing, restart delays) by TIME_SCALE, so
that tests can compress hours of outage into seconds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self) -> None:
        self._fixed: datetime | None = None
        self._offset = timedelta(0)
        self.time_scale = 1.0

    def now(self) -> datetime:
        if self._fixed is not None:
            return self._fixed
        return datetime.now(UTC) + self._offset

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("clock needs an aware datetime")
        self._fixed = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        if self._fixed is not None:
            self._fixed += delta
        else:
            self._offset += delta

    def wait(self, delta: timedelta) -> timedelta:
        """A wait of the bot's own, e.g. a retry backoff, under TIME_SCALE."""
        return delta * self.time_scale

    def reset(self) -> None:
        self._fixed = None
        self._offset = timedelta(0)
        self.time_scale = 1.0


clock = Clock()
