"""What coordinators see: the figures of an area, the rows of its exports, the weekly digest.

    figures   per-group summaries and flags, totals (`area_report`, `group_summaries`, ...)
    tables    the shared types of the exports: Column, Table, Figure, the vocabularies
    period    the period a report covers
    export    the tables of the exports (`export_tables`: export_meetings, export_agreements)
    preferences  a coordinator's choices in /report (period, area, monthly files)
    monthly   the monthly files: the sweep that queues them
    indicators  the programme's indicators (`programme_indicators`, `INDICATORS`), read by
              indicators_facts and suppressed by indicators_suppress
    places    the groups of a scope with the names of their province, commune and colline
    digest    the Monday digest: the sweep that queues it, the figures it shows
    rows      reading many rows a partition at a time

The digest's finder is in the sweep's plan (models/schedule.py).
"""

from models.reports.digest import (
    DIGEST_HOUR,
    DIGEST_WEEKDAY,
    digest_figures,
    digest_period,
    find_digests,
)
from models.reports.export import (
    TABLES,
    export_tables,
)
from models.reports.figures import (
    PREP_WARNING_DAYS,
    RECENT_DAYS,
    RECORD_GRACE,
    RECORD_WINDOW,
    AreaReport,
    GroupSummary,
    Totals,
    area_report,
    count_groups,
    group_summaries,
    report_totals,
    visible_groups,
)
from models.reports.indicators import INDICATORS, RETAINED_MIN, programme_indicators
from models.reports.indicators_suppress import MIN_COUNT
from models.reports.period import Period
from models.reports.rows import PARTITION_ROWS, stream_rows
from models.reports.tables import VOCABULARIES, Column, Figure, Table

__all__ = [
    "DIGEST_HOUR",
    "DIGEST_WEEKDAY",
    "INDICATORS",
    "MIN_COUNT",
    "PARTITION_ROWS",
    "PREP_WARNING_DAYS",
    "RECENT_DAYS",
    "RECORD_GRACE",
    "RECORD_WINDOW",
    "RETAINED_MIN",
    "TABLES",
    "VOCABULARIES",
    "AreaReport",
    "Column",
    "Figure",
    "GroupSummary",
    "Period",
    "Table",
    "Totals",
    "area_report",
    "count_groups",
    "digest_figures",
    "digest_period",
    "export_tables",
    "find_digests",
    "group_summaries",
    "programme_indicators",
    "report_totals",
    "stream_rows",
    "visible_groups",
]
