"""Free text encrypted at rest (Fernet, several keys for rotation: the first one encrypts).

Losing every key loses the text encrypted with it; that is the point, and the README says so.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text, TypeDecorator
from sqlalchemy.engine import Dialect

KEY_FILE = "encryption.key"
_keyring: MultiFernet | None = None
_keys: list[Fernet] = []  # the same keys one by one, newest first


class KeysMissing(RuntimeError):
    pass


def configure(keys: tuple[str, ...] | list[str]) -> None:
    global _keyring, _keys
    if not keys:
        raise KeysMissing("no encryption keys")
    try:
        _keys = [Fernet(k.encode()) for k in keys]
        _keyring = MultiFernet(_keys)
    except ValueError:
        raise KeysMissing("ENCRYPTION_KEYS holds a value that is not a Fernet key") from None


def generate_key() -> str:
    return Fernet.generate_key().decode()


def read_key_file(data_dir: Path) -> list[str]:
    """The keys of the SQLite default's key file, newest first (one a line)."""
    path = data_dir / KEY_FILE
    if not path.exists():
        return []
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def write_key_file(data_dir: Path, keys: list[str]) -> None:
    """Replaces the key file at once (a crash leaves the old file or the new, never half)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / KEY_FILE
    temporary = path.with_suffix(".new")
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("".join(key + "\n" for key in keys))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def load_or_create_key_file(data_dir: Path) -> tuple[list[str], bool]:
    """The SQLite default: keys kept beside the database, readable by their owner only."""
    keys = read_key_file(data_dir)
    if keys:
        return keys, False
    data_dir.mkdir(parents=True, exist_ok=True)
    key = generate_key()
    fd = os.open(data_dir / KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return [key], True


def encrypt(text: str) -> str:
    if _keyring is None:
        raise KeysMissing("encryption is not configured")
    return _keyring.encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    if _keyring is None:
        raise KeysMissing("encryption is not configured")
    try:
        return _keyring.decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise KeysMissing("no configured key decrypts this value") from None


def under_first_key(token: str) -> bool:
    """Whether the first (newest) key reads this token: a rotation leaves it as it is."""
    if not _keys:
        raise KeysMissing("encryption is not configured")
    try:
        _keys[0].decrypt(token.encode("ascii"))
    except InvalidToken:
        return False
    return True


def key_count() -> int:
    return len(_keys)


def rotate(token: str) -> str:
    """Re-encrypts a value with the first (newest) key."""
    if _keyring is None:
        raise KeysMissing("encryption is not configured")
    return _keyring.rotate(token.encode("ascii")).decode("ascii")


class EncryptedText(TypeDecorator[str]):
    """A text column whose stored value is a Fernet token; Python code sees plain text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else decrypt(value)
