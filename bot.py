#!/usr/bin/env python3
"""Sociotherapy companion bot: the operator's command line.

    python3 bot.py run              start the bot (sets itself up on first use)
    python3 bot.py test             run every test and check
    python3 bot.py --help           everything else (invites, users, areas, groups, backups, ...)

On a machine without the dependencies, the first command creates `.venv`, installs the project
into it and runs itself again from there. Configuration comes only from environment variables
(and an optional `.env` file); see the README.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"


def ensure_environment(extra: str) -> None:
    """Creates or refreshes `.venv` when pyproject.toml changed, then re-runs inside it."""
    if os.environ.get("BOT_SYSTEM_PYTHON") == "1":  # the Docker image installs system-wide
        return
    python = VENV / "bin" / "python"
    stamp = VENV / ".installed"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    installed = stamp.read_text().split() if stamp.exists() else []
    if not python.exists():
        print("Creating the virtual environment in .venv ...", flush=True)
        subprocess.check_call([sys.executable, "-m", "venv", str(VENV)])
    if not installed or installed[0] != digest or (extra == "test" and "test" not in installed):
        target = ".[test]" if extra == "test" or "test" in installed[1:] else "."
        print(f"Installing dependencies ({target}) ...", flush=True)
        subprocess.check_call(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-e",
                target,
            ],
            cwd=ROOT,
        )
        stamp.write_text(" ".join([digest, *(["test"] if "test" in target else [])]))
    if Path(sys.prefix).resolve() != VENV.resolve():
        os.execv(str(python), [str(python), str(ROOT / "bot.py"), *sys.argv[1:]])


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bot.py", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("run", help="start the bot: long polling, or a webhook when WEBHOOK_URL is set")
    t = sub.add_parser("test", help="run every test and check (SQLite, then TEST_DATABASE_URL)")
    t.add_argument("pytest_args", nargs=argparse.REMAINDER, help="passed to pytest")
    sub.add_parser(
        "health",
        help="exit 0 when the bot runs well: heartbeat fresh, Telegram takes the token and no "
        "other process polls, the outbox sends, the sweep runs; else exit 1 saying what is wrong",
    )
    status = sub.add_parser(
        "status", help="outbox backlog, unreachable users, last sweep, last update, problems"
    )
    status.add_argument("--json", action="store_true", help="one JSON object, for monitoring")

    db = sub.add_parser("db", help="database migrations").add_subparsers(
        dest="action", required=True
    )
    db.add_parser("upgrade", help="apply pending migrations")
    db.add_parser("current", help="print the applied and the latest migration")
    rev = db.add_parser("revision", help="(developers) generate a migration from the models")
    rev.add_argument("-m", "--message", required=True)

    inv = sub.add_parser("invite", help="create an invite (default), or list / revoke invites")
    inv.add_argument("action", nargs="?", choices=["create", "list", "revoke"], default="create")
    inv.add_argument("invite_id", nargs="?", type=int, help="with revoke: the invite's id")
    inv.add_argument("--role", choices=["admin", "coordinator", "facilitator", "trainee"])
    inv.add_argument("--group", type=int, help="facilitators: the group's id")
    inv.add_argument("--area", help="coordinators: area id or Province/Commune/Colline")
    inv.add_argument("--uses", type=int, default=1, help="how many people may use it (default 1)")
    inv.add_argument("--days", type=int, default=14, help="days until it expires (default 14)")
    inv.add_argument(
        "--label",
        help="whom it is for, e.g. 'Aline, Kabuye' (at most 60 characters): shown by invite "
        "list and user list, on this command line only, so people can be told apart",
    )

    usr = sub.add_parser("user", help="registered users").add_subparsers(
        dest="action", required=True
    )
    usr.add_parser(
        "list",
        help="every user: role, language, area, groups, the invite they redeemed (with its "
        "label) and the last day they used the bot",
    )
    r = usr.add_parser("revoke", help="end a user's access")
    r.add_argument("user_id", type=int)
    sr = usr.add_parser("set-role", help="change a user's role")
    sr.add_argument("user_id", type=int)
    sr.add_argument("role", choices=["admin", "coordinator", "facilitator", "trainee"])
    sr.add_argument("--area", help="area id or Province/Commune/Colline")
    ag = usr.add_parser("add-group", help="make a user a facilitator of a group")
    ag.add_argument("user_id", type=int)
    ag.add_argument("group_id", type=int)

    area = sub.add_parser("area", help="the area tree").add_subparsers(dest="action", required=True)
    aa = area.add_parser("add", help="add Province, Province/Commune or Province/Commune/Colline")
    aa.add_argument("path", help='e.g. "Gitega/Giheta/Kabuye"')
    area.add_parser("list", help="the tree")

    grp = sub.add_parser("group", help="sociotherapy groups").add_subparsers(
        dest="action", required=True
    )
    gc = grp.add_parser("create", help="create a group and two facilitator invites")
    gc.add_argument("--name", required=True, help="a neutral name, e.g. the place; no names")
    gc.add_argument("--area", required=True, help="the colline: id or Province/Commune/Colline")
    gc.add_argument(
        "--weekday",
        required=True,
        help='0-6 (0 = Monday) or a day name in Kirundi, French or English ("Ku wa gatatu")',
    )
    gc.add_argument("--time", required=True, help="meeting time, HH:MM")
    gc.add_argument("--start", required=True, help="first meeting, YYYY-MM-DD, on that weekday")
    grp.add_parser("list", help="every group with place, meeting time, status and roster size")

    part = sub.add_parser("participant", help="participants on request").add_subparsers(
        dest="action", required=True
    )
    pf = part.add_parser("forget", help="remove a participant's code; the group's figures stay")
    pf.add_argument("--group", type=int, required=True, help="the group's id")
    pf.add_argument("--code", required=True, help="the participant's code")

    rv = sub.add_parser(
        "reviewer", help="who may review guides and interface strings"
    ).add_subparsers(dest="action", required=True)
    rg = rv.add_parser("grant", help="let a registered user review a language")
    rg.add_argument("user_id", type=int)
    rg.add_argument("lang", help="rn, fr or en")
    rg.add_argument(
        "--name", required=True, help="the reviewer's name, as the programme knows them"
    )
    rr = rv.add_parser("revoke", help="end a user's review of a language")
    rr.add_argument("user_id", type=int)
    rr.add_argument("lang")
    rv.add_parser("list", help="every reviewer with their languages")

    rf = sub.add_parser("referrals", help="the services facilitators refer people to, per area")
    rfa = rf.add_subparsers(dest="action", required=True)
    rfa.add_parser("check", help="read content/referrals.yaml and say what is wrong or missing")
    rs = rfa.add_parser("show", help="what a facilitator in this area is shown")
    rs.add_argument("path", nargs="?", default="", help='an area, e.g. "Gitega/Giheta"')

    ex = sub.add_parser("export", help="the programme's files for the office (audited)")
    ex.add_argument("--area", help='an area, e.g. "Gitega/Giheta" (default: every area)')
    ex.add_argument(
        "--from", dest="start", type=_day, help="first day, YYYY-MM-DD (default: the start)"
    )
    ex.add_argument(
        "--to",
        dest="end",
        type=_day,
        help="last day, YYYY-MM-DD (default: today; dhis2: the last whole month)",
    )
    ex.add_argument("--format", choices=("xlsx", "csv", "dhis2"), default="xlsx")
    ex.add_argument("--mapping", type=Path, help="DHIS2 only: the filled-in mapping file")
    ex.add_argument("--lang", choices=("rn", "fr", "en"), default="fr", help="headers and labels")
    ex.add_argument("--out", type=Path, required=True, help="the folder to write into")

    au = sub.add_parser("audit", help="the audit log, newest first")
    au.add_argument("--limit", type=int, default=50)

    sub.add_parser("keygen", help="print a new encryption key for ENCRYPTION_KEYS")
    keys = sub.add_parser(
        "keys", help="rotate: re-encrypt every encrypted field with the first (newest) key"
    )
    keys.add_argument("action", choices=["rotate"])
    bk = sub.add_parser("backup", help="copy the database and the keys into a folder")
    bk.add_argument("directory", type=Path)

    content = sub.add_parser("content", help="session guides").add_subparsers(
        dest="action", required=True
    )
    content.add_parser("check", help="validate every guide in every language")
    cs = content.add_parser(
        "stamp", help="mark translations as up to date with the source text, after updating them"
    )
    cs.add_argument("lang", help="the translation's language: rn or fr")
    cs.add_argument("targets", nargs="*", help="guides or guide#screen (default: all)")
    cr = content.add_parser(
        "review", help="review coverage per language; --export writes the suggestions"
    )
    cr.add_argument("--lang", help="one language (default: all)")
    cr.add_argument("--export", type=Path, help="folder for suggestions and reviewed catalogs")
    ex = content.add_parser("export", help="write the handbook as a static HTML site")
    ex.add_argument("--out", type=Path, required=True)
    return p


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date as YYYY-MM-DD") from None


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    ensure_environment("test" if args.command == "test" else "run")

    from cli import operator  # imported only once the environment is ready

    return operator.dispatch(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
