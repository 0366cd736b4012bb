"""Each week's timed plan: language-neutral data in ``plans/week-NN.yaml``, shown in every language.

A plan lists the parts of the meeting in order with their minutes and who of the two facilitators
leads each, the shared food or song of the day, and the materials to bring. The minutes add up to
the meeting's length (``MEETING_MINUTES``), which the preparation guide states.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from content.schema import MEETING_MINUTES, Screen
from content.telegram_html import plain_text
from locales import LANGUAGES

PLANS_DIR = Path(__file__).resolve().parent / "plans"
PLAN_KEY = "plan"
# The plan is shown right after this screen of the week.
PLAN_AFTER = "objectives"
PARTS = ("opening", "game", "reportback", "activity", "food", "closing")
LEADS = ("first", "second", "both", "each")


@dataclass(frozen=True)
class Part:
    part: str
    minutes: int
    lead: str


@dataclass(frozen=True)
class Plan:
    week_id: str
    parts: tuple[Part, ...]
    food: dict[str, str]
    materials: tuple[dict[str, str], ...]
    split: bool
    problems: tuple[str, ...] = ()

    @property
    def minutes(self) -> int:
        return sum(part.minutes for part in self.parts)


def load_plan(path: Path) -> Plan:
    """Read one plan; what is wrong goes to ``Plan.problems`` (the content check reports it)."""
    problems: list[str] = []
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        return Plan(path.stem, (), {}, (), False, (f"cannot be read: {error}",))
    if not isinstance(raw, dict):
        return Plan(path.stem, (), {}, (), False, ("must be 'field: value' lines",))
    parts = tuple(_parts(raw.get("parts"), problems))
    food = _translated(raw.get("food"), "food", problems)
    materials = tuple(
        _translated(item, f"material {number}", problems)
        for number, item in enumerate(raw.get("materials") or (), start=1)
    )
    if not materials:
        problems.append("list at least one material to bring")
    split = raw.get("split", False)
    if not isinstance(split, bool):
        problems.append("split is true or false")
        split = False
    names = tuple(part.part for part in parts)
    if names != PARTS:
        found = ", ".join(names)
        problems.append(f"parts must be {', '.join(PARTS)} in this order (found {found})")
    total = sum(part.minutes for part in parts)
    if total != MEETING_MINUTES:
        problems.append(f"the minutes add up to {total}, not to the meeting's {MEETING_MINUTES}")
    if not split and any(part.lead == "each" for part in parts):
        problems.append("lead 'each' is only for a week that splits the group (split: true)")
    if split and not any(part.lead == "each" for part in parts):
        problems.append("a split week has a part led by 'each' facilitator")
    return Plan(path.stem, parts, food, materials, split, tuple(problems))


def _parts(raw: Any, problems: list[str]) -> list[Part]:
    parts = []
    for item in raw or ():
        if not isinstance(item, dict):
            problems.append(f"a part must be {{part, minutes, lead}}, not {item!r}")
            continue
        name, minutes, lead = item.get("part"), item.get("minutes"), item.get("lead")
        if name not in PARTS:
            problems.append(f"part {name!r} is not one of {', '.join(PARTS)}")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
            problems.append(f"{name}: minutes must be a whole number above 0")
            minutes = 0
        if lead not in LEADS:
            problems.append(f"{name}: lead {lead!r} is not one of {', '.join(LEADS)}")
        parts.append(Part(str(name), minutes, str(lead)))
    return parts


def _translated(raw: Any, what: str, problems: list[str]) -> dict[str, str]:
    if not isinstance(raw, dict):
        problems.append(f"{what} needs a text in each language ({', '.join(LANGUAGES)})")
        return {}
    missing = [lang for lang in LANGUAGES if not str(raw.get(lang) or "").strip()]
    if missing:
        problems.append(f"{what} has no text in {', '.join(missing)}")
    return {lang: str(raw.get(lang) or "").strip() for lang in LANGUAGES}


def load_plans(directory: Path | None = None) -> dict[str, Plan]:
    """The plans found in ``directory`` (default content/plans), by week id."""
    root = directory or PLANS_DIR
    return {path.stem: load_plan(path) for path in sorted(root.glob("week-*.yaml"))}


@cache
def default_plans() -> dict[str, Plan]:
    """content/plans, read once."""
    return load_plans()


def plan_screen(plan: Plan, lang: str) -> Screen:
    """The plan as a screen in ``lang``: parts with minutes and who leads, food, materials."""
    from locales import translator  # the guides load before any translation is needed

    tr = translator(lang)
    html = tr.render("guide/plan.j2", plan=plan, lang=lang)
    title = plain_text(html.split("\n", 1)[0])
    return Screen(
        key=PLAN_KEY,
        title=title,
        html=html,
        plain_length=len(plain_text(html)),
        generated=True,
    )
