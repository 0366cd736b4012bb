"""Domain errors. Handlers turn them into translated answers; the message is a key, not text."""


class DomainError(Exception):
    """Base of every error a user can cause; `code` selects the translated answer."""

    code = "error"

    def __init__(self, code: str | None = None, **details: object) -> None:
        super().__init__(code or self.code)
        if code:
            self.code = code
        self.details = details


class NotAllowed(DomainError):
    code = "not_allowed"


class NotFound(DomainError):
    code = "not_found"


class InvalidInput(DomainError):
    code = "invalid_input"


class Conflict(DomainError):
    """Someone else changed the record first (optimistic concurrency)."""

    code = "conflict"
