"""`python bot.py test`: every test and check, each timed.

The test suite runs on SQLite and then, when TEST_DATABASE_URL is set, on PostgreSQL (each
pytest worker in its own schema). Lint, types, catalogs, content and the Dockerfile are checked
too. Exits non-zero when anything fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def _step(
    name: str, command: list[str], env: dict[str, str] | None = None
) -> tuple[str, int, float]:
    print(f"\n=== {name}: {' '.join(command[1:] if command[0] == PYTHON else command)}", flush=True)
    started = time.monotonic()
    code = subprocess.call(command, cwd=ROOT, env=env if env is not None else dict(os.environ))
    elapsed = time.monotonic() - started
    print(f"=== {name}: {'ok' if code == 0 else f'FAILED ({code})'} in {elapsed:.1f} s", flush=True)
    return name, code, elapsed


def main(pytest_args: list[str]) -> int:
    from locales import compile_catalogs

    compile_catalogs()
    workers = os.environ.get("TEST_WORKERS", str(min(os.cpu_count() or 1, 2)))
    pytest = [PYTHON, "-m", "pytest", "-q", "-n", workers, "-p", "no:cacheprovider", *pytest_args]
    results = []
    if not pytest_args:
        bin_dir = Path(PYTHON).parent
        results.append(_step("ruff", [str(bin_dir / "ruff"), "check", "."]))
        results.append(_step("ruff format", [str(bin_dir / "ruff"), "format", "--check", "."]))
        results.append(_step("mypy", [str(bin_dir / "mypy")]))
        results.append(_step("catalogs", [PYTHON, "-m", "locales.catalogs", "check"]))
        results.append(_step("content", [PYTHON, "bot.py", "content", "check"]))
        hadolint = shutil.which("hadolint", path=str(bin_dir)) or shutil.which("hadolint")
        if hadolint is None:
            results.append(("hadolint", 1, 0.0))
            print("hadolint is missing: pip install -e .[test]")
        else:
            results.append(_step("hadolint", [hadolint, "Dockerfile"]))
    sqlite_env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    results.append(_step("tests on SQLite", pytest, env=sqlite_env))
    if os.environ.get("TEST_DATABASE_URL"):
        results.append(_step("tests on PostgreSQL", pytest))
    print("\nsummary")
    for name, code, elapsed in results:
        print(f"  {name:<22} {'ok' if code == 0 else 'FAILED':<7} {elapsed:7.1f} s")
    return 0 if all(code == 0 for _, code, _ in results) else 1
