"""Domain layer: SQLAlchemy models and the operations on them (never imports telegram)."""
