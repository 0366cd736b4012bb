"""The settings object refuses bad values with a message naming the variable."""

import pytest

from models.settings import Settings, SettingsError, normalise_database_url


def parse(**env: str) -> Settings:
    return Settings.from_env(env)


def test_defaults_are_sqlite_kirundi_bujumbura() -> None:
    settings = parse()
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.database_url.endswith("data/bot.sqlite3")
    assert settings.default_language == "rn"
    assert settings.timezone == "Africa/Bujumbura"
    assert settings.api_base_url == "https://api.telegram.org/bot"
    assert settings.api_file_url == "https://api.telegram.org/file/bot"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h:5432/d", "postgresql+asyncpg://u:p@h:5432/d"),
        ("postgresql://u@h/d", "postgresql+asyncpg://u@h/d"),
        ("sqlite:////tmp/x.db", "sqlite+aiosqlite:////tmp/x.db"),
        ("postgresql+asyncpg://u@h/d", "postgresql+asyncpg://u@h/d"),
    ],
)
def test_hosting_provider_urls_map_to_async_drivers(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_local_bot_api_server_derives_the_file_url() -> None:
    settings = parse(TELEGRAM_API_BASE_URL="http://127.0.0.1:8081/bot/")
    assert settings.api_base_url == "http://127.0.0.1:8081/bot"
    assert settings.api_file_url == "http://127.0.0.1:8081/file/bot"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DEFAULT_LANGUAGE": "de"}, "DEFAULT_LANGUAGE"),
        ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"TELEGRAM_BOT_TOKEN": "not a token"}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_API_BASE_URL": "ftp://x/bot"}, "TELEGRAM_API_BASE_URL"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"WEBHOOK_URL": "https://example.org"}, "WEBHOOK_SECRET"),
        ({"WEBHOOK_URL": "http://example.org", "WEBHOOK_SECRET": "x" * 20}, "WEBHOOK_URL"),
        ({"PORT": "eighty"}, "PORT"),
    ],
)
def test_bad_values_are_refused_naming_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        parse(**env)


def test_missing_token_explains_botfather() -> None:
    with pytest.raises(SettingsError, match="BotFather"):
        parse().require_token()
