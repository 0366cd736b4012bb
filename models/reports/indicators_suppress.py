"""No one re-identified by a table: which disaggregated figures are suppressed (shown "<5").

In a group of twelve, "the one returnee woman" is a person. A figure broken down by sex or origin
is suppressed (value None) when it rests on fewer than five people, and then also wherever the
figures shown beside it would give it back by a subtraction:

1. primary: a disaggregated figure resting on fewer than MIN_COUNT people (0 to 4);
2. the other categories: one category of a breakdown hidden hides the others of that breakdown
   (the area's total minus the women would otherwise give the men);
3. sex by origin: when the breakdown by sex or by origin of an area is hidden, so is the one by
   sex and origin together (the returnee women and men would add up to the returnees);
4. siblings (counts only): under a parent area whose figure is shown, a hidden figure is never
   the only hidden one among its children (the commune minus the other collines would give it);
5. children (counts only): a hidden figure whose children are all shown hides the smallest of
   them (their sum would give it back), and rule 4 then hides another.

The rules only add suppressions; they are applied until nothing changes. Shares (attendance)
are not sums of their areas' shares, so rules 4 and 5 apply to counts only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import replace

from models.reports.tables import Figure

MIN_COUNT = 5

Area = tuple[str, ...]
Key = tuple[str, Area, str | None, str | None]  # indicator, area, sex, origin


def key(figure: Figure) -> Key:
    return (figure.indicator, figure.area, figure.sex, figure.origin)


def dimension(cell: Key) -> str:
    _, _, sex, origin = cell
    return "cross" if sex and origin else "sex" if sex else "origin"


def parents(areas: Iterable[Area]) -> dict[Area, Area]:
    """Each listed area's nearest listed ancestor; () for the top ones (() is the whole scope)."""
    listed = set(areas)
    found = {}
    for area in listed:
        if area:
            parent = area[:-1]
            while parent and parent not in listed:
                parent = parent[:-1]
            found[area] = parent
    return found


def suppress(
    figures: list[Figure], bases: dict[Key, int], additive: Collection[str]
) -> list[Figure]:
    """The figures with the suppressed ones set to None.

    `bases`: for each disaggregated figure, the number of people it rests on. `additive`: the
    indicators whose values add up from the areas below (counts of people)."""
    cells = {key(f): f for f in figures if f.sex or f.origin}
    hidden = {cell for cell in cells if bases.get(cell, 0) < MIN_COUNT}
    families: dict[tuple[str, Area, str], list[Key]] = defaultdict(list)
    for cell in cells:
        families[(cell[0], cell[1], dimension(cell))].append(cell)
    parent_of = parents(f.area for f in figures)
    children: dict[Key, list[Key]] = defaultdict(list)
    for cell in cells:
        indicator, area, sex, origin = cell
        if indicator in additive and area in parent_of:
            children[(indicator, parent_of[area], sex, origin)].append(cell)

    def smallest(candidates: list[Key]) -> Key:
        return min(candidates, key=lambda c: (cells[c].value or 0, c[1]))

    changed = True
    while changed:
        before = len(hidden)
        for (indicator, area, dim), members in families.items():
            margins = [families.get((indicator, area, m), []) for m in ("sex", "origin")]
            hide_all = any(c in hidden for c in members) or (
                dim == "cross" and any(c in hidden for margin in margins for c in margin)
            )
            if hide_all:
                hidden.update(members)
        for parent, below in children.items():
            shown = [c for c in below if c not in hidden]
            if not shown:
                continue
            if parent in cells and parent not in hidden and len(below) - len(shown) == 1:
                hidden.add(smallest(shown))  # rule 4
            elif parent in hidden and len(shown) == len(below):
                hidden.add(smallest(shown))  # rule 5
        changed = len(hidden) != before
    return [replace(f, value=None) if key(f) in hidden else f for f in figures]
