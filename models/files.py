"""The bot's files and folders are its owner's alone: the database holds people's stories.

New files are kept private by the umask; files from before (a deployment that ran with the usual
umask 022, or a copy restored by hand) are put right at start. Only the bot's own paths are
touched, never a tree walked.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

from models.crypto import KEY_FILE
from models.settings import Settings

log = logging.getLogger(__name__)

FILE_MODE = 0o600
FOLDER_MODE = 0o700
# Written by SQLite beside the database (WAL mode, and rollback journals during backups).
SQLITE_SIBLINGS = ("-wal", "-shm", "-journal")


def owner_only_umask() -> None:
    """Everything this process creates from now on is born owner-only.

    SQLite creates the database with 0644 less the umask and gives -wal, -shm and -journal the
    database's mode, so with 077 none of them is ever readable by others, not even for a moment.
    """
    os.umask(0o077)


def sqlite_path(settings: Settings) -> Path | None:
    if not settings.is_sqlite:
        return None
    database = make_url(settings.database_url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def make_owner_only(settings: Settings) -> list[Path]:
    """Removes group and other access from the bot's existing files and folders.

    Files become 0600 and folders 0700; a mode that already gives others nothing (say, a key
    the operator made 0400) is left as it is. Returns the paths that were changed.
    """
    files = [settings.data_dir / KEY_FILE]
    folders = [settings.data_dir]
    database = sqlite_path(settings)
    if database is not None:
        files += [database, *(Path(f"{database}{suffix}") for suffix in SQLITE_SIBLINGS)]
        folders.append(database.parent)
    changed = [path for path in files if _restrict(path, FILE_MODE, folder=False)]
    seen: set[Path] = set()
    for folder in folders:
        real = folder.resolve()
        if real not in seen and _restrict(folder, FOLDER_MODE, folder=True):
            changed.append(folder)
        seen.add(real)
    return changed


def _restrict(path: Path, mode: int, *, folder: bool) -> bool:
    try:
        info = path.stat()
    except FileNotFoundError:
        return False
    except OSError as error:
        log.warning("could not check %s: %s", path, error)
        return False
    kind_matches = stat.S_ISDIR(info.st_mode) if folder else stat.S_ISREG(info.st_mode)
    if not kind_matches or not info.st_mode & 0o077:
        return False
    if folder and (info.st_uid != os.geteuid() or info.st_mode & stat.S_ISVTX):
        # A shared folder (someone else's, or a sticky one like /tmp) also holds other
        # people's files: closing it is not the bot's decision. Its files are still closed.
        log.warning(
            "%s is open to others (%o) and not the bot's to close", path, stat.S_IMODE(info.st_mode)
        )
        return False
    try:
        os.chmod(path, mode)
    except OSError as error:
        log.warning("could not make %s owner-only: %s", path, error)
        return False
    log.info("%s was open to others (%o); now %o", path, stat.S_IMODE(info.st_mode), mode)
    return True


def create_folder(path: Path) -> None:
    """Creates the folder and any missing parents 0700; folders that exist are left alone."""
    missing: list[Path] = []
    while not path.is_dir():
        missing.append(path)
        if path.parent == path:
            break
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            # Made meanwhile by someone else, or a file in the way: mkdir's answer is the same.
            if not folder.is_dir():
                raise
            continue
        # mkdir's mode passes through the umask, which could take away the owner's own access.
        os.chmod(folder, FOLDER_MODE)


def create_file(path: Path) -> int:
    """Opens the file for writing, emptied and 0600, whatever umask the process has.

    Created 0600 rather than chmod-ed afterwards, so that no moment exists when it is readable
    by others; a file that was already there is emptied first and then closed to others.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd
