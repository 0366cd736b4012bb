"""The migrations create exactly what the models describe (CI fails when they disagree)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from models.db import Database
from models.migrate import current_revision, head_revision
from models.registry import metadata


async def test_models_and_migrations_agree(db: Database) -> None:
    def diff(sync_conn: object) -> list[object]:
        context = MigrationContext.configure(sync_conn, opts={"compare_type": True})  # type: ignore[arg-type]
        return compare_metadata(context, metadata)

    async with db.write_engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == [], f"models differ from migrations: {differences}"


async def test_database_is_at_head(db: Database) -> None:
    assert await current_revision(db) == head_revision()
