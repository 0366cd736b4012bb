"""Imports every model so that Base.metadata is complete (Alembic and tests use it)."""

from models import areas, audit, groups, outbox, service, users  # noqa: F401
from models.base import Base

metadata = Base.metadata
