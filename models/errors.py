"""Domain errors. Handlers turn them into translated answers; the message is a key, not text.

Raise a literal code (`InvalidInput("date_future")`) and give it a sentence that says what the
person can do in conversations/vocabulary/errors.py: the domain knows no language, and
tests/domain/test_error_texts.py reads every code raised under models/ and fails on one without it.
"""


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
