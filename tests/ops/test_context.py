"""The build context: the sources go to Docker, the checkout's secrets and clutter do not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.ops.context import build_context, ignored, read_patterns

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("cli", "content", "conversations", "exports", "locales", "models")

# What a working checkout holds beside the sources: none of it may reach an image.
CLUTTER = [
    ".env",
    ".env.local",
    ".venv/bin/python",
    ".venv/lib/python3.11/site-packages/telegram/__init__.py",
    ".git/config",
    "data/bot.sqlite3",
    "data/bot.sqlite3-wal",
    "data/encryption.key",
    "backups/bot-20261207-020000.pgdump",
    "keys-20261207-020000.txt",
    "bot-20261207-020000.sqlite3",
    "models/__pycache__/db.cpython-311.pyc",
    "locales/fr/LC_MESSAGES/messages.mo",
    "sociotherapy_bot.egg-info/PKG-INFO",
    ".pytest_cache/README.md",
    ".mypy_cache/3.11/cache.db",
    ".ruff_cache/0.6/cache",
    ".hypothesis/examples/x",
    "tests/flows/test_session.py",
    "benchmarks/results.json",
    "exports/out/programme.xlsx",
    "exports/out/meetings_2026-11-01_2026-11-30.csv",
    "exports/out/dhis2_2026-11-01_2026-11-30.json",
    "content/.env",
]
SOURCES = [
    "bot.py",
    "pyproject.toml",
    "README.md",
    "requirements.lock",
    "cli/operator.py",
    "models/db.py",
    "locales/fr/LC_MESSAGES/messages.po",
    "content/guides/en/week01.md",
    "migrations/versions/20261207_x.py",
]


def _tree(root: Path, paths: list[str]) -> None:
    for path in paths:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("x")


def test_the_ignore_file_lets_in_the_sources_and_nothing_else(tmp_path: Path) -> None:
    _tree(tmp_path, CLUTTER + SOURCES)
    (tmp_path / ".dockerignore").write_text((ROOT / ".dockerignore").read_text())
    sent = build_context(tmp_path)
    assert sent == set(SOURCES)


def test_the_checkout_as_it_is_sends_no_environment_data_or_secrets() -> None:
    sent = build_context(ROOT)
    forbidden = re.compile(
        r"(^|/)(\.venv|data|\.git|__pycache__|tests)/|(^|/)\.env|\.sqlite3|\.pgdump"
        r"|encryption\.key|keys-[^/]*\.txt$"
    )
    assert sorted(path for path in sent if forbidden.search(path)) == []
    for path in ("bot.py", "pyproject.toml", "README.md", "requirements.lock"):
        assert path in sent
    for package in PACKAGES:
        assert f"{package}/__init__.py" in sent
    assert any(path.startswith("migrations/versions/") for path in sent)


def test_what_the_dockerfile_copies_is_in_the_context() -> None:
    sent = build_context(ROOT)
    sources: list[str] = []
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            sources += [word for word in line.split()[1:-1] if not word.startswith("--")]
    assert sources, "the Dockerfile copies nothing"
    for source in sources:
        assert source in sent or any(path.startswith(f"{source}/") for path in sent), source


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("*", "a/b/c", True),
        ("*.py", "a/b.py", False),
        ("**/*.py", "a/b.py", True),
        ("**/*.py", "b.py", True),
        ("a/**", "a/b/c", True),
        ("/data", "data/x", True),
        ("data/", "data/x", True),
        ("data", "mydata/x", False),
        ("?.txt", "a.txt", True),
        ("?.txt", "ab.txt", False),
        ("**/.env", "a/b/.env", True),
        ("**/.env", ".env", True),
    ],
)
def test_docker_s_pattern_rules(pattern: str, path: str, expected: bool) -> None:
    assert ignored(path, read_patterns(pattern)) is expected


def test_the_last_matching_pattern_decides() -> None:
    patterns = read_patterns("*\n!cli/\n**/__pycache__\n")
    assert not ignored("cli/a.py", patterns)
    assert ignored("cli/__pycache__/a.pyc", patterns)
    assert ignored("tests/a.py", patterns)
