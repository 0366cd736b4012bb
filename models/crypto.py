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


class KeysMissing(RuntimeError):
    pass


def configure(keys: tuple[str, ...] | list[str]) -> None:
    global _keyring
    if not keys:
        raise KeysMissing("no encryption keys")
    try:
        _keyring = MultiFernet([Fernet(k.encode()) for k in keys])
    except ValueError:
        raise KeysMissing("ENCRYPTION_KEYS holds a value that is not a Fernet key") from None


def generate_key() -> str:
    return Fernet.generate_key().decode()


def load_or_create_key_file(data_dir: Path) -> tuple[str, bool]:
    """The SQLite default: a key kept beside the database, readable by its owner only."""
    path = data_dir / KEY_FILE
    if path.exists():
        return path.read_text().strip(), False
    data_dir.mkdir(parents=True, exist_ok=True)
    key = generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key, True


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
