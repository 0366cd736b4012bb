"""What `docker build .` sends as its context, by Docker's .dockerignore rules.

A port of moby's patternmatcher: each pattern is cleaned and made a regular expression in which
`*` and `?` stay within a path element and `**` crosses them; a path is matched by a pattern
when the path or one of its parent folders is; the last pattern that matches decides, and `!`
lets a path back in.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_SPECIAL = set(".+()|{}$^")


@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern[str]
    exclusion: bool

    def matches(self, path: str) -> bool:
        if self.regex.match(path):
            return True
        parts = path.split("/")[:-1]
        return any(self.regex.match("/".join(parts[: i + 1])) for i in range(len(parts)))


def _regex(pattern: str) -> re.Pattern[str]:
    out, i = "^", 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            if pattern[i + 1 : i + 2] == "*":
                i += 1
                if pattern[i + 1 : i + 2] == "/":
                    i += 1
                out += ".*" if i + 1 == len(pattern) else "(.*/)?"
            else:
                out += "[^/]*"
        elif ch == "?":
            out += "[^/]"
        elif ch == "\\" and i + 1 < len(pattern):
            i += 1
            out += re.escape(pattern[i])
        elif ch in _SPECIAL:
            out += "\\" + ch
        else:
            out += ch
        i += 1
    return re.compile(out + "$")


def read_patterns(text: str) -> list[Pattern]:
    patterns = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        exclusion = line.startswith("!")
        if exclusion:
            line = line[1:].strip()
        line = posixpath.normpath(line)
        if len(line) > 1 and line.startswith("/"):
            line = line[1:]
        patterns.append(Pattern(_regex(line), exclusion))
    return patterns


def ignored(path: str, patterns: list[Pattern]) -> bool:
    result = False
    for pattern in patterns:
        if pattern.matches(path):
            result = not pattern.exclusion
    return result


def _files(root: Path) -> Iterator[str]:
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            yield (Path(folder) / name).relative_to(root).as_posix()


def build_context(root: Path) -> set[str]:
    """Every file below root that `docker build root` would send (forward slashes)."""
    ignore = root / ".dockerignore"
    patterns = read_patterns(ignore.read_text()) if ignore.exists() else []
    return {path for path in _files(root) if not ignored(path, patterns)}
