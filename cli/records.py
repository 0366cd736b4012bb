"""Requests about records: forgetting a participant's code, reading the audit log."""

from __future__ import annotations

import argparse

from cli.setup import opened, run_async
from models.settings import Settings


@run_async
async def cmd_participant(settings: Settings, args: argparse.Namespace) -> int:
    from models import privacy

    async with opened(settings) as db, db.write() as session:
        participant = await privacy.forget_participant(
            session, group_id=args.group, code=args.code, actor_id=None
        )
    print(f"participant {participant.id}: code removed (now {participant.code}); figures kept")
    return 0


@run_async
async def cmd_audit(settings: Settings, args: argparse.Namespace) -> int:
    from models.audit import audit_page

    async with opened(settings, read_only=True) as db, db.read() as session:
        entries = await audit_page(session, limit=max(1, min(args.limit, 10_000)))
    for entry in entries:
        who = f"user {entry.actor_id}" if entry.actor_id else "system"
        record = f"{entry.record_type} {entry.record_id}" if entry.record_type else ""
        print(f"{entry.at:%Y-%m-%d %H:%M:%S}  {who:<12} {entry.action:<28} {record}")
    return 0
