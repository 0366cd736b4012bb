"""What /report shows: the period and the area, the programme indicators, the groups' figures,
and the choices (periods, areas, monthly files). Render only; texts from
content/templates/coordinator/."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from conversations.coordinator import codec, screens
from conversations.coordinator.access import ReportChoice
from conversations.runtime.reply import Button, Reply
from exports.indicators import DAYS, SHARE, SUPPRESSED, indicator, indicator_name
from locales import Translator
from models.areas import Area
from models.reports import AreaReport
from models.reports.period import Period
from models.reports.tables import Figure

# The indicators shown in Telegram, in this order; the files hold them all, by area.
SHOWN = (
    "groups_active",
    "sessions_held",
    "sessions_planned",
    "attendance_mean",
    "participants",
    "participants_retained",
    "agreements_reported",
    "agreements_documented",
    "days_to_document_median",
)


def period_text(tr: Translator, period: Period) -> str:
    return tr.pgettext("coordinator", "{start} to {end}").format(
        start=tr.date(period.start), end=tr.date(period.end)
    )


def figure_text(tr: Translator, figure: Figure) -> str:
    if figure.value is None:
        return SUPPRESSED
    found = indicator(figure.indicator)
    if found is not None and found.kind == SHARE:
        return f"{round(float(figure.value) * 100)}%"
    if found is not None and found.kind == DAYS:
        return f"{float(figure.value):.1f}"
    return str(figure.value)


def indicators_text(tr: Translator, figures: Sequence[Figure]) -> str:
    overall = {
        f.indicator: f for f in figures if f.area == () and f.sex is None and f.origin is None
    }
    lines = [
        (indicator_name(tr, name), figure_text(tr, overall[name]))
        for name in SHOWN
        if name in overall
    ]
    return tr.render("coordinator/indicators.j2", lines=lines)


def report(
    tr: Translator,
    found: AreaReport,
    chosen: ReportChoice,
    figures: Sequence[Figure],
    monthly: bool,
) -> Reply:
    head = tr.render(
        "coordinator/report_choice.j2",
        period=period_text(tr, chosen.period),
        area=chosen.label,
        indicators=Markup(indicators_text(tr, figures)),
    )
    text = head + "\n\n" + screens.report_text(tr, found, digest=False, header=False)
    monthly_label = (
        tr.pgettext("coordinator", "Monthly files: on")
        if monthly
        else tr.pgettext("coordinator", "Monthly files: off")
    )
    buttons = [
        [Button(tr.pgettext("coordinator", "Attendance chart"), codec.data(codec.CHART))],
        [
            Button(tr.pgettext("coordinator", "Export: XLSX"), codec.data(codec.XLSX)),
            Button(tr.pgettext("coordinator", "Export: CSV"), codec.data(codec.CSV)),
        ],
        [
            Button(tr.pgettext("coordinator", "Period"), codec.data(codec.PERIODS)),
            Button(tr.pgettext("coordinator", "Area"), codec.data(codec.AREAS, 0)),
        ],
        [Button(monthly_label, codec.data(codec.MONTHLY, 0 if monthly else 1))],
    ]
    return Reply(text, buttons=buttons)


def no_groups(tr: Translator, chosen: ReportChoice) -> Reply:
    """No group in the area: when that is a part the person chose, the way back to the rest
    (the choice is remembered, so /report would otherwise stay empty)."""
    reply = screens.no_groups(tr)
    if chosen.scope.within is not None:
        reply.buttons = [[Button(tr.pgettext("coordinator", "Area"), codec.data(codec.AREAS, 0))]]
    return reply


def periods(tr: Translator, period: Period) -> Reply:
    text = tr.render("coordinator/periods.j2", period=period_text(tr, period))
    rows = [
        [Button(tr.pgettext("coordinator", "This month"), codec.data(codec.PERIOD, "month"))],
        [Button(tr.pgettext("coordinator", "Last quarter"), codec.data(codec.PERIOD, "quarter"))],
        [Button(tr.pgettext("coordinator", "Since the start"), codec.data(codec.PERIOD, "all"))],
        [Button(tr.pgettext("coordinator", "Type two dates"), codec.data(codec.TYPE_DATES))],
        [Button("‹ " + tr.pgettext("coordinator", "Report"), codec.data(codec.REPORT))],
    ]
    return Reply(text, buttons=rows)


def ask_dates(tr: Translator) -> Reply:
    return Reply(tr.render("coordinator/ask_dates.j2"), new=True)


def dates_refused(tr: Translator) -> Reply:
    return Reply(tr.render("coordinator/dates_refused.j2"))


def areas(tr: Translator, found: Sequence[Area], area_id: int | None) -> Reply:
    rows = []
    for area in found:
        rows.append(
            [
                Button(area.name, codec.data(codec.AREA, area.id)),
                Button("›", codec.data(codec.AREAS, area.id)),
            ]
        )
    # Always the person's whole area, also when browsing a part of it.
    everything = tr.pgettext("coordinator", "All of my area")
    rows.append([Button(everything, codec.data(codec.AREA, 0))])
    rows.append([Button("‹ " + tr.pgettext("coordinator", "Report"), codec.data(codec.REPORT))])
    return Reply(tr.render("coordinator/areas.j2", empty=not found), buttons=rows)


def monthly_toast(tr: Translator, on: bool) -> str:
    if on:
        return tr.pgettext(
            "coordinator",
            "The indicators of your area will come as a file on the 1st of each month.",
        )
    return tr.pgettext("coordinator", "No more monthly files.")


def workbook_name(period: Period) -> str:
    return f"report-{period.start.isoformat()}-{period.end.isoformat()}.xlsx"


def monthly_file(tr: Translator, period: Period, data: bytes) -> Reply:
    """The monthly file; its caption says only what it is (a lock screen shows it)."""
    caption = tr.pgettext("coordinator", "Figures of your area, {period}").format(
        period=period_text(tr, period)
    )
    return Reply(caption, document=(f"figures-{period.start:%Y-%m}.xlsx", data), new=True)


def digest(tr: Translator, found: AreaReport, month: Period, figures: Sequence[Figure]) -> Reply:
    """The Monday digest: the month's indicators so far, then the groups' figures."""
    head = tr.render(
        "coordinator/digest_month.j2",
        period=period_text(tr, month),
        indicators=Markup(indicators_text(tr, figures)),
    )
    return Reply(head + "\n\n" + screens.report_text(tr, found, digest=True, header=False))
