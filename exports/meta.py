"""What an export says about itself (the workbook's About sheet): the area it covers, the
period, who exported it, when, and with which version of the bot."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from conversations.runtime.menu import Np_
from conversations.vocabulary.languages import language_name
from conversations.vocabulary.people import role_name
from locales import Translator
from models.reports.period import Period

DISTRIBUTION = "sociotherapy-bot"
ROOT = Path(__file__).resolve().parents[1]


@cache
def software_version() -> str:
    """The version in pyproject.toml (the source that runs), else the installed package's."""
    try:
        return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True)
class ExportMeta:
    """``scope``: the area's label as people read it ("Gitega / Giheta", or the whole
    programme's name); ``role``: who exported it, a user's role (coordinator, admin) or
    "operator" for `bot.py export` on the server; ``exported_at``: the local date and time."""

    scope: str
    period: Period
    role: str
    exported_at: datetime
    version: str = field(default_factory=software_version)


PERIOD_NAMES = {
    "month": Np_("export", "This month"),
    "quarter": Np_("export", "Last quarter"),
    "all": Np_("export", "Since the start"),
    "dates": Np_("export", "Dates chosen"),
}
OPERATOR = Np_("export", "Operator, on the server (bot.py export)")
ITEM = Np_("export", "Item")
VALUE = Np_("export", "Value")
PRIVACY = Np_(
    "export",
    "Participant codes only: no names, no notes, no agreement summaries. In a breakdown by sex "
    "or by origin, a count under 5 shows as <5.",
)
IDENTIFYING = Np_(
    "export",
    "This file puts sex and origin beside each participant code: keep it safe and do not share it.",
)


def exported_by(tr: Translator, role: str) -> str:
    return tr.pgettext(*OPERATOR) if role == "operator" else role_name(tr, role)


def period_name(tr: Translator, period: Period) -> str:
    return tr.pgettext(*PERIOD_NAMES.get(period.kind, PERIOD_NAMES["dates"]))


def about_rows(tr: Translator, meta: ExportMeta, *, identifying: bool) -> list[tuple[str, Any]]:
    """(item, value) pairs: dates as dates, the time of export as a date and time."""
    rows: list[tuple[str, str | date]] = [
        (tr.pgettext("export", "Area"), meta.scope),
        (tr.pgettext("export", "Period"), period_name(tr, meta.period)),
        (tr.pgettext("export", "From"), meta.period.start),
        (tr.pgettext("export", "To"), meta.period.end),
        (tr.pgettext("export", "Exported by"), exported_by(tr, meta.role)),
        (tr.pgettext("export", "Exported on"), meta.exported_at),
        (tr.pgettext("export", "Software version"), meta.version),
        (tr.pgettext("export", "Language"), language_name(tr.lang)),
        (tr.pgettext("export", "Privacy"), tr.pgettext(*PRIVACY)),
    ]
    if identifying:
        rows.append((tr.pgettext("export", "Caution"), tr.pgettext(*IDENTIFYING)))
    return list(rows)
