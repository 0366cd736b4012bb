"""The operator's commands behind `python bot.py ...`: each parses, calls the domain, prints.

The commands live by topic beside this module; this one sets up logging and file modes and
hands each command its settings."""

from __future__ import annotations

import argparse
import sys

from cli import content, exporting, keys, logs, people, places, records, service
from cli.setup import Command, prepare
from models import files
from models.settings import Settings, SettingsError

__all__ = ["COMMANDS", "dispatch", "prepare"]

COMMANDS: dict[str, Command] = {
    "run": service.cmd_run,
    "test": service.cmd_test,
    "health": service.cmd_health,
    "status": service.cmd_status,
    "db": service.cmd_db,
    "invite": people.cmd_invite,
    "user": people.cmd_user,
    "area": places.cmd_area,
    "group": places.cmd_group,
    "backup": service.cmd_backup,
    "content": content.cmd_content,
    "reviewer": content.cmd_reviewer,
    "referrals": content.cmd_referrals,
    "keygen": service.cmd_keygen,
    "keys": keys.cmd_keys,
    "audit": records.cmd_audit,
    "export": exporting.cmd_export,
    "participant": records.cmd_participant,
}


def dispatch(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level, settings.log_format)
    # Whatever the command, what it creates (a database, a backup) is its owner's only.
    files.owner_only_umask()
    command = COMMANDS[args.command]
    try:
        return command(settings, args)
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
