"""Each week's timed plan (content/plans/week-NN.yaml) and the meeting's length it adds up to."""

from __future__ import annotations

import copy
import io
from pathlib import Path
from typing import Any

import pytest

from content.check import run_check
from content.plans import PARTS, load_plan, load_plans
from content.schema import MEETING_MINUTES, WEEK_IDS
from tests.content.library import (
    PLAN,
    TRANSLATIONS,
    alignment_problems,
    edit,
    everything_of,
    plans_dir,
    stamp_translations,
    write_plan,
)

PLAN_PROBLEM = ("error", "plan", "", "", "")


def plan_with(**changes: Any) -> dict[str, Any]:
    plan = copy.deepcopy(PLAN)
    plan.update(changes)
    return plan


def parts_with(minutes: dict[str, int] | None = None, lead: dict[str, str] | None = None) -> Any:
    return [
        {
            **part,
            "minutes": (minutes or {}).get(part["part"], part["minutes"]),
            "lead": (lead or {}).get(part["part"], part["lead"]),
        }
        for part in PLAN["parts"]
    ]


def plan_messages(root: Path) -> list[str]:
    return [p.message for p in alignment_problems(root) if p.rule == "plan"]


def test_the_valid_plans_add_up(guides: Path) -> None:
    plans = load_plans(plans_dir(guides))
    assert list(plans) == list(WEEK_IDS)
    assert all(plan.problems == () and plan.minutes == MEETING_MINUTES for plan in plans.values())
    assert tuple(part.part for part in plans["week-01"].parts) == PARTS


def test_the_shipped_plans_add_up() -> None:
    plans = load_plans()
    assert list(plans) == list(WEEK_IDS)
    assert {week: plan.problems for week, plan in plans.items() if plan.problems} == {}


def test_minutes_that_do_not_add_up(guides: Path) -> None:
    write_plan(guides, "week-04", plan_with(parts=parts_with({"activity": 50})))
    assert everything_of(guides) == [PLAN_PROBLEM]
    assert plan_messages(guides) == [
        "content/plans/week-04.yaml: the minutes add up to 170, not to the meeting's 180"
    ]


def test_a_part_missing(guides: Path) -> None:
    parts = [part for part in parts_with({"activity": 95}) if part["part"] != "food"]
    write_plan(guides, "week-04", plan_with(parts=parts))
    assert everything_of(guides) == [PLAN_PROBLEM]
    assert plan_messages(guides) == [
        "content/plans/week-04.yaml: parts must be opening, game, reportback, activity, food, "
        "closing in this order (found opening, game, reportback, activity, closing)"
    ]


def test_parts_out_of_order(guides: Path) -> None:
    parts = PLAN["parts"][:]
    parts[1], parts[2] = parts[2], parts[1]
    write_plan(guides, "week-05", plan_with(parts=parts))
    assert everything_of(guides) == [PLAN_PROBLEM]
    assert plan_messages(guides) == [
        "content/plans/week-05.yaml: parts must be opening, game, reportback, activity, food, "
        "closing in this order (found opening, reportback, game, activity, food, closing)"
    ]


def test_a_missing_plan(guides: Path) -> None:
    (plans_dir(guides) / "week-06.yaml").unlink()
    assert everything_of(guides) == [PLAN_PROBLEM]
    assert plan_messages(guides) == ["content/plans/week-06.yaml is missing"]


def test_a_split_week_without_a_part_led_by_each(guides: Path) -> None:
    write_plan(guides, "week-07", plan_with(split=True))
    assert everything_of(guides) == [PLAN_PROBLEM]
    assert plan_messages(guides) == [
        "content/plans/week-07.yaml: a split week has a part led by 'each' facilitator"
    ]
    write_plan(
        guides, "week-07", plan_with(split=True, parts=parts_with(lead={"activity": "each"}))
    )
    assert everything_of(guides) == []


def test_each_only_in_a_split_week(guides: Path) -> None:
    write_plan(guides, "week-07", plan_with(parts=parts_with(lead={"activity": "each"})))
    assert everything_of(guides) == [PLAN_PROBLEM]
    assert plan_messages(guides) == [
        "content/plans/week-07.yaml: lead 'each' is only for a week that splits the group "
        "(split: true)"
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"food": {"en": "Beans", "fr": "Haricots"}}, "food has no text in rn"),
        ({"materials": []}, "list at least one material to bring"),
        ({"split": "no"}, "split is true or false"),
        (
            {"parts": parts_with(lead={"game": "third"})},
            "game: lead 'third' is not one of first, second, both, each",
        ),
    ],
)
def test_what_else_a_plan_needs(guides: Path, change: dict[str, Any], message: str) -> None:
    write_plan(guides, "week-08", plan_with(**change))
    assert plan_messages(guides) == [f"content/plans/week-08.yaml: {message}"]


def test_a_plan_that_is_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "week-09.yaml"
    path.write_text("parts: [opening\n", encoding="utf-8")
    assert load_plan(path).problems[0].startswith("cannot be read: ")


def test_the_preparation_guide_without_the_meetings_length(guides: Path, tmp_path: Path) -> None:
    for lang in ("en", *TRANSLATIONS):
        edit(guides, lang, "preparation", " 180 ", " ", stamped=False)
    stamp_translations(guides)
    assert everything_of(guides) == [
        ("error", "plan", lang, "preparation", "") for lang in ("en", "fr", "rn")
    ]
    assert set(plan_messages(guides)) == {
        "say how long a meeting lasts (180 minutes): every week's plan adds up to it"
    }
    out = io.StringIO()
    assert run_check(guides, tmp_path / "no-locales", out) == 1
    assert "en/preparation.md: say how long a meeting lasts (180 minutes)" in out.getvalue()
