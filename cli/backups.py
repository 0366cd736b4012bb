"""Backups on a schedule, for the compose service `backup` (the bot's image, its own container).

    python -m cli.backups run /backups --every 24h --keep 14
    python -m cli.backups now /backups --keep 14          (one more, at once)
    python -m cli.backups check /backups --within 26h     (its health check)

It writes database dumps only. The encryption keys stay in .env and in the operator's safe:
a copy of the dumps that leaks (a disk, an offsite copy) then holds no readable text.
"""

from __future__ import annotations

import argparse
import logging
import re
import signal
import sys
import time
from datetime import timedelta
from pathlib import Path
from types import FrameType

from models import backup, files
from models.clock import clock
from models.settings import Settings, SettingsError

log = logging.getLogger("backups")

UNITS = {"m": "minutes", "h": "hours", "d": "days"}
# A failed dump is tried again this soon, not a whole interval later.
RETRY = timedelta(hours=1)


def duration(text: str) -> timedelta:
    match = re.fullmatch(r"(\d+)([mhd])", text.strip())
    if not match or int(match.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 30m, 24h or 7d")
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


def next_due(directory: Path, every: timedelta) -> timedelta:
    """How long until the next dump: a restart does not add one, a long stop is caught up."""
    taken = backup.dumps(directory)
    if not taken:
        return timedelta(0)
    return max(timedelta(0), taken[0][0] + every - clock.now())


def run_once(settings: Settings, directory: Path, keep: int) -> Path:
    written = backup.dump(settings, directory)
    log.info("wrote %s (%d bytes)", written, written.stat().st_size)
    for old in backup.prune(directory, keep):
        log.info("removed %s (keeping the newest %d)", old, keep)
    return written


def run(settings: Settings, directory: Path, every: timedelta, keep: int) -> None:
    log.info("a dump every %s into %s, the newest %d kept", every, directory, keep)
    while True:
        wait = next_due(directory, every)
        if wait:
            log.info("next dump in %s", wait)
            time.sleep(wait.total_seconds())
        try:
            run_once(settings, directory, keep)
        except Exception:
            log.exception("the dump failed; trying again in %s", min(every, RETRY))
            time.sleep(min(every, RETRY).total_seconds())


def check(directory: Path, within: timedelta) -> int:
    taken = backup.dumps(directory)
    if not taken:
        print(f"unhealthy: no dump in {directory}")
        return 1
    age = clock.now() - taken[0][0]
    if age > within:
        print(f"unhealthy: the newest dump, {taken[0][1].name}, is {age} old")
        return 1
    print(f"healthy: {taken[0][1].name}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m cli.backups", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="action", required=True)
    r = sub.add_parser("run", help="dump the database now and then on schedule, pruning old dumps")
    r.add_argument("directory", type=Path)
    r.add_argument("--every", type=duration, default=timedelta(hours=24), help="e.g. 24h")
    r.add_argument("--keep", type=int, default=14, help="how many dumps to keep (at least 1)")
    n = sub.add_parser("now", help="dump the database once, now, and prune old dumps")
    n.add_argument("directory", type=Path)
    n.add_argument("--keep", type=int, default=14, help="how many dumps to keep (at least 1)")
    c = sub.add_parser("check", help="exit 0 when the newest dump is recent enough")
    c.add_argument("directory", type=Path)
    c.add_argument("--within", type=duration, default=timedelta(hours=26), help="e.g. 26h")
    return p


def _stop(signum: int, frame: FrameType | None) -> None:
    # As a container's first process, SIGTERM would otherwise be ignored until Docker kills it.
    raise SystemExit(0)


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if args.action == "check":
        return check(args.directory, args.within)
    if args.keep < 1:
        print("--keep must be at least 1", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    files.owner_only_umask()
    signal.signal(signal.SIGTERM, _stop)
    if args.action == "now":
        run_once(settings, args.directory, args.keep)
    else:
        run(settings, args.directory, args.every, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
