"""The DHIS2 export: a dataValueSets payload from the programme indicators and a mapping file.

Its structure is checked against the examples of DHIS2's own documentation, copied unchanged
into fixtures/ (fixtures/README.md says from where), and the file is read back as DHIS2 would.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from exports.dhis2 import (
    DISAGGREGATIONS,
    BadMapping,
    BadPeriod,
    Dhis2Error,
    MissingMapping,
    data_value_sets,
    dhis2_export,
    dhis2_period,
    load_mapping,
    parse_mapping,
)
from models.meetings.reflections import REFERRALS
from models.reports.period import Period
from models.reports.tables import Figure

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE = Path(__file__).resolve().parents[2] / "exports" / "dhis2-mapping.example.yaml"
# The indicators of the shared specification, in their order.
INDICATORS = (
    "groups_started", "groups_active", "groups_completed", "groups_self_help", "sessions_held",
    "sessions_planned", "attendance_mean", "participants", "participants_retained",
    "agreements_reported", "agreements_acknowledged", "agreements_documented",
    "days_to_acknowledge_median", "days_to_document_median",
    *(f"referrals_{kind}" for kind in REFERRALS),
)  # fmt: skip
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), "dates")
Q4 = Period(date(2026, 10, 1), date(2026, 12, 31), "quarter")


def uid(name: str) -> str:
    """A well-formed DHIS2 uid of its own for each name (a letter, then 10 letters or digits)."""
    return "u" + hashlib.sha256(name.encode()).hexdigest()[:10]


def mapping(**changes: Any) -> dict[str, Any]:
    """A filled mapping: communes of Gitega; Giheta and Bugendana share one org unit."""
    raw: dict[str, Any] = {
        "attributeOptionCombo": None,
        "categoryOptionCombos": {key: uid(key) for key in DISAGGREGATIONS},
        "indicators": {
            "groups_started": {"dataElement": uid("de-groups_started")},
            "participants": [
                {"dataElement": uid("de-participants-sex"), "by": "sex"},
                {"dataElement": uid("de-participants-origin"), "by": "origin"},
            ],
            "attendance_mean": None,
        },
        "orgUnits": {
            "Gitega": None,
            "Gitega/Giheta": uid("ou-district-east"),
            "Gitega/Bugendana": uid("ou-district-east"),
            "Gitega/Gitega": uid("ou-district-gitega"),
        },
    }
    for section, entries in changes.items():
        raw[section] = {**raw[section], **entries} if isinstance(entries, dict) else entries
    return raw


# -- what DHIS2 documents ---------------------------------------------------------------------


def documented() -> dict[str, Any]:
    """The keys, the per-value columns and the period forms of DHIS2's own examples."""
    examples = [json.loads(path.read_text()) for path in sorted(FIXTURES.glob("dhis2-*.json"))]
    with (FIXTURES / "dhis2-datavalueset-bulk.csv").open(newline="") as file:
        columns = next(csv.reader(file))
    table = (FIXTURES / "dhis2-period-format.md").read_text()
    forms = dict(re.findall(r"^\| (Month|Quarter) \| (\w+) \|", table, re.M))
    pattern = {"Month": "yyyyMM", "Quarter": "yyyyQn"}  # the forms the export may write
    assert forms == pattern
    regex = {"yyyy": r"\d{4}", "MM": r"(0[1-9]|1[0-2])", "Qn": r"Q[1-4]"}
    periods = [re.sub("yyyy|MM|Qn", lambda m: regex[m[0]], form) for form in forms.values()]
    return {
        "set_keys": set().union(*examples),
        "value_keys": set().union(*(value for e in examples for value in e["dataValues"])),
        "always": set.intersection(*(set(v) for v in examples[0]["dataValues"])),
        "columns": set(columns),
        "period": re.compile("|".join(periods)),
    }


def check_payload(payload: dict[str, Any]) -> None:
    """The payload has only keys DHIS2 documents, strings for values, months or quarters."""
    doc = documented()
    assert set(payload) <= doc["set_keys"] and isinstance(payload["dataValues"], list)
    for value in payload["dataValues"]:
        assert doc["always"] <= set(value), value  # dataElement, period, orgUnit, value
        # Each key spelled as DHIS2's JSON spells it, and a column of one value in its CSV.
        assert set(value) <= doc["value_keys"] | doc["set_keys"], value
        assert {key.lower() for key in value} <= doc["columns"], value
        assert all(isinstance(item, str) for item in value.values()), value
        assert doc["period"].fullmatch(value["period"]), value["period"]


def test_the_documented_example_is_what_the_check_expects() -> None:
    bulk = json.loads((FIXTURES / "dhis2-datavalueset-bulk.json").read_text())
    check_payload(bulk)  # the bulk example of the Web API guide passes the same check
    assert documented()["always"] == {"dataElement", "period", "orgUnit", "value"}
    with pytest.raises(AssertionError):
        check_payload({"dataValues": [{**bulk["dataValues"][0], "value": 12}]})
    with pytest.raises(AssertionError):
        check_payload({"dataValues": [{**bulk["dataValues"][0], "period": "2026-11"}]})


def test_the_file_validates_against_dhis2s_structure_read_back(tmp_path: Path) -> None:
    raw = mapping(attributeOptionCombo=uid("aoc-partner"))
    figures = [
        Figure("groups_started", ("Gitega", "Gitega"), 3),
        Figure("participants", ("Gitega", "Gitega"), 14, sex="f"),
        Figure("participants", ("Gitega", "Gitega"), 9, sex="m"),
        Figure("participants", ("Gitega", "Gitega"), 6, origin="returnee"),
    ]
    path = tmp_path / "dhis2.json"
    path.write_text(json.dumps(data_value_sets({NOVEMBER: figures, Q4: figures}, raw)))
    payload = json.loads(path.read_text())
    check_payload(payload)
    values = payload["dataValues"]
    assert {v["period"] for v in values} == {"202611", "2026Q4"}
    assert {
        "dataElement": uid("de-participants-sex"),
        "period": "202611",
        "orgUnit": uid("ou-district-gitega"),
        "categoryOptionCombo": uid("f"),
        "attributeOptionCombo": uid("aoc-partner"),
        "value": "14",
    } in values
    assert len(values) == 8  # 4 figures in each of the 2 periods


# -- periods --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "form"),
    [
        (NOVEMBER, "202611"),
        (Period(date(2027, 2, 1), date(2027, 2, 28), "dates"), "202702"),
        (Period.last_quarter(date(2027, 1, 15)), "2026Q4"),
        (Period(date(2026, 4, 1), date(2026, 6, 30), "dates"), "2026Q2"),
    ],
)
def test_whole_months_and_quarters_in_dhis2s_form(period: Period, form: str) -> None:
    assert dhis2_period(period) == form


@pytest.mark.parametrize(
    "period",
    [
        Period.this_month(date(2026, 11, 15)),  # half a month
        Period(date(2026, 10, 1), date(2026, 11, 30), "dates"),  # two months
        Period(date(2026, 11, 1), date(2027, 1, 31), "dates"),  # three months, not a quarter
        Period(date(2026, 1, 1), date(2026, 12, 31), "dates"),  # a year
        Period.since(date(2025, 3, 1), date(2026, 11, 30)),
    ],
)
def test_any_other_period_is_refused_saying_why(period: Period) -> None:
    with pytest.raises(BadPeriod) as refused:
        data_value_sets({period: [Figure("groups_started", ("Gitega", "Gitega"), 3)]}, mapping())
    message = str(refused.value)
    assert "whole months or quarters" in message and period.start.isoformat() in message


def test_the_same_period_twice_is_refused() -> None:
    again = Period(NOVEMBER.start, NOVEMBER.end, "month")
    with pytest.raises(BadPeriod, match="202611"):
        data_value_sets({NOVEMBER: [], again: []}, mapping())


# -- areas that share an org unit ------------------------------------------------------------


def test_areas_mapped_to_one_org_unit_are_summed_into_one_value() -> None:
    figures = [
        Figure("groups_started", ("Gitega", "Giheta"), 3),
        Figure("groups_started", ("Gitega", "Bugendana"), 4),
        Figure("groups_started", ("Gitega", "Gitega"), 2),
        Figure("participants", ("Gitega", "Giheta"), 11, sex="f"),
        Figure("participants", ("Gitega", "Bugendana"), 8, sex="f"),
    ]
    values = data_value_sets({NOVEMBER: figures}, mapping())["dataValues"]
    by_unit = {(v["dataElement"], v["orgUnit"], v["categoryOptionCombo"]): v for v in values}
    assert len(values) == 3
    east, started = uid("ou-district-east"), uid("de-groups_started")
    assert by_unit[started, east, uid("total")]["value"] == "7"
    assert by_unit[started, uid("ou-district-gitega"), uid("total")]["value"] == "2"
    assert by_unit[uid("de-participants-sex"), east, uid("f")]["value"] == "19"


def test_a_mean_or_median_cannot_go_to_a_shared_org_unit() -> None:
    raw = mapping(indicators={"attendance_mean": {"dataElement": uid("de-attendance")}})
    with pytest.raises(BadMapping) as refused:
        parse_mapping(raw)
    message = str(refused.value)
    assert "attendance_mean" in message and uid("ou-district-east") in message
    assert "Gitega/Giheta" in message and "Gitega/Bugendana" in message
    # With an org unit of its own for each area, a mean is sent as it is.
    raw["orgUnits"]["Gitega/Bugendana"] = uid("ou-bugendana")
    figure = Figure("attendance_mean", ("Gitega", "Giheta"), 0.8333333)
    (value,) = data_value_sets({NOVEMBER: [figure]}, raw)["dataValues"]
    assert value["value"] == "0.8333"


def test_nested_areas_cannot_both_be_mapped() -> None:
    with pytest.raises(BadMapping, match="Gitega and Gitega/Giheta are both mapped"):
        parse_mapping(mapping(orgUnits={"Gitega": uid("ou-province")}))


def test_a_data_element_takes_one_indicator_broken_down_one_way() -> None:
    twice = [{"dataElement": uid("de-p"), "by": "total"}, {"dataElement": uid("de-p"), "by": "sex"}]
    with pytest.raises(BadMapping, match=r"participants \(by total\) and participants \(by sex\)"):
        parse_mapping(mapping(indicators={"participants": twice}))


# -- what is missing is named, never a zero --------------------------------------------------


def test_a_missing_entry_is_refused_naming_every_one() -> None:
    raw = mapping()
    del raw["categoryOptionCombos"]["returnee"]
    figures = [
        Figure("groups_started", ("Gitega", "Giheta"), 3),
        Figure("agreements_reported", ("Gitega", "Giheta"), 2),
        Figure("groups_started", ("Gitega", "Mutaho"), 5),
        Figure("participants", ("Gitega", "Giheta"), 7, origin="returnee"),
    ]
    with pytest.raises(MissingMapping) as refused:
        data_value_sets({NOVEMBER: figures}, raw)
    assert refused.value.missing == (
        ("indicators", "agreements_reported"),
        ("orgUnits", "Gitega/Mutaho"),
        ("categoryOptionCombos", "returnee"),
    )
    message = str(refused.value)
    for name in ("agreements_reported", "Gitega/Mutaho", "returnee"):
        assert name in message


def test_a_figure_given_twice_is_refused_not_added_up() -> None:
    figure = Figure("groups_started", ("Gitega", "Gitega"), 2)
    with pytest.raises(Dhis2Error, match="given twice"):
        data_value_sets({NOVEMBER: [figure, figure]}, mapping())


def test_left_out_on_purpose_with_a_tilde_and_counted() -> None:
    figures = [
        Figure("attendance_mean", ("Gitega", "Giheta"), 0.9),  # indicator: ~
        Figure("groups_started", ("Gitega",), 9),  # the province: ~
        Figure("groups_started", (), 9),  # the whole scope
        Figure("participants", ("Gitega", "Gitega"), 20),  # a total; sent by sex and origin
        Figure("groups_started", ("Gitega", "Gitega"), 2),
    ]
    export = dhis2_export({NOVEMBER: figures}, mapping())
    assert [v["value"] for v in export.payload["dataValues"]] == ["2"]
    assert (export.left_out, export.totals, export.suppressed) == (3, 1, 0)
    assert "3 figures the mapping leaves out" in export.note
    assert "1 totals of the whole scope" in export.note


def test_suppressed_figures_are_left_out_and_counted_never_a_number() -> None:
    figures = [
        # A colline's one returnee woman: suppressed where it is computed, "<5".
        Figure("participants", ("Gitega", "Giheta"), None, origin="returnee"),
        Figure("participants", ("Gitega", "Bugendana"), 12, origin="returnee"),
        Figure("participants", ("Gitega", "Gitega"), None, sex="f"),
        Figure("participants", ("Gitega", "Gitega"), 11, sex="m"),
    ]
    export = dhis2_export({NOVEMBER: figures}, mapping())
    values = export.payload["dataValues"]
    # Bugendana's 12 shares an org unit with Giheta's "<5": 12 alone would understate the sum.
    assert [(v["categoryOptionCombo"], v["value"]) for v in values] == [(uid("m"), "11")]
    assert (export.suppressed, export.incomplete) == (2, 1)
    assert export.note == (
        'Data values for DHIS2: 1. Left out: 2 suppressed figures (under 5, shown "<5"), never '
        "sent as a number; 1 sums of areas sharing an org unit, one of them suppressed."
    )


# -- the mapping file ------------------------------------------------------------------------


def test_a_value_that_is_not_a_uid_is_refused_naming_the_entry() -> None:
    with pytest.raises(BadMapping) as refused:
        parse_mapping(mapping(orgUnits={"Gitega/Gitega": "Gitega health district"}))
    assert refused.value.problems == (
        "orgUnits: Gitega/Gitega: 'Gitega health district' is not a DHIS2 uid (11 letters and "
        "digits, the first a letter): copy it from DHIS2's Maintenance app",
    )


def test_the_example_has_every_key_and_placeholders_that_must_be_filled(tmp_path: Path) -> None:
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert tuple(raw["indicators"]) == INDICATORS
    assert tuple(raw["categoryOptionCombos"]) == tuple(DISAGGREGATIONS)
    # As shipped it is refused, naming each placeholder, and for nothing else.
    with pytest.raises(BadMapping) as refused:
        load_mapping(EXAMPLE)
    problems = refused.value.problems
    assert all("is not a DHIS2 uid" in p and "'<uid: " in p for p in problems)
    assert "indicators: participants: dataElement: '<uid: data element for participants by sex>'" \
        " is not a DHIS2 uid" in "\n".join(problems)  # fmt: skip
    # Filled in, it loads and exports.
    filled = tmp_path / "dhis2-mapping.yaml"
    filled.write_text(re.sub(r'"<uid: ([^>]*)>"', lambda m: uid(m[1]), EXAMPLE.read_text()))
    loaded = load_mapping(filled)
    figure = Figure("participants", ("Gitega", "Giheta"), 12, sex="f")
    (value,) = data_value_sets({NOVEMBER: [figure]}, loaded)["dataValues"]
    assert value["orgUnit"] == uid("org unit for Giheta") and value["value"] == "12"


def test_the_example_lists_the_indicators_of_the_data() -> None:
    indicators = pytest.importorskip("models.reports.indicators")
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert tuple(raw["indicators"]) == tuple(indicators.INDICATORS)
