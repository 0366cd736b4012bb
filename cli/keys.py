"""`bot.py keys rotate`: every encrypted field under a new key, resumable if interrupted.

With ENCRYPTION_KEYS, the operator puts a new key first (`bot.py keygen`) and keeps the old ones
after it; with the SQLite default's key file, the command makes the new key itself and keeps the
old one in the file until every field is re-encrypted, so that an interrupted rotation resumes.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from cli.setup import database, missing_database, prepare
from models import crypto
from models.settings import Settings


def cmd_keys(settings: Settings, args: argparse.Namespace) -> int:
    if why := asyncio.run(missing_database(settings)):
        print(f"Not done. {why}", file=sys.stderr)
        return 1
    prepare(settings)
    key_file = not settings.encryption_keys
    if key_file:
        keys = crypto.read_key_file(settings.data_dir)
        if len(keys) == 1:
            # The new key first, the old one kept until the last field is re-encrypted.
            keys = [crypto.generate_key(), *keys]
            crypto.write_key_file(settings.data_dir, keys)
            print(f"A new key is first in {settings.data_dir / crypto.KEY_FILE}.")
        crypto.configure(keys)
    elif crypto.key_count() < 2:
        print(
            "Not done. Nothing to rotate to: put a new key (bot.py keygen) first in "
            "ENCRYPTION_KEYS, keep the old one after it, and run keys rotate again.",
            file=sys.stderr,
        )
        return 2
    from models.keyrotation import Rotated, rotate_all

    def show(counts: Rotated) -> None:
        print(f"  {counts.field:<32} {counts.checked:>8} checked {counts.rotated:>8} re-encrypted")

    async def rotate() -> list[Rotated]:
        db = database(settings)
        try:
            return await rotate_all(db, progress=show)
        finally:
            await db.dispose()

    print("Re-encrypting with the first key (an interrupted run is resumed by running it again):")
    done = asyncio.run(rotate())
    total = sum(counts.rotated for counts in done)
    if key_file:
        crypto.write_key_file(settings.data_dir, crypto.read_key_file(settings.data_dir)[:1])
        ending = f"The old key is gone from {settings.data_dir / crypto.KEY_FILE}."
    else:
        ending = "Remove the old keys from ENCRYPTION_KEYS and restart the bot."
    print(
        f"Done: {total} field(s) re-encrypted; every encrypted field is under the first key. "
        f"{ending} Backups made before now hold the old key in their keys file: keep them "
        "apart, or destroy them."
    )
    return 0
