"""The programme indicators for DHIS2, Burundi's national health information system (SNIS).

`data_value_sets` turns the indicators of whole months or quarters into the JSON that DHIS2
imports through ``POST /api/dataValueSets`` or its Import/Export app (Data import, JSON): the
"bulk" form of DHIS2's Web API guide, one flat list of data values, each with its data element,
period, org unit, category option combo and value (a string). Which data element, combo and org
unit: programme staff say it in a mapping file (exports/dhis2-mapping.example.yaml). The rules:

- Whole months ("202611") or quarters ("2026Q4") only, in DHIS2's period form.
- Every indicator and area of the figures, and every disaggregation sent, has an entry; a
  missing one stops the export naming it, never a silent zero. ``~`` leaves an indicator or an
  area out on purpose.
- Areas mapped to one org unit are added up into one value. Only counts add up: a mean or a
  median cannot be mapped to an org unit that several areas share.
- A suppressed figure ("<5") is left out, and so is a sum that would include it (a part of a
  sum would understate it); the note counts them.
- Totals of the whole scope (area ()) are not sent, and two nested areas ("Gitega" and
  "Gitega/Giheta") cannot both be mapped: DHIS2 adds up the values of an org unit's children
  itself, so the same people would count twice.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from models.reports.period import Period
from models.reports.tables import VOCABULARIES, Figure

# A DHIS2 uid: 11 letters and digits, the first a letter (Web API guide, "Maintenance").
UID = re.compile(r"[A-Za-z][A-Za-z0-9]{10}")
SECTIONS = ("attributeOptionCombo", "categoryOptionCombos", "indicators", "orgUnits")
# The breakdowns a data element can take (its category combination in DHIS2).
BY = ("total", "sex", "origin", "sex+origin")
# Indicators that cannot be added up across areas, by the end of their name.
NOT_ADDITIVE = ("_mean", "_median", "_rate", "_share", "_ratio")


def _disaggregations() -> dict[str, str]:
    """Each disaggregation key ("total", "f", "returnee", "f+returnee", ...) -> its breakdown."""
    keys = {"total": "total"}
    keys.update(dict.fromkeys(VOCABULARIES["sex"], "sex"))
    keys.update(dict.fromkeys(VOCABULARIES["origin"], "origin"))
    for sex in VOCABULARIES["sex"]:
        keys.update({f"{sex}+{origin}": "sex+origin" for origin in VOCABULARIES["origin"]})
    return keys


DISAGGREGATIONS = _disaggregations()


class Dhis2Error(ValueError):
    """The DHIS2 file cannot be made; the message says what to change."""


class BadPeriod(Dhis2Error):
    """Not a whole month or quarter, or the same one twice."""


class BadMapping(Dhis2Error):
    """The mapping file is wrong; ``problems`` lists every problem, one sentence each."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("the DHIS2 mapping is wrong:\n  " + "\n  ".join(self.problems))


class MissingMapping(Dhis2Error):
    """Figures with no entry in the mapping; ``missing`` holds (section, key) pairs."""

    def __init__(self, missing: Iterable[tuple[str, str]]) -> None:
        self.missing = tuple(missing)
        listed = "\n".join(f"  {section}: {key}" for section, key in self.missing)
        super().__init__(
            f"the DHIS2 mapping has no entry for:\n{listed}\n"
            "Add each to the mapping file: its DHIS2 uid, or ~ to leave an indicator or an area "
            "out on purpose."
        )


@dataclass(frozen=True)
class Target:
    """A data element that receives an indicator, broken down ``by`` one of BY."""

    data_element: str
    by: str = "total"


@dataclass(frozen=True)
class Dhis2Mapping:
    indicators: Mapping[str, tuple[Target, ...]]  # () = left out on purpose
    combos: Mapping[str, str | None]  # disaggregation -> category option combo
    org_units: Mapping[str, str | None]  # area path -> org unit; None = left out on purpose
    attribute_option_combo: str | None = None


def area_key(area: Iterable[str]) -> str:
    return "/".join(area)


def load_mapping(path: Path | str) -> Dhis2Mapping:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise BadMapping([f"{path} cannot be read: {error}"]) from error
    return parse_mapping(raw)


def parse_mapping(raw: Any) -> Dhis2Mapping:
    """The mapping from the YAML's data; BadMapping lists every problem at once."""
    if not isinstance(raw, dict):
        raise BadMapping(["the file must hold the sections " + ", ".join(SECTIONS)])
    problems = [
        f"{key!r} is not one of {', '.join(SECTIONS)}" for key in raw if key not in SECTIONS
    ]
    problems += [f"{name}: the section is missing" for name in SECTIONS[1:] if name not in raw]

    def uid(value: Any, where: str, *, optional: bool = True) -> str | None:
        if value is None and optional:
            return None
        if isinstance(value, str) and UID.fullmatch(value):
            return value
        problems.append(
            f"{where}: {value!r} is not a DHIS2 uid (11 letters and digits, the "
            "first a letter): copy it from DHIS2's Maintenance app"
        )
        return None

    def section(name: str) -> dict[Any, Any]:
        found = raw.get(name) or {}
        if not isinstance(found, dict):
            problems.append(f"{name}: list its entries as `key: value` lines")
            return {}
        return found

    combos: dict[str, str | None] = {}
    for key, value in section("categoryOptionCombos").items():
        if str(key) not in DISAGGREGATIONS:
            problems.append(
                f"categoryOptionCombos: {key!r} is not one of " + ", ".join(DISAGGREGATIONS)
            )
        combos[str(key)] = uid(value, f"categoryOptionCombos: {key}")
    indicators = {
        str(name): _targets(str(name), value, uid, problems)
        for name, value in section("indicators").items()
    }
    org_units: dict[str, str | None] = {}
    for key, value in section("orgUnits").items():
        path = area_key(part.strip() for part in str(key).strip().strip("/").split("/"))
        if path in org_units:
            problems.append(f"orgUnits: {path!r} is listed twice")
        org_units[path] = uid(value, f"orgUnits: {path}")
    mapping = Dhis2Mapping(
        indicators, combos, org_units, uid(raw.get("attributeOptionCombo"), "attributeOptionCombo")
    )
    problems += _conflicts(mapping)
    if problems:
        raise BadMapping(problems)
    return mapping


def _targets(name: str, value: Any, uid: Any, problems: list[str]) -> tuple[Target, ...]:
    """``~``, a uid, ``{dataElement, by}`` or a list of those -> the targets of an indicator."""
    if value is None:
        return ()
    entries = value if isinstance(value, list) else [value]
    targets = []
    for entry in entries:
        where = f"indicators: {name}"
        if isinstance(entry, str):
            entry = {"dataElement": entry}
        if not isinstance(entry, dict) or set(entry) - {"dataElement", "by"}:
            problems.append(f"{where}: give `dataElement:` and `by:` ({', '.join(BY)})")
            continue
        by = str(entry.get("by", "total"))
        if by not in BY:
            problems.append(f"{where}: by {by!r} is not one of {', '.join(BY)}")
        element = uid(entry.get("dataElement"), f"{where}: dataElement", optional=False)
        targets.append(Target(element or "", by))
    return tuple(targets)


def _conflicts(mapping: Dhis2Mapping) -> list[str]:
    """What would count people twice in DHIS2, or add up what cannot be added."""
    problems = []
    # DHIS2 adds up the category option combos of a data element: one breakdown of one
    # indicator per data element, or a total would be counted again in its parts.
    users: dict[str, str] = {}
    for name, targets in mapping.indicators.items():
        for target in targets:
            use = f"{name} (by {target.by})"
            if target.data_element in users:
                problems.append(
                    f"indicators: {users[target.data_element]} and {use} both send "
                    f"to data element {target.data_element}: give each its own"
                )
            elif target.data_element:
                users[target.data_element] = use
    mapped = {path: unit for path, unit in mapping.org_units.items() if unit}
    for path in mapped:
        parts = path.split("/")
        for depth in range(1, len(parts)):
            if area_key(parts[:depth]) in mapped:
                problems.append(
                    f"orgUnits: {area_key(parts[:depth])} and {path} are both "
                    "mapped, but DHIS2 adds up an org unit's children itself: map "
                    "one level and set the other to ~"
                )
    shared: dict[str, list[str]] = {}
    for path, unit in mapped.items():
        shared.setdefault(unit, []).append(path)
    for name, targets in mapping.indicators.items():
        for unit, paths in shared.items():
            if targets and name.endswith(NOT_ADDITIVE) and len(paths) > 1:
                problems.append(
                    f"indicators: {name} is a mean or median and cannot be added up, "
                    f"but org unit {unit} is shared by {', '.join(paths)}: set "
                    f"{name} to ~ or give each of those areas its own org unit"
                )
    return problems


def dhis2_period(period: Period) -> str:
    """A whole month -> "202611", a whole quarter -> "2026Q4"; any other period is refused."""
    start, end = period.start, period.end
    last_day = calendar.monthrange(end.year, end.month)[1]
    if start.day == 1 and end == date(end.year, end.month, last_day):
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.year}{start.month:02d}"
        if start.year == end.year and start.month % 3 == 1 and end.month == start.month + 2:
            return f"{start.year}Q{(start.month + 2) // 3}"
    raise BadPeriod(
        f"DHIS2 takes whole months or quarters: {start.isoformat()} to {end.isoformat()} is "
        "neither. Choose a month (from its 1st to its last day) or a quarter (January-March, "
        "April-June, July-September or October-December)."
    )


def _breakdown(figure: Figure) -> tuple[str, str]:
    """The figure's disaggregation key and its breakdown (one of BY)."""
    key = "+".join(part for part in (figure.sex, figure.origin) if part) or "total"
    return key, DISAGGREGATIONS.get(key, "")


def _text(value: int | float) -> str:
    """DHIS2 takes every value as a string: 12 -> "12", 0.8333333 -> "0.8333"."""
    if isinstance(value, float) and not value.is_integer():
        return repr(round(value, 4))
    return str(int(value))


@dataclass
class Dhis2Export:
    """The payload, and what was left out of it and why (for the note beside the file)."""

    payload: dict[str, Any]
    suppressed: int = 0  # figures under 5, shown "<5"
    incomplete: int = 0  # sums left out because one of their areas was suppressed
    left_out: int = 0  # figures the mapping leaves out on purpose (~, or another breakdown)
    totals: int = 0  # totals of the whole scope

    @property
    def note(self) -> str:
        parts = [
            (self.suppressed, 'suppressed figures (under 5, shown "<5"), never sent as a number'),
            (self.incomplete, "sums of areas sharing an org unit, one of them suppressed"),
            (self.left_out, "figures the mapping leaves out (~, or a breakdown it does not send)"),
            (self.totals, "totals of the whole scope (DHIS2 adds up its org units itself)"),
        ]
        count = len(self.payload["dataValues"])
        left = "; ".join(f"{number} {what}" for number, what in parts if number)
        return f"Data values for DHIS2: {count}." + (f" Left out: {left}." if left else "")


def dhis2_export(
    figures_by_period: Mapping[Period, Iterable[Figure]], mapping: Dhis2Mapping | Mapping[str, Any]
) -> Dhis2Export:
    if not isinstance(mapping, Dhis2Mapping):
        mapping = parse_mapping(mapping)
    periods = sorted(figures_by_period.items(), key=lambda item: (item[0].start, item[0].end))
    batches = [(dhis2_period(period), list(figures)) for period, figures in periods]
    codes = [code for code, _ in batches]
    if len(set(codes)) < len(codes):
        raise BadPeriod(f"the same DHIS2 period twice: {', '.join(codes)}")
    _check_complete([figure for _, figures in batches for figure in figures], mapping)
    export = Dhis2Export({"dataValues": []})
    for code, figures in batches:
        cells: dict[tuple[str, str, str], list[int | float | None]] = {}
        seen: set[tuple[Any, ...]] = set()
        for figure in figures:
            key = (figure.indicator, figure.area, figure.sex, figure.origin)
            if key in seen:
                raise Dhis2Error(f"{code}: the figure {key} is given twice")
            seen.add(key)
            if not figure.area:
                export.totals += 1
                continue
            disaggregation, by = _breakdown(figure)
            unit = mapping.org_units[area_key(figure.area)]
            targets = [t for t in mapping.indicators[figure.indicator] if t.by == by]
            if unit is None or not targets:
                export.left_out += 1
                continue
            export.suppressed += figure.value is None
            for target in targets:
                combo = mapping.combos[disaggregation] or ""
                cells.setdefault((target.data_element, unit, combo), []).append(figure.value)
        for (element, unit, combo), values in cells.items():
            if any(value is None for value in values):
                export.incomplete += any(value is not None for value in values)
                continue
            value = dict(dataElement=element, period=code, orgUnit=unit, categoryOptionCombo=combo)
            if mapping.attribute_option_combo:
                value["attributeOptionCombo"] = mapping.attribute_option_combo
            value["value"] = _text(sum(v for v in values if v is not None))
            export.payload["dataValues"].append(value)
    return export


def data_value_sets(
    figures_by_period: Mapping[Period, Iterable[Figure]], mapping: Dhis2Mapping | Mapping[str, Any]
) -> dict[str, Any]:
    """The dataValueSets payload (JSON-ready); `dhis2_export` also says what was left out."""
    return dhis2_export(figures_by_period, mapping).payload


def _check_complete(figures: list[Figure], mapping: Dhis2Mapping) -> None:
    """Every indicator and area of the figures, and every disaggregation sent, is mapped."""
    missing: dict[tuple[str, str], None] = {}
    for figure in figures:
        targets = mapping.indicators.get(figure.indicator)
        if targets is None:
            missing["indicators", figure.indicator] = None
        if figure.area and area_key(figure.area) not in mapping.org_units:
            missing["orgUnits", area_key(figure.area)] = None
        disaggregation, by = _breakdown(figure)
        if not by or any(t.by == by for t in targets or ()):
            if not mapping.combos.get(disaggregation):
                missing["categoryOptionCombos", disaggregation] = None
    if missing:
        raise MissingMapping(missing)
