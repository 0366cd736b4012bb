"""The settings object refuses bad values with a message naming the variable."""

import re

import pytest

from models.settings import (
    DEFAULTS,
    PROJECT_DIR,
    Settings,
    SettingsError,
    normalise_database_url,
)


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


def _readme_configuration() -> dict[str, str]:
    """The README's configuration table: each variable and the default written beside it."""
    readme = (PROJECT_DIR / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    found: dict[str, str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        names = re.findall(r"`([A-Z_]+)`", cells[0])
        values = [v.strip().strip("`") for v in cells[1].split(",")]
        if len(values) != len(names):
            values = [cells[1]] * len(names)
        found.update(zip(names, values, strict=True))
    return found


def test_readme_documents_every_variable_with_its_default() -> None:
    documented = _readme_configuration()
    source = (PROJECT_DIR / "models" / "settings.py").read_text()
    read = set(re.findall(r'(?:env\.get|_value|_number)\(\s*(?:env,\s*)?"([A-Z_]+)"', source))
    assert read, "the variables settings reads were found"
    assert sorted(read - documented.keys()) == [], "variables the README does not name"
    assert sorted(documented.keys() - read) == [], "variables the README names but nothing reads"
    wrong = {n: (documented[n], d) for n, d in DEFAULTS.items() if documented[n] != d}
    assert wrong == {}, "README default differs from models/settings.py DEFAULTS"
