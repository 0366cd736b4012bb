"""The referral directory (content/referrals.yaml): services per area, shown on referral screens.

Programme staff keep the file; what is not known yet is shown as "to be completed by your
programme", never as a guessed name or number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

REFERRALS_PATH = Path(__file__).resolve().parent / "referrals.yaml"
COUNTRY = "Burundi"
KINDS = ("health", "psychosocial", "legal", "land", "police", "one_stop")
FIELDS = ("name", "place", "phone", "hours", "note")
# The screens that end with the services of the reader's area.
REFERRAL_SCREENS = frozenset(
    {
        "preparation#referral",
        "problem-areas#violence",
        "referral-selfcare#paths",
        "referral-selfcare#urgent",
    }
)


@dataclass(frozen=True)
class Service:
    name: str
    place: str = ""
    phone: str = ""
    hours: str = ""
    note: str = ""


@dataclass(frozen=True)
class Directory:
    # area path ("Burundi", "Gitega", "Gitega/Giheta") -> kind -> entries (None: not known yet)
    areas: Mapping[str, Mapping[str, tuple[Service, ...] | None]]
    problems: tuple[str, ...] = ()

    def services(self, path: Sequence[str]) -> list[tuple[str, tuple[Service, ...]]]:
        """For each kind, the entries of the most precise area of ``path`` that has any."""
        candidates = ["/".join(path[:depth]) for depth in range(len(path), 0, -1)] + [COUNTRY]
        found = []
        for kind in KINDS:
            entries: tuple[Service, ...] = ()
            for area in candidates:
                listed = self.areas.get(area, {}).get(kind)
                if listed:
                    entries = listed
                    break
            found.append((kind, entries))
        return found


def load_directory(path: Path = REFERRALS_PATH) -> Directory:
    problems: list[str] = []
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        return Directory({}, (f"{path.name} cannot be read: {error}",))
    listed = raw.get("areas") if isinstance(raw, dict) else None
    if not isinstance(listed, dict):
        return Directory({}, ("'areas:' must list areas, each with its kinds of services",))
    areas: dict[str, dict[str, tuple[Service, ...] | None]] = {}
    for area, kinds in listed.items():
        area = str(area).strip().strip("/")
        if not isinstance(kinds, dict):
            problems.append(f"{area}: list services by kind ({', '.join(KINDS)})")
            continue
        areas[area] = {}
        for kind, entries in kinds.items():
            if kind not in KINDS:
                problems.append(f"{area}: {kind!r} is not one of {', '.join(KINDS)}")
                continue
            areas[area][kind] = _entries(area, kind, entries, problems)
    if COUNTRY not in areas:
        problems.append(f"list {COUNTRY} (the whole country), even with every kind left null")
    return Directory(areas, tuple(problems))


def _entries(area: str, kind: str, raw: Any, problems: list[str]) -> tuple[Service, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        problems.append(f"{area}/{kind}: a list of entries, or null")
        return None
    services = []
    for entry in raw:
        if not isinstance(entry, dict) or not str(entry.get("name") or "").strip():
            problems.append(f"{area}/{kind}: each entry needs a name")
            continue
        unknown = [key for key in entry if key not in FIELDS]
        if unknown:
            problems.append(f"{area}/{kind}: unknown field {', '.join(map(str, unknown))}")
        services.append(Service(**{k: str(entry.get(k) or "").strip() for k in FIELDS}))
    return tuple(services)


@cache
def default_directory() -> Directory:
    return load_directory()
