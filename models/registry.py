"""Imports every model so that Base.metadata is complete (Alembic and tests use it)."""

from models import (  # noqa: F401
    areas,
    audit,
    groups,
    outbox,
    reminders,
    retention,
    roster,
    service,
    sessions,
    users,
)
from models.base import Base

metadata = Base.metadata
