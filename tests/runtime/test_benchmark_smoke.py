"""The benchmark still runs: `python3 -m benchmarks --quick` completes and prints its table.

It says nothing about speed (the figures of a quick run on a busy CI machine mean little); the
real run is `python3 -m benchmarks`, whose table is in the README.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.__main__ import MARK_END, MARK_START, command_line, write_readme

ROOT = Path(__file__).resolve().parents[2]
PARTS = {"idle", "cost", "headroom", "steady", "monday", "programme"}


def test_quick_benchmark_completes_and_prints_the_table(tmp_path: Path) -> None:
    figures = tmp_path / "figures.json"
    command = [sys.executable, "-m", "benchmarks", "--quick", "--json", str(figures)]
    if not os.environ.get("TEST_DATABASE_URL"):
        command.append("--no-postgres")
    # A session of its own, so that a run that hangs ends with everything it started.
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=900)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail("the quick benchmark did not end in 15 minutes:\n" + stdout[-4000:] + stderr)
    assert process.returncode == 0, (stdout + stderr)[-4000:]
    assert "| # | measure | result | target | |" in stdout
    assert "Machine:" in stdout
    results = json.loads(figures.read_text())["results"]
    assert {r["run"]["part"] for r in results} == PARTS
    assert not [r for r in results if "failed" in r]
    headroom = {r["run"]["kind"]: r for r in results if r["run"]["part"] == "headroom"}
    # Every simulated person finished their part of the week, against both bots.
    for result in headroom.values():
        assert result["updates"] > 0 and result["stuck"] == 0, result
    assert {"bare", "sqlite"} <= set(headroom)
    cost = [r for r in results if r["run"]["part"] == "cost"]
    assert all(r["absent_saved"] == 2 and r["week_bytes"] > 0 for r in cost)


def test_the_table_goes_between_the_readme_markers(tmp_path: Path) -> None:
    start, end = MARK_START.format(name="results"), MARK_END.format(name="results")
    other = MARK_START.format(name="other") + "\nkept\n" + MARK_END.format(name="other")
    readme = tmp_path / "README.md"
    readme.write_text(f"# Bot\n\n{start}\nold\n{end}\n\n{other}\n")
    assert write_readme("| new table |", readme)
    text = readme.read_text()
    assert "| new table |" in text and "old" not in text
    assert text.endswith(f"{end}\n\n{other}\n")
    assert not write_readme("| new table |", readme, name="missing")


def test_the_command_line_shown_with_the_table() -> None:
    assert command_line(["--readme", "--json", "f.json"]) == "python3 -m benchmarks"
    assert (
        command_line(["--users", "1000", "--readme", "people", "--only", "headroom"])
        == "python3 -m benchmarks --users 1000 --only headroom"
    )
    assert command_line(["--readme", "--quick"]) == "python3 -m benchmarks --quick"
