"""The programme indicators as a table: one row per area and breakdown (all, by sex, by origin),
one column per indicator; a suppressed figure reads "<5", a figure not computed stays empty.

The names and meanings of the indicators are here (the code sheet lists them); their figures
come from models/reports (`programme_indicators`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from conversations.runtime.menu import Np_
from conversations.vocabulary.meetings import REFERRAL_NAMES
from exports import labels
from exports.meta import ExportMeta
from locales import Translator
from models.reports.tables import VOCABULARIES, Figure

SUPPRESSED = "<5"
AREA_COLUMNS = ("province", "commune", "colline", "group")
# How a figure is written: a count, a share of 1 (shown as a percentage), a number of days.
COUNT, SHARE, DAYS = "count", "share", "days"
FORMATS = {COUNT: None, SHARE: "0.0%", DAYS: "0.0"}


@dataclass(frozen=True)
class Indicator:
    name: tuple[str, str]
    meaning: tuple[str, str]
    kind: str = COUNT


INDICATORS: dict[str, Indicator] = {
    "groups_started": Indicator(
        Np_("export", "Groups started"),
        Np_("export", "Groups whose first meeting took place in the period."),
    ),
    "groups_active": Indicator(
        Np_("export", "Groups active"),
        Np_("export", "Groups that held at least one meeting in the period."),
    ),
    "groups_completed": Indicator(
        Np_("export", "Groups completed"),
        Np_("export", "Groups that have held all 15 meetings."),
    ),
    "groups_self_help": Indicator(
        Np_("export", "Self-help groups"),
        Np_("export", "Groups that went on as self-help groups after the 15 weeks."),
    ),
    "sessions_held": Indicator(
        Np_("export", "Sessions held"),
        Np_("export", "Meetings that took place in the period."),
    ),
    "sessions_planned": Indicator(
        Np_("export", "Sessions planned"),
        Np_("export", "Meetings due in the period, held or not."),
    ),
    "attendance_mean": Indicator(
        Np_("export", "Mean attendance"),
        Np_(
            "export",
            "Share of participants present, over the meetings held whose attendance was saved.",
        ),
        SHARE,
    ),
    "participants": Indicator(
        Np_("export", "Participants"),
        Np_("export", "Participant codes on the registers of the meetings in the period."),
    ),
    "participants_retained": Indicator(
        Np_("export", "Participants retained"),
        Np_(
            "export",
            "Participants present at 12 or more of the 15 meetings, among the participants "
            "of groups that held all 15.",
        ),
    ),
    "agreements_reported": Indicator(
        Np_("export", "Agreements reported"),
        Np_("export", "Agreements reached in the period and reported by the facilitators."),
    ),
    "agreements_acknowledged": Indicator(
        Np_("export", "Agreements acknowledged"),
        Np_("export", "Of these, the agreements a coordinator has acknowledged."),
    ),
    "agreements_documented": Indicator(
        Np_("export", "Agreements documented"),
        Np_("export", "Of these, the agreements documented with a reference number."),
    ),
    "days_to_acknowledge_median": Indicator(
        Np_("export", "Median days to acknowledge"),
        Np_("export", "Median number of days from the report to the acknowledgement."),
        DAYS,
    ),
    "days_to_document_median": Indicator(
        Np_("export", "Median days to document"),
        Np_("export", "Median number of days from the report to the documentation."),
        DAYS,
    ),
}
REFERRALS = Indicator(
    Np_("export", "Referrals: {type}"),
    Np_("export", "Meetings after which someone was referred to a service of this type."),
)
ALL = Np_("export", "All")
AREA = Np_("export", "Area")


def indicator(name: str) -> Indicator | None:
    if name in INDICATORS:
        return INDICATORS[name]
    return REFERRALS if name.removeprefix("referrals_") in REFERRAL_NAMES else None


def indicator_name(tr: Translator, name: str) -> str:
    found = indicator(name)
    if found is None:
        return name
    text = tr.pgettext(*found.name)
    if found is REFERRALS:
        return text.format(type=tr.pgettext(*REFERRAL_NAMES[name.removeprefix("referrals_")]))
    return text


def indicator_order(figures: Sequence[Figure]) -> list[str]:
    """The indicators present: the known ones in their order, then any other as it comes."""
    known = [*INDICATORS, *(f"referrals_{t}" for t in REFERRAL_NAMES)]
    present = dict.fromkeys(f.indicator for f in figures)
    return [n for n in known if n in present] + [n for n in present if n not in known]


def _breakdown_rank(figure: Figure) -> tuple[int, int, int]:
    sexes, origins = VOCABULARIES["sex"], VOCABULARIES["origin"]
    sex = sexes.index(figure.sex) + 1 if figure.sex in sexes else (0 if figure.sex is None else 9)
    origin = (
        origins.index(figure.origin) + 1
        if figure.origin in origins
        else (0 if figure.origin is None else 9)
    )
    return (bool(figure.sex) + bool(figure.origin), sex, origin)


@dataclass(frozen=True)
class FigureTable:
    columns: list[str]  # stored names: area columns, sex, origin, then the indicators
    headers: list[str]
    rows: list[tuple[Any, ...]]
    formats: list[str | None]


def figure_table(tr: Translator, figures: Sequence[Figure], meta: ExportMeta) -> FigureTable:
    """A row per area (in the order the figures come) and breakdown: everyone first, then by
    sex, by origin, by both; "<5" where a figure is suppressed. The whole export's area, (),
    is named by the scope's label."""
    names = indicator_order(figures)
    depth = max([3, *(min(len(f.area), len(AREA_COLUMNS)) for f in figures)])
    areas = {area: n for n, area in enumerate(dict.fromkeys(f.area for f in figures))}
    cells: dict[tuple[Any, ...], dict[str, Any]] = {}
    for figure in sorted(figures, key=lambda f: (areas[f.area], _breakdown_rank(f))):
        key = (figure.area, figure.sex, figure.origin)
        cells.setdefault(key, {})[figure.indicator] = (
            SUPPRESSED if figure.value is None else figure.value
        )
    every = tr.pgettext(*ALL)
    sexes, origins = labels.labels(tr, "sex"), labels.labels(tr, "origin")
    rows = []
    for (area, sex, origin), values in cells.items():
        place = " / ".join(area) if area else meta.scope
        path = [*area[:depth], *[None] * (depth - len(area[:depth]))]
        breakdown = (
            sexes.get(sex, sex) if sex else every,
            origins.get(origin, origin) if origin else every,
        )
        rows.append((place, *path, *breakdown, *(values.get(n) for n in names)))
    columns = ["area", *AREA_COLUMNS[:depth], "sex", "origin", *names]
    headers = [
        tr.pgettext(*AREA),
        *(labels.header(tr, c) for c in AREA_COLUMNS[:depth]),
        labels.header(tr, "sex"),
        labels.header(tr, "origin"),
        *(indicator_name(tr, n) for n in names),
    ]
    formats: list[str | None] = [None] * (depth + 3)
    for name in names:
        found = indicator(name)
        formats.append(FORMATS[found.kind] if found else None)
    return FigureTable(columns, headers, rows, formats)
