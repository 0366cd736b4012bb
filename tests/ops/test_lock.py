"""requirements.lock, what the image installs: it covers pyproject's dependencies, each pinned
with its hashes, so it cannot fall behind pyproject.toml silently."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def locked() -> dict[str, tuple[Version, int]]:
    """Each locked distribution: its version and how many hashes it carries."""
    text = (ROOT / "requirements.lock").read_text()
    pins: dict[str, tuple[Version, int]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9._-]+)==(\S+)", block)
        if match:
            hashes = len(re.findall(r"--hash=sha256:[0-9a-f]{64}", block))
            pins[canonicalize_name(match.group(1))] = (Version(match.group(2)), hashes)
    return pins


def test_every_runtime_dependency_is_locked_at_a_version_pyproject_allows() -> None:
    pins = locked()
    for line in pyproject()["project"]["dependencies"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: refresh it (see README)"
        assert requirement.specifier.contains(pins[name][0], prereleases=True), name


def test_the_build_backend_is_locked_too() -> None:
    pins = locked()
    for line in pyproject()["build-system"]["requires"]:
        requirement = Requirement(line)
        assert requirement.specifier.contains(pins[canonicalize_name(requirement.name)][0])


def test_every_pin_carries_its_hashes() -> None:
    text = (ROOT / "requirements.lock").read_text()
    entries = [line for line in text.splitlines() if re.match(r"[A-Za-z0-9]", line)]
    assert entries and all(re.match(r"[A-Za-z0-9._-]+==\S+ \\$", line) for line in entries)
    assert all(hashes >= 1 for _, hashes in locked().values())
    assert "file://" not in text and "--index-url" not in text


def test_what_the_extras_bring_is_locked_too() -> None:
    """python-telegram-bot[job-queue,webhooks]: their packages, read from its metadata."""
    pins = locked()
    for line in pyproject()["project"]["dependencies"]:
        requirement = Requirement(line)
        for extra in requirement.extras:
            for needed in metadata.requires(requirement.name) or []:
                wanted = Requirement(needed)
                if wanted.marker and wanted.marker.evaluate({"extra": extra}):
                    assert canonicalize_name(wanted.name) in pins, f"{requirement.name}[{extra}]"
