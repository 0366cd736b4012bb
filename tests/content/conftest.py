"""The valid library of guides (tests/content/library.py), built once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.content.library import build_valid_library


@pytest.fixture(scope="session")
def valid_library_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The guides of the valid library; its plans are in the folder beside (``../plans``)."""
    root = tmp_path_factory.mktemp("valid") / "guides"
    build_valid_library(root)
    return root


@pytest.fixture
def guides(valid_library_dir: Path, tmp_path: Path) -> Path:
    """A fresh copy of the valid library (guides and plans), for one test to break."""
    content = tmp_path / "content"
    shutil.copytree(valid_library_dir.parent, content)
    return content / "guides"
