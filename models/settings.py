"""One validated settings object, read only from environment variables (and an optional .env)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from locales import LANGUAGES

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("text", "json")
TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]{5,}$")
PROJECT_DIR = Path(__file__).resolve().parent.parent

BOTFATHER_HELP = (
    "TELEGRAM_BOT_TOKEN is not set. Open Telegram, talk to @BotFather, send /newbot, "
    "follow the questions and copy the token it gives you (it looks like 123456:ABC-DEF...). "
    "Then set it: export TELEGRAM_BOT_TOKEN=... or put TELEGRAM_BOT_TOKEN=... in a .env file."
)


# Every variable with a default, and that default as it would be written in the environment:
# the one place they are set (the README's configuration table is checked against it).
DEFAULTS: dict[str, str] = {
    "DATA_DIR": "./data",
    "TELEGRAM_API_BASE_URL": "https://api.telegram.org/bot",
    "DEFAULT_LANGUAGE": "rn",
    "TIMEZONE": "Africa/Bujumbura",
    "WEBHOOK_LISTEN": "0.0.0.0",
    "PORT": "8443",
    "LOG_LEVEL": "INFO",
    "LOG_FORMAT": "text",
    "SWEEP_SECONDS": "30",
    "OUTBOX_SECONDS": "2",
    "PERSISTENCE_FLUSH_SECONDS": "1",
    "RETENTION_MONTHS": "24",
    "USER_UPDATES_PER_MINUTE": "60",
    "TIME_SCALE": "1",
    "SQLITE_BUSY_SECONDS": "15",
}


class SettingsError(ValueError):
    """A configuration value is missing or wrong; the message names the variable."""


def normalise_database_url(url: str) -> str:
    """Accept the URLs hosting providers give and map them to the async drivers."""
    for prefix in (
        "postgres://",
        "postgresql://",
        "postgresql+psycopg2://",
        "postgresql+psycopg://",
    ):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite:///") or url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    if url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
        return url
    raise SettingsError(
        "DATABASE_URL must start with sqlite:///, postgres:// or postgresql:// "
        f"(got {url.split(':', 1)[0]}://...)"
    )


@dataclass(frozen=True)
class Settings:
    token: str | None
    database_url: str
    data_dir: Path
    api_base_url: str
    api_file_url: str
    default_language: str
    timezone: str
    log_level: str
    log_format: str
    webhook_url: str | None = None
    webhook_listen: str = DEFAULTS["WEBHOOK_LISTEN"]
    webhook_port: int = int(DEFAULTS["PORT"])
    webhook_secret: str | None = None
    bot_username: str | None = None
    encryption_keys: tuple[str, ...] = field(default_factory=tuple)
    sweep_seconds: float = float(DEFAULTS["SWEEP_SECONDS"])
    outbox_seconds: float = float(DEFAULTS["OUTBOX_SECONDS"])
    persistence_flush_seconds: float = float(DEFAULTS["PERSISTENCE_FLUSH_SECONDS"])
    retention_months: int = int(DEFAULTS["RETENTION_MONTHS"])
    # Updates one person may send per minute before the bot drops the rest (a stuck phone, abuse).
    user_updates_per_minute: int = int(DEFAULTS["USER_UPDATES_PER_MINUTE"])
    # A PostgreSQL schema of its own (tests give each worker one); None: the default search path.
    database_schema: str | None = None
    # Multiplies the bot's own waits (outbox backoff and 429 waits, pacing, restart delays):
    # 1 in production; tests compress hours of outage into seconds with a small value.
    time_scale: float = float(DEFAULTS["TIME_SCALE"])
    # SQLite: how long a write waits for another writer's lock before the user is told to retry.
    sqlite_busy_seconds: float = float(DEFAULTS["SQLITE_BUSY_SECONDS"])

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def require_token(self) -> str:
        if not self.token:
            raise SettingsError(BOTFATHER_HELP)
        return self.token

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, load_dotenv: bool = True) -> Settings:
        if env is None:
            if load_dotenv:
                from dotenv import load_dotenv as _load

                _load(PROJECT_DIR / ".env", override=False)
            env = os.environ
        return _parse(env)


def _value(env: Mapping[str, str], name: str) -> str:
    return env.get(name) or DEFAULTS[name]


def _number(env: Mapping[str, str], name: str, minimum: float) -> float:
    raw = _value(env, name)
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number (got {raw!r})") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum} (got {raw!r})")
    return value


def _parse(env: Mapping[str, str]) -> Settings:
    token = env.get("TELEGRAM_BOT_TOKEN") or None
    if token is not None and not TOKEN_RE.match(token):
        raise SettingsError("TELEGRAM_BOT_TOKEN does not look like a token from @BotFather")

    data_dir = Path(env.get("DATA_DIR") or PROJECT_DIR / DEFAULTS["DATA_DIR"])
    raw_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'bot.sqlite3'}"
    database_url = normalise_database_url(raw_url)

    api = _value(env, "TELEGRAM_API_BASE_URL").rstrip("/")
    if not api.startswith(("http://", "https://")):
        raise SettingsError("TELEGRAM_API_BASE_URL must be an http(s) URL ending in /bot")
    if not api.endswith("/bot"):
        raise SettingsError(
            "TELEGRAM_API_BASE_URL must end in /bot, e.g. http://127.0.0.1:8081/bot"
        )
    file_url = api[: -len("/bot")] + "/file/bot"

    language = _value(env, "DEFAULT_LANGUAGE")
    if language not in LANGUAGES:
        raise SettingsError(
            f"DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)} (got {language!r})"
        )

    timezone = _value(env, "TIMEZONE")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"TIMEZONE is not a known time zone (got {timezone!r})") from None

    log_level = _value(env, "LOG_LEVEL").upper()
    if log_level not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
    log_format = _value(env, "LOG_FORMAT").lower()
    if log_format not in LOG_FORMATS:
        raise SettingsError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")

    webhook_url = env.get("WEBHOOK_URL") or None
    webhook_secret = env.get("WEBHOOK_SECRET") or None
    if webhook_url:
        if not webhook_url.startswith("https://"):
            raise SettingsError("WEBHOOK_URL must be an https:// URL (Telegram only calls https)")
        if not webhook_secret or not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", webhook_secret):
            raise SettingsError(
                "WEBHOOK_SECRET must be set with WEBHOOK_URL: 16-256 characters of A-Z a-z 0-9 _ -"
            )
    port = int(_number(env, "PORT", 1))

    keys = tuple(k.strip() for k in (env.get("ENCRYPTION_KEYS") or "").split(",") if k.strip())
    retention = int(_number(env, "RETENTION_MONTHS", 1))

    return Settings(
        token=token,
        database_url=database_url,
        data_dir=data_dir,
        api_base_url=api,
        api_file_url=file_url,
        default_language=language,
        timezone=timezone,
        log_level=log_level,
        log_format=log_format,
        webhook_url=webhook_url,
        webhook_listen=_value(env, "WEBHOOK_LISTEN"),
        webhook_port=port,
        webhook_secret=webhook_secret,
        bot_username=(env.get("BOT_USERNAME") or "").lstrip("@") or None,
        encryption_keys=keys,
        sweep_seconds=_number(env, "SWEEP_SECONDS", 0.05),
        outbox_seconds=_number(env, "OUTBOX_SECONDS", 0.05),
        persistence_flush_seconds=_number(env, "PERSISTENCE_FLUSH_SECONDS", 0.05),
        retention_months=retention,
        user_updates_per_minute=int(_number(env, "USER_UPDATES_PER_MINUTE", 5)),
        database_schema=env.get("DATABASE_SCHEMA") or None,
        time_scale=_number(env, "TIME_SCALE", 0.0001),
        sqlite_busy_seconds=_number(env, "SQLITE_BUSY_SECONDS", 0.1),
    )
