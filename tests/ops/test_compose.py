"""compose.yaml as an IT person runs it: no example password, logs rotated, keys apart from
the dumps, backups on a schedule. `docker compose config` is not needed: the file is read as
YAML and its variables are interpolated here by compose's rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")
EXAMPLE_PASSWORDS = ("change-me", "changeme", "password", "postgres", "secret")


class Refused(Exception):
    pass


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}."""

    def value(match: re.Match[str]) -> str:
        name, operator, argument = match.group(1), match.group(2), match.group(3) or ""
        present = name in env
        empty = not env.get(name)
        if operator in (":?", "?") and (empty if operator == ":?" else not present):
            raise Refused(argument or f"{name} is required")
        if operator in (":-", "-") and (empty if operator == ":-" else not present):
            return argument
        return env.get(name, "")

    return VARIABLE.sub(value, text)


def compose(env: Mapping[str, str]) -> dict[str, Any]:
    loaded = yaml.safe_load(interpolate((ROOT / "compose.yaml").read_text(), env))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture
def services() -> dict[str, Any]:
    return compose({"POSTGRES_PASSWORD": "a-real-one"})["services"]


@pytest.mark.parametrize("env", [{}, {"POSTGRES_PASSWORD": ""}])
def test_compose_refuses_to_run_without_a_database_password(env: dict[str, str]) -> None:
    with pytest.raises(Refused, match="POSTGRES_PASSWORD"):
        compose(env)


def test_every_use_of_the_password_is_required_and_none_has_a_default() -> None:
    text = (ROOT / "compose.yaml").read_text()
    uses = [m for m in VARIABLE.finditer(text) if m.group(1) == "POSTGRES_PASSWORD"]
    assert len(uses) >= 2
    assert {m.group(2) for m in uses} == {":?"}
    for name in ("compose.yaml", ".env.example"):
        lowered = (ROOT / name).read_text().lower()
        assert not [word for word in EXAMPLE_PASSWORDS if f":-{word}" in lowered]
        assert "change-me" not in lowered


def test_the_password_reaches_the_server_and_both_clients(services: dict[str, Any]) -> None:
    assert services["db"]["environment"]["POSTGRES_PASSWORD"] == "a-real-one"
    for name in ("bot", "backup"):
        url = services[name]["environment"]["DATABASE_URL"]
        assert url == "postgresql://bot:a-real-one@db:5432/bot"


def test_every_service_rotates_its_logs(services: dict[str, Any]) -> None:
    for name, service in services.items():
        logging = service.get("logging", {})
        assert logging.get("driver") == "json-file", name
        assert re.fullmatch(r"\d+[km]", logging["options"]["max-size"]), name
        assert int(logging["options"]["max-file"]) >= 1, name


def test_services_restart_and_say_whether_they_are_healthy(services: dict[str, Any]) -> None:
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    # The bot's health check is the image's HEALTHCHECK (bot.py health).
    assert "healthcheck" not in services["bot"]
    assert "check" in services["backup"]["healthcheck"]["test"]
    for name, service in services.items():
        assert service["restart"] == "unless-stopped", name
    for name in ("bot", "backup"):
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"


def volumes(service: dict[str, Any]) -> dict[str, str]:
    return dict(volume.split(":")[:2] for volume in service.get("volumes", []))


def test_keys_never_lie_beside_the_dumps(services: dict[str, Any]) -> None:
    bot, backup = services["bot"], services["backup"]
    assert volumes(bot) == {"botdata": "/data"}
    assert volumes(backup) == {"backups": "/backups"}
    # The backup service sees neither .env (ENCRYPTION_KEYS) nor the bot's data (the key file).
    assert "env_file" not in backup
    assert set(backup["environment"]) == {"DATABASE_URL"}
    assert "/backups" not in volumes(bot).values()


def test_backups_run_on_a_schedule_with_retention(services: dict[str, Any]) -> None:
    backup = services["backup"]
    assert backup["image"] == services["bot"]["image"]
    command = backup["command"]
    assert command[:4] == ["python", "-m", "cli.backups", "run"]
    every = command[command.index("--every") + 1]
    keep = int(command[command.index("--keep") + 1])
    assert every == "24h" and keep >= 7
    within = backup["healthcheck"]["test"][backup["healthcheck"]["test"].index("--within") + 1]
    assert within.endswith("h") and int(within[:-1]) > 24
    assert set(compose({"POSTGRES_PASSWORD": "x"})["volumes"]) == {"pgdata", "botdata", "backups"}


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("${A}", {"A": "1"}, "1"),
        ("${A:-d}", {"A": ""}, "d"),
        ("${A-d}", {"A": ""}, ""),
        ("${A:?no}", {"A": "1"}, "1"),
    ],
)
def test_interpolation_follows_compose(text: str, env: dict[str, str], expected: str) -> None:
    assert interpolate(text, env) == expected
