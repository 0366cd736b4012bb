"""`bot.py keys rotate`: every encrypted field re-encrypted with the first (newest) key.

The fields are every column of type EncryptedText, found in the models, and the columns that
hold a Fernet token written by hand (TOKEN_COLUMNS). Rows are taken a batch at a time, each
batch committed on its own, and a value already under the first key is left as it is: an
interrupted rotation is resumed by running it again, and a finished one changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, Text, literal, select, type_coerce, update

from models import crypto
from models.base import Base
from models.db import Database
from models.service import ProcessedUpdate, UserDataRow

BATCH = 500
# Columns of plain type that hold a Fernet token (encrypted before they are written).
TOKEN_COLUMNS: tuple[Any, ...] = (ProcessedUpdate.__table__.c.reply, UserDataRow.__table__.c.data)


@dataclass
class Rotated:
    field: str
    checked: int = 0
    rotated: int = 0


def encrypted_columns() -> Iterator[Column[str]]:
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, crypto.EncryptedText):
                yield column
    yield from TOKEN_COLUMNS


async def rotate_all(
    db: Database, *, batch: int = BATCH, progress: Callable[[Rotated], None] | None = None
) -> list[Rotated]:
    """Re-encrypts every field not yet under the first key; returns the counts per field."""
    done = []
    for column in encrypted_columns():
        counts = await _rotate_column(db, column, batch, progress)
        done.append(counts)
    return done


async def _rotate_column(
    db: Database,
    column: Column[str],
    batch: int,
    progress: Callable[[Rotated], None] | None,
) -> Rotated:
    table: Table = column.table  # type: ignore[assignment]
    (key,) = table.primary_key.columns
    raw = type_coerce(column, Text)  # the stored token, not the decrypted text
    counts = Rotated(f"{table.name}.{column.name}")
    after = None
    while True:
        query = select(key, raw).where(column.is_not(None)).order_by(key).limit(batch)
        if after is not None:
            query = query.where(key > after)
        async with db.write() as session:
            rows = (await session.execute(query)).all()
            for row_key, token in rows:
                counts.checked += 1
                if crypto.under_first_key(token):
                    continue
                await session.execute(
                    update(table)
                    .where(key == row_key)
                    .values({column.name: literal(crypto.rotate(token), Text)})
                )
                counts.rotated += 1
        if progress is not None:
            progress(counts)
        if len(rows) < batch:
            return counts
        after = rows[-1][0]
