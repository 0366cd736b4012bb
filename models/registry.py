"""Imports every model so that Base.metadata is complete (Alembic and tests use it)."""

from models import (  # noqa: F401
    agreements,
    areas,
    audit,
    groups,
    inbox,
    meetings,
    outbox,
    privacy,
    reminders,
    reports,
    retention,
    reviews,
    roster,
    service,
    users,
)
from models.base import Base

metadata = Base.metadata
